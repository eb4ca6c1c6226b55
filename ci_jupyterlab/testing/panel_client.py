"""A client of a running Jupyter server that does what the Code Interpreter panel does, without a browser.

It opens a notebook's session through the REST API (so the server starts the
kernel, locally or on a gateway), connects to that kernel's websocket as
JupyterLab does, and to the chat websocket. It runs the server's ``run_cell``
in that kernel (an ``execute_request``; outputs built from iopub as nbformat,
bounded as the panel bounds them before sending), answers ``inspect`` with a
silent execute, interrupts the kernel through the REST API when a cell passes
its timeout, and answers approvals. Everything goes
over real HTTP and websockets, with the server's token, under any base URL (a
JupyterHub user's ``/user/NAME/``).

Used by the deployment tests (remote kernels, JupyterHub) and by
``benchmarks/concurrency.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from nbformat.v4 import output_from_msg
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from ..agent.bounds import bounded_outputs
from ..protocol import PROTOCOL_VERSION

#: Seconds an interrupted cell may take to wind down.
INTERRUPT_GRACE = 10.0
#: Seconds without a message from the server after which a request is taken as hung (a failure, not a wait).
SILENCE_LIMIT = 180.0
_OUTPUTS = {"stream", "display_data", "execute_result", "error"}
#: The messages that carry the conversation's key, as the panel sends them.
KEYED_MESSAGES = frozenset({"user_message", "attach"})


class ProtocolRefused(RuntimeError):
    """The server refused a message of ours outright (it ends no request, so no ``done`` comes)."""


class ServerAPI:
    """The REST and websocket endpoints of one Jupyter server, e.g. ``http://127.0.0.1:8890/user/alice/``."""

    def __init__(self, base_url: str, token: str = ""):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token
        self.http = AsyncHTTPClient()

    def _headers(self) -> dict:
        return {"Authorization": f"token {self.token}"} if self.token else {}

    async def request(self, method: str, path: str, body=None) -> dict | None:
        """The JSON answer; ``HTTPClientError`` for a status of 400 or more."""
        request = HTTPRequest(
            self.base_url + path,
            method=method,
            headers={**self._headers(), "Content-Type": "application/json"},
            body=None if body is None and method == "GET" else json.dumps(body or {}),
            allow_nonstandard_methods=True,
            request_timeout=120,
        )
        response = await self.http.fetch(request)
        return json.loads(response.body) if response.body else None

    async def status(self, method: str, path: str, body=None) -> int:
        """Only the HTTP status of a request (for refusals)."""
        try:
            await self.request(method, path, body)
        except HTTPClientError as exc:
            return exc.code
        return 200

    async def websocket(self, path: str) -> WebSocketClientConnection:
        url = "ws" + self.base_url[len("http") :] + path
        return await websocket_connect(HTTPRequest(url, headers=self._headers()), max_message_size=64 * 1024 * 1024)


@dataclass
class Execution:
    """One execute request: done once the kernel is idle after it (iopub) *and* has replied (shell).

    The two channels are not ordered with each other: under load the reply,
    which carries the execution count, can come after the idle status, so the
    run waits for both, as jupyter_client's ``execute_interactive`` does.
    """

    outputs: list = field(default_factory=list)
    idle: asyncio.Event = field(default_factory=asyncio.Event)
    replied: asyncio.Event = field(default_factory=asyncio.Event)
    execution_count: int | None = None
    lost: str | None = None  # kernel_restarted | kernel_dead, when the kernel went away under it

    async def finished(self) -> None:
        await self.idle.wait()
        await self.replied.wait()

    def end(self, lost: str) -> None:
        """The kernel went away: nothing more will come for this request."""
        self.lost = lost
        self.idle.set()
        self.replied.set()


class KernelSocket:
    """A kernel, reached through the server's ``api/kernels/ID/channels`` websocket as the browser does."""

    def __init__(self, api: ServerAPI, kernel_id: str, ws: WebSocketClientConnection):
        self.api, self.kernel_id, self.ws = api, kernel_id, ws
        self.session = uuid.uuid4().hex
        self._running: dict[str, Execution] = {}
        self.states: list[str] = []  # every execution_state the kernel reported
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, api: ServerAPI, kernel_id: str) -> KernelSocket:
        ws = await api.websocket(f"api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}")
        return cls(api, kernel_id, ws)

    async def _read(self) -> None:
        while (raw := await self.ws.read_message()) is not None:
            message = json.loads(raw)
            kind = message["header"]["msg_type"]
            if kind == "status":
                state = message["content"]["execution_state"]
                self.states.append(state)
                if state in ("restarting", "autorestarting", "dead"):
                    self._lose("kernel_dead" if state == "dead" else "kernel_restarted")
            running = self._running.get(message.get("parent_header", {}).get("msg_id"))
            if running is None:
                continue
            if message["channel"] == "shell" and kind == "execute_reply":
                running.execution_count = message["content"].get("execution_count")
                running.replied.set()
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                running.idle.set()
            elif kind == "clear_output":
                running.outputs.clear()
            elif kind in _OUTPUTS:
                output = output_from_msg(message)
                output.pop("transient", None)
                running.outputs.append(dict(output))
        self._lose("kernel_dead")

    def _lose(self, why: str) -> None:
        for running in self._running.values():
            if not (running.idle.is_set() and running.replied.is_set()):
                running.end(why)

    def _send_execute(self, code: str, silent: bool) -> tuple[str, Execution]:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "session": self.session,
            "username": "",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "version": "5.3",
        }
        content = {
            "code": code,
            "silent": silent,
            "store_history": not silent,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": not silent,
        }
        running = self._running[msg_id] = Execution()
        self.ws.write_message(
            json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"})
        )
        return msg_id, running

    async def interrupt(self) -> None:
        await self.api.request("POST", f"api/kernels/{self.kernel_id}/interrupt")

    async def restart(self) -> None:
        """Restart the kernel as Lab's restart button does: this window knows at once that its cells are lost.

        (Lab's kernel connection sets its own status to "restarting" before it
        asks; a restart from elsewhere is seen from the kernel's iopub status.)
        """
        self._lose("kernel_restarted")
        await self.api.request("POST", f"api/kernels/{self.kernel_id}/restart")

    async def execute(self, code: str, *, timeout: float, silent: bool = False) -> tuple[str, Execution]:
        """Run ``code``; the status the panel would report (ok, error, timeout, kernel_*) and what came back."""
        msg_id, running = self._send_execute(code, silent)
        try:
            try:
                await asyncio.wait_for(running.finished(), timeout)
            except asyncio.TimeoutError:
                await self.interrupt()
                try:
                    await asyncio.wait_for(running.finished(), INTERRUPT_GRACE)
                except asyncio.TimeoutError:
                    pass
                return "timeout", running
        finally:
            self._running.pop(msg_id, None)
        if running.lost:
            return running.lost, running
        if any(output["output_type"] == "error" for output in running.outputs):
            return "error", running
        return "ok", running

    async def close(self) -> None:
        self.ws.close()
        self._reader.cancel()


async def open_notebook(api: ServerAPI, path: str, kernel_name: str = "python3") -> KernelSocket:
    """Create the notebook (if missing), start its session's kernel and connect to it, as Lab does."""
    if await api.status("GET", f"api/contents/{quote(path)}?content=0") == 404:
        spec = {"name": kernel_name, "display_name": kernel_name, "language": "python"}
        notebook = {"cells": [], "metadata": {"kernelspec": spec}, "nbformat": 4, "nbformat_minor": 5}
        await api.request("PUT", f"api/contents/{quote(path)}", {"type": "notebook", "content": notebook})
    session = await api.request(
        "POST", "api/sessions", {"path": path, "type": "notebook", "name": path, "kernel": {"name": kernel_name}}
    )
    return await KernelSocket.connect(api, session["kernel"]["id"])


class PanelChat:
    """One conversation on one notebook, driven over the chat websocket the way the panel drives it."""

    def __init__(self, api: ServerAPI, ws: WebSocketClientConnection, kernel: KernelSocket, notebook: str, session):
        self.api, self.ws, self.kernel, self.notebook, self.session = api, ws, kernel, notebook, session
        self.key = uuid.uuid4().hex  # the conversation's key, which the panel keeps in the browser
        self.approve = False
        self._stopping = False
        self.received: list[tuple[float, dict]] = []  # (time.time() on arrival, message)
        self.hello: dict | None = None
        #: Called with each message as it arrives, before it is acted on.
        self.on_message = None

    @classmethod
    async def open(cls, api: ServerAPI, notebook: str, session: str | None = None) -> PanelChat:
        kernel = await open_notebook(api, notebook)
        ws = await api.websocket("ci-jupyterlab/chat")
        chat = cls(api, ws, kernel, notebook, session or uuid.uuid4().hex)
        chat.hello = await chat.next()
        return chat

    async def stop(self) -> None:
        """The Stop button: tell the server, and interrupt the cell of ours that runs (reported as cancelled)."""
        self._stopping = True
        await self.send(type="stop")
        await self.kernel.interrupt()

    async def send(self, **message) -> None:
        if message.get("type") in KEYED_MESSAGES:
            message.setdefault("key", self.key)
        await self.ws.write_message(json.dumps({"protocol": PROTOCOL_VERSION, "session": self.session, **message}))

    async def next(self, timeout: float = SILENCE_LIMIT) -> dict:
        """The next message from the server; ``TimeoutError`` after ``timeout`` seconds of silence."""
        try:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"The chat websocket said nothing for {timeout:.0f} s.") from None
        if raw is None:
            raise ConnectionError("The chat websocket closed.")
        message = json.loads(raw)
        self.received.append((time.time(), message))
        if self.on_message is not None:
            self.on_message(message)
        return message

    async def ask(self, text: str, *, during_cell=None) -> list[dict]:
        """Send a request, run what it asks for, return every message up to ``done``.

        ``during_cell(message)``: a coroutine started when a ``run_cell`` arrives
        (to stop the request, or interrupt or restart the kernel under it, as a user would).
        """
        await self.send(type="user_message", text=text, notebook=self.description())
        return await self.follow(during_cell=during_cell)

    def description(self) -> dict:
        """The notebook as the panel describes it (without the view of its cells)."""
        return {"path": self.notebook, "kernel_name": "python3", "kernel_language": "python"}

    async def announce(self) -> None:
        """Tell the server this window has the notebook open, so outside agents' requests about it run here."""
        await self.send(type="open_notebooks", notebooks=[{"path": self.notebook, "session": self.session}])

    async def follow(self, *, during_cell=None) -> list[dict]:
        """Do what the running request asks of the panel until it is done; every message up to ``done``."""
        start = len(self.received)
        self._stopping = False
        while (message := await self.next())["type"] != "done":
            if message["type"] == "error" and not message.get("session"):
                # Refused outright (a protocol error): no "done" follows, so do not wait for one.
                raise ProtocolRefused(f"{message['message']} {message.get('hint') or ''}".strip())
            if message["type"] == "describe_notebook":
                await self.send(type="notebook_description", call_id=message["call_id"], notebook=self.description())
                continue
            if message["type"] == "run_cell":
                side = asyncio.ensure_future(during_cell(message)) if during_cell else None
                status, run = await self.kernel.execute(message["code"], timeout=message["timeout"])
                if side is not None:
                    await side
                if self._stopping:
                    status = "cancelled"
                await self.send(
                    type="execution_result",
                    call_id=message["call_id"],
                    status=status,
                    outputs=bounded_outputs(run.outputs),  # as the panel bounds them (outputBounds.ts)
                    execution_count=run.execution_count,
                )
            elif message["type"] == "inspect":
                status, run = await self.kernel.execute(message["code"], timeout=message["timeout"], silent=True)
                stdout = "".join(o["text"] for o in run.outputs if o.get("name") == "stdout")
                await self.send(
                    type="inspect_result", call_id=message["call_id"], stdout=None if status == "timeout" else stdout
                )
            elif message["type"] == "approval_request":
                await self.send(type="approval", request_id=message["request_id"], approved=self.approve)
        return [message for _, message in self.received[start:]]

    async def close(self) -> None:
        self.ws.close()
        await self.kernel.close()
