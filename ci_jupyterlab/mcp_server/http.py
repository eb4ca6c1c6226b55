"""The MCP server at ``<base_url>ci-jupyterlab/mcp``: streamable HTTP inside the Jupyter server.

The SDK serves the transport as an ASGI app; ``McpHandler`` hands it each
request after the Jupyter server's own checks: authenticated like every route
(the server's token, or a Hub token, in ``Authorization: Bearer``; a browser's
cookie without the XSRF token is refused), authorized to ``execute``, the Host
checked against DNS rebinding (``ServerApp.allow_remote_access``), and the
Origin checked even for token-authenticated requests (which Jupyter lets
through): only the server's own origin, or those ``ServerApp.allow_origin``
allows, may call it from a web page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import urlparse

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from tornado import web
from tornado.iostream import StreamClosedError

log = logging.getLogger(__name__)

AUTH_RESOURCE = "ci_jupyterlab"
#: Headers of the app's answer that tornado writes itself.
_FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection"}


class McpService:
    """The SDK's streamable HTTP session manager, started at the first request and stopped with the server."""

    def __init__(self, build: Callable[[], MCPServer]):
        self._build = build
        self._manager = None
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()

    async def handler(self):
        """The ASGI callable that serves one request."""
        async with self._lock:
            if self._manager is None:
                await self._start()
        return self._manager.handle_request

    async def _start(self) -> None:
        server = self._build()
        # The Jupyter server checks Host and Origin (McpHandler): the SDK's own check would refuse its names.
        server.streamable_http_app(transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        manager = server.session_manager
        running = asyncio.get_running_loop().create_future()

        async def serve() -> None:
            async with manager.run():
                running.set_result(None)
                await self._stopping.wait()

        self._task = asyncio.create_task(serve())
        await asyncio.wait({running, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # it failed to start: say why
        self._manager = manager

    async def stop(self) -> None:
        """End every MCP session (their requests end with them)."""
        self._stopping.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


class McpHandler(ExtensionHandlerMixin, APIHandler):
    """Streamable HTTP: POST a message, GET the server's stream, DELETE the session."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized("execute")
    async def post(self):
        await self._serve()

    @web.authenticated
    @authorized("execute")
    async def get(self):
        await self._serve()

    @web.authenticated
    @authorized("execute")
    async def delete(self):
        await self._serve()

    def on_connection_close(self):
        self._gone.set()

    async def _serve(self) -> None:
        if not self._origin_allowed():
            raise web.HTTPError(403, "The MCP endpoint does not take requests from this web origin.")
        self._gone = asyncio.Event()
        app = await self.extensionapp.mcp.handler()
        await _serve_asgi(self, app)

    def _origin_allowed(self) -> bool:
        """No Origin (a program, not a page), the server's own, or one the server's CORS settings allow."""
        origin = self.request.headers.get("Origin")
        if not origin:
            return True
        if urlparse(origin.lower()).netloc == (self.request.headers.get("Host") or "").lower():
            return True
        if self.allow_origin:
            return self.allow_origin in ("*", origin)
        pattern = self.allow_origin_pat
        return bool(pattern) and pattern.match(origin) is not None


async def _serve_asgi(handler: McpHandler, app) -> None:
    """Run one ASGI request/response cycle of ``app`` over the tornado request, streaming the answer."""
    request = handler.request
    path = request.path
    headers = request.headers.get_all()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": request.version.removeprefix("HTTP/"),
        "method": request.method,
        "scheme": request.protocol,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": request.query.encode("latin-1"),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        "server": None,
        "client": (request.remote_ip, 0),
    }
    body_given = False
    content_type = "application/json"

    async def receive() -> dict:
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": request.body or b"", "more_body": False}
        await handler._gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal content_type
        if handler._gone.is_set():
            return
        if message["type"] == "http.response.start":
            handler.set_status(message["status"])
            for name, value in message.get("headers", []):
                name = name.decode("latin-1")
                if name.lower() == "content-type":
                    content_type = value.decode("latin-1")
                elif name.lower() not in _FRAMING_HEADERS:
                    handler.add_header(name, value.decode("latin-1"))
            handler.set_header("Content-Type", content_type)
        elif message["type"] == "http.response.body":
            if message.get("body"):
                handler.write(message["body"])
            if message.get("more_body"):
                try:
                    await handler.flush()
                except StreamClosedError:
                    handler._gone.set()

    await app(scope, receive, send)
    if not handler._finished and not handler._gone.is_set():
        handler.finish(set_content_type=content_type)
