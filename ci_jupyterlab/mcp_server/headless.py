"""An outside agent's work in a notebook that no Lab window has open: in its file, with a kernel.

The notebook is read from disk, the code runs in a kernel (the one the
Jupyter server keeps for that notebook, started if there is none; or, for
``jupyter ci mcp`` on its own, one it starts itself), the cells go into the
notebook as the panel would put them (``NotebookFileExecutor``) and the file
is written back. The request is recorded in the notebook's newest session, so
the panel shows it in its history and the export can verify it.

Nobody can be asked for approval here: cells that need it are declined with
the reason, unless the configuration approves them (``approve``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import nbformat

from ..agent import Agent, Assistant, Event, KernelEnvironment, LiveKernelState
from ..agent.approval import Approve
from ..agent.executors.file_watch import FileWatchingExecutor
from ..agent.executors.kernel import KernelExecutor
from ..agent.executors.notebook_file import NotebookFileExecutor
from ..agent.files import write_atomically
from ..agent.notebook_view import NotebookSnapshot, snapshot_of
from ..driving import drive
from ..server_messages import UserMessageShown
from ..sessions import ChatSession, SessionStore


async def approve_all(request) -> bool:
    """The administrator's answer to every approval of unattended requests (``mcp_run_unattended``)."""
    return True


class Busy(Exception):
    """The notebook runs another request."""


class KernelSource(Protocol):
    """Where a notebook's kernel comes from."""

    async def kernel_for(self, path: str, notebook: dict) -> KernelExecutor:
        """The notebook's kernel (``path`` relative to the root), started if it has none."""

    async def running(self, path: str) -> KernelExecutor | None:
        """The notebook's kernel if one runs, else None."""


class Headless:
    """Runs outside agents' requests in notebook files under ``root``."""

    def __init__(
        self,
        root: Path,
        kernels: KernelSource,
        store: SessionStore,
        assistant: Callable[[], Assistant],
        approve: Approve | None = None,
    ):
        self.root = root.resolve()
        self.kernels = kernels
        self.store = store
        self.assistant = assistant
        self.approve = approve
        self._writing: set[str] = set()  # notebooks with a request under way

    def read(self, path: str) -> nbformat.NotebookNode:
        """The notebook at ``path``, every cell with an id (ids are how edits and undo find cells)."""
        notebook = nbformat.read(self.root / path, as_version=4)
        for cell in notebook.cells:
            if "id" not in cell:
                cell["id"] = uuid.uuid4().hex[:8]
        notebook.nbformat_minor = max(notebook.nbformat_minor, 5)
        return notebook

    async def view(self, path: str) -> NotebookSnapshot:
        notebook = await asyncio.to_thread(self.read, path)
        return snapshot_of(notebook, len(notebook.cells) - 1 if notebook.cells else None)

    async def kernel_state(self, path: str) -> str | None:
        """The live variables of the notebook's kernel; None when no kernel runs for it."""
        kernel = await self.kernels.running(path)
        if kernel is None:
            return None
        return await LiveKernelState(kernel.language)(kernel)

    def session_for(self, path: str) -> ChatSession:
        """The notebook's newest conversation (its history goes on), or a new one."""
        for summary in self.store.summaries(path):
            session = self.store.find(summary["id"])
            if session is not None:
                return session
        session = self.store.get(uuid.uuid4().hex)
        session.notebook_path = path
        return session

    async def run_code(
        self, path: str, code: str, *, client: str, request: str, cell: str | None, observe: Callable[[Event], None]
    ) -> Agent:
        """Run an outside agent's code in the notebook (see ``Agent.run_code``); the agent, done."""

        def events(agent: Agent, notebook: dict, directory: Path):
            return agent.run_code(
                code,
                request=request,
                client=client,
                cell=cell,
                notebook_path=path,
                notebook_dir=str(directory),
                notebook=snapshot_of(notebook),
            )

        return await self._request(path, client, request, events, observe)

    async def ask(self, path: str, text: str, *, client: str, observe: Callable[[Event], None]) -> Agent:
        """Run an outside agent's request in words through the whole loop in the notebook; the agent, done."""

        def events(agent: Agent, notebook: dict, directory: Path):
            cells, language = notebook["cells"], agent.conversation.language
            return agent.run(
                text,
                notebook_path=path,
                notebook_dir=str(directory),
                context=[KernelEnvironment(language, text), LiveKernelState(language)],
                notebook=snapshot_of(notebook, len(cells) - 1 if cells else None),
                client=client,
            )

        return await self._request(path, client, text, events, observe)

    async def _request(self, path: str, client: str, text: str, events, observe) -> Agent:
        if path in self._writing or self.store.busy_with(path) is not None:
            raise Busy(f"{path} is busy with another request.")
        self._writing.add(path)
        try:
            notebook = await asyncio.to_thread(self.read, path)
            kernel = await self.kernels.kernel_for(path, notebook)
            session = self.session_for(path)
            session.notebook_path = path
            session.conversation.language = kernel.language
            file = self.root / path
            runner = NotebookFileExecutor(kernel, notebook, session=session.id)
            executor = FileWatchingExecutor(runner, file.parent, self.root, ignore={file.name})
            agent = self.assistant().agent(executor, session.conversation, record=session.record, approve=self.approve)
            session.emit(UserMessageShown(text, [], client).to_message())
            session.task = asyncio.create_task(
                drive(session, self.store, agent, events(agent, notebook, file.parent), observe)
            )
            try:
                await asyncio.shield(session.task)
            except asyncio.CancelledError:
                session.task.cancel()  # the client gave up: the cell is interrupted, the request ends "stopped"
                raise
            finally:
                await asyncio.to_thread(write_atomically, file, nbformat.writes(nbformat.from_dict(notebook)))
            return agent
        finally:
            self._writing.discard(path)


class OwnKernels:
    """Kernels this process starts itself (``jupyter ci mcp`` without a server), one per notebook, in its folder."""

    def __init__(self, root: Path, env: dict[str, str | None] | None = None, manager_class: type | None = None):
        self.root = root
        self.env = env
        self.manager_class = manager_class
        self._kernels: dict[str, KernelExecutor] = {}

    async def kernel_for(self, path: str, notebook: dict) -> KernelExecutor:
        kernel = self._kernels.get(path)
        if kernel is None or not await kernel.manager.is_alive():
            name = (notebook.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
            options = {"manager_class": self.manager_class} if self.manager_class else {"env": self.env}
            kernel = self._kernels[path] = await KernelExecutor(name, cwd=(self.root / path).parent, **options).start()
        return kernel

    async def running(self, path: str) -> KernelExecutor | None:
        kernel = self._kernels.get(path)
        return kernel if kernel is not None and await kernel.manager.is_alive() else None

    async def close(self) -> None:
        for kernel in self._kernels.values():
            await kernel.shutdown()
        self._kernels.clear()


class ServerKernels:
    """The kernels a Jupyter server keeps for its notebooks: the one a notebook's session has, or a new session's.

    A kernel started here is the one Lab attaches to when the user opens the
    notebook, with everything the outside agent made in it.
    """

    def __init__(self, serverapp):
        self.serverapp = serverapp
        self._attached: dict[str, KernelExecutor] = {}  # by kernel id

    async def running(self, path: str) -> KernelExecutor | None:
        sessions = await self.serverapp.session_manager.list_sessions()
        kernel_id = next((s["kernel"]["id"] for s in sessions if s.get("path") == path and s.get("kernel")), None)
        return await self._attach(kernel_id) if kernel_id else None

    async def kernel_for(self, path: str, notebook: dict) -> KernelExecutor:
        kernel = await self.running(path)
        if kernel is not None:
            return kernel
        name = (notebook.get("metadata", {}).get("kernelspec") or {}).get("name") or None
        model = await self.serverapp.session_manager.create_session(
            path=path, name=Path(path).name, type="notebook", kernel_name=name
        )
        return await self._attach(model["kernel"]["id"])

    async def _attach(self, kernel_id: str) -> KernelExecutor:
        kernel = self._attached.get(kernel_id)
        if kernel is None:
            manager = self.serverapp.kernel_manager.get_kernel(kernel_id)
            kernel = self._attached[kernel_id] = await KernelExecutor.attached(manager)
        return kernel

    async def close(self) -> None:
        for kernel in self._attached.values():
            await kernel.shutdown()  # the channels only: the kernels stay the server's
        self._attached.clear()
