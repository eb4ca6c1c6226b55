"""The Jupyter server extension: configuration, shared state, routes."""

from __future__ import annotations

import threading
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp

from .agent import Assistant, CodeInterpreter
from .agent.tokens import load_vocabulary
from .exporting import export_next_to
from .gateway import remote_kernel_manager_class
from .handlers import ChatHandler, ConfigHandler, ExportHandler, SessionHandler, SessionsHandler
from .kernel_env import keep_key_out_of_kernels
from .mcp_server.headless import Headless, ServerKernels, approve_all
from .mcp_server.http import McpHandler, McpService
from .mcp_server.notebooks import Notebooks
from .mcp_server.tools import build_server
from .mcp_tools import McpToolbox
from .page_key import PageKey
from .session_files import SessionFiles
from .sessions import SessionStore
from .settings_handlers import (
    ConnectionTestHandler,
    KeyHandler,
    LocalServersHandler,
    PageKeyHandler,
    SettingsHandler,
)
from .user_config import SettingsPolicy
from .windows import Windows


class CodeInterpreterApp(ExtensionApp):
    """Serves the chat of the Code Interpreter panel, its saved sessions and their export."""

    name = "ci_jupyterlab"

    def initialize_settings(self):
        self.interpreter = CodeInterpreter(parent=self)
        SettingsPolicy(self.interpreter).apply()  # what the user set from the panel, where allowed
        self.page_key = PageKey()  # proves a guarded settings change comes from the panel's page
        self.sessions = SessionStore(SessionFiles(self.interpreter.sessions_dir, self.interpreter.secrets))
        self._assistant: Assistant | None = None
        self._retired: list[Assistant] = []  # built before a settings change; requests may still use them
        self.windows = Windows()  # the Lab windows connected now, and the notebooks they have open
        self.mcp_kernels = ServerKernels(self.serverapp)
        self.mcp = McpService(self._mcp_server)
        self.toolbox = McpToolbox(self.interpreter)  # the MCP servers' tools, for the assistant
        # Loaded at the first request, the token vocabulary held the event loop (every user's chat)
        # for about 200 ms: loaded now, beside it.
        threading.Thread(target=load_vocabulary, name="ci-jupyterlab-vocabulary", daemon=True).start()
        if not self.interpreter.share_key_with_kernels:
            keep_key_out_of_kernels(
                self.serverapp.kernel_manager, lambda: self.interpreter.api_key, remote=self.remote_kernels
            )
        problem = self.interpreter.problem()
        if problem:
            self.log.warning("Code interpreter: %s %s", problem.message, problem.hint)
        else:
            self.log.info(
                "Code interpreter: model %s at %s",
                self.interpreter.public_view()["model"] or "(first listed)",
                self.interpreter.endpoint,
            )

    def settings_changed(self) -> None:
        """The next request uses the new settings: a new assistant (the old one closes at shutdown)."""
        if self._assistant is not None:
            self._retired.append(self._assistant)
            self._assistant = None

    @property
    def remote_kernels(self) -> bool:
        """Whether the server runs its kernels on a Kernel or Enterprise Gateway (``--gateway-url``)."""
        gateway = getattr(self.serverapp, "gateway_config", None)
        return bool(gateway is not None and gateway.gateway_enabled)

    def assistant(self) -> Assistant:
        """One for the server's lifetime: its model client pools connections and remembers the model."""
        if self._assistant is None:
            self._assistant = Assistant.from_settings(self.interpreter)
            self._assistant.tools = self.toolbox
        return self._assistant

    def _mcp_server(self):
        """The MCP server (docs/mcp.md): its tools act in the Lab windows, else in the notebooks' files."""
        root = Path(self.serverapp.root_dir).resolve()
        interpreter = self.interpreter
        headless = Headless(
            root,
            self.mcp_kernels,
            self.sessions,
            self.assistant,
            approve=approve_all if interpreter.mcp_run_unattended else None,
        )

        async def export(path: str) -> dict:
            return await export_next_to(
                path,
                self.sessions.record_of,
                root=root,
                interpreter=interpreter,
                notary=self.serverapp.contents_manager.notary,
                kernel_manager_class=(
                    remote_kernel_manager_class(interpreter.api_key) if self.remote_kernels else None
                ),
            )

        return build_server(Notebooks(root, interpreter, headless, export, self.windows), interpreter)

    def initialize_handlers(self):
        self.handlers.extend(
            [
                (r"/ci-jupyterlab/config", ConfigHandler),
                (r"/ci-jupyterlab/chat", ChatHandler),
                (r"/ci-jupyterlab/sessions", SessionsHandler),
                (r"/ci-jupyterlab/sessions/([A-Za-z0-9_.:-]{1,128})", SessionHandler),
                (r"/ci-jupyterlab/export", ExportHandler),
                (r"/ci-jupyterlab/settings", SettingsHandler),
                (r"/ci-jupyterlab/settings/key", KeyHandler),
                (r"/ci-jupyterlab/settings/test", ConnectionTestHandler),
                (r"/ci-jupyterlab/settings/local-servers", LocalServersHandler),
                (r"/ci-jupyterlab/mcp", McpHandler),
                (r"/ci-jupyterlab/settings/page-key", PageKeyHandler),
            ]
        )

    async def stop_extension(self):
        """Finish writing the sessions (nothing the chat showed is lost), then close the model client."""
        if not hasattr(self, "mcp"):
            return  # it never started: its configuration was refused (the server's log says why)
        await self.mcp.stop()
        await self.toolbox.close()
        await self.mcp_kernels.close()
        await self.sessions.flush()
        for assistant in [*self._retired, *([self._assistant] if self._assistant else [])]:
            await assistant.close()
