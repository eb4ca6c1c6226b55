"""PanelChat, the browserless panel of the deployment tests and the concurrency benchmark, on a real server.

The deployment tests run it against a hub and a gateway outside the main test
run; this keeps it speaking the server's protocol version in every run (it
once kept sending version 2 after the server moved to 3, and waited forever).
"""

from __future__ import annotations

import pytest
from conftest import answer, run_cell

from ci_jupyterlab.testing.panel_client import PanelChat, ProtocolRefused, ServerAPI


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
