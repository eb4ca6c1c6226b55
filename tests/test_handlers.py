"""The server extension through a real Jupyter server: auth, config, the chat websocket.

A real kernel (jupyter_client) plays the browser's part: it runs each
``run_cell`` the server sends and answers with ``execution_result``.
"""

from __future__ import annotations

import json

import pytest
from chat_client import Chat
from conftest import CANARY_KEY, answer, run_cell
from tornado.httpclient import HTTPClientError


async def test_config_tells_the_model_but_never_the_key(jp_fetch):
    response = await jp_fetch("ci-jupyterlab", "config")
    body = response.body.decode()
    config = json.loads(body)
    assert config["configured"] is True and config["model"] == "scripted-model"
    assert config["endpoint"].startswith("127.0.0.1:")
    assert CANARY_KEY not in body


async def test_requests_without_credentials_are_refused(jp_fetch, jp_ws_fetch):
    no_credentials = {"Authorization": ""}
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("ci-jupyterlab", "config", headers=no_credentials)
    assert refused.value.code == 403
    with pytest.raises(HTTPClientError) as refused_ws:
        await jp_ws_fetch("ci-jupyterlab", "chat", headers=no_credentials)
    assert refused_ws.value.code == 403


async def test_write_run_fix_over_the_websocket(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(
            run_cell("values = [3, 4]\nprint(math.hypot(*values))"),
            run_cell("import math\nvalues = [3, 4]\nprint(math.hypot(*values))"),
            answer("The hypotenuse is **5**."),
        )
        messages = await chat.ask("Hypotenuse of 3 and 4?")

        assert all(m["session"] == "s-1" for m in messages)
        cells = [m for m in messages if m["type"] == "run_cell"]
        assert len(cells) == 2 and cells[1]["replaces"] == cells[0]["call_id"]
        outcomes = [(m["status"], m["error"]) for m in messages if m["type"] == "cell_done"]
        assert outcomes == [("error", {"ename": "NameError", "evalue": "name 'math' is not defined"}), ("ok", None)]
        assert "".join(m["text"] for m in messages if m["type"] == "text_delta") == "The hypotenuse is **5**."
        assert [m["phase"] for m in messages if m["type"] == "status"][-1] == "done"
        assert messages[-1] == {"type": "done", "reason": "answered", "session": "s-1"}
        assert any(m["type"] == "usage" and m["total_tokens"] > 0 for m in messages)
        assert "5.0" in llm_server.chat_requests[2]["messages"][-1]["content"]
        assert CANARY_KEY not in json.dumps(chat.received)


async def test_the_conversation_continues_across_requests_and_reconnects(open_chat, llm_server, jp_ws_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("total = 40 + 2"), answer("Stored."))
        await chat.ask("Store 42 in total.")
        # a reloaded page opens a new socket but keeps its session id
        again = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), chat.kernel, key=chat.key)
        await again.next()
        llm_server.enqueue(run_cell("print(total)"), answer("It is 42."))
        messages = await again.ask("What is total?")
        assert [m["step"] for m in messages if m["type"] == "run_cell"] == [2]
        history = llm_server.chat_requests[-1]["messages"]
        assert any("Store 42" in (m.get("content") or "") for m in history)


async def test_stop_cancels_the_request(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("import time\ntime.sleep(30)"))
        await chat.send(type="user_message", text="Sleep.", notebook={})
        while (await chat.next())["type"] != "run_cell":
            pass  # the "browser" never answers: the cell is still running
        await chat.send(type="stop")
        while (message := await chat.next())["type"] != "done":
            last_status = message
        assert last_status["type"] == "status" and last_status["phase"] == "stopped"
        assert message == {"type": "done", "reason": "stopped", "session": "s-1"}
        # a late result is ignored, and the session takes a new request
        await chat.send(type="execution_result", call_id="cell-late", status="cancelled", outputs=[])
        llm_server.enqueue(answer("Ready again."))
        messages = await chat.ask("Hello?")
        assert messages[-1]["reason"] == "answered"


@pytest.mark.parametrize(
    "message, expected",
    [
        ({"type": "teleport", "protocol": 3, "session": "s"}, "Unknown message type 'teleport'"),
        ({"type": "stop", "protocol": 1, "session": "s"}, "Protocol version 1 is not supported"),
        ({"type": "user_message", "protocol": 3, "session": "s", "text": "   "}, "The request is empty"),
        ({"type": "user_message", "protocol": 3, "session": "bad id!", "text": "x"}, "needs a 'session' id"),
        (
            {"type": "execution_result", "protocol": 3, "session": "s", "call_id": "c", "status": "??"},
            "Unknown execution status",
        ),
    ],
)
async def test_bad_messages_get_a_clear_error(open_chat, message, expected):
    async with open_chat() as chat:
        await chat.ws.write_message(json.dumps(message))
        reply = await chat.next()
        assert reply["type"] == "error" and expected in reply["message"]


async def test_not_json_gets_a_clear_error(open_chat):
    async with open_chat() as chat:
        await chat.ws.write_message("{not json")
        reply = await chat.next()
        assert reply["type"] == "error" and "not valid JSON" in reply["message"]


async def test_a_second_request_while_busy_is_refused(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue({"text": "slow answer", "delay": 1.0})
        await chat.send(type="user_message", text="First", notebook={})
        await chat.send(type="user_message", text="Second", notebook={})
        # The first request's own messages may come first, as many as the machine's load makes it.
        message = await chat.next()
        while message["type"] != "error":
            assert message["type"] != "done", "the first request ended without the second being refused"
            message = await chat.next()
        assert "already running" in message["message"]


async def test_without_a_model_the_panel_is_told_how_to_configure(open_chat, extension, jp_fetch):
    async with open_chat() as chat:
        extension.interpreter.api_key = ""
        extension.interpreter.base_url = ""
        config = json.loads((await jp_fetch("ci-jupyterlab", "config")).body)
        assert config["configured"] is False
        assert "OPENAI_API_KEY" in config["problem"]["hint"]
        await chat.send(type="user_message", text="Hi", notebook={})
        error, done = await chat.next(), await chat.next()
        assert error["type"] == "error" and "No model is configured" in error["message"]
        assert done["reason"] == "error"


async def test_attachments_are_previewed_and_written_files_reported(open_chat, llm_server, jp_root_dir):
    work = jp_root_dir / "work"
    work.mkdir()
    (work / "sales.csv").write_text("month,revenue\n1,10.5\n2,31.5\n")
    (work / "a.ipynb").write_text("{}")
    async with open_chat(cwd=work) as chat:
        llm_server.enqueue(
            run_cell("import pandas as pd\npd.read_csv('sales.csv').sum().to_csv('totals.csv')"),
            answer("Wrote totals.csv."),
        )
        messages = await chat.ask("Total it.", attachments=["work/sales.csv", "../secret.txt"])

    told = llm_server.chat_requests[0]["messages"][1]["content"]
    assert told.startswith("Total it.")
    assert "work/sales.csv (" in told and "2 rows × 2 columns" in told and "revenue (float64)" in told
    assert "../secret.txt: refused (outside the server's root folder)" in told
    [changed] = [m for m in messages if m["type"] == "files_changed"]
    assert changed["files"] == [{"path": "work/totals.csv", "size": changed["files"][0]["size"], "change": "created"}]
    assert "[files written]\nwork/totals.csv (created" in llm_server.chat_requests[1]["messages"][-1]["content"]


async def test_hints_and_live_context_come_from_the_notebooks_kernel(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("import pandas as pd\nsales = pd.DataFrame({'Revenue': [1.0]})"), answer("ok"))
        await chat.ask("Make a table.")
        llm_server.enqueue(run_cell("sales['revenue'].sum()"), run_cell("sales['Revenue'].sum()"), answer("1.0"))
        messages = await chat.ask("Sum revenue.")

    told = llm_server.chat_requests[2]["messages"][-1]["content"]
    assert "Variables in the kernel:" in told and "sales: DataFrame 1 rows × 1 columns" in told
    feedback = llm_server.chat_requests[3]["messages"][-1]["content"]
    assert "closest to 'revenue': 'Revenue'" in feedback
    assert [m["status"] for m in messages if m["type"] == "cell_done"] == ["error", "ok"]


@pytest.mark.parametrize("approve", [False, True])
async def test_installing_needs_the_users_approval(open_chat, llm_server, approve):
    async with open_chat() as chat:
        chat.approve = approve
        llm_server.enqueue(run_cell("%pip install ci-jupyterlab-no-such-package-xyz"), answer("ok"))
        messages = await chat.ask("Install it.")

    [request] = [m for m in messages if m["type"] == "approval_request"]
    assert request["packages"] == ["ci-jupyterlab-no-such-package-xyz"]
    cells = [m for m in messages if m["type"] == "run_cell"]
    if approve:  # it runs, pip fails, and the failure is the cell's
        assert len(cells) == 1 and [m["status"] for m in messages if m["type"] == "cell_done"] == ["error"]
    else:
        assert not cells
        assert "did not approve" in llm_server.chat_requests[1]["messages"][-1]["content"]
