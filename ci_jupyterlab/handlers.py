"""HTTP and websocket endpoints: thin, authenticated, authorized."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .agent.redaction import Redactor
from .chat import ChatConnection
from .export import ExportError
from .exporting import export_next_to
from .gateway import remote_kernel_manager_class
from .protocol import PROTOCOL_VERSION
from .server_messages import ExportShown
from .session_files import valid_id

#: The resource name authorizers see for everything this extension does.
AUTH_RESOURCE = "ci_jupyterlab"


class ConfigHandler(ExtensionHandlerMixin, APIHandler):
    """What the panel may know about the configuration (never the key)."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    def get(self):
        view = self.extensionapp.interpreter.public_view()
        self.finish(json.dumps({"protocol": PROTOCOL_VERSION, **view}))


class SessionsHandler(ExtensionHandlerMixin, APIHandler):
    """The saved sessions, of one notebook with ``?notebook=PATH``: ``{sessions: [...]}``."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    async def get(self):
        notebook = self.get_query_argument("notebook", None)
        # The index is a file, read under a lock that saving threads hold: off the event loop.
        summaries = await asyncio.to_thread(self.extensionapp.sessions.summaries, notebook)
        self.finish(json.dumps({"sessions": summaries}))


class SessionHandler(ExtensionHandlerMixin, APIHandler):
    """One session's record, from which the panel redraws the chat after a reload."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    async def get(self, session_id: str):
        session = self.extensionapp.sessions.find(session_id)
        if session is None:
            problem = self.extensionapp.sessions.problem_of(session_id)
            if problem is None:
                raise web.HTTPError(404, f"No session {session_id}.")
            self.set_status(422)  # it is there, and cannot be read: the panel says so and starts afresh
            self.finish(
                json.dumps(
                    {
                        "message": f"The saved conversation of this notebook could not be read: {problem}.",
                        "hint": "A new conversation starts; the old file stays in the sessions folder.",
                    }
                )
            )
            return
        # A copy (to_dict copies), so a request running in the session can go on changing it.
        body = {"id": session.id, "notebook_path": session.notebook_path, "record": session.record.to_dict()}
        redactor = Redactor(self.extensionapp.interpreter.secrets())
        # In memory the record holds outputs as they came; the browser never gets the key.
        # Redacted as data, so a secret is found as it is rather than JSON-escaped. Megabytes of
        # outputs take the redactor's patterns a while: off the event loop.
        self.finish(await asyncio.to_thread(lambda: json.dumps(redactor.data(body))))


class ExportHandler(ExtensionHandlerMixin, APIHandler):
    """``{path, keep_attempts, verify, session}`` -> writes ``<stem>-export.ipynb`` next to it.

    Answers ``{path, verification}``. Verifying runs the notebook in a kernel
    (on the gateway when the server's kernels run on one), so it needs
    ``execute``. With the ``session`` of the chat that asked, the export's
    outcome joins that session's history, as its card showed it.
    """

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized("execute")
    async def post(self):
        body = self.get_json_body() or {}
        path = body.get("path")
        if not isinstance(path, str) or not path.endswith(".ipynb"):
            self._fail(ExportError("'path' must name a notebook (.ipynb).", "Send the notebook's path."))
            return
        interpreter = self.extensionapp.interpreter
        try:
            result = await export_next_to(
                path,
                self.extensionapp.sessions.record_of,
                root=Path(self.serverapp.root_dir).resolve(),
                interpreter=interpreter,
                notary=self.serverapp.contents_manager.notary,
                keep_attempts=bool(body.get("keep_attempts", False)),
                verify=bool(body.get("verify", True)),
                kernel_manager_class=(
                    remote_kernel_manager_class(interpreter.api_key) if self.extensionapp.remote_kernels else None
                ),
                # The chat that asked: all of its requests are the story, those that left no cell too.
                sessions=(body["session"],) if valid_id(body.get("session")) else (),
            )
        except ExportError as exc:
            self._log_to_session(body.get("session"), None, exc.message)
            self._fail(exc)
            return
        self._log_to_session(body.get("session"), result, None)
        self.finish(json.dumps(result))

    def _log_to_session(self, session_id, result: dict | None, error: str | None) -> None:
        session = self.extensionapp.sessions.find(session_id) if valid_id(session_id) else None
        if session is not None:
            session.record.log(ExportShown(result, error).to_message())
            self.extensionapp.sessions.save_soon(session)

    def _fail(self, error: ExportError) -> None:
        self.set_status(error.status)
        self.finish(json.dumps({"message": error.message, "hint": error.hint}))


class ChatHandler(ExtensionHandlerMixin, WebSocketMixin, WebSocketHandler, JupyterHandler):
    """The chat websocket. Running code is what it leads to, so it needs ``execute``."""

    auth_resource = AUTH_RESOURCE

    def set_default_headers(self):
        """Websockets take none of the HTML headers JupyterHandler sets."""

    @ws_authenticated
    async def get(self, *args, **kwargs):
        allowed = await ensure_async(self.authorizer.is_authorized(self, self.current_user, "execute", AUTH_RESOURCE))
        if not allowed:
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, *args, **kwargs):
        super().open()  # starts the keep-alive pings
        app = self.extensionapp
        self.connection = ChatConnection(
            app.interpreter, app.sessions, app.assistant, self._send, Path(self.serverapp.root_dir), app.windows
        )
        self._send(self.connection.hello())

    def on_message(self, message):
        self.connection.receive(message)

    def on_close(self):
        super().on_close()
        if hasattr(self, "connection"):
            self.connection.close()

    def _send(self, message: dict) -> None:
        try:
            self.write_message(json.dumps(message))
        except WebSocketClosedError:
            pass  # the page went away; the session's history is kept regardless
