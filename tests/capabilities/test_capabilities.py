"""The capability suite: the original Code Interpreter's launch tasks and habits, end to end.

Each task of ``tasks.py`` runs through ``jupyter ci run`` (a subprocess, a
fresh kernel of this environment, which has the ``analysis`` extra), with the
scripted model writing what a competent model writes. Then the notebook must
hold the outputs, the files must be there, and ``jupyter ci export`` must
re-run the notebook in a fresh kernel to the same outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from conftest import CANARY_KEY
from tasks import TASKS, Task, answer, run_cell


def outputs_of(notebook) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def printed_text(notebook) -> str:
    parts = []
    for output in outputs_of(notebook):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def export_verified(run_ci, notebook: str) -> str:
    """``jupyter ci export`` of the notebook: its verification line, after checking it reproduced."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(run_ci.workdir.parent / "config")}
    done = subprocess.run(
        [sys.executable, "-m", "ci_jupyterlab.cli", "export", notebook, "--output", "exported.ipynb"],
        cwd=run_ci.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    verification = done.stdout.strip().splitlines()[0]
    assert verification.startswith("Verification: "), done.stdout
    assert "did not reproduce" not in done.stdout and "failed" not in verification, done.stdout
    return verification


@pytest.mark.parametrize("task", TASKS, ids=[task.name for task in TASKS])
def test_a_launch_task_runs_and_its_export_reproduces(task: Task, run_ci, llm_server, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    attached = [str(inputs / name) for name in task.make_inputs(inputs)]
    llm_server.enqueue(*task.script)
    files = [word for path in attached for word in ("--file", path)]
    done = run_ci("run", task.request, *files, "--output", "task.ipynb", *task.arguments)

    assert done.returncode == 0, done.stderr
    for said in task.stderr:
        assert said in done.stderr
    notebook = nbformat.read(run_ci.workdir / "task.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert all(output["output_type"] != "error" for output in outputs_of(notebook)), done.stderr
    text = printed_text(notebook)
    for expected in task.printed:
        assert expected in text, text
    mime_types = {mime for output in outputs_of(notebook) for mime in output.get("data", {})}
    assert set(task.mime_types) <= mime_types, mime_types
    for name in task.written:
        assert (run_ci.workdir / name).is_file(), name
    told = llm_server.chat_requests[0]["messages"][1]["content"]
    assert "The kernel's environment (Python" in told  # the model knew what it could use
    assert CANARY_KEY not in done.stdout + done.stderr + (run_ci.workdir / "task.ipynb").read_text()

    verification = export_verified(run_ci, "task.ipynb")
    code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    assert f"of {code_cells} code cells reproduced" in verification, verification


def test_after_the_kernel_dies_mid_task_the_assistant_rebuilds_what_was_lost(run_ci, llm_server):
    """The original's users lost their state with the kernel ("the code execution state was reset").
    Here the notebook keeps the work up to the death, and a second run in it (a fresh kernel: the
    variables are gone) gets the NameError's hint and rebuilds them instead of giving up."""
    llm_server.enqueue(
        run_cell("totals = {'north': 40, 'south': 2}\nprint('loaded')"),
        run_cell("import os\nos._exit(1)  # the kernel dies, as out of memory would kill it"),
    )
    first = run_ci("run", "Load the totals, then add them up.", "--output", "work.ipynb")
    assert first.returncode == 1 and "Ended: kernel" in first.stderr, first.stderr
    kept = nbformat.read(run_ci.workdir / "work.ipynb", as_version=4)
    assert any(cell.source.startswith("totals = {'north': 40") for cell in kept.cells)

    llm_server.enqueue(
        run_cell("print(sum(totals.values()))"),
        run_cell("totals = {'north': 40, 'south': 2}\nprint(sum(totals.values()))"),
        answer("The total is 42."),
    )
    second = run_ci(
        "run", "Go on: add the totals up.", "--notebook", "work.ipynb", "--no-run-existing", "--output", "resumed.ipynb"
    )
    assert second.returncode == 0, second.stderr
    assert "NameError" in second.stderr and second.stdout.strip() == "The total is 42."
    told = [m["content"] for m in llm_server.chat_requests[-2]["messages"] if m["role"] == "tool"][-1]
    assert "totals" in told and "NameError" in told  # the fix was told what was missing
    resumed = nbformat.read(run_ci.workdir / "resumed.ipynb", as_version=4)
    assert "42" in printed_text(resumed)
