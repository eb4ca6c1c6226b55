"""What the notebook view costs: prompt tokens for notebooks of 10, 50 and 200 cells, and model calls per fix.

Notebooks are made of real analysis cells, the DSEval tasks' reference code
with their expected outputs (a question becomes a markdown cell before its
code), taken in order until the notebook has N cells; the active cell is the
last one, and one cell in the middle holds a KeyError. For each size it prints
the tokens of the view the model gets (``render_view`` at the default budget),
of the same notebook rendered whole (the baseline: what sending it all would
cost) and the time to render.

Then the "fix this cell" scenario through the real loop, a real kernel and the
scripted model: a user's cell fails with a KeyError, the request is a fix of
that cell; it prints the model calls the request took (the fix, then the
closing answer) and the prompt tokens of the first call.

Run: python benchmarks/notebook_view.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time

from dseval_data import dseval_dir

from ci_jupyterlab.agent import Assistant, CodeInterpreter, RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.executors.notebook_file import NotebookFileExecutor
from ci_jupyterlab.agent.notebook_view import DEFAULT_VIEW_BUDGET, NotebookSnapshot, ViewCell, render_view, snapshot_of
from ci_jupyterlab.agent.tokens import count_tokens, prompt_tokens
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

SIZES = (10, 50, 200)
REPEATS = 5


def dseval_cells() -> list[ViewCell]:
    """DSEval's cells as a notebook has them: the question as markdown, the code with its expected output."""
    cells: list[ViewCell] = []
    for line in (dseval_dir() / "tasks.jsonl").read_text().splitlines():
        for item in json.loads(line)["cells"]:
            if item["question"]:
                cells.append(ViewCell(f"m{len(cells)}", "markdown", item["question"].strip()))
            expected = item["expected"]
            outputs = []
            if expected["stdout"]:
                outputs.append({"output_type": "stream", "name": "stdout", "text": expected["stdout"]})
            if expected["result_text_plain"]:
                outputs.append({"output_type": "execute_result", "text": expected["result_text_plain"]})
            cells.append(ViewCell(f"c{len(cells)}", "code", item["code"], len(cells) + 1, outputs))
    return cells


def notebook_of(size: int, pool: list[ViewCell]) -> NotebookSnapshot:
    cells = [ViewCell(**{**cell.__dict__}) for cell in pool[:size]]
    middle = next(i for i in range(size // 2, size) if cells[i].cell_type == "code")
    cells[middle].outputs = [{"output_type": "error", "ename": "KeyError", "evalue": "'Revenue'"}]
    return NotebookSnapshot(cells, active=size - 1, selected=frozenset({size - 1}))


def view_costs() -> None:
    pool = dseval_cells()
    print(f"Notebook view, budget {DEFAULT_VIEW_BUDGET:,} tokens (cells from DSEval, {len(pool)} available)")
    print(f"{'cells':>6}{'view tokens':>13}{'whole notebook':>16}{'ratio':>8}{'render ms':>11}")
    for size in SIZES:
        snapshot = notebook_of(size, pool)
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            view = render_view(snapshot)
            times.append((time.perf_counter() - started) * 1000)
        whole = render_view(snapshot, budget=10**9)
        tokens, whole_tokens = count_tokens(view), count_tokens(whole)
        print(
            f"{size:>6}{tokens:>13,}{whole_tokens:>16,}{tokens / whole_tokens:>8.2f}{statistics.median(times):>11.1f}"
        )


async def fix_scenario() -> None:
    notebook = {
        "cells": [
            {
                "id": "load",
                "cell_type": "code",
                "source": "import pandas as pd\nsales = pd.DataFrame({'Revenue': [1, 2]})",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
            {
                "id": "sum",
                "cell_type": "code",
                "source": "sales['revenue'].sum()",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
        ]
    }
    with ScriptedLLM() as server, tempfile.TemporaryDirectory() as scratch:
        settings = CodeInterpreter(base_url=server.base_url, api_key="bench", model="scripted-model")
        async with Assistant.from_settings(settings) as assistant, KernelExecutor(cwd=scratch) as kernel:
            for number, cell in enumerate(notebook["cells"], 1):
                result = await kernel.run(RunCell(f"user-{number}", cell["source"], 0, 1, None, 60))
                cell["outputs"], cell["execution_count"] = result.outputs, result.execution_count
            server.enqueue(
                {"tool_calls": [{"name": "edit_cell", "arguments": {"cell": "#2", "code": "sales['Revenue'].sum()"}}]},
                {"text": "The column is 'Revenue', with a capital R."},
            )
            agent = assistant.agent(NotebookFileExecutor(kernel, notebook), language="python")
            events = [
                event
                async for event in agent.run(
                    "Fix the error in cell [2].", notebook=snapshot_of(notebook, 1), intent="fix", cell_id="sum"
                )
            ]
        calls = server.chat_requests
        fixed = notebook["cells"][1]["outputs"][0]["data"]["text/plain"]
    print("\nFix this cell (a KeyError on a column name), through the loop:")
    print(f"  model calls: {len(calls)} (the fix, then the closing answer); ended {events[-1].reason}")
    first = prompt_tokens(calls[0]["messages"], calls[0].get("tools"))
    print(f"  prompt tokens of the first call: {first:,}; code cells after: {len(notebook['cells'])} (as before)")
    print(f"  the fixed cell shows: {fixed}")


if __name__ == "__main__":
    view_costs()
    asyncio.run(fix_scenario())
