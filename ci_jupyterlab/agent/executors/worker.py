"""Drive the agent from synchronous code: its loop on a worker thread, its cells here.

ipykernel runs a cell inside a running asyncio loop, so ``%%ci`` cannot
``asyncio.run`` the agent on the kernel's thread, and IPython must run user
code on that main thread. So the agent's events are produced on a worker
thread with an event loop of its own and handed over through a queue; each cell
the agent wants run arrives as a ``CellJob`` that the consuming thread runs and
finishes, while the agent awaits it; a silent lookup (error hints) arrives as
an ``InspectJob`` the same way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator

from ..events import Event, RunCell
from .base import ExecutionResult, Executor

#: Seconds between looks at the queue; short, so that an interrupt is felt at once.
POLL = 0.1
#: Seconds to wait for the worker to wind down after a stop.
STOP_GRACE = 5.0

EventSource = Callable[[Executor], AsyncIterator[Event]]


class _Job:
    """Something the agent waits on while the consuming thread does it; ``finish`` hands back the outcome."""

    def __init__(self):
        self.future: concurrent.futures.Future = concurrent.futures.Future()

    def finish(self, outcome) -> None:
        try:
            self.future.set_result(outcome)
        except concurrent.futures.InvalidStateError:
            pass  # the request was stopped meanwhile; nobody waits any more


class CellJob(_Job):
    """A cell to run: ``finish`` it with its ``ExecutionResult``."""

    def __init__(self, cell: RunCell):
        super().__init__()
        self.cell = cell


class InspectJob(_Job):
    """A silent lookup to run: ``finish`` it with what it printed, or None if it took too long."""

    def __init__(self, code: str, timeout: float):
        super().__init__()
        self.code = code
        self.timeout = timeout


class _HandOffExecutor:
    """The agent's executor: queues each cell and lookup for the consuming thread and awaits it."""

    def __init__(self, outbox: queue.Queue):
        self._outbox = outbox

    async def _hand_off(self, job: _Job):
        self._outbox.put(job)
        return await asyncio.wrap_future(job.future)

    async def run(self, cell: RunCell) -> ExecutionResult:
        return await self._hand_off(CellJob(cell))

    async def inspect(self, code: str, timeout: float) -> str | None:
        return await self._hand_off(InspectJob(code, timeout))


class _Finished:
    """The last item of the queue; carries the worker's exception, if it failed."""

    def __init__(self, error: Exception | None = None):
        self.error = error


class _Worker(threading.Thread):
    def __init__(self, source: EventSource, outbox: queue.Queue):
        super().__init__(name="ci-agent", daemon=True)
        self._source = source
        self._outbox = outbox
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def run(self) -> None:
        asyncio.run(self._pump())

    async def _pump(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        self._ready.set()
        finished = _Finished()
        try:
            async with contextlib.aclosing(self._source(_HandOffExecutor(self._outbox))) as events:
                async for event in events:
                    self._outbox.put(event)
        except asyncio.CancelledError:
            pass  # stopped by the consumer, who no longer reads the queue
        except Exception as exc:  # a bug: re-raised in the consuming thread
            finished = _Finished(exc)
        finally:
            self._outbox.put(finished)

    def stop(self) -> None:
        """Cancel the agent (if still running) and wait for the thread to end."""
        if self._ready.wait(STOP_GRACE) and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed: nothing to cancel
                self._loop.call_soon_threadsafe(self._task.cancel)
        self.join(STOP_GRACE)


def events_from_worker(source: EventSource) -> Iterator[Event | CellJob | InspectJob]:
    """The events of ``source(executor)``, produced on a worker thread, with its cells and lookups as jobs.

    The caller must ``finish`` every job it receives. Closing the
    iterator early (``break``, an exception, KeyboardInterrupt) cancels the
    agent and waits for its thread; an exception in the worker is re-raised
    here.
    """
    outbox: queue.Queue = queue.Queue()
    worker = _Worker(source, outbox)
    worker.start()
    try:
        while True:
            try:
                # A timeout rather than a blocking get: not every platform
                # interrupts a blocking lock wait for KeyboardInterrupt.
                item = outbox.get(timeout=POLL)
            except queue.Empty:
                continue
            if isinstance(item, _Finished):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        worker.stop()
