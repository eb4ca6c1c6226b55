"""Faults of the chat, through a real Jupyter server: each one loses nothing and says what happened.

Stopping a cell, huge outputs, a reloaded page, a second tab, a malformed frame,
a kernel busy with the user's own cell, a kernel that dies, a restarted server.
A real kernel plays the browser's part, as in test_handlers.py.
"""

from __future__ import annotations

import asyncio
import json
import threading

import nbformat
from chat_client import Chat
from conftest import CANARY_KEY, answer, run_cell

from ci_jupyterlab.agent.conversation import Conversation
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors import browser as browser_executor
from ci_jupyterlab.agent.record import RequestRecord, SessionRecord
from ci_jupyterlab.session_files import SavedSession, SessionFiles
from ci_jupyterlab.sessions import SessionStore

NOTEBOOK = {"path": "work/a.ipynb", "kernel_language": "python"}


def cell_of(message: dict) -> RunCell:
    return RunCell(**{k: message[k] for k in ("call_id", "code", "step", "attempt", "replaces", "timeout")})


async def until(chat: Chat, kind: str) -> dict:
    """Read messages until one of this type; inspections are answered on the way."""
    while (message := await chat.next())["type"] != kind:
        if message["type"] == "inspect":
            stdout = await chat.kernel.inspect(message["code"], message["timeout"])
            await chat.send(type="inspect_result", call_id=message["call_id"], stdout=stdout)
    return message


async def report(chat: Chat, message: dict, result, status: str | None = None) -> None:
    await chat.send(
        type="execution_result",
        call_id=message["call_id"],
        status=status or result.status,
        outputs=result.outputs,
        execution_count=result.execution_count,
        duration_ms=result.duration_ms,
    )


def tool_results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


async def saved_record(jp_fetch, session: str = "s-1") -> dict:
    return json.loads((await jp_fetch("ci-jupyterlab", "sessions", session)).body)["record"]


async def test_a_stopped_cell_is_kept_and_the_model_told_its_partial_outputs(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("import time\nprint('loaded part 1', flush=True)\ntime.sleep(30)"))
        await chat.send(type="user_message", text="Load it all.", notebook=NOTEBOOK)
        request = await until(chat, "run_cell")
        running = asyncio.create_task(chat.kernel.run(cell_of(request)))
        await asyncio.sleep(2)
        await chat.send(type="stop")  # the panel interrupts its own cell and reports what it has
        await chat.kernel.manager.interrupt_kernel()
        await report(chat, request, await running, status="cancelled")
        done = await until(chat, "done")
        [finished] = [m for m in chat.received if m["type"] == "cell_done"]

        assert done["reason"] == "stopped"
        assert finished["status"] == "cancelled" and "loaded part 1" in json.dumps(finished["outputs"])
        llm_server.enqueue(answer("It was stopped while loading."))
        await chat.ask("What happened?")

    told = tool_results(llm_server.chat_requests[-1])[-1]
    assert "The user stopped the cell: it was interrupted after" in told and "loaded part 1" in told
    assert "Not run" not in told
    record = await saved_record(jp_fetch)
    [step] = record["requests"][0]["steps"]
    assert step["attempts"][0]["status"] == "cancelled"
    assert record["requests"][0]["done_reason"] == "stopped"


async def test_the_record_holds_everything_the_chat_showed(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        chat.approve = True
        llm_server.enqueue(
            run_cell("x = 41", text="First, a value."),
            run_cell("%pip install ci-jupyterlab-no-such-package-xyz", text="Now the package."),
            answer("Could not install it; **x is 41**."),
        )
        await chat.ask("Set x, then install the package.")

    events = (await saved_record(jp_fetch))["events"]
    kinds = [event["type"] for event in events]
    assert kinds[0] == "user_message" and events[0]["text"] == "Set x, then install the package."
    texts = [event["text"] for event in events if event["type"] == "text_delta"]
    assert texts == ["First, a value.", "Now the package.", "Could not install it; **x is 41**."]
    assert "approval_request" in kinds and "approval_answer" in kinds
    assert [e["approved"] for e in events if e["type"] == "approval_answer"] == [True]
    outputs = [e["outputs"] for e in events if e["type"] == "cell_done"]
    assert len(outputs) == 2 and "ci-jupyterlab-no-such-package-xyz" in json.dumps(outputs[1])
    assert events[-1] == {"type": "done", "reason": "answered"}
    assert CANARY_KEY not in json.dumps(events)


async def test_a_request_cut_off_by_a_server_restart_comes_back_interrupted(tmp_path):
    record = SessionRecord([RequestRecord("Long job", "a.ipynb")], [{"type": "user_message", "text": "Long job"}])
    SessionFiles(tmp_path).save(SavedSession("s-1", "a.ipynb", record, Conversation()))

    restarted = SessionStore(SessionFiles(tmp_path)).get("s-1")
    assert restarted.record.requests[0].done_reason == "interrupted"
    assert restarted.record.events[-1] == {"type": "done", "reason": "interrupted"}
    assert "server stopped" in restarted.record.events[-2]["message"]


async def test_huge_outputs_are_bounded_in_the_chat_and_in_the_record(
    open_chat, llm_server, sessions_dir, extension, monkeypatch
):
    threads = []
    save = SessionFiles.save
    monkeypatch.setattr(
        SessionFiles, "save", lambda self, s: (threads.append(threading.current_thread()), save(self, s))
    )
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("print('x' * 8_000_000)"), answer("Printed."))
        messages = await chat.ask("Print a lot.")

    [finished] = [m for m in messages if m["type"] == "cell_done"]
    assert finished["status"] == "ok" and len(json.dumps(finished)) < 200_000
    assert "characters" in finished["outputs"][0]["text"] and "omitted" in finished["outputs"][0]["text"]
    await extension.sessions.flush()
    [saved] = sessions_dir.glob("s-1*.json")
    assert saved.stat().st_size < 500_000
    assert threads and all(thread is not threading.main_thread() for thread in threads)
    assert len(llm_server.chat_requests[1]["messages"][-1]["content"]) < 10_000


async def test_a_malformed_frame_is_answered_and_the_request_goes_on(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue({"text": "Slow, but fine.", "delay": 1.0})
        await chat.send(type="user_message", text="Hello", notebook=NOTEBOOK)
        await chat.ws.write_message("[" * 100_000)
        error = await until(chat, "error")
        assert "nested too deeply" in error["message"]
        done = await until(chat, "done")
        assert done["reason"] == "answered"


async def test_a_notebook_outside_the_root_is_refused(open_chat, llm_server):
    async with open_chat() as chat:
        await chat.send(type="user_message", text="Hi", notebook={"path": "../../etc/passwd.ipynb"})
        error = await chat.next()
        assert error["type"] == "error" and "inside the server's root" in error["message"]
        assert not llm_server.chat_requests


async def test_a_second_tab_watches_and_a_stranger_cannot_attach_nor_stop(open_chat, llm_server, jp_ws_fetch):
    async with open_chat() as first:
        second = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), first.kernel, "s-2")
        stranger = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), first.kernel, "s-1")  # without s-1's key
        tab = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), first.kernel, "s-1", key=first.key)
        for chat in (second, stranger, tab):
            await chat.next()  # hello
        llm_server.enqueue(run_cell("import time\ntime.sleep(1)\nanswer = 42"), answer("Done: 42."))
        await first.send(type="user_message", text="Compute.", notebook=NOTEBOOK)
        await until(first, "run_cell")

        # another conversation on the same notebook waits its turn
        await second.send(type="user_message", text="Me too.", notebook=NOTEBOOK)
        refused = await second.next()
        assert refused["type"] == "error" and "notebook is busy" in refused["message"]
        # a window that never attached may not stop it, nor attach first to stop it then
        await stranger.send(type="stop")
        assert "not attached" in (await stranger.next())["message"]
        for attempt in ({"type": "attach"}, {"type": "attach", "key": "guessed"}):
            await stranger.send(**attempt)
            refused = await stranger.next()
            assert refused["type"] == "error" and refused["code"] == "not_your_conversation"
            assert "belongs to another window" in refused["message"]
        await stranger.send(type="stop")
        assert "not attached" in (await stranger.next())["message"]
        # nor send in it to take it over
        await stranger.send(type="user_message", text="Mine now.", notebook=NOTEBOOK)
        assert (await stranger.next())["code"] == "not_your_conversation"
        assert (await stranger.next()) == {"type": "done", "reason": "error", "session": "s-1"}
        # the same conversation in another tab of the same browser (it holds the key): watched, not driven
        await tab.send(type="attach")
        assert await tab.next() == {"type": "attached", "session": "s-1", "role": "watcher", "busy": True}

        request = [m for m in first.received if m["type"] == "run_cell"][-1]
        await report(first, request, await first.kernel.run(cell_of(request)))
        assert (await until(first, "done"))["reason"] == "answered"  # nobody stopped it
        seen = []
        while (message := await tab.next())["type"] != "done":
            seen.append(message)
        assert all(m["watch"] is True for m in seen + [message])
        assert [m["type"] for m in seen if m["type"] in ("cell_done", "text_delta")][0] == "cell_done"
        assert not any(m["type"] == "inspect" for m in seen)
        for chat in (stranger, second, tab):
            chat.ws.close()


async def test_the_conversations_key_survives_a_server_restart(open_chat, llm_server, extension, jp_ws_fetch):
    """The key is kept (as a digest) with the saved session: after a restart, only its holder attaches."""
    async with open_chat() as chat:
        llm_server.enqueue(answer("Hello."))
        await chat.ask("Hi")
        await extension.sessions.flush()
        extension.sessions._sessions.clear()  # as a restarted server: the session is read from its file
        for key, expected in (("someone-else", "error"), (chat.key, "attached")):
            other = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), chat.kernel, "s-1", key=key)
            await other.next()  # hello
            await other.send(type="attach")
            assert (await other.next())["type"] == expected
            other.ws.close()
    saved = (extension.sessions.files.directory / "s-1.session.json").read_text()
    assert chat.key not in saved  # only its digest


async def test_a_pending_approval_survives_a_reload(open_chat, llm_server, jp_ws_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("%pip install ci-jupyterlab-no-such-package-xyz"), answer("Tried."))
        await chat.send(type="user_message", text="Install it.", notebook=NOTEBOOK)
        request = await until(chat, "approval_request")
        chat.ws.close()  # the page reloads

        reloaded = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), chat.kernel, "s-1", key=chat.key)
        await reloaded.next()  # hello
        await reloaded.send(type="attach")
        assert await reloaded.next() == {"type": "attached", "session": "s-1", "role": "driver", "busy": True}
        await reloaded.send(type="approval", request_id=request["request_id"], approved=False)
        done = await until(reloaded, "done")
        assert done["reason"] == "answered"
        assert "did not approve" in llm_server.chat_requests[-1]["messages"][-1]["content"]
        reloaded.ws.close()


async def test_a_request_ends_interrupted_when_its_page_goes_away(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("import time\ntime.sleep(5)"))
        await chat.send(type="user_message", text="Sleep.", notebook=NOTEBOOK)
        await until(chat, "run_cell")
        chat.ws.close()
        await asyncio.sleep(1)
    record = await saved_record(jp_fetch)
    assert record["requests"][0]["done_reason"] == "interrupted"
    assert record["events"][-1] == {"type": "done", "reason": "interrupted"}


async def test_a_cell_waits_for_the_users_own_cell_without_timing_out(
    open_chat, llm_server, settings, extension, monkeypatch
):
    extension.interpreter.cell_timeout = 1
    monkeypatch.setattr(browser_executor, "RESPONSE_GRACE", 0.5)
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("print('mine')"), answer("Ran after yours."))
        await chat.send(type="user_message", text="Print.", notebook=NOTEBOOK)
        request = await until(chat, "run_cell")
        await chat.send(type="cell_state", call_id=request["call_id"], state="waiting")
        while (waiting := await until(chat, "status"))["phase"] == "running":
            pass
        assert waiting["phase"] == "waiting" and "your cell is running" in waiting["message"]
        await asyncio.sleep(3)  # the user's cell runs well past timeout + grace
        await chat.send(type="cell_state", call_id=request["call_id"], state="started")
        await report(chat, request, await chat.kernel.run(cell_of(request)))
        [finished] = [m for m in [await until(chat, "cell_done")]]
        assert finished["status"] == "ok"
        assert (await until(chat, "done"))["reason"] == "answered"


async def test_a_kernel_that_dies_mid_request_is_reported_and_the_next_request_works(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("total = 42"), run_cell("import os\nos.kill(os.getpid(), 9)"))
        messages = await chat.ask("Compute, then crash.")
        outcomes = [m["status"] for m in messages if m["type"] == "cell_done"]
        assert outcomes == ["ok", "kernel_dead"]
        assert messages[-1]["reason"] == "kernel"
        [error] = [m for m in messages if m["type"] == "error"]
        assert error["message"] == "The kernel died while the cell ran; its variables are lost."
        assert "Restart or reopen" not in error["hint"] and "Restore state" in error["hint"]

        await chat.kernel.manager.restart_kernel(now=True)
        await chat.kernel.client.wait_for_ready(timeout=60)
        # the panel's "Restore state" re-runs the working cells: here, the first step
        steps = [m for m in messages if m["type"] == "run_cell"]
        await chat.kernel.run(cell_of(steps[0]))
        llm_server.enqueue(run_cell("print(total)"), answer("Still 42."))
        follow_up = await chat.ask("Continue: print total.")
        assert [m["status"] for m in follow_up if m["type"] == "cell_done"] == ["ok"]
    told = llm_server.chat_requests[-2]["messages"]
    assert any("kernel died" in (m.get("content") or "") for m in told)
    assert "total: int = 42" in told[-1]["content"] or "total" in told[-1]["content"]


async def test_an_answer_cut_off_mid_stream_is_dropped_shown_and_asked_again(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(
            {"text": "Half of a first answer that never ends.", "cut_after": 3}, answer("The whole answer.")
        )
        messages = await chat.ask("Say something.")

    [cut] = [m for m in messages if m["type"] == "answer_cut_off"]
    assert "cut off" in cut["message"]
    assert messages[-1]["reason"] == "answered"
    record = await saved_record(jp_fetch)
    texts = [e["text"] for e in record["events"] if e["type"] == "text_delta"]
    assert texts == ["The whole answer."]  # the cut-off text is not kept: the panel dropped it too
    assert any(e["type"] == "answer_cut_off" for e in record["events"])
    assert record["requests"][0]["answer"] == "The whole answer."


async def test_an_export_joins_the_history_of_the_chat_that_asked(open_chat, llm_server, jp_fetch, jp_root_dir):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("x = 1"), answer("Set."))
        await chat.ask("Set x.")
    (jp_root_dir / "work").mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), jp_root_dir / "work/a.ipynb")
    body = json.dumps({"path": "work/a.ipynb", "session": "s-1", "verify": False})
    result = json.loads((await jp_fetch("ci-jupyterlab", "export", method="POST", body=body)).body)

    last = (await saved_record(jp_fetch))["events"][-1]
    assert last == {"type": "export", "result": result, "error": None}


async def test_a_request_follows_its_notebook_when_it_is_renamed_mid_run(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("x = 1"), run_cell("print(x + 1)"), answer("It is 2."))
        await chat.send(type="user_message", text="Add one.", notebook=NOTEBOOK)
        first = await until(chat, "run_cell")
        await chat.send(type="notebook_moved", path="work/renamed.ipynb")  # the user renamed it meanwhile
        await report(chat, first, await chat.kernel.run(cell_of(first)))
        second = await until(chat, "run_cell")
        await report(chat, second, await chat.kernel.run(cell_of(second)))
        assert (await until(chat, "done"))["reason"] == "answered"
        await chat.send(type="notebook_moved", path="../outside.ipynb")
        assert "inside the server's root" in (await until(chat, "error"))["message"]

    record = await saved_record(jp_fetch)
    assert record["requests"][0]["notebook_path"] == "work/renamed.ipynb"
    listed = json.loads((await jp_fetch("ci-jupyterlab", "sessions", params={"notebook": "work/renamed.ipynb"})).body)
    assert [s["id"] for s in listed["sessions"]] == ["s-1"]


async def test_a_notebook_closed_mid_run_stops_the_request_and_says_so(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("import time\ntime.sleep(30)"))
        await chat.send(type="user_message", text="Wait.", notebook=NOTEBOOK)
        request = await until(chat, "run_cell")
        # the panel's runner answers so when the notebook's tab goes away
        await chat.send(type="execution_result", call_id=request["call_id"], status="notebook_closed", outputs=[])
        done = await until(chat, "done")

    assert done["reason"] == "kernel"
    [error] = [m for m in chat.received if m["type"] == "error"]
    assert error["message"] == "The notebook was closed while the cell ran."
    assert len(llm_server.chat_requests) == 1  # the model is not asked to fix a notebook that is gone


async def test_an_output_nested_too_deeply_is_left_out_of_the_record_and_the_session_saves(
    open_chat, llm_server, jp_fetch, extension, sessions_dir
):
    deep = "from IPython.display import JSON\nvalue = []\nfor _ in range(80):\n    value = [value]\nJSON(value)"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell(deep), answer("Shown."))
        messages = await chat.ask("Show a deep value.")
        await extension.sessions.flush()
        # a frame nested past the protocol's limit (within what json reads) is refused, the socket kept
        await chat.ws.write_message('{"a":' * 150 + "1" + "}" * 150)
        refused = await chat.next()
    assert refused["type"] == "error" and refused["message"] == (
        "The message is nested too deeply (more than 100 levels)."
    )
    [done] = [m for m in messages if m["type"] == "cell_done"]
    assert done["status"] == "ok"
    assert "application/json output nested more than 50 levels deep" in done["outputs"][0]["data"]["text/plain"]
    record = await saved_record(jp_fetch)
    assert record["requests"][0]["answer"] == "Shown."
    assert not [m for m in messages if m["type"] == "error"]


async def test_kernel_cards_are_kept_in_the_history_one_on_offer_and_each_in_its_latest_state(
    open_chat, llm_server, jp_fetch
):
    def card(card_id, cause="died_restarted", state="offered", ran=0, total=0, failure=None):
        return {"id": card_id, "cause": cause, "state": state, "ran": ran, "total": total, "failure": failure}

    async with open_chat() as chat:
        llm_server.enqueue(run_cell("total = 41"), answer("Set."))
        await chat.ask("Set total.")
        # The window's cards: a death offered, then restored; a restart later, offered twice over.
        await chat.send(type="kernel_card", **card("k-1"))
        await chat.send(type="kernel_card", **card("k-1", state="restoring", total=1))
        await chat.send(type="kernel_card", **card("k-1", state="restored", ran=1, total=1))
        await chat.send(type="kernel_card", **card("k-2", cause="restarted"))
        await chat.send(type="kernel_card", **card("k-3", cause="restarted"))
        await chat.send(type="kernel_card", **card("k-4", cause="exploded"))
        refused = await chat.next()
        record = json.loads((await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body)["record"]

    assert refused["type"] == "error" and refused["message"] == "A kernel card has an unknown cause or state."
    cards = [event for event in record["events"] if event["type"] == "kernel_card"]
    assert cards == [
        {"type": "kernel_card", **card("k-1", state="restored", ran=1, total=1)},
        {"type": "kernel_card", **card("k-3", cause="restarted")},
    ]
    assert [event["type"] for event in record["events"]][-2:] == ["kernel_card", "kernel_card"]


async def test_a_notebook_deleted_mid_request_stops_it_and_nothing_more_runs(open_chat, llm_server, jp_root_dir):
    notebook = jp_root_dir / "work" / "a.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    deleting = f"import os\nos.remove({str(notebook)!r})\nprint('deleted')"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell("x = 1"), run_cell(deleting), run_cell("print('never')"), answer("Never."))
        messages = await chat.ask("Work, then delete the notebook.")

    done = [(m["status"], m["outputs"]) for m in messages if m["type"] == "cell_done"]
    assert [status for status, _ in done] == ["ok", "notebook_deleted"]
    assert done[1][1][0]["text"] == "deleted\n"  # what it printed is kept
    assert len([m for m in messages if m["type"] == "run_cell"]) == 2  # the third step was never sent
    [error] = [m for m in messages if m["type"] == "error"]
    assert error["message"] == "The notebook was deleted while the assistant worked in it."
    assert "Nothing was written back" in error["hint"]
    assert messages[-1]["reason"] == "kernel"
    assert not notebook.exists()
    # The model was not asked again after the deletion.
    assert len(llm_server.chat_requests) == 2


async def test_a_notebook_renamed_mid_request_is_not_taken_as_deleted(open_chat, llm_server, jp_root_dir):
    notebook = jp_root_dir / "work" / "a.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    renamed = notebook.with_name("b.ipynb")
    renaming = f"import os\nos.rename({str(notebook)!r}, {str(renamed)!r})"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell(renaming), run_cell("print('still here')"), answer("Done."))
        await chat.send(type="user_message", text="Rename it, then go on.", notebook=NOTEBOOK)
        request = await until(chat, "run_cell")
        result = await chat.kernel.run(cell_of(request))
        # The panel follows the rename and tells the server, as its result goes back.
        await chat.send(type="notebook_moved", path="work/b.ipynb")
        await report(chat, request, result)
        second = await until(chat, "run_cell")
        await report(chat, second, await chat.kernel.run(cell_of(second)))
        done = await until(chat, "done")
    assert done["reason"] == "answered"
