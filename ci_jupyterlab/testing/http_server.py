"""The scripted model's HTTP side: the request handler, the threaded server, loopback addresses."""

from __future__ import annotations

import ipaddress
import json
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .script import (
    ADMIN_PATHS,
    CHAT_PATH,
    DEFAULT_BODY_TYPE,
    DISCONNECT_ERRORS,
    EMPTY_QUEUE_TEXT,
    MODELS_PATH,
    STAMP_MARK,
    ScriptError,
    require,
    resolve_tool_calls,
)
from .state import ScriptState, parse_config
from .wire import (
    build_usage,
    chat_completion,
    error_body,
    log_headers,
    model_object,
    parse_json,
    scripted_error,
    sends_images,
    sse_event,
    stream_events,
    validate_chat_request,
    wants_tools,
)

#: How the stamp mark reads inside an event's JSON (escaped, as json.dumps writes it).
_STAMP_IN_JSON = json.dumps(STAMP_MARK)[1:-1]


class ScriptedHandler(BaseHTTPRequestHandler):
    """Routes one HTTP request to the model API or the admin API."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, as the real API
    disable_nagle_algorithm = True  # stream chunks leave at once instead of being batched
    _chunked = True  # whether the current streamed body uses chunked transfer encoding
    server: ScriptedServer

    # -- plumbing ----------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    # Other methods get an OpenAI-style 404 JSON body rather than the stock 501 HTML page.
    do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Access log on stderr only when asked for (keeps test output clean)."""
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        """The raw request body (Content-Length or chunked)."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        """Decode a chunked request body."""
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def _send_json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        """Send a complete JSON response."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _wait(self, seconds: float) -> bool:
        """Sleep, but wake early on shutdown; return False if shutting down."""
        if seconds > 0:
            self.server.state.stopping.wait(seconds)
        return not self.server.state.stopping.is_set()

    def _dispatch(self) -> None:
        """Read the request, then route it; a vanished client ends quietly."""
        try:
            raw = self._read_body()
            path = self.path.split("?", 1)[0]
            if path in ADMIN_PATHS:
                self._admin(path, raw)
            else:
                self._api(path, raw)
        except DISCONNECT_ERRORS:
            self.close_connection = True

    # -- model API -----------------------------------------------------------

    def _api(self, path: str, raw: bytes) -> None:
        """Log a model API request and answer it."""
        ok, body = parse_json(raw) if raw else (False, None)
        headers, has_auth, token = log_headers(self.headers)
        self.server.state.record(
            {
                "method": self.command,
                "path": path,
                "headers": headers,
                "has_authorization": has_auth,
                "bearer_token": token,
                "body": body if ok else None,
                "time": time.time(),
            }
        )
        if self.command == "POST" and path == CHAT_PATH:
            self._chat(body if ok else None)
        elif self.command == "GET" and path == MODELS_PATH:
            models, _ = self.server.state.config()
            self._send_json(200, {"object": "list", "data": [model_object(m) for m in models]})
        elif self.command == "GET" and path.startswith(MODELS_PATH + "/"):
            self._model(path[len(MODELS_PATH) + 1 :])
        else:
            self._send_json(404, error_body(f"Invalid URL ({self.command} {path})"))

    def _model(self, model_id: str) -> None:
        """Answer ``GET /v1/models/{id}``."""
        models, _ = self.server.state.config()
        if model_id in models:
            self._send_json(200, model_object(model_id))
        else:
            message = f"The model '{model_id}' does not exist"
            self._send_json(404, error_body(message, param="model", code="model_not_found"))

    def _chat(self, body: Any) -> None:
        """Answer a chat completion request with the next scripted item."""
        problem = validate_chat_request(body)
        if problem is not None:
            self._send_json(400, problem)
            return
        _, reject_tools = self.server.state.config()
        if reject_tools and wants_tools(body):
            self._send_json(400, error_body("tools are not supported by this model", param="tools"))
            return
        if self.server.state.reject_images and sends_images(body):
            self._send_json(400, error_body("image input is not supported by this model", param="messages"))
            return
        item = self.server.state.next_item() or {"text": EMPTY_QUEUE_TEXT}
        if not self._wait(item.get("delay", 0)):
            self.close_connection = True
            return
        if "error" in item:
            status, payload, headers = scripted_error(item["error"])
            self._send_json(status, payload, headers)
            return
        if "body" in item:
            self._send_raw(item["body"], item.get("content_type", DEFAULT_BODY_TYPE))
            return
        text = item.get("text", "")
        tool_calls = resolve_tool_calls(item)
        usage = build_usage(body, text, tool_calls, item.get("usage", {}))
        if body.get("stream") is True:
            events, ending = stream_events(item, body, text, tool_calls, usage)
            self._stream(events, ending, item.get("chunk_delay", 0), item.get("stamp", False))
        else:
            content = text if text or not tool_calls else None  # OpenAI sends null beside tool calls
            self._send_json(200, chat_completion(body, content, tool_calls, usage))

    def _send_raw(self, body: str, content_type: str) -> None:
        """Send a 200 response with ``body`` as-is (not JSON, not a stream)."""
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, events: Iterator[str], ending: str, chunk_delay: float, stamp: bool = False) -> None:
        """Send events (``data`` strings) as Server-Sent Events over a chunked HTTP response.

        ``ending`` is ``"done"`` (``[DONE]``, then the end of the body),
        ``"early"`` (the end of the body only) or ``"drop"`` (no end at all).
        ``stamp``: each ``STAMP_MARK`` in an event becomes ``@<time.time()>@`` just before it is written.
        """
        # HTTP/1.0 has no chunked encoding: there the end of the body is the connection's end.
        self._chunked = self.request_version != "HTTP/1.0"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        if self._chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex)
        self.end_headers()
        first = True
        for data in events:
            if not first and not self._wait(chunk_delay):
                self.close_connection = True  # shutting down: cut the stream like a dead server
                return
            first = False
            if stamp:
                data = data.replace(_STAMP_IN_JSON, f"@{time.time():.6f}@")
            self._write_chunk(sse_event(data))
        if ending == "drop":
            # Closing with the chunked body unfinished is what the client sees of a
            # dead server. (Over HTTP/1.0 the close is the body's normal end.)
            self.close_connection = True
            return
        if ending == "done":
            self._write_chunk(sse_event("[DONE]"))
        if self._chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        """Write one piece of the streamed body (as an HTTP/1.1 chunk when chunked)."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self._chunked else data)

    # -- admin API -----------------------------------------------------------

    def _admin(self, path: str, raw: bytes) -> None:
        """Answer the admin endpoints (not logged; they are the test's own calls)."""
        if path == "/_requests":
            if self.command != "GET":
                self._send_json(405, error_body(f"use GET {path}"))
                return
            self._send_json(200, {"requests": self.server.state.log()})
            return
        if self.command != "POST":
            self._send_json(405, error_body(f"use POST {path}"))
            return
        ok, body = parse_json(raw) if raw else (True, {})
        try:
            require(ok, "the body is not valid JSON")
            self._send_json(200, self._admin_post(path, body))
        except ScriptError as exc:
            self._send_json(400, error_body(str(exc)))

    def _admin_post(self, path: str, body: Any) -> dict:
        """Carry out one admin POST and return its answer."""
        state = self.server.state
        if path == "/_script":
            has_list = isinstance(body, dict) and isinstance(body.get("responses"), list)
            require(has_list, "expected {'responses': [...]}")
            return {"queued": state.enqueue(body["responses"])}
        if path == "/_reset":
            state.reset()
            return {"reset": True}
        return state.configure(**parse_config(body))


class ScriptedServer(ThreadingHTTPServer):
    """A threading HTTP server that can drop its open connections on shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: int, state: ScriptState, verbose: bool = False):
        self.address_family = family  # read by TCPServer.__init__ when it creates the socket
        self.state = state
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, ScriptedHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (slow in sandboxes)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Handle a connection while remembering it, so stop() can close it."""
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alives would block forever)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; report anything else."""
        if isinstance(sys.exc_info()[1], DISCONNECT_ERRORS):
            return
        super().handle_error(request, client_address)


def loopback_address(host: str) -> tuple[str, int]:
    """Check that ``host`` is a loopback address; return (address, socket family).

    The server has no authentication, so it must never listen beyond this machine.
    """
    address = "127.0.0.1" if host == "localhost" else host
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"host must be a loopback IP address, not {host!r}") from None
    if not ip.is_loopback:
        raise ValueError(f"refusing to listen on non-loopback address {host!r}")
    return address, socket.AF_INET6 if ip.version == 6 else socket.AF_INET
