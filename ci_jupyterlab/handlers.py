"""HTTP and websocket endpoints: thin, authenticated, authorized."""

from __future__ import annotations

import json

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .chat import ChatConnection
from .protocol import PROTOCOL_VERSION

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


class ChatHandler(ExtensionHandlerMixin, WebSocketMixin, WebSocketHandler, JupyterHandler):
    """The chat websocket. Running code is what it leads to, so it needs ``execute``."""

    auth_resource = AUTH_RESOURCE

    def set_default_headers(self):
        """Websockets take none of the HTML headers JupyterHandler sets."""

    @ws_authenticated
    async def get(self, *args, **kwargs):
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "execute", AUTH_RESOURCE)
        )
        if not allowed:
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, *args, **kwargs):
        super().open()  # starts the keep-alive pings
        app = self.extensionapp
        self.connection = ChatConnection(app.interpreter, app.sessions, app.llm_client, self._send)
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
