"""Exporting a notebook and its sessions as a reproducible notebook, verified by re-running it.

Sessions are made by really running the agent (scripted model, real kernel);
the notebook is written as the panel leaves it: one tagged cell per step,
holding the step's final attempt.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading

import nbformat
import pytest
from conftest import CANARY_KEY, answer, run_cell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ci_jupyterlab.agent.conversation import Conversation
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.journal import JOURNAL_NAME, Journal, Recording
from ci_jupyterlab.agent.record import RequestRecord, SessionRecord
from ci_jupyterlab.export import export_notebook
from ci_jupyterlab.session_files import SavedSession, SessionFiles
from ci_jupyterlab.sessions import SessionStore

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


async def run_session(make_agent, settings, executor, llm_server, *requests):
    """Run each ``(text, script)`` in one conversation; the agent holds the record."""
    agent = make_agent(settings, executor)
    for text, script in requests:
        llm_server.enqueue(*script)
        async for _event in agent.run(text, notebook_path="analysis.ipynb"):
            pass
    return agent


def panel_notebook(path, agent, session="s-1", before=()):
    """The notebook as the panel leaves it: user cells, then one tagged cell per step."""
    notebook = new_notebook(metadata={"kernelspec": KERNELSPEC, "ci_jupyterlab": {"internal": True}})
    notebook.cells.extend(before)
    for request in agent.record.requests:
        for step in request.steps:
            final = step.final
            cell = new_code_cell(
                final.code,
                execution_count=final.execution_count,
                metadata={"ci_jupyterlab": {"session": session, "step": step.number, "call_id": final.call_id}},
            )
            cell.outputs = [nbformat.from_dict(output) for output in final.outputs]
            notebook.cells.append(cell)
    nbformat.write(notebook, path)
    return path


def saved(tmp_path, agent, session="s-1") -> SessionFiles:
    files = SessionFiles(tmp_path / "sessions", lambda: [CANARY_KEY])
    files.save(SavedSession(session, "analysis.ipynb", agent.record, agent.conversation))
    return files


def finder(files: SessionFiles):
    return lambda session_id: getattr(files.load(session_id), "record", None)


def code_sources(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.asyncio
async def test_an_error_then_a_fix_exports_only_the_fix_and_reproduces(
    tmp_path, kernel, settings, llm_server, make_agent
):
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        (
            "Is pi above 3?",
            [run_cell("print(math.pi > 3)"), run_cell("import math\nprint(math.pi > 3)"), answer("Yes.")],
        ),
    )
    user_cell = new_code_cell("greeting = 'hi'\nprint(greeting)", execution_count=1)
    user_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    path = panel_notebook(tmp_path / "analysis.ipynb", agent, before=[new_markdown_cell("# My notes"), user_cell])

    export = await export_notebook(path, finder(saved(tmp_path, agent)))

    notebook = export.notebook
    nbformat.validate(notebook)
    assert code_sources(notebook) == ["greeting = 'hi'\nprint(greeting)", "import math\nprint(math.pi > 3)"]
    sources = [cell.source for cell in notebook.cells]
    assert sources[1] == "# My notes" and sources[3] == "> Is pi above 3?" and sources[-1] == "Yes."
    assert notebook.cells[-2].outputs[0]["text"] == "True\n"
    verification = notebook.metadata["ci_jupyterlab_export"]["verification"]
    assert (verification["reproduced"], verification["total"]) == (2, 2)
    assert [cell["status"] for cell in verification["cells"]] == ["reproduced", "reproduced"]
    assert "2 of 2 code cells reproduced" in notebook.cells[0].source
    assert "scripted-model" in notebook.cells[0].source
    assert "Python:** 3." in notebook.cells[0].source
    text = nbformat.writes(notebook)
    assert '"ci_jupyterlab"' not in text and "call_id" not in text


@pytest.mark.asyncio
async def test_unseeded_randomness_is_named_as_the_cause(tmp_path, kernel, settings, llm_server, make_agent):
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        (
            "Pick a number.",
            [run_cell("import random\nvalue = random.random()"), run_cell("print(value)"), answer("Done.")],
        ),
    )
    path = panel_notebook(tmp_path / "analysis.ipynb", agent)

    export = await export_notebook(path, finder(saved(tmp_path, agent)))

    verification = export.notebook.metadata["ci_jupyterlab_export"]["verification"]
    assert verification["cells"][1] == {
        "index": 3,
        "execution_count": 2,
        "status": "differs",
        "cause": "unseeded randomness",
    }
    assert (verification["reproduced"], verification["total"]) == (1, 2)
    assert "cell [2] differs (unseeded randomness)" in export.notebook.cells[0].source
    assert export.notebook.cells[3].outputs  # the session's output is kept, not the new one


@pytest.mark.asyncio
async def test_a_ci_magic_cell_becomes_its_request_and_recorded_code(tmp_path):
    Journal(tmp_path / JOURNAL_NAME).save(
        Recording(
            request="Mean of 1 to 4.",
            model_option="",
            steps=["import statistics\nmean = statistics.mean([1, 2, 3, 4])", "print(mean)"],
            answer="The mean is **2.5**.",
            model="gpt-test",
        )
    )
    notebook = new_notebook(metadata={"kernelspec": KERNELSPEC})
    magic = new_code_cell("%%ci\nMean of 1 to 4.", execution_count=2)
    magic.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "Step 1: ..."})]
    notebook.cells = [new_code_cell("%load_ext ci_jupyterlab", execution_count=1), magic]
    nbformat.write(notebook, tmp_path / "magic.ipynb")

    export = await export_notebook(tmp_path / "magic.ipynb", lambda _id: None)

    cells = export.notebook.cells
    assert [(cell.cell_type, cell.source) for cell in cells[1:]] == [
        ("markdown", "> Mean of 1 to 4."),
        ("code", "import statistics\nmean = statistics.mean([1, 2, 3, 4])"),
        ("code", "print(mean)"),
        ("markdown", "The mean is **2.5**."),
    ]
    assert all("%" not in source and "ci_jupyterlab" not in source for source in code_sources(export.notebook))
    assert cells[3].outputs[0]["text"] == "2.5\n"  # filled in by the verification run
    verification = export.notebook.metadata["ci_jupyterlab_export"]["verification"]
    assert [cell["status"] for cell in verification["cells"]] == ["ran", "ran"]
    assert verification["reproduced"] == 2 and "gpt-test" in cells[0].source


@pytest.mark.asyncio
async def test_an_uploaded_data_file_is_recorded_with_its_sha256(tmp_path, kernel, settings, llm_server, make_agent):
    data = b"month,revenue\n1,10\n2,32\n"
    (tmp_path / "sales.csv").write_bytes(data)
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        (
            "Total revenue?",
            [run_cell("import pandas as pd\nprint(pd.read_csv('sales.csv').revenue.sum())"), answer("42")],
        ),
    )
    path = panel_notebook(tmp_path / "analysis.ipynb", agent)

    export = await export_notebook(path, finder(saved(tmp_path, agent)))

    provenance = export.notebook.metadata["ci_jupyterlab_export"]
    digest = hashlib.sha256(data).hexdigest()
    assert provenance["input_files"] == [{"name": "sales.csv", "size": len(data), "sha256": digest}]
    assert digest in export.notebook.cells[0].source
    assert provenance["environment"]["packages"]["pandas"]
    assert provenance["verification"]["reproduced"] == 1
    assert (tmp_path / "sales.csv").read_bytes() == data


@pytest.mark.asyncio
async def test_a_missing_file_is_reported_and_the_failing_cell_kept(tmp_path, kernel, settings, llm_server, make_agent):
    (tmp_path / "notes.txt").write_text("hello")
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        ("Read notes.", [run_cell("print(open('notes.txt').read())"), answer("It says hello.")]),
    )
    path = panel_notebook(tmp_path / "analysis.ipynb", agent)
    (tmp_path / "notes.txt").unlink()

    export = await export_notebook(path, finder(saved(tmp_path, agent)))

    check = export.notebook.metadata["ci_jupyterlab_export"]["verification"]["cells"][0]
    assert check["status"] == "failed" and check["cause"].startswith("a missing file")
    assert code_sources(export.notebook) == ["print(open('notes.txt').read())"]


@pytest.mark.asyncio
async def test_keep_attempts_keeps_failures_as_collapsed_markdown(tmp_path, kernel, settings, llm_server, make_agent):
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        (
            "Is pi above 3?",
            [run_cell("print(math.pi > 3)"), run_cell("import math\nprint(math.pi > 3)"), answer("Yes.")],
        ),
    )
    path = panel_notebook(tmp_path / "analysis.ipynb", agent)

    export = await export_notebook(path, finder(saved(tmp_path, agent)), keep_attempts=True, run_verification=False)

    attempts = [cell for cell in export.notebook.cells if "<details>" in cell.source]
    assert len(attempts) == 1 and attempts[0].cell_type == "markdown"
    assert "Attempt 1 failed: NameError" in attempts[0].source and "print(math.pi > 3)" in attempts[0].source
    assert code_sources(export.notebook) == ["import math\nprint(math.pi > 3)"]
    assert export.notebook.metadata["ci_jupyterlab_export"]["verification"] is None
    assert "not verified" in export.notebook.cells[0].source


@pytest.mark.asyncio
async def test_the_api_key_is_nowhere_in_the_sessions_or_the_export(
    tmp_path, settings, llm_server, make_agent, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)  # the verification kernel inherits it
    async with KernelExecutor(cwd=tmp_path, env={"OPENAI_API_KEY": CANARY_KEY}) as kernel:
        agent = await run_session(
            make_agent,
            settings,
            kernel,
            llm_server,
            ("Show the key.", [run_cell("import os\nprint(os.environ['OPENAI_API_KEY'])"), answer("Shown.")]),
        )
    path = panel_notebook(tmp_path / "analysis.ipynb", agent)
    files = saved(tmp_path, agent)

    export = await export_notebook(path, finder(files), secrets=settings.secrets())

    assert CANARY_KEY not in nbformat.writes(export.notebook)
    assert "[redacted]" in export.notebook.cells[2].outputs[0]["text"]
    for stored in (tmp_path / "sessions").iterdir():
        assert CANARY_KEY not in stored.read_text()


@pytest.fixture
def export_cli(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
        return subprocess.run(
            [sys.executable, "-m", "ci_jupyterlab.cli", "export", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.mark.asyncio
async def test_the_cli_exports_and_never_overwrites(tmp_path, kernel, settings, llm_server, make_agent, export_cli):
    agent = await run_session(
        make_agent,
        settings,
        kernel,
        llm_server,
        ("Is pi above 3?", [run_cell("import math\nprint(math.pi > 3)"), answer("Yes.")]),
    )
    panel_notebook(tmp_path / "analysis.ipynb", agent)
    saved(tmp_path, agent)
    sessions = ["--sessions-dir", str(tmp_path / "sessions")]

    done = export_cli("analysis.ipynb", *sessions)
    assert done.returncode == 0, done.stderr
    assert "1 of 1 code cells reproduced" in done.stdout
    first = nbformat.read(tmp_path / "analysis-export.ipynb", as_version=4)
    assert code_sources(first) == ["import math\nprint(math.pi > 3)"]

    again = export_cli("analysis.ipynb", "--no-verify", *sessions)
    assert again.returncode == 0 and (tmp_path / "analysis-export-1.ipynb").exists()
    assert nbformat.read(tmp_path / "analysis-export.ipynb", as_version=4) == first

    refused = export_cli("analysis.ipynb", "-o", "analysis-export.ipynb", *sessions)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = export_cli("analysis.ipynb", "-o", "analysis-export.ipynb", "--force", "--no-verify", *sessions)
    assert forced.returncode == 0, forced.stderr


def test_the_cli_refuses_a_missing_notebook(export_cli):
    done = export_cli("nowhere.ipynb")
    assert done.returncode == 2 and "no such notebook: nowhere.ipynb" in done.stderr
    assert "Traceback" not in done.stderr


def test_sessions_survive_a_new_store_on_the_same_directory(tmp_path):
    record = SessionRecord([RequestRecord("Hello", "a.ipynb", packages=["openpyxl==3.1.5"])])
    conversation = Conversation(language="python", messages=[{"role": "user", "content": "Hello"}], step=3)
    SessionFiles(tmp_path).save(SavedSession("s:1", "work/a.ipynb", record, conversation))

    store = SessionStore(SessionFiles(tmp_path))
    session = store.get("s:1")
    assert session.notebook_path == "work/a.ipynb" and session.conversation == conversation
    assert session.record.requests[0].packages == ["openpyxl==3.1.5"]
    assert [s["id"] for s in store.summaries("work/a.ipynb")] == ["s:1"] and store.summaries("b.ipynb") == []
    (tmp_path / "index.json").write_text("{broken")  # the index is only a cache: rebuilt from the files
    assert store.summaries("work/a.ipynb")[0]["requests"] == 1


def test_records_saved_before_packages_existed_still_load():
    old = {"requests": [{"text": "Hi", "steps": []}]}
    assert SessionRecord.from_dict(old).requests[0].packages == []


async def export_over_rest(jp_fetch, jp_root_dir, *cells) -> nbformat.NotebookNode:
    """Export a notebook of these cells (sources, or code cells with recorded outputs) through the REST API."""
    notebook = new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    notebook.cells = [new_code_cell(cell) if isinstance(cell, str) else cell for cell in cells]
    nbformat.write(notebook, jp_root_dir / "report.ipynb")
    answer_ = await jp_fetch("ci-jupyterlab", "export", method="POST", body=json.dumps({"path": "report.ipynb"}))
    return nbformat.read(jp_root_dir / json.loads(answer_.body)["path"], as_version=4)


async def test_a_verified_export_opens_trusted_with_this_runs_outputs(jp_fetch, jp_root_dir, jp_serverapp):
    html = "from IPython.display import HTML\nHTML('<b>total</b>: 42')"
    exported = await export_over_rest(jp_fetch, jp_root_dir, "x = 40 + 2", html)

    assert jp_serverapp.contents_manager.notary.check_signature(exported)
    assert exported.cells[-1].outputs[0]["data"]["text/html"] == "<b>total</b>: 42"


async def test_an_export_that_did_not_reproduce_is_not_trusted(jp_fetch, jp_root_dir, jp_serverapp):
    stale = new_code_cell("print(2)", execution_count=1)
    stale.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]  # what an earlier run printed
    exported = await export_over_rest(jp_fetch, jp_root_dir, stale)

    assert exported.metadata["ci_jupyterlab_export"]["verification"]["cells"][0]["status"] == "differs"
    assert not jp_serverapp.contents_manager.notary.check_signature(exported)
    assert exported.cells[-1].outputs[0]["text"] == "1\n"  # the recorded outputs are kept, as before


@pytest.mark.asyncio
async def test_the_notebook_is_read_and_its_input_files_hashed_off_the_event_loop(tmp_path, monkeypatch):
    from ci_jupyterlab import export as export_module

    threads = {}
    for name in ("_read_notebook", "sha256_of"):
        real = getattr(export_module, name)

        def recording(*args, _real=real, _name=name):
            threads[_name] = threading.current_thread()
            return _real(*args)

        monkeypatch.setattr(export_module, name, recording)
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n")
    notebook = new_notebook(metadata={"kernelspec": KERNELSPEC})
    notebook.cells = [new_code_cell("import pandas as pd\ndf = pd.read_csv('sales.csv')", execution_count=1)]
    nbformat.write(notebook, tmp_path / "data.ipynb")

    export = await export_notebook(tmp_path / "data.ipynb", lambda _id: None, run_verification=False)

    assert export.provenance["input_files"][0]["name"] == "sales.csv"
    assert set(threads) == {"_read_notebook", "sha256_of"}
    assert threading.main_thread() not in threads.values()


def test_element_ids_a_library_generates_each_run_do_not_make_outputs_differ():
    from ci_jupyterlab.verification import normalised

    def folium_output(uid: str, city: str) -> list[dict]:
        html = f'<div class="folium-map" id="map_{uid}"></div><script>var marker_{uid} = L.marker("{city}");</script>'
        return [{"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}]

    first, second = "3f1a" * 8, "9c0b" * 8
    assert normalised(folium_output(first, "Oslo")) == normalised(folium_output(second, "Oslo"))
    assert normalised(folium_output(first, "Oslo")) != normalised(folium_output(second, "Lima"))


def edit_cell(cell: str, code: str) -> dict:
    return {"tool_calls": [{"name": "edit_cell", "arguments": {"cell": cell, "code": code}}]}


async def test_the_story_is_the_session_in_order_with_every_request_and_files_told_apart(
    open_chat, llm_server, jp_fetch, jp_root_dir
):
    """Six requests as a user makes them: two that add cells, a Fix of the user's own cell above them, an
    Explain, an edit of the first request's cell, one more. The export tells all six in the order they were
    asked, its code runs in the notebook's order, and the CSV the code writes is an output, not an input."""
    work = jp_root_dir / "work"
    work.mkdir()
    (work / "sales.csv").write_text("month,Revenue\n1,10\n1,5\n2,27\n")
    user_cells = ["import pandas as pd\nsales = pd.read_csv('sales.csv')", "print(sales['revenue'].sum())"]
    async with open_chat(cwd=work) as chat:
        chat.notebook = json.loads(json.dumps(new_notebook(cells=[new_code_cell(c) for c in user_cells])))
        await chat.run_user_cells()
        broken = chat.notebook["cells"][1]["id"]
        for text, script, fields in [
            ("Show the first rows.", [run_cell("head = sales.head()\nprint(head)"), answer("Here they are.")], {}),
            (
                "Save the monthly totals.",
                [
                    run_cell("monthly = sales.groupby('month').Revenue.sum()\nmonthly.to_csv('monthly.csv')"),
                    answer("Saved in monthly.csv."),
                ],
                {},
            ),
            (
                "Fix the error in cell [2].",
                [run_cell("print(sales['Revenue'].sum())"), answer("The column is 'Revenue'.")],
                {"intent": "fix", "cell_id": broken},
            ),
            ("Explain cell [2].", [answer("It adds up the revenue.")], {"intent": "explain", "cell_id": broken}),
            ("Only three rows.", [edit_cell("#3", "head = sales.head(3)\nprint(head)"), answer("Three.")], {}),
            ("Read the totals back.", [run_cell("print(pd.read_csv('monthly.csv'))"), answer("42 in all.")], {}),
        ]:
            llm_server.enqueue(*script)
            messages = await chat.ask(text, **fields)
            assert messages[-1]["reason"] == "answered", text
    nbformat.write(nbformat.from_dict(chat.notebook), work / "a.ipynb")

    answered = await jp_fetch(
        "ci-jupyterlab", "export", method="POST", body=json.dumps({"path": "work/a.ipynb", "session": "s-1"})
    )
    exported = nbformat.read(jp_root_dir / json.loads(answered.body)["path"], as_version=4)

    provenance = exported.metadata["ci_jupyterlab_export"]
    assert provenance["requests"] == 6
    quotes = [cell.source for cell in exported.cells if cell.source.startswith("> ")]
    assert quotes == [
        "> Show the first rows.",
        "> Save the monthly totals.",
        "> Fix the error in cell [2].",
        "> Explain cell [2].",
        "> Only three rows.",
        "> Read the totals back.",
    ]
    # The code runs as the notebook does: the user's cells (the fixed one in place), then the assistant's.
    assert code_sources(exported) == [
        user_cells[0],
        "print(sales['Revenue'].sum())",
        "head = sales.head(3)\nprint(head)",
        "monthly = sales.groupby('month').Revenue.sum()\nmonthly.to_csv('monthly.csv')",
        "print(pd.read_csv('monthly.csv'))",
    ]
    sources = [cell.source for cell in exported.cells]
    # The Fix and the edit are told in their turn, naming the cells they changed above.
    fix_answer = sources[sources.index("> Fix the error in cell [2].") + 1]
    assert fix_answer == "*This request changed cell [2], above.*\n\nThe column is 'Revenue'."
    edit_answer = sources[sources.index("> Only three rows.") + 1]
    assert edit_answer == "*This request changed cell [3], above.*\n\nThree."
    assert sources[sources.index("> Explain cell [2].") + 1] == "It adds up the revenue."
    assert sources.index("> Show the first rows.") < sources.index("head = sales.head(3)\nprint(head)")
    # What the code reads is an input; what it writes (and later reads back) an output.
    assert [f["name"] for f in provenance["input_files"]] == ["sales.csv"]
    assert provenance["output_files"] == [{"name": "monthly.csv", "size": (work / "monthly.csv").stat().st_size}]
    assert "**Output files** (the code writes them): `monthly.csv`" in exported.cells[0].source
    verification = provenance["verification"]
    assert verification["reproduced"] == verification["total"] == 5
