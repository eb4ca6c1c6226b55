"""Fixes at the right depth, and notebooks that still run from the top, through the real loop and kernel.

The def-use pass (``defuse.py``) marks which earlier cells define what a
failing cell uses; an edit of such a cell re-runs the later cells it
invalidates. A fix that replaces a failed attempt but relies on what only
that attempt defined is sent back, and a request that ends so says it.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import answer, of_type, run_cell
from nbformat.v4 import new_code_cell, new_notebook

from ci_jupyterlab.agent.defuse import Notebook, left_undefined, names_of
from ci_jupyterlab.agent.events import CellDone, Done, NotebookChanges, NotebookWarning, RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.executors.notebook_file import NotebookFileExecutor
from ci_jupyterlab.agent.notebook_view import snapshot_of


def edit_cell(reference: str, code: str) -> dict:
    return {"tool_calls": [{"name": "edit_cell", "arguments": {"cell": reference, "code": code}}]}


def tool_results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


# --- the pass itself ------------------------------------------------------------


def test_names_a_cell_binds_reads_and_changes():
    names = names_of("import pandas as pd\ndf = pd.read_csv(path)\ndf['y'] = df.x * 2\ntotal += 1\nrows.append(3)")
    assert names.defines == {"pd", "df", "total"}
    assert names.uses == {"path", "total", "rows"}
    assert names.changes == {"df", "rows"}
    assert names_of("%%time\nq = w + 1").uses == {"w"}
    assert names_of("out = !ls\n%matplotlib inline\nprint(len(out))").defines == {"out"}
    assert names_of("def f(a):\n    return a + b\n[x for x in xs]").uses == {"b", "xs"}
    assert names_of("from os.path import *").opaque and names_of("def (").opaque


def test_which_cells_define_a_failing_cells_names_and_which_depend_on_an_edit():
    notebook = Notebook(
        [
            "import pandas as pd",
            "sales = pd.read_csv('s.csv')\nsales = sales.drop(columns=['revenue'])",
            "sales['revenue'] = sales['revenue'].fillna(0)",
            "total = sales['revenue'].sum()",
            "print('unrelated')",
            "print(total)",
        ]
    )
    assert notebook.definers(3) == {"sales": [1, 2]}
    assert notebook.dependents(1, {"sales"}) == [2, 3, 5]  # #6 through `total`, which #4 makes


def test_what_only_a_replaced_attempt_defined():
    failed = "import pandas as pd\nsales = pd.Series([1, 2])\nsales.plot(kind='nope')"
    assert left_undefined(failed, "print(sales.sum())", ["x = 1"]) == ["sales"]
    assert left_undefined(failed, "print(sales.sum())", ["sales = [1, 2]"]) == []
    assert left_undefined(failed, "import pandas as pd\nsales = pd.Series([1])\nprint(sales.sum())", []) == []


# --- through the loop -------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_fix_that_relies_on_the_replaced_attempt_is_sent_back(llm_server, settings, kernel, make_agent):
    failed = "import pandas as pd\nsales = pd.Series([10, 20])\nsales.plot(kind='nonsense')"
    llm_server.enqueue(
        run_cell(failed),
        run_cell("print(sales.sum())"),
        run_cell("import pandas as pd\nsales = pd.Series([10, 20])\nprint(sales.sum())"),
        answer("The total is 30."),
    )
    events = [event async for event in make_agent(settings, kernel).run("Total of sales?")]

    cells = of_type(events, RunCell)
    assert [cell.attempt for cell in cells] == [1, 2, 3]
    assert cells[2].replaces == cells[1].call_id  # the complete cell takes the incomplete fix's place
    told = tool_results(llm_server.chat_requests[2])[1]
    assert "30" in told and "[notebook] This cell replaced the failed attempt, which defined `sales`" in told
    assert "Send the complete cell again" in told
    assert not of_type(events, NotebookWarning) and events[-1] == Done("answered")


@pytest.mark.asyncio
async def test_a_request_never_ends_silently_with_a_notebook_that_fails_from_the_top(
    llm_server, settings, kernel, make_agent
):
    llm_server.enqueue(
        run_cell("import pandas as pd\nsales = pd.Series([10, 20])\nsales.plot(kind='nonsense')"),
        run_cell("print(sales.sum())"),
        answer("The total is 30."),
    )
    events = [event async for event in make_agent(settings, kernel).run("Total of sales?")]
    [warning] = of_type(events, NotebookWarning)
    assert "would fail when run from the top: step 1 uses `sales`" in warning.message
    # said before the request's closing status
    assert events.index(warning) < len(events) - 2 and events[-1] == Done("answered")


@pytest.mark.asyncio
async def test_an_upstream_cause_is_fixed_where_it_is_and_its_dependents_run_again(
    llm_server, settings, tmp_path, make_agent
):
    cells = [
        new_code_cell("import pandas as pd\nsales = pd.DataFrame({'region': ['N', 'S'], 'revenue': [1, 2]})"),
        new_code_cell("sales = sales.drop(columns=['revenue'])"),
        new_code_cell("print('a note')"),
        new_code_cell("total = sales['revenue'].sum()\nprint(total)"),
        new_code_cell("print(total * 2)"),
    ]
    notebook = new_notebook(cells=cells)
    ids = [cell.id for cell in notebook.cells]
    async with KernelExecutor(cwd=tmp_path) as kernel:
        for cell in notebook.cells:  # as the user ran it: the fourth cell failed
            result = await kernel.run(RunCell("user", cell.source, 0, 1, None, 30))
            cell.outputs = [nbformat.from_dict(output) for output in result.outputs]
            cell.execution_count = result.execution_count
        assert notebook.cells[3].outputs[-1]["ename"] == "KeyError"
        llm_server.enqueue(edit_cell("#2", "sales = sales.drop(columns=['region'])"), answer("Fixed in #2."))
        agent = make_agent(settings, NotebookFileExecutor(kernel, notebook))
        events = [
            event
            async for event in agent.run(
                "Fix it", notebook=snapshot_of(notebook), intent="fix", cell_id=ids[3], notebook_path="n.ipynb"
            )
        ]

    view = llm_server.chat_requests[0]["messages"][-1]["content"]
    assert "Where the names #4 uses come from" in view and "sales (#1, #2)" in view
    ran = of_type(events, RunCell)
    # #1 first (#2 already dropped a column of the `sales` it reads), the edit, then what it invalidates
    assert [(cell.cell_id, cell.rerun) for cell in ran] == [
        (ids[0], True),
        (ids[1], False),
        (ids[3], True),
        (ids[4], True),
    ], llm_server.chat_requests[1]["messages"][-1]["content"]
    assert [done.status for done in of_type(events, CellDone)] == ["ok", "ok", "ok", "ok"]
    told = tool_results(llm_server.chat_requests[1])[0]
    assert "[re-run]" in told and "#4 (id" in told and "#5 (id" in told and "3" in told
    changes = of_type(events, NotebookChanges)[-1].changes
    assert [(change["cell_id"], change["kind"]) for change in changes] == [
        (ids[0], "rerun"),
        (ids[1], "edited"),
        (ids[3], "rerun"),
        (ids[4], "rerun"),
    ]
    assert changes[1]["before"] == "sales = sales.drop(columns=['revenue'])"
    assert notebook.cells[4].outputs[0]["text"] == "6\n"  # the dependent's outputs are the new run's
    assert events[-1] == Done("answered")


@pytest.mark.asyncio
async def test_an_edit_that_drops_a_definition_later_cells_use_is_said(llm_server, settings, tmp_path, make_agent):
    notebook = new_notebook(cells=[new_code_cell("rate = 0.2\nbase = 10"), new_code_cell("print(base * rate)")])
    async with KernelExecutor(cwd=tmp_path) as kernel:
        for cell in notebook.cells:
            await kernel.run(RunCell("user", cell.source, 0, 1, None, 30))
        llm_server.enqueue(edit_cell("#1", "base = 10"), answer("Done."))
        events = [
            event
            async for event in make_agent(settings, NotebookFileExecutor(kernel, notebook)).run(
                "Keep only base in the first cell", notebook=snapshot_of(notebook), notebook_path="n.ipynb"
            )
        ]
    told = tool_results(llm_server.chat_requests[1])[0]
    assert "[notebook] #2 uses `rate`, which the edited cell no longer defines" in told
    [warning] = of_type(events, NotebookWarning)
    assert "#2 uses `rate`" in warning.message
