"""``jupyter ci run``: the headless runner, as a user runs it (a subprocess)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import nbformat
import pytest
from conftest import CANARY_KEY, answer, run_cell


def test_run_writes_a_valid_notebook_and_prints_the_answer(run_ci, llm_server, tmp_path):
    data = tmp_path / "sales.csv"
    data.write_text("month,revenue\n1,10\n2,32\n")
    llm_server.enqueue(
        run_cell("import pandas as pd\ndf = pd.read_csv('sales.csv')\nprint(df.revenue.sum())"),
        answer("Total revenue is **42**."),
    )
    done = run_ci("run", "Total revenue?", "--file", str(data), "--output", "out.ipynb")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Total revenue is **42**."
    assert (run_ci.workdir / "sales.csv").read_text() == data.read_text()
    assert "wrote" not in done.stderr  # reading a file is not writing one
    notebook = nbformat.read(run_ci.workdir / "out.ipynb", as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "code", "markdown"]
    assert notebook.cells[0].source == "> Total revenue?"
    assert notebook.cells[1].outputs[0]["text"] == "42\n"
    told = llm_server.chat_requests[0]["messages"][1]["content"]  # the file was announced, with a preview
    assert "sales.csv" in told and "2 rows × 2 columns" in told
    assert CANARY_KEY not in done.stdout + done.stderr + (run_ci.workdir / "out.ipynb").read_text()


def test_files_the_code_writes_are_reported(run_ci, llm_server):
    llm_server.enqueue(run_cell("open('report.txt', 'w').write('hello')"), answer("Saved report.txt."))
    done = run_ci("run", "Save a report.")
    assert done.returncode == 0, done.stderr
    assert "wrote report.txt (created, 5 bytes)" in done.stderr
    assert "ci-run.ipynb" not in done.stderr.split("Notebook written")[0]  # the output notebook is not a step's file


def test_a_fixed_error_keeps_only_the_working_cell(run_ci, llm_server):
    llm_server.enqueue(run_cell("print(math.pi > 3)"), run_cell("import math\nprint(math.pi > 3)"), answer("Yes."))
    done = run_ci("run", "Is pi above 3?")
    assert done.returncode == 0, done.stderr
    assert "NameError" in done.stderr  # progress shows the failure
    notebook = nbformat.read(run_ci.workdir / "ci-run.ipynb", as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code == ["import math\nprint(math.pi > 3)"]


def test_exhausted_attempts_exit_non_zero_and_keep_the_work(run_ci, llm_server):
    llm_server.enqueue(run_cell("1/0"), run_cell("undefined_x"), run_cell("undefined_y"))
    done = run_ci("run", "Fail.", "--max-attempts", "3")
    assert done.returncode == 1
    assert "Gave up after 3 failed attempts" in done.stderr
    nbformat.validate(nbformat.read(run_ci.workdir / "ci-run.ipynb", as_version=4))


def test_an_existing_notebook_is_never_overwritten(run_ci, llm_server):
    (run_ci.workdir / "ci-run.ipynb").write_text("precious")
    llm_server.enqueue(answer("Nothing to run."))
    assert run_ci("run", "Hello").returncode == 0
    assert (run_ci.workdir / "ci-run.ipynb").read_text() == "precious"
    assert (run_ci.workdir / "ci-run-1.ipynb").exists()
    refused = run_ci("run", "Hello", "--output", "ci-run.ipynb")
    assert refused.returncode == 2 and "--force" in refused.stderr


def test_a_clashing_input_file_gets_a_new_name(run_ci, llm_server, tmp_path):
    (run_ci.workdir / "data.csv").write_text("old")
    new = tmp_path / "data.csv"
    new.write_text("new")
    llm_server.enqueue(answer("ok"))
    assert run_ci("run", "Look", "--file", str(new)).returncode == 0
    assert (run_ci.workdir / "data.csv").read_text() == "old"
    assert (run_ci.workdir / "data-1.csv").read_text() == "new"
    assert "data-1.csv" in llm_server.chat_requests[0]["messages"][1]["content"]


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["run", "  "], {}, "the request is empty"),
        (["run", "x", "--file", "missing.csv"], {}, "no such file: missing.csv"),
        (["run", "x"], {"OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""}, "No model is configured"),
    ],
)
def test_bad_input_is_refused_clearly(run_ci, args, env, message):
    done = run_ci(*args, **env)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_unknown_option_is_refused(run_ci):
    done = run_ci("run", "x", "--colour", "blue")
    assert done.returncode == 2 and "unrecognized arguments: --colour" in done.stderr


def test_unreachable_model_exits_non_zero(run_ci):
    done = run_ci("run", "x", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert done.returncode == 1
    assert "Could not connect to the model server at 127.0.0.1:9" in done.stderr


def test_jupyter_ci_is_a_jupyter_subcommand():
    done = subprocess.run(["jupyter", "ci", "run", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: jupyter ci run" in done.stdout and "--file PATH" in done.stdout


def test_the_command_starts_without_rfc3987_grammars_and_still_validates_notebooks():
    # As `jupyter ci` starts: its module first. rfc3987_syntax (installed: jupyter-events needs it)
    # would compile its grammars for seconds; nbformat must still refuse a malformed notebook.
    probe = """
import sys
import ci_jupyterlab.cli
import nbformat
from nbformat.v4 import new_code_cell, new_notebook
notebook = new_notebook(cells=[new_code_cell("1")])
nbformat.validate(notebook)
notebook.cells[0]["not_a_field"] = 1
try:
    nbformat.validate(notebook)
except nbformat.ValidationError:
    print("refused", "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "False"]
    assert importlib.util.find_spec("rfc3987_syntax") is not None  # what is avoided is there to avoid


def write_notebook(path, *sources):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources]), path)


def test_run_works_in_an_existing_notebook_and_edits_its_cell(run_ci, llm_server):
    notebook = run_ci.workdir / "analysis.ipynb"
    write_notebook(notebook, "prices = [3, 4, 5]", "print(sum(price) / len(prices))")
    llm_server.enqueue(
        {
            "tool_calls": [
                {"name": "edit_cell", "arguments": {"cell": "#2", "code": "print(sum(prices) / len(prices))"}}
            ]
        },
        answer("Fixed the typo: the mean is 4."),
    )
    done = run_ci("run", "Fix my notebook.", "--notebook", "analysis.ipynb", "--output", "fixed.ipynb")

    assert done.returncode == 0, done.stderr
    assert "cell #2 of the notebook failed (NameError)" in done.stderr  # its cells ran first
    told = llm_server.chat_requests[0]["messages"][1]["content"]
    assert "print(sum(price) / len(prices))" in told and "NameError" in told
    result = nbformat.read(run_ci.workdir / "fixed.ipynb", as_version=4)
    nbformat.validate(result)
    codes = [cell for cell in result.cells if cell.cell_type == "code"]
    assert [cell.source for cell in codes] == ["prices = [3, 4, 5]", "print(sum(prices) / len(prices))"]
    assert codes[1].outputs[0]["text"] == "4.0\n"
    assert "the mean is 4" in result.cells[-1].source
    assert nbformat.read(notebook, as_version=4).cells[1].source == "print(sum(price) / len(prices))"  # untouched


def test_run_in_a_notebook_needs_an_output_or_force(run_ci, llm_server):
    write_notebook(run_ci.workdir / "a.ipynb", "x = 1")
    refused = run_ci("run", "Hi", "--notebook", "a.ipynb")
    assert refused.returncode == 2 and "give --output for the result, or --force" in refused.stderr

    llm_server.enqueue(run_cell("print(x + 1)"), answer("2."))
    done = run_ci("run", "Add one.", "--notebook", "a.ipynb", "--force", "--no-run-existing")
    assert done.returncode == 0, done.stderr
    cells = nbformat.read(run_ci.workdir / "a.ipynb", as_version=4).cells
    assert [cell.source for cell in cells[:2]] == ["x = 1", "print(x + 1)"]
    assert cells[0].outputs == []  # --no-run-existing: the user's cell did not run
    assert cells[1].outputs[0]["ename"] == "NameError"  # ...so x was never defined


def test_model_option_cannot_override_the_administrators_model(run_ci, llm_server, tmp_path):
    (tmp_path / "config" / "jupyter_server_config.json").write_text('{"CodeInterpreter": {"model": "scripted-model"}}')
    llm_server.models = ["scripted-model", "expensive-model"]
    done = run_ci("run", "Say hi.", "--model", "expensive-model")
    assert done.returncode == 2
    assert "The model 'expensive-model' is not allowed on this server." in done.stderr
    assert llm_server.chat_requests == []


def test_without_yes_no_form_of_rmtree_deletes_a_folder_outside_the_work_dir(run_ci, llm_server, tmp_path):
    """The audit's cell deleted this folder through ``__import__``; built at run time it is declined too."""
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    llm_server.enqueue(
        run_cell(f"__import__('shutil').rmtree({str(outside)!r})"),
        run_cell(f"getattr(__import__('shu' + 'til'), 'rmtree')({str(outside)!r})"),
        run_cell(f"import sys\nsys.modules['shutil'].rmtree({str(outside)!r})"),
        answer("I could not delete it."),
    )
    done = run_ci("run", "Delete the outside folder.")
    assert done.returncode == 0, done.stderr
    assert (outside / "keep").is_dir()
    told = [m["content"] for r in llm_server.chat_requests[1:] for m in r["messages"][-1:]]
    assert len(told) == 3 and all(text.startswith("Not run: the user did not approve") for text in told)
    assert "deletes" in told[0] and "cannot be checked first" in told[1]
