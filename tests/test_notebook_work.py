"""Working with the user's notebook: the view the model reads, edit_cell, fix and explain, review and undo.

The view is tested on its own (budget, order, trimming); the rest through the
real server and websocket, a real kernel playing the panel's notebook
(``Chat(notebook=...)``), and the scripted model.
"""

from __future__ import annotations

import json

import pytest
from conftest import CANARY_KEY, answer, run_cell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ci_jupyterlab.agent.notebook_view import NotebookSnapshot, ViewCell, render_view, snapshot_of
from ci_jupyterlab.agent.tokens import count_tokens


def edit_cell(cell: str, code: str, text: str | None = None) -> dict:
    item = {"tool_calls": [{"name": "edit_cell", "arguments": {"cell": cell, "code": code}}]}
    if text:
        item["text"] = text
    return item


def notebook_of(*sources: str) -> dict:
    """An nbformat notebook (as a dict) with a code cell per source, each with an id."""
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    return json.loads(json.dumps(notebook))


def synthetic(cells: int, active: int) -> NotebookSnapshot:
    """A notebook of ``cells`` cells of a few lines and an output each; an error in the last third."""
    made = [
        ViewCell(
            f"c{i}",
            "code",
            "\n".join(f"value_{i}_{j} = {j} * 2" for j in range(8)),
            i + 1,
            [{"output_type": "stream", "name": "stdout", "text": f"line {i}\n" * 4}],
        )
        for i in range(cells)
    ]
    made[cells * 2 // 3].outputs = [{"output_type": "error", "ename": "KeyError", "evalue": "'Revenue'"}]
    return NotebookSnapshot(made, active=active, selected=frozenset({active}))


# The view on its own


@pytest.mark.parametrize("cells", [10, 50, 200])
def test_the_view_stays_within_its_budget_and_keeps_notebook_order(cells):
    snapshot = synthetic(cells, active=cells // 2)
    view = render_view(snapshot, budget=1500)

    assert count_tokens(view) <= 1500
    positions = [int(line.split()[0][1:]) for line in view.splitlines() if line.startswith("#")]
    assert positions == sorted(positions)
    assert f"#{cells // 2 + 1} (id c{cells // 2}) code [{cells // 2 + 1}] · active" in view


def test_cells_near_the_active_one_and_with_errors_are_whole_far_ones_short_or_left_out():
    snapshot = synthetic(200, active=20)
    view = render_view(snapshot, budget=3000)

    active = view.split("#21 (id c20)")[1].split("\n\n")[0]
    assert "value_20_7 = 7 * 2" in active  # the whole source
    assert "→ error: KeyError: 'Revenue'" in view  # the error cell, far from the active one
    assert "left out to fit the budget]" in view
    assert "#200 (id c199)" not in view or "#200 (id c199) code [200]:" in view  # far: one line at most


def test_a_small_notebook_is_shown_whole():
    snapshot = snapshot_of(notebook_of("import pandas as pd", "df = pd.DataFrame({'a': [1]})"), active=1)
    view = render_view(snapshot)
    assert "import pandas as pd" in view and "df = pd.DataFrame({'a': [1]})" in view
    assert "left out" not in view and "· active" in view


def test_a_cell_too_long_to_show_whole_keeps_its_head_and_tail():
    long = "\n".join(f"step_{i} = {i}" for i in range(300))
    snapshot = NotebookSnapshot([ViewCell("x", "code", long, 1), *synthetic(5, 0).cells], active=0)
    view = render_view(snapshot, budget=600)

    first = view.split("#1 (id x) code [1] · active\n")[1].split("\n\n")[0]
    assert first.startswith("step_0 = 0\n") and first.endswith("step_299 = 299")
    assert "[292 lines omitted]" in first


def test_markdown_and_images_are_described():
    notebook = notebook_of("plot()")
    notebook["cells"].insert(0, json.loads(json.dumps(new_markdown_cell("# Sales report"))))
    notebook["cells"][1]["outputs"] = [
        {
            "output_type": "display_data",
            "data": {"image/png": "iVBORw0KGgo" * 100, "text/plain": "<Figure>"},
            "metadata": {"image/png": {"width": 640, "height": 480}},
        }
    ]
    view = render_view(snapshot_of(notebook))
    assert "#1" in view and "markdown" in view and "# Sales report" in view
    assert "[image/png 640×480 image, 825 bytes]" in view


def test_history_references_are_input_numbers():
    snapshot = NotebookSnapshot(
        [ViewCell("In[2]", "code", "x = 1", 2), ViewCell("In[5]", "code", "y = 2", 5)], history=True
    )
    assert snapshot.index_of("In [5]") == 1 and snapshot.index_of("5") == 1 and snapshot.index_of("#2") is None
    assert "In [5] code" in render_view(snapshot)


# Through the server: the panel's notebook played by a real kernel


async def test_the_model_sees_the_notebook_redacted_and_marks_the_active_cell(open_chat, llm_server):
    async with open_chat() as chat:
        chat.notebook = notebook_of("token = 'sk-proj-" + "Ab9" * 10 + "'", "total = 40 + 2", f"key = '{CANARY_KEY}'")
        chat.active = 1
        llm_server.enqueue(answer("Seen."))
        await chat.ask("What is in my notebook?")

    told = llm_server.chat_requests[0]["messages"][-1]["content"]
    assert "The notebook (3 cells)" in told and "total = 40 + 2" in told
    assert "#2 (id " in told and "· active" in told.split("total = 40 + 2")[0].splitlines()[-1]
    assert "sk-proj-" not in told and CANARY_KEY not in told and told.count("[redacted]") >= 2
    tools = [tool["function"]["name"] for tool in llm_server.chat_requests[0]["tools"]]
    assert tools == ["run_cell", "edit_cell", "ask_user"]


async def test_fix_replaces_the_users_cell_in_place_with_two_model_calls(open_chat, llm_server):
    async with open_chat() as chat:
        chat.notebook = notebook_of(
            "import pandas as pd\nsales = pd.DataFrame({'Revenue': [1, 2]})", "print(sales['revenue'].sum())"
        )
        await chat.run_user_cells()
        broken = chat.notebook["cells"][1]
        assert broken["outputs"][0]["ename"] == "KeyError"
        broken_outputs, broken_count = list(broken["outputs"]), broken["execution_count"]
        llm_server.enqueue(run_cell("print(sales['Revenue'].sum())"), answer("The column is 'Revenue'."))
        messages = await chat.ask("Fix the error in cell [2].", intent="fix", cell_id=broken["id"])

    assert messages[-1]["reason"] == "answered"
    [run] = [m for m in messages if m["type"] == "run_cell"]
    assert run["cell_id"] == broken["id"]
    assert len(chat.notebook["cells"]) == 2  # the same cell, not a new one
    assert chat.notebook["cells"][1]["source"] == "print(sales['Revenue'].sum())"
    assert chat.notebook["cells"][1]["outputs"][0]["text"] == "3\n"
    first = llm_server.chat_requests[0]["messages"][-1]["content"]
    assert "print(sales['revenue'].sum())" in first and "KeyError" in first and "fix #2" in first
    assert "Traceback (user code):" in first and "----> 1 print(sales['revenue'].sum())" in first
    assert len(llm_server.chat_requests) == 2  # the fix, then the closing answer
    [changes] = [m for m in messages if m["type"] == "notebook_changes"]
    assert changes["changes"] == [
        {
            "kind": "edited",
            "cell_id": broken["id"],
            "call_id": run["call_id"],
            "step": 1,
            "before": "print(sales['revenue'].sum())",
            "after": "print(sales['Revenue'].sum())",
            # What undoing the fix gives back: the user's error, and its run.
            "before_outputs": broken_outputs,
            "before_execution_count": broken_count,
        }
    ]


async def test_edit_cell_edits_by_reference_and_new_cells_are_inserted(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        chat.notebook = notebook_of("a = 1", "b = 2", "")  # a new notebook's empty last cell
        await chat.run_user_cells()
        llm_server.enqueue(edit_cell("#2", "b = 20"), run_cell("c = a + b"), run_cell("print(c)"), answer("c is 21."))
        messages = await chat.ask("Set b to 20 and add them.")

    sources = [cell["source"] for cell in chat.notebook["cells"]]
    assert sources == ["a = 1", "b = 20", "c = a + b", "print(c)", ""]  # new cells follow its last one
    changes = [m for m in messages if m["type"] == "notebook_changes"][-1]["changes"]
    assert [(c["kind"], c["before"], c["after"]) for c in changes] == [
        ("edited", "b = 2", "b = 20"),
        ("inserted", None, "c = a + b"),
        ("inserted", None, "print(c)"),
    ]
    record = json.loads((await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body)["record"]
    assert record["requests"][0]["changes"] == changes
    # Sent after each of the three steps, kept once in the history: the latest, where the first was.
    kept = [event for event in record["events"] if event["type"] == "notebook_changes"]
    assert len([m for m in messages if m["type"] == "notebook_changes"]) == 3
    assert [event["changes"] for event in kept] == [changes]
    types = [event["type"] for event in record["events"]]
    assert types.index("notebook_changes") < types.index("run_cell", types.index("run_cell") + 1)


async def test_an_unknown_cell_reference_is_told_to_the_model(open_chat, llm_server):
    async with open_chat() as chat:
        chat.notebook = notebook_of("a = 1")
        llm_server.enqueue(edit_cell("#9", "a = 2"), edit_cell("#1", "a = 2"), answer("Done."))
        messages = await chat.ask("Set a to 2.")

    told = [m["content"] for m in llm_server.chat_requests[1]["messages"] if m["role"] == "tool"]
    assert "there is no cell '#9' in the notebook view" in told[-1]
    assert chat.notebook["cells"][0]["source"] == "a = 2" and messages[-1]["reason"] == "answered"


async def test_explain_offers_no_tool_and_runs_nothing(open_chat, llm_server):
    async with open_chat() as chat:
        chat.notebook = notebook_of("1 / 0")
        await chat.run_user_cells()
        llm_server.enqueue(answer("It divides by zero:\n```python\n1 / 1\n```"))
        messages = await chat.ask("Explain cell [1].", intent="explain", cell_id=chat.notebook["cells"][0]["id"])

    assert messages[-1]["reason"] == "answered"
    assert not [m for m in messages if m["type"] in ("run_cell", "notebook_changes")]
    assert "tools" not in llm_server.chat_requests[0]
    assert "explain #1" in llm_server.chat_requests[0]["messages"][-1]["content"]


async def test_review_and_undo_are_kept_in_the_record_and_shown_to_every_window(open_chat, llm_server, jp_fetch):
    async with open_chat() as chat:
        chat.notebook = notebook_of("a = 1")
        llm_server.enqueue(edit_cell("#1", "a = 2"), run_cell("b = 3"), answer("Done."))
        messages = await chat.ask("Change a, add b.")
        changes = [m for m in messages if m["type"] == "notebook_changes"][-1]["changes"]
        edited, inserted = changes[0]["cell_id"], changes[1]["cell_id"]

        await chat.send(type="review", request=0, cell_id=edited, action="reverted")
        assert (await chat.next()) == {
            "type": "review",
            "request": 0,
            "cell_id": edited,
            "action": "reverted",
            "session": "s-1",
        }
        await chat.send(type="undo", request=0, restored=[], removed=[inserted], kept=[])
        assert (await chat.next())["type"] == "undo"
        await chat.send(type="review", request=3, cell_id=edited, action="accepted")
        assert "changed no such cell" in (await chat.next())["message"]

    record = json.loads((await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body)["record"]
    assert [c["outcome"] for c in record["requests"][0]["changes"]] == ["reverted", "undone"]
    assert [e["type"] for e in record["events"]][-2:] == ["review", "undo"]


async def test_an_edit_waiting_for_review_shows_what_it_replaces(open_chat, llm_server, extension):
    extension.interpreter.approval = "always"
    async with open_chat() as chat:
        chat.notebook = notebook_of("a = 1")
        chat.approve = True
        llm_server.enqueue(edit_cell("#1", "a = 2"), answer("Done."))
        messages = await chat.ask("Change a.")

    [request] = [m for m in messages if m["type"] == "approval_request"]
    assert request["cell_id"] == chat.notebook["cells"][0]["id"] and request["before"] == "a = 1"
    assert request["code"] == "a = 2"


async def test_a_new_notebooks_empty_last_cell_takes_the_first_cell(open_chat, llm_server):
    async with open_chat() as chat:
        chat.notebook = notebook_of("")
        llm_server.enqueue(run_cell("x = 1"), run_cell("print(x)"), answer("Done."))
        await chat.ask("Set x and print it.")

    assert [cell["source"] for cell in chat.notebook["cells"]] == ["x = 1", "print(x)"]
