"""The %%ci magic in a real kernel, against the scripted model over HTTP."""

from __future__ import annotations

import asyncio
import base64
import json

import pandas as pd
import pytest
import pytest_asyncio
from conftest import CANARY_KEY, answer, run_cell
from test_feedback import png

from ci_jupyterlab.agent.context import describe_namespace
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors import ExecutionResult
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.journal import JOURNAL_NAME, Journal, Recording
from ci_jupyterlab.magic_options import OptionError, parse_magic


def model_env(base_url: str, config_dir) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": CANARY_KEY,
        "CI_JUPYTERLAB_MODEL": "scripted-model",
        "JUPYTER_CONFIG_DIR": str(config_dir),  # no user config leaks into the tests
    }


@pytest.fixture
def work_dir(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "config").mkdir()
    return tmp_path / "work"


@pytest.fixture
def config_dir(work_dir):
    return work_dir.parent / "config"


async def start_kernel(cwd, env: dict[str, str]) -> KernelExecutor:
    kernel = await KernelExecutor(cwd=cwd, env=env).start()
    await run(kernel, "%load_ext ci_jupyterlab")
    return kernel


@pytest.fixture
def kernel_cwd(work_dir):
    return work_dir


@pytest.fixture
def kernel_env(llm_server, config_dir):
    return model_env(llm_server.base_url, config_dir)


@pytest_asyncio.fixture
async def kernel(kernel):
    """conftest's kernel, in the work folder, on the scripted model, with the extension loaded."""
    await run(kernel, "%load_ext ci_jupyterlab")
    return kernel


async def run(kernel: KernelExecutor, code: str, timeout: float = 60) -> ExecutionResult:
    result = await kernel.run(RunCell("test", code, 1, 1, None, timeout))
    assert CANARY_KEY not in json.dumps(result.outputs)  # the key is never shown
    return result


def text(result: ExecutionResult) -> str:
    """Everything a reader of the outputs sees as text."""
    parts = []
    for output in result.outputs:
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def tool_messages(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


# -- loading -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_loading_twice_registers_once(kernel):
    again = await run(kernel, "%load_ext ci_jupyterlab")
    direct = await run(kernel, "import ci_jupyterlab; ci_jupyterlab.load_ipython_extension(get_ipython())")
    assert again.ok and direct.ok and "Error" not in text(again) + text(direct)
    check = await run(
        kernel,
        (
            "m = get_ipython().magics_manager\n"
            "print(sum(type(o).__name__ == 'CodeInterpreterMagics' for o in m.registry.values()),"
            " 'ci' in m.magics['line'], 'ci' in m.magics['cell'])"
        ),
    )
    assert text(check).strip() == "1 True True"


@pytest.mark.asyncio
async def test_unload_removes_the_magics(kernel):
    await run(kernel, "%unload_ext ci_jupyterlab")
    gone = await run(kernel, "%%ci\nanything")
    assert "Cell magic `%%ci` not found" in text(gone)


# -- asking the model ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_success_leaves_variables_for_later_cells(kernel, llm_server, work_dir):
    llm_server.enqueue(
        run_cell("total = sum(range(10))\nprint('total is', total)", text="Adding up."),
        answer("The total is **45**."),
    )
    result = await run(kernel, "%%ci\nAdd up the numbers 0 to 9.")

    shown = text(result)
    assert "Adding up." in shown
    assert "Step 1:\ntotal = sum(range(10))" in shown
    assert "total is 45" in shown
    assert "The total is **45**." in shown
    assert "Recorded in .ci_journal.json" in shown
    assert text(await run(kernel, "print(total * 2)")).strip() == "90"
    # the model was told the kernel's variables, and the output of its code
    first, second = llm_server.chat_requests
    assert "Variables in the kernel:" in first["messages"][1]["content"]
    assert "total is 45" in tool_messages(second)[0]
    recorded = json.loads((work_dir / JOURNAL_NAME).read_text())["entries"]
    assert [entry["steps"] for entry in recorded.values()] == [["total = sum(range(10))\nprint('total is', total)"]]


@pytest.mark.asyncio
async def test_line_magic_takes_the_request_on_its_line(kernel, llm_server):
    llm_server.enqueue(run_cell("x = 7"), answer("x is 7."))
    result = await run(kernel, "%ci --max-attempts 2 set x to 7")
    assert "x is 7." in text(result)
    assert llm_server.chat_requests[0]["messages"][1]["content"].startswith("set x to 7\n")
    assert text(await run(kernel, "print(x)")).strip() == "7"


@pytest.mark.asyncio
async def test_error_is_fixed_and_the_fix_shown(kernel, llm_server):
    llm_server.enqueue(
        run_cell("print(prices.mean())"),
        run_cell("prices = [3, 4, 5]\nprint(sum(prices) / len(prices))"),
        answer("The mean is 4."),
    )
    result = await run(kernel, "%%ci\nMean of the prices 3, 4, 5")

    shown = text(result)
    assert "NameError: name 'prices' is not defined" in shown
    assert "Step 1, attempt 2 (fix):" in shown
    assert "4.0" in shown and "The mean is 4." in shown
    assert len(llm_server.chat_requests) == 3
    feedback = tool_messages(llm_server.chat_requests[1])[0]
    assert "NameError: name 'prices' is not defined" in feedback
    assert "Cell In" in feedback  # the user frame of IPython's traceback reached the model


@pytest.mark.asyncio
async def test_errors_get_the_same_hints_as_in_the_panel(kernel, llm_server):
    names = "print(sorted(n for n in globals() if not n.startswith('_')))"
    before = await run(kernel, "sales = {'Revenue': [1, 2], 'Region': ['a', 'b']}\n" + names)
    llm_server.enqueue(run_cell("print(sales['revenue'])"), run_cell("print(sales['Revenue'])"), answer("Done."))
    result = await run(kernel, "%%ci\nPrint the revenue.")

    assert "[1, 2]" in text(result)
    feedback = tool_messages(llm_server.chat_requests[1])[0]
    assert "Keys of sales (2): ['Revenue', 'Region']; closest to 'revenue': 'Revenue'." in feedback
    after = await run(kernel, names)
    assert after.outputs == before.outputs  # the lookup left no names behind


@pytest.mark.asyncio
async def test_the_model_sees_the_input_history_and_can_redo_an_input(kernel, llm_server):
    await run(kernel, "rates = {'eur': 1.1}")
    await run(kernel, "usd = 100 * rates['EUR']")  # fails: the user's own cell
    await run(kernel, "len(rates)")
    llm_server.enqueue(
        {"tool_calls": [{"name": "edit_cell", "arguments": {"cell": "In [3]", "code": "usd = 100 * rates['eur']"}}]},
        run_cell("print(round(usd, 2))"),
        answer("110.0 dollars."),
    )
    result = await run(kernel, "%%ci\nFix my conversion.")

    told = llm_server.chat_requests[0]["messages"][1]["content"]
    assert "The kernel's input history (4 cells)" in told  # %load_ext ci_jupyterlab is In [1]
    assert "In [3] code\nusd = 100 * rates['EUR']" in told and "In [4] code · active\nlen(rates)\n→ result: 1" in told
    assert "%%ci" not in told.split("The kernel's input history")[1]  # this cell is not history yet
    assert "110.0" in text(result)


@pytest.mark.asyncio
async def test_attempt_cap_from_the_option(kernel, llm_server, work_dir):
    llm_server.enqueue(run_cell("1/0"), run_cell("undefined_name"), answer("never sent"))
    result = await run(kernel, "%%ci --max-attempts 1\nDivide.")
    assert "Gave up after 1 failed attempts in a row." in text(result)
    assert len(llm_server.chat_requests) == 1
    assert not (work_dir / JOURNAL_NAME).exists()  # failures are not recorded


@pytest.mark.asyncio
async def test_plots_are_shown_and_described_to_the_model(kernel, llm_server):
    image = png(3, 2)
    code = f"from IPython.display import Image, display\ndisplay(Image(data={base64.b64decode(image)!r}))"
    llm_server.enqueue(run_cell(code), answer("Shown."))
    result = await run(kernel, "%%ci\nShow the picture.")

    images = [o for o in result.outputs if "image/png" in o.get("data", {})]
    assert [o["data"]["image/png"].strip() for o in images] == [image]
    assert "[image/png image 3×2 shown to the user]" in tool_messages(llm_server.chat_requests[1])[0]


@pytest.mark.asyncio
async def test_last_expression_value_is_captured(kernel, llm_server):
    llm_server.enqueue(run_cell("21 * 2"), answer("42."))
    result = await run(kernel, "%%ci\nMultiply.")
    assert any(o["output_type"] == "execute_result" and o["data"]["text/plain"] == "42" for o in result.outputs)
    assert "[Out]\n42" in tool_messages(llm_server.chat_requests[1])[0]


@pytest.mark.asyncio
async def test_timeout_interrupts_the_cell_and_the_model_fixes_it(kernel, llm_server, config_dir):
    (config_dir / "jupyter_server_config.json").write_text(json.dumps({"CodeInterpreter": {"cell_timeout": 1}}))
    llm_server.enqueue(run_cell("import time\ntime.sleep(30)"), run_cell("print('quick')"), answer("Done quickly."))
    result = await run(kernel, "%%ci\nWait, but not too long.", timeout=30)

    assert "quick" in text(result) and "Done quickly." in text(result)
    feedback = tool_messages(llm_server.chat_requests[1])[0]
    assert "interrupted after running for 1 seconds (timeout)" in feedback
    assert text(await run(kernel, "print('still alive')")).strip() == "still alive"


@pytest.mark.asyncio
async def test_variables_are_summarised_for_the_model_without_secrets(kernel, llm_server):
    await run(
        kernel,
        (
            "import os, pandas as pd\n"
            "sales = pd.DataFrame({'region': ['n', 's'], 'revenue': [1.5, 2.5]})\n"
            "key = os.environ['OPENAI_API_KEY']"
        ),
    )
    llm_server.enqueue(answer("Nothing to run."))
    await run(kernel, "%%ci\nWhat do I have?")

    request = llm_server.chat_requests[0]["messages"][1]["content"]
    assert "sales: DataFrame 2 rows × 2 columns; columns: region (" in request
    assert "revenue (float64)" in request
    assert "modules: os, pd (pandas)" in request
    assert CANARY_KEY not in json.dumps(llm_server.chat_requests)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "script",
    [
        pytest.param([{"text": "Thinking slowly.", "delay": 20}], id="while-the-model-thinks"),
        pytest.param([run_cell("import time\ntime.sleep(20)"), answer("never sent")], id="while-the-code-runs"),
    ],
)
async def test_interrupting_the_kernel_stops_the_request(kernel, llm_server, work_dir, script):
    llm_server.enqueue(*script)
    running = asyncio.create_task(run(kernel, "%%ci\nTake your time."))
    for _ in range(100):  # until the model was asked, then a moment for the answer to arrive
        if llm_server.chat_requests:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    await kernel.manager.interrupt_kernel()
    result = await asyncio.wait_for(running, 10)

    assert "Stopped." in text(result)
    assert len(llm_server.chat_requests) == 1  # nothing was sent after the stop
    assert not (work_dir / JOURNAL_NAME).exists()
    assert text(await run(kernel, "print('usable')")).strip() == "usable"


# -- --no-run, options, problems -----------------------------------------------------


@pytest.mark.asyncio
async def test_no_run_shows_the_code_and_runs_nothing(kernel, llm_server, work_dir):
    llm_server.enqueue(run_cell("never_defined = 1\nprint('ran')"), answer("never sent"))
    result = await run(kernel, "%%ci --no-run\nDefine something.")

    shown = text(result)
    assert "Step 1:\nnever_defined = 1" in shown
    assert "Not run (--no-run)" in shown
    assert "ran\n" not in shown
    assert len(llm_server.chat_requests) == 1  # the loop ended at the first code
    assert text(await run(kernel, "print('never_defined' in globals())")).strip() == "False"
    assert not (work_dir / JOURNAL_NAME).exists()


@pytest.mark.asyncio
async def test_unknown_option_is_one_line_and_runs_nothing(kernel, llm_server):
    result = await run(kernel, "%%ci --bogus\nDo it.")
    assert text(result).strip().startswith("UsageError: Unknown option --bogus.")
    assert len(text(result).strip().splitlines()) == 1 and "Traceback" not in text(result)
    assert llm_server.chat_requests == []


@pytest.mark.asyncio
async def test_empty_request_is_one_line_and_runs_nothing(kernel, llm_server):
    result = await run(kernel, "%%ci --fresh\n   \n")
    assert text(result).strip().startswith("UsageError: Nothing to ask")
    assert len(text(result).strip().splitlines()) == 1
    assert llm_server.chat_requests == []


@pytest.mark.asyncio
async def test_no_model_configured_says_what_to_set(llm_server, work_dir, config_dir):
    env = {
        "OPENAI_BASE_URL": "",
        "OPENAI_API_KEY": "",
        "CI_JUPYTERLAB_MODEL": "",
        "JUPYTER_CONFIG_DIR": str(config_dir),
    }
    kernel = await start_kernel(work_dir, env)
    try:
        result = await run(kernel, "%%ci\nDo it.")
    finally:
        await kernel.shutdown()
    assert "No model is configured." in text(result)
    assert "OPENAI_API_KEY" in text(result) and "Traceback" not in text(result)
    assert llm_server.chat_requests == []


@pytest.mark.parametrize(
    ("line", "cell", "expected"),
    [
        ("--model m1 --max-attempts=4 --fresh", "do it", ("m1", 4, False, True, "do it")),
        ("--choose 2 plot it", None, (None, None, False, False, "plot it")),
        ("--no-run -- --literal request", None, (None, None, True, False, "--literal request")),
        ("plot it", "  with colours  ", (None, None, False, False, "plot it\nwith colours")),
    ],
)
def test_parse_magic(line, cell, expected):
    options, request = parse_magic(line, cell)
    assert (options.model, options.max_attempts, options.no_run, options.fresh, request) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--max-attempts 0 go", "whole number"),
        ("--choose x go", "--choose needs a whole number"),
        ("--model", "needs a value"),
        ("--fresh=1 go", "Unknown option"),
    ],
)
def test_parse_magic_rejects(line, message):
    with pytest.raises(OptionError, match=message):
        parse_magic(line, None)


# -- replay ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_rerun_replays_without_the_model_also_after_a_restart(kernel, llm_server, work_dir, config_dir):
    cell = "%%ci\nMake a frame of squares."
    llm_server.enqueue(
        run_cell("import pandas as pd\nsquares = pd.DataFrame({'n': range(4)})"),
        run_cell("squares['sq'] = squares.n ** 2\nprint(squares.sq.sum())"),
        answer("The squares add up to 14."),
    )
    await run(kernel, cell)
    assert len(llm_server.chat_requests) == 3

    replayed = await run(kernel, "%%ci\n  Make a frame   of squares.\n")  # whitespace does not matter
    assert "14" in text(replayed) and "The squares add up to 14." in text(replayed)
    assert "Replayed 2 recorded steps (no model call); use --fresh to ask the model again." in text(replayed)
    assert len(llm_server.chat_requests) == 3

    # "Restart kernel and run all" with no model reachable at all
    base_url = llm_server.base_url
    llm_server.stop()
    await kernel.shutdown()
    restarted = await start_kernel(work_dir, model_env(base_url, config_dir))
    try:
        result = await run(restarted, cell)
        assert "14" in text(result) and "Replayed 2 recorded steps" in text(result)
        assert text(await run(restarted, "print(list(squares.sq))")).strip() == "[0, 1, 4, 9]"
    finally:
        await restarted.shutdown()


@pytest.mark.asyncio
async def test_replay_works_without_a_configured_model(llm_server, work_dir, config_dir):
    Journal(work_dir / JOURNAL_NAME).save(
        Recording("Say hi.", "", ["greeting = 'hi'\nprint(greeting)"], answer="Said hi.")
    )
    env = {"OPENAI_BASE_URL": "", "OPENAI_API_KEY": "", "JUPYTER_CONFIG_DIR": str(config_dir)}
    kernel = await start_kernel(work_dir, env)
    try:
        result = await run(kernel, "%%ci\nSay hi.")
    finally:
        await kernel.shutdown()
    assert "hi\n" in text(result) and "Replayed 1 recorded step (no model call)" in text(result)
    assert "No model is configured." not in text(result)


@pytest.mark.asyncio
async def test_fresh_asks_again_and_replaces_the_recording(kernel, llm_server):
    llm_server.enqueue(run_cell("value = 1\nprint(value)"), answer("One."))
    await run(kernel, "%%ci\nSet value.")
    llm_server.enqueue(run_cell("value = 2\nprint(value)"), answer("Two."))
    fresh = await run(kernel, "%%ci --fresh\nSet value.")

    assert len(llm_server.chat_requests) == 4
    assert "Two." in text(fresh)
    replayed = await run(kernel, "%%ci\nSet value.")
    assert "2\n" in text(replayed) and "Replayed 1 recorded step" in text(replayed)
    assert len(llm_server.chat_requests) == 4


@pytest.mark.asyncio
async def test_model_option_is_part_of_the_recording_key(kernel, llm_server):
    llm_server.models = ["scripted-model", "other-model"]
    llm_server.enqueue(run_cell("which = 'default'"), answer("a"), run_cell("which = 'other'"), answer("b"))
    await run(kernel, "%%ci\nPick.")
    await run(kernel, "%%ci --model other-model\nPick.")
    assert len(llm_server.chat_requests) == 4
    assert llm_server.chat_requests[2]["model"] == "other-model"
    assert text(await run(kernel, "print(which)")).strip() == "other"


@pytest.mark.asyncio
async def test_model_option_cannot_override_the_administrators_model(kernel, llm_server, config_dir):
    (config_dir / "jupyter_server_config.json").write_text('{"CodeInterpreter": {"model": "scripted-model"}}')
    llm_server.models = ["scripted-model", "expensive-model"]
    result = await run(kernel, "%%ci --model expensive-model\nSay hi.")
    assert "The model 'expensive-model' is not allowed on this server." in text(result)
    assert llm_server.chat_requests == []


@pytest.mark.asyncio
async def test_replay_stops_at_a_failing_step(kernel, llm_server, work_dir):
    Journal(work_dir / JOURNAL_NAME).save(Recording("Use data.", "", ["print(data_from_elsewhere)", "print('after')"]))
    result = await run(kernel, "%%ci\nUse data.")
    assert "Replay stopped at step 1 of 2: NameError" in text(result)
    assert "after" not in text(result)
    assert llm_server.chat_requests == []


@pytest.mark.asyncio
async def test_corrupt_journal_warns_and_is_kept_aside(kernel, llm_server, work_dir):
    (work_dir / JOURNAL_NAME).write_text("{not json")
    llm_server.enqueue(run_cell("ok = True"), answer("Fine."))
    result = await run(kernel, "%%ci\nCarry on.")

    shown = text(result)
    assert "Fine." in shown and "Traceback" not in shown
    assert "was unreadable (not valid JSON" in shown and ".ci_journal.json.corrupt" in shown
    assert (work_dir / (JOURNAL_NAME + ".corrupt")).read_text() == "{not json"
    assert Journal(work_dir / JOURNAL_NAME).find("Carry on.") is not None


# -- pieces without a kernel -----------------------------------------------------------


def test_journal_round_trip_and_atomic_write(tmp_path):
    journal = Journal(tmp_path / JOURNAL_NAME)
    journal.save(Recording("A  request", "", ["a = 1"]))
    journal.save(Recording("Other", "m", ["b = 2"], answer="ok"))
    assert journal.find("A request").steps == ["a = 1"]
    assert journal.find("Other") is None and journal.find("Other", "m").answer == "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]  # no temporary left behind


def test_journal_reads_entries_with_fields_it_does_not_know(tmp_path):
    journal = Journal(tmp_path / JOURNAL_NAME)
    journal.save(Recording("Later version", "", ["a = 1"]))
    data = json.loads(journal.path.read_text())
    for entry in data["entries"].values():
        entry["added_by_a_newer_version"] = True
    journal.path.write_text(json.dumps(data))
    assert journal.find("Later version").steps == ["a = 1"] and journal.warning is None


def test_unreadable_journal_is_a_warning(tmp_path):
    (tmp_path / JOURNAL_NAME).write_text('{"entries": {"k": {"request": 1}}}')
    journal = Journal(tmp_path / JOURNAL_NAME)
    assert journal.find("anything") is None
    assert "unreadable" in journal.warning


def test_describe_namespace_dataframe_columns_and_dtypes():
    frame = pd.DataFrame({"city": ["a", "b", "c"], "population": [1, 2, 3], "area": [0.5, 1.0, 2.0]})
    summary = describe_namespace(
        {
            "In": [],
            "Out": {},
            "_": 1,
            "_private": 2,
            "get_ipython": print,
            "exit": None,
            "count": 3,
            "name": "x" * 500,
            "frame": frame,
            "pops": frame["population"],
            "pd": pd,
            "matrix": pd.Series([1.0]).to_numpy().reshape(1, 1),
            "settings": {"a": 1, "b": 2},
        }
    )
    lines = summary.splitlines()
    assert lines[0] == (
        "- frame: DataFrame 3 rows × 3 columns; columns: city (str), population (int64), area (float64)"
    )
    assert "- pops: Series of 3 values, dtype int64, name 'population'" in lines
    assert "- matrix: ndarray shape (1, 1), dtype float64" in lines
    assert "- count: int = 3" in lines and "- settings: dict of 2 items" in lines
    assert "- modules: pd (pandas)" in lines
    assert max(len(line) for line in lines) <= 800
    assert not any(word in summary for word in ("In:", "Out:", "_private", "get_ipython", "exit"))


def test_describe_namespace_respects_the_budget():
    wide = pd.DataFrame({f"column_{i}": [i] for i in range(500)})
    namespace = {"wide": wide, **{f"count_{i}": i for i in range(300)}}
    for budget in (100, 600, 3000):
        summary = describe_namespace(namespace, budget)
        assert len(summary) <= budget
        assert summary.splitlines()[-1].endswith("more not shown")
    assert "… +" in describe_namespace(namespace, 3000).splitlines()[0]  # columns cut, with a count
    assert describe_namespace({"In": []}) == "(no user variables yet)"


@pytest.mark.asyncio
async def test_a_question_is_answered_with_the_first_option_or_the_chosen_one(kernel, llm_server):
    ask = {
        "tool_calls": [
            {"name": "ask_user", "arguments": {"question": "Which chart?", "options": ["A bar chart", "A pie chart"]}}
        ]
    }
    llm_server.enqueue(ask, answer("A bar chart it is."), ask, answer("A pie chart it is."))
    first = text(await run(kernel, "%%ci\nChart it."))
    assert "Asked: Which chart?\n\n1. A bar chart\n2. A pie chart" in first
    assert 'Answered with option 1, "A bar chart" (the first, by default; --choose N picks another)' in first
    chosen = text(await run(kernel, "%%ci --choose 2\nChart it."))  # a recording of its own: the model is asked
    assert 'Answered with option 2, "A pie chart" (--choose 2)' in chosen
    told = [tool_messages(request)[-1] for request in llm_server.chat_requests if tool_messages(request)]
    assert 'option 1: "A bar chart" was taken' in told[0] and 'option 2: "A pie chart" was taken' in told[1]
