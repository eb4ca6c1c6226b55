"""PanelChat, the browserless panel of the deployment tests and the concurrency benchmark, on a real server.

The deployment tests run it against a hub and a gateway outside the main test
run; this keeps it speaking the server's protocol version in every run (it
once kept sending version 2 after the server moved to 3, and waited forever).
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from conftest import answer, run_cell

from ci_jupyterlab.testing.panel_client import (
    KernelSocket,
    PanelChat,
    ProtocolRefused,
    ServerAPI,
    open_notebook,
)


@pytest.fixture
def server_api(jp_serverapp, http_server_client, jp_http_port, jp_base_url, jp_auth_header):
    """The test server, listening (http_server_client binds its port), as PanelChat reaches it."""
    token = jp_auth_header["Authorization"].split(" ", 1)[1]
    return ServerAPI(f"http://localhost:{jp_http_port}{jp_base_url}", token)


async def test_panel_chat_runs_the_fix_loop_in_the_notebooks_kernel(server_api, llm_server, jp_root_dir):
    llm_server.enqueue(run_cell("print(math.sqrt(16))"), run_cell("import math\nprint(math.sqrt(16))"), answer("4."))
    chat = await PanelChat.open(server_api, "panel.ipynb")
    try:
        messages = await chat.ask("What is the square root of 16?")
    finally:
        await chat.close()
    assert chat.hello["type"] == "hello"
    assert [m["status"] for m in messages if m["type"] == "cell_done"] == ["error", "ok"]
    assert messages[-1] == {"type": "done", "reason": "answered", "session": chat.session}
    assert (jp_root_dir / "panel.ipynb").exists()


async def test_a_refused_message_fails_at_once_instead_of_waiting_for_done(server_api, llm_server):
    chat = await PanelChat.open(server_api, "refused.ipynb")
    chat.session = "not a valid id!"  # the server refuses it before any request starts
    try:
        with pytest.raises(ProtocolRefused, match="session"):
            await chat.ask("Anything")
    finally:
        await chat.close()


class ReplyAfterIdle:
    """The kernel's websocket as a loaded machine delivers it: each ``execute_reply`` after the idle status.

    Shell and iopub are separate channels with no order between them; the
    reply is held back until the idle of the same request has been read, then
    handed over a little later.
    """

    def __init__(self, ws):
        self.ws = ws
        self._held: dict[str, str] = {}
        self._ready: list[str] = []

    async def read_message(self):
        if self._ready:
            await asyncio.sleep(0.2)
            return self._ready.pop(0)
        raw = await self.ws.read_message()
        if raw is None:
            return None
        message = json.loads(raw)
        parent = message.get("parent_header", {}).get("msg_id")
        if message["header"]["msg_type"] == "execute_reply":
            self._held[parent] = raw
            return await self.read_message()
        if message["header"]["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            if parent in self._held:
                self._ready.append(self._held.pop(parent))
        return raw

    def write_message(self, message):
        return self.ws.write_message(message)

    def close(self):
        self.ws.close()


async def test_a_cell_is_done_only_once_its_reply_came_even_after_the_idle_status(server_api, llm_server):
    llm_server.enqueue(run_cell("x = 6 * 7\nx"), answer("42."))
    opened = await open_notebook(server_api, "late-reply.ipynb")
    await opened.close()
    ws = await server_api.websocket(f"api/kernels/{opened.kernel_id}/channels?session_id={uuid.uuid4().hex}")
    kernel = KernelSocket(server_api, opened.kernel_id, ReplyAfterIdle(ws))
    chat_ws = await server_api.websocket("ci-jupyterlab/chat")
    chat = PanelChat(server_api, chat_ws, kernel, "late-reply.ipynb", "late-reply")
    try:
        assert (await chat.next())["type"] == "hello"
        messages = await chat.ask("Six times seven?")
    finally:
        await chat.close()
    done = [m for m in messages if m["type"] == "cell_done"]
    assert [(m["status"], m["execution_count"]) for m in done] == [("ok", 1)]
    assert done[0]["outputs"][0]["data"]["text/plain"] == "42"
