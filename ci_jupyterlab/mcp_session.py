"""A session with an MCP server, held open by a task of its own.

The SDK's transports are context managers whose task groups must be left by
the task that entered them; a session used from many requests (the stdio
bridge's, the assistant's MCP servers) is therefore opened, held and closed
by one task here, and used from any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from mcp import ClientSession
from mcp_types import Implementation

#: Opens the transport: an async context manager giving (read, write) streams.
Transport = Callable[[], AbstractAsyncContextManager]


class HeldSession:
    def __init__(self, transport: Transport):
        self.transport = transport
        self.session: ClientSession | None = None
        self._task: asyncio.Task | None = None
        self._closing = asyncio.Event()
        self._lock = asyncio.Lock()

    async def open(self, client: Implementation, timeout: float | None = None) -> ClientSession:
        """The initialized session, opened at the first call as ``client``."""
        async with self._lock:
            if self.session is None:
                ready = asyncio.get_running_loop().create_future()
                self._task = asyncio.create_task(self._hold(client, ready))
                try:
                    await asyncio.wait_for(asyncio.shield(ready), timeout)
                except BaseException:
                    await self.close()
                    raise
        return self.session

    async def _hold(self, client: Implementation, ready: asyncio.Future) -> None:
        try:
            async with (
                self.transport() as streams,
                ClientSession(streams[0], streams[1], client_info=client) as session,
            ):
                await session.initialize()
                self.session = session
                ready.set_result(None)
                await self._closing.wait()
        except Exception as exc:
            if not ready.done():
                ready.set_exception(exc)
        finally:
            self.session = None

    async def close(self) -> None:
        self._closing.set()
        if self._task is None:
            return
        if self.session is None:
            self._task.cancel()  # still connecting
        await asyncio.gather(self._task, return_exceptions=True)
