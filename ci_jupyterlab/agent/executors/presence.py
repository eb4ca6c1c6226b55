"""A notebook deleted under a request is noticed: no cell runs in it, nothing is written to it.

Wraps the executor of a front end whose cells run in a notebook file (the
panel's browser, which also saves that file after each step): before each run
and after it, the notebook must still be on disk. If it is gone, the run ends
``notebook_deleted`` (its outputs kept, if it ran) and so does the request,
instead of the front end writing the notebook back with its next save.

A notebook renamed mid-request is not "deleted": the front end tells the
server its new path (``notebook_moved``), so a missing file is looked for
again, under the path known then, after a short grace. Nor is one that was
never on disk (a front end working in a notebook it has not saved yet): only
a notebook seen on disk, then gone, is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from ..events import RunCell
from .base import ExecutionResult, Executor, Inspector, Preparer

#: Seconds to wait for a rename's news before taking a missing notebook as deleted.
RENAME_GRACE = 0.5


class NotebookPresenceExecutor:
    """An ``Executor`` whose runs end ``notebook_deleted`` once ``notebook()`` names no file on disk
    (after it named one)."""

    def __init__(self, inner: Executor, notebook: Callable[[], Path | None], grace: float = RENAME_GRACE):
        self.inner = inner
        self.notebook = notebook
        self.grace = grace
        self._seen = self._there()

    async def inspect(self, code: str, timeout: float) -> str | None:
        return await self.inner.inspect(code, timeout) if isinstance(self.inner, Inspector) else None

    async def prepare(self, cell: RunCell) -> None:
        if isinstance(self.inner, Preparer):
            await self.inner.prepare(cell)

    async def run(self, cell: RunCell) -> ExecutionResult:
        if await self._deleted():
            return ExecutionResult("notebook_deleted")
        result = await self.inner.run(cell)
        if result.status != "notebook_deleted" and await self._deleted():
            result.status = "notebook_deleted"
        return result

    async def _deleted(self) -> bool:
        for last_look in (False, True):
            if self._there():
                self._seen = True
                return False
            if not self._seen:
                return False
            if not last_look:
                await asyncio.sleep(self.grace)
        return True

    def _there(self) -> bool:
        path = self.notebook()
        return path is not None and path.exists()
