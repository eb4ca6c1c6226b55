"""The chat panel's executor: the browser runs each cell in the user's notebook and answers.

The server cannot run the panel's cells itself: they belong to the notebook
open in the browser, in its kernel session. So ``run`` and ``inspect`` send a
request (the ``run_cell`` event, an ``inspect`` message) and wait for the
matching reply, which the chat connection hands over.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from ..events import Inspect, RunCell
from .base import ExecutionResult

#: Extra seconds to wait for the browser beyond the cell timeout before giving up.
RESPONSE_GRACE = 60.0


class PendingReplies:
    """Answers a client owes us, by id: a cell's result, an inspection, an approval.

    The request goes out as a message first; ``wait`` is called right after,
    before the event loop can deliver a reply, so no reply is missed. A wait's
    deadline can be moved while it runs (``extend``): a cell queued behind the
    user's own cell waits without one until it starts.
    """

    def __init__(self):
        self._futures: dict[str, asyncio.Future] = {}
        self._deadlines: dict[str, float | None] = {}

    async def wait(self, reply_id: str, timeout: float | None):
        """The reply, or None when it did not come in time."""
        loop = asyncio.get_running_loop()
        future = self._futures[reply_id] = loop.create_future()
        self.extend(reply_id, timeout)
        try:
            while True:
                deadline = self._deadlines.get(reply_id)
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return None
                done, _ = await asyncio.wait({future}, timeout=remaining)
                if done:
                    return future.result()
        finally:
            self._futures.pop(reply_id, None)
            self._deadlines.pop(reply_id, None)

    def extend(self, reply_id: str, timeout: float | None) -> bool:
        """Give a wait a new deadline, ``timeout`` seconds from now (None: none); False if nobody waits."""
        if reply_id not in self._futures:
            return False
        self._deadlines[reply_id] = None if timeout is None else asyncio.get_running_loop().time() + timeout
        return True

    def deliver(self, reply_id: str, value) -> bool:
        """Hand a reply to whoever waits for it; False if nobody does (stale or stopped)."""
        future = self._futures.get(reply_id)
        if future is None or future.done():
            return False
        future.set_result(value)
        return True

    @property
    def pending(self) -> bool:
        return bool(self._futures)


class BrowserExecutor:
    """Runs cells in the user's notebook: the client runs each ``run_cell`` and answers.

    The ``run_cell`` message itself is the event the loop yields just before
    calling ``run``; ``run`` only waits for the matching ``execution_result``.
    ``inspect`` sends its own message: the client runs the snippet silently in
    the notebook's kernel and answers with what it printed. While the client
    reports the kernel busy with the user's own cell (``cell_state``
    "waiting"), either waits without a deadline.
    """

    def __init__(self, grace: float | None = None):
        self.grace = RESPONSE_GRACE if grace is None else grace
        self.replies = PendingReplies()
        self.send: Callable[[dict], None] | None = None  # set by the connection driving a request
        self._timeouts: dict[str, float] = {}  # the deadline each wait gets back once it starts

    async def run(self, cell: RunCell) -> ExecutionResult:
        result = await self._wait(cell.call_id, cell.timeout + self.grace)
        return result if result is not None else ExecutionResult(status="no_response")

    async def inspect(self, code: str, timeout: float) -> str | None:
        if self.send is None:
            return None
        call_id = f"inspect-{uuid.uuid4().hex[:12]}"
        self.send(Inspect(call_id, code, timeout).to_message())
        return await self._wait(call_id, timeout + 1.0)

    def cell_state(self, call_id: str, state: str) -> bool:
        """The client says a cell or lookup waits behind the user's cell, or has started; False if stale."""
        timeout = self._timeouts.get(call_id)
        if timeout is None:
            return False
        return self.replies.extend(call_id, None if state == "waiting" else timeout)

    async def _wait(self, call_id: str, timeout: float):
        self._timeouts[call_id] = timeout
        try:
            return await self.replies.wait(call_id, timeout)
        finally:
            self._timeouts.pop(call_id, None)
