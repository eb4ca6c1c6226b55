"""Saved sessions and the export through a real Jupyter server: REST, auth, a restart."""

from __future__ import annotations

import json
import threading

import nbformat
import pytest
from chat_client import Chat
from conftest import CANARY_KEY, answer, run_cell
from nbformat.v4 import new_code_cell, new_notebook
from tornado.httpclient import HTTPClientError

from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.chat import ChatConnection
from ci_jupyterlab.session_files import SessionFiles
from ci_jupyterlab.sessions import SessionStore

#: The conversation's key, as the browser that started it keeps it.
BROWSER_KEY = "key-of-the-browser-that-started-it"


async def chat_session(jp_ws_fetch, llm_server, workdir) -> list[dict]:
    """One request over the websocket, its cells run in a kernel in ``workdir``; its run_cell messages."""
    async with KernelExecutor(cwd=workdir) as kernel:
        ws = await jp_ws_fetch("ci-jupyterlab", "chat")
        chat = Chat(ws, kernel, key=BROWSER_KEY)
        await chat.next()  # hello
        llm_server.enqueue(run_cell("import os\nprint(os.environ.get('CANARY'))\ntotal = 40 + 2"), answer("Stored."))
        messages = await chat.ask("Store 42 in total.")
        ws.close()
    return messages


def write_notebook(path, record):
    """The notebook as the panel saved it: one tagged cell per step."""
    notebook = new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    for step in record.requests[-1].steps:
        cell = new_code_cell(
            step.final.code,
            execution_count=step.final.execution_count,
            metadata={"ci_jupyterlab": {"session": "s-1", "step": step.number, "call_id": step.final.call_id}},
        )
        cell.outputs = [nbformat.from_dict(o) for o in step.final.outputs]
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


async def test_sessions_are_listed_read_and_exported(
    jp_fetch, jp_ws_fetch, jp_root_dir, llm_server, extension, sessions_dir, monkeypatch
):
    monkeypatch.setenv("CANARY", CANARY_KEY)  # the session's code prints the configured key's value
    await chat_session(jp_ws_fetch, llm_server, jp_root_dir)

    listing = json.loads((await jp_fetch("ci-jupyterlab", "sessions", params={"notebook": "work/a.ipynb"})).body)
    assert [(s["id"], s["notebook_path"], s["requests"]) for s in listing["sessions"]] == [("s-1", "work/a.ipynb", 1)]
    other = json.loads((await jp_fetch("ci-jupyterlab", "sessions", params={"notebook": "b.ipynb"})).body)
    assert other == {"sessions": []}

    body = (await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body.decode()
    session = json.loads(body)
    assert session["id"] == "s-1" and session["notebook_path"] == "work/a.ipynb"
    assert session["record"]["requests"][0]["text"] == "Store 42 in total."
    assert session["record"]["requests"][0]["answer"] == "Stored."
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("ci-jupyterlab", "sessions", "nope")
    assert missing.value.code == 404

    write_notebook(jp_root_dir / "work" / "a.ipynb", extension.sessions.record_of("s-1"))
    request = json.dumps({"path": "work/a.ipynb", "keep_attempts": False, "verify": True})
    first = json.loads((await jp_fetch("ci-jupyterlab", "export", method="POST", body=request)).body)
    assert first["path"] == "work/a-export.ipynb"
    # The chat's kernel is the test's own, with the key's value in CANARY; the verification kernel, like
    # every kernel the server starts, has no variable holding the key: the printed value differs.
    assert first["verification"]["total"] == 1
    assert [c["status"] for c in first["verification"]["cells"]] == ["differs"]
    second = json.loads((await jp_fetch("ci-jupyterlab", "export", method="POST", body=request)).body)
    assert second["path"] == "work/a-export-1.ipynb"  # never overwritten
    exported = nbformat.read(jp_root_dir / "work" / "a-export.ipynb", as_version=4)
    assert [c.source for c in exported.cells if c.cell_type == "code"][0].startswith("import os")

    with pytest.raises(HTTPClientError) as bad:
        await jp_fetch("ci-jupyterlab", "export", method="POST", body=json.dumps({"path": "missing.ipynb"}))
    assert bad.value.code == 404 and "No such notebook" in bad.value.response.body.decode()

    assert CANARY_KEY not in body
    await extension.sessions.flush()
    for stored in sessions_dir.iterdir():
        assert CANARY_KEY not in stored.read_text()
    assert CANARY_KEY not in (jp_root_dir / "work" / "a-export.ipynb").read_text()


async def test_endpoints_refuse_requests_without_credentials(jp_fetch):
    no_credentials = {"Authorization": ""}
    for path, method, body in (
        (("sessions",), "GET", None),
        (("sessions", "s-1"), "GET", None),
        (("export",), "POST", json.dumps({"path": "a.ipynb"})),
    ):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("ci-jupyterlab", *path, method=method, body=body, headers=no_credentials)
        assert refused.value.code == 403


async def test_a_restarted_server_continues_the_conversation(
    jp_ws_fetch, jp_root_dir, llm_server, extension, sessions_dir
):
    await chat_session(jp_ws_fetch, llm_server, jp_root_dir)
    await extension.sessions.flush()

    # A new server: a new store on the same directory, nothing in memory.
    restarted = SessionStore(SessionFiles(sessions_dir))
    sent: list[dict] = []
    connection = ChatConnection(extension.interpreter, restarted, extension.assistant, sent.append, jp_root_dir)
    llm_server.enqueue(answer("It is 42."))
    connection.receive(
        json.dumps(
            {
                "type": "user_message",
                "protocol": 3,
                "session": "s-1",
                "key": BROWSER_KEY,  # the same browser, after the restart
                "text": "What is total?",
                "notebook": {"path": "work/a.ipynb"},
            }
        )
    )
    await restarted.get("s-1").task
    await restarted.flush()  # written off the event loop
    assert sent[-1]["type"] == "done" and sent[-1]["reason"] == "answered"
    history = llm_server.chat_requests[-1]["messages"]
    assert any("Store 42" in (m.get("content") or "") for m in history)
    assert SessionFiles(sessions_dir).summaries("work/a.ipynb")[0]["requests"] == 2


async def test_a_session_is_redacted_and_encoded_off_the_event_loop(
    jp_fetch, jp_ws_fetch, jp_root_dir, llm_server, extension, monkeypatch
):
    from ci_jupyterlab import handlers

    threads = []
    real = handlers.Redactor.data

    def recording(self, value):
        threads.append(threading.current_thread())
        return real(self, value)

    await chat_session(jp_ws_fetch, llm_server, jp_root_dir)
    monkeypatch.setattr(handlers.Redactor, "data", recording)
    body = json.loads((await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body)
    assert body["id"] == "s-1" and body["record"]["requests"]
    assert threads and threading.main_thread() not in threads


async def test_the_exports_verification_kernel_does_not_get_the_key(jp_fetch, jp_root_dir, extension, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("A_COPY_OF_IT", CANARY_KEY)
    notebook = new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    cell = new_code_cell(
        f"import os\nprint([k for k, v in os.environ.items() if v == {CANARY_KEY!r}])", execution_count=1
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="[]\n")]
    notebook.cells = [cell]
    nbformat.write(notebook, jp_root_dir / "env.ipynb")

    result = json.loads(
        (await jp_fetch("ci-jupyterlab", "export", method="POST", body=json.dumps({"path": "env.ipynb"}))).body
    )

    # The fresh kernel printed [] too: no variable of it holds the key.
    assert [c["status"] for c in result["verification"]["cells"]] == ["reproduced"]
