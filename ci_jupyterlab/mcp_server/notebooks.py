"""Where an MCP tool acts on a notebook: live in a Lab window that has it open, else in its file.

Live, the request runs in the conversation the window shows for that notebook,
as if the user had sent it there: the cells appear and run in Lab, approvals
wait for the user's answer in the panel, and the history shows it "from
<client> (MCP)". Without such a window it runs headless (``headless.py``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..agent import Agent, CodeInterpreter, Event
from ..agent.kernel_context import kernel_context
from ..agent.notebook_view import NotebookSnapshot
from ..protocol import NotebookInfo, ProtocolError, UserMessage
from ..windows import Windows
from .headless import Busy, Headless

#: Notebooks ``list_notebooks`` names at most.
MAX_LISTED = 500
#: Seconds a window has to describe its notebook.
DESCRIBE_TIMEOUT = 15.0


class ToolError(Exception):
    """Why a tool cannot do what was asked, in words for the caller."""


class Notebooks:
    """The notebooks under ``root``, and the Lab windows (if any) that have some of them open."""

    def __init__(
        self,
        root: Path,
        settings: CodeInterpreter,
        headless: Headless,
        export: Callable[[str], Awaitable[dict]],
        windows: Windows | None = None,
    ):
        self.root = root.resolve()
        self.settings = settings
        self.headless = headless
        self._export = export
        self.windows = windows

    def checked(self, path: str) -> str:
        """``path`` as a notebook inside the root (relative, with /), or ``ToolError``."""
        path = path.strip().lstrip("/")
        if not path.endswith(".ipynb"):
            raise ToolError(f"'{path}' is not a notebook: give the path of an .ipynb file, as list_notebooks shows it.")
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root):
            raise ToolError("The notebook must be inside the server's root folder.")
        if not full.is_file():
            raise ToolError(f"There is no notebook {path}; list_notebooks shows those there are.")
        return full.relative_to(self.root).as_posix()

    async def listing(self) -> list[dict]:
        """The notebooks open in Lab first, then the others under the root (hidden folders left out)."""
        open_paths = self.windows.open_paths() if self.windows else set()
        on_disk = await asyncio.to_thread(self._walk)
        opened = sorted(path for path in open_paths if (self.root / path).is_file())
        rest = [path for path in on_disk if path not in open_paths]
        return [{"path": path, "open_in_lab": path in open_paths} for path in [*opened, *rest][:MAX_LISTED]]

    def _walk(self) -> list[str]:
        found = []
        for folder, folders, files in os.walk(self.root):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(files):
                if name.endswith(".ipynb"):
                    found.append((Path(folder) / name).relative_to(self.root).as_posix())
                    if len(found) >= MAX_LISTED:
                        return found
        return found

    async def _live(self, path: str):
        """The window that has the notebook open and how it has it; (None, None) if none does."""
        window = self.windows.showing(path) if self.windows else None
        if window is None:
            return None, None
        info = await window.describe(path, DESCRIBE_TIMEOUT)
        return (window, info) if info is not None else (None, None)

    async def view(self, path: str) -> tuple[NotebookSnapshot, bool]:
        """The notebook as the user has it (live: with unsaved changes), and whether it is open in Lab."""
        path = self.checked(path)
        _window, info = await self._live(path)
        if info is not None and info.view is not None:
            return info.view, True
        return await self.headless.view(path), False

    async def kernel_state(self, path: str) -> str | None:
        """The live variables of the notebook's kernel; None when no kernel runs for it."""
        path = self.checked(path)
        window, info = await self._live(path)
        if window is None:
            return await self.headless.kernel_state(path)
        session = window.session_showing(path)
        if not session.busy:
            window.drive_here(session)
        return await kernel_context(session.executor, info.kernel_language)

    async def run_code(
        self, path: str, code: str, *, client: str, request: str, cell: str | None, observe: Callable[[Event], None]
    ) -> Agent:
        path = self.checked(path)
        window, info = await self._live(path)
        if window is None:
            work = self.headless.run_code(path, code, client=client, request=request, cell=cell, observe=observe)
            return await self._headless(work)
        session = window.session_showing(path)
        return await self._outside(
            window,
            session,
            path,
            lambda: window.drive_code(session, info, code, client=client, request=request, cell=cell, observe=observe),
        )

    async def ask(self, path: str, text: str, *, client: str, observe: Callable[[Event], None]) -> Agent:
        path = self.checked(path)
        problem = self.settings.problem()
        if problem is not None:
            raise ToolError(f"{problem.message} {problem.hint}".strip())
        window, info = await self._live(path)
        if window is None:
            return await self._headless(self.headless.ask(path, text, client=client, observe=observe))
        session = window.session_showing(path)
        message = UserMessage(session.id, text, NotebookInfo(path, info.kernel_name, info.kernel_language, info.view))
        return await self._outside(
            window, session, path, lambda: window.drive_request(session, message, client, observe)
        )

    async def export(self, path: str) -> dict:
        return await self._export(self.checked(path))

    @staticmethod
    async def _headless(work: Awaitable[Agent]) -> Agent:
        try:
            return await work
        except Busy as exc:
            raise ToolError(f"{exc} Wait for it to finish.") from None

    @staticmethod
    async def _outside(window, session, path: str, work) -> Agent:
        try:
            task = window.start_outside(session, path, work)
        except ProtocolError as exc:
            raise ToolError(f"{exc.message} {exc.hint}".strip()) from None
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()  # the client gave up: the request ends "stopped" in the panel too
            raise
