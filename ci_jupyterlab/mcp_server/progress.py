"""A request's events as MCP progress notifications, and a keepalive while nothing else is said.

A client that asked for progress (a ``progressToken``) hears of each step: the
model thinking, a cell starting and how it ended, a cell waiting for the
user's approval in Lab. While a long cell runs or an approval waits, the same
line is repeated every ``KEEPALIVE`` seconds with the time so far, so that the
client (and any proxy between) knows the call is alive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ..agent import ApprovalRequest, CellDone, Event, RunCell, Status

#: Seconds between keepalive notifications.
KEEPALIVE = 10.0

Report = Callable[[float, str], Awaitable[None]]


def describe(event: Event) -> str | None:
    """One line on an event, for the caller; None for those it need not hear of (streamed text...)."""
    if isinstance(event, RunCell):
        first = next((line for line in event.code.splitlines() if line.strip()), "")
        attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
        return f"Step {event.step}{attempt}: running {first[:80]}"
    if isinstance(event, CellDone):
        error = f": {event.error['ename']}: {event.error['evalue']}"[:160] if event.error else ""
        return f"The cell ended {event.status}{error}"
    if isinstance(event, ApprovalRequest):
        return f"Waiting for the user's approval in JupyterLab: {event.reason}"
    if isinstance(event, Status) and event.phase in ("thinking", "fixing", "waiting"):
        return event.message or {"thinking": "The model is thinking", "fixing": "The model is fixing the cell"}.get(
            event.phase, "Waiting"
        )
    return None


class Progress:
    """Collects a request's events (``observe``) and reports them while the request runs (``follow``)."""

    def __init__(self, report: Report, keepalive: float = KEEPALIVE):
        self.report = report
        self.keepalive = keepalive
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._count = 0
        self._line = "Working"
        self._since = time.monotonic()

    def observe(self, event: Event) -> None:
        self._events.put_nowait(event)

    async def follow(self, work: Awaitable):
        """Await ``work`` and report as it goes; its result."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                getter = asyncio.ensure_future(self._events.get())
                done, _ = await asyncio.wait(
                    {task, getter}, timeout=self.keepalive, return_when=asyncio.FIRST_COMPLETED
                )
                if getter in done:
                    await self._said(getter.result())
                else:
                    getter.cancel()
                    if not done:
                        await self._send(f"{self._line} ({time.monotonic() - self._since:.0f} s so far)")
            while not self._events.empty():
                await self._said(self._events.get_nowait())
            return task.result()
        finally:
            if not task.done():
                task.cancel()

    async def _said(self, event: Event) -> None:
        line = describe(event)
        if line is not None:
            self._line, self._since = line, time.monotonic()
            await self._send(line)

    async def _send(self, line: str) -> None:
        self._count += 1
        await self.report(self._count, line)
