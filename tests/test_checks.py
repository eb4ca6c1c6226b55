"""Silent-failure checks: a cell that ran without an error but is wrong, found in a real kernel.

Each check is tried on a broken cell (it must speak) and on the correct one
(it must say nothing), on pandas 3 (``python3``) and pandas 2
(``python3-pandas2``), whose warnings differ. One kernel per module and
pandas version; each test makes its own variables.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from conftest import PANDAS_OF_KERNEL, answer, collect, of_type, require_kernel, run_cell

from ci_jupyterlab.agent.checks import CHECK_RULES, findings_for, read_cell
from ci_jupyterlab.agent.checks import arm_checks as arm
from ci_jupyterlab.agent.events import CellDone, RunCell
from ci_jupyterlab.agent.executors import ExecutionResult
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.feedback import feedback_for_model

in_module_loop = pytest.mark.asyncio(loop_scope="module")

SETUP = """
import numpy as np
import pandas as pd
try:  # the tests' pandas 2 kernel has no matplotlib (another test needs a kernel without it)
    import matplotlib
    matplotlib.use('module://matplotlib_inline.backend_inline')
    import matplotlib.pyplot as plt
except ImportError:
    pass
sales = pd.DataFrame({'month': ['2024-01-05', '2024-02-05', '2024-03-05'], 'revenue': [10.0, 20.0, 30.0],
                      'region': ['N', 'S', 'N']})
regions = pd.DataFrame({'region': ['N', 'S'], 'manager': ['Ann', 'Bo']})
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=list(PANDAS_OF_KERNEL))
async def kernel(request, tmp_path_factory):
    require_kernel(request.param)
    async with KernelExecutor(request.param, cwd=tmp_path_factory.mktemp("work")) as executor:
        assert (await executor.run(RunCell("setup", SETUP, 1, 1, None, 60))).ok
        yield executor


async def checks_of(kernel, code: str) -> list[str]:
    """Run ``code`` as the loop does, between the two probes; what the checks say."""
    armed = await arm(kernel, code, "python")
    result = await kernel.run(RunCell("c", code, 1, 1, None, 60))
    assert result.ok, result.outputs
    return await armed.findings(kernel, result)


# Each pair: a cell that ran but is wrong, the check's words, and the same cell done right.
PAIRS = [
    (
        "empty plot",
        "plt.plot(sales['revenue'].where(sales['revenue'] > 100))",
        "Figure 1 shows no data",
        "plt.plot(sales['revenue'])",
    ),
    ("empty figure", "plt.figure()\nsales.plot(y='revenue')", "has no axes", "sales.plot(y='revenue')"),
    (
        "empty bars",
        "plt.bar(sales['region'], sales['revenue'].where(sales['revenue'] > 100))",
        "shows no data",
        "plt.bar(sales['region'], sales['revenue'])",
    ),
    (
        "empty result",
        "sales[sales['region'] == 'n']",
        "The result is an empty DataFrame",
        "sales[sales['region'] == 'N']",
    ),
    (
        "empty table made",
        "north = sales[sales['region'] == 'north']",
        "north is empty (0 rows), made from sales",
        "north = sales[sales['region'] == 'N']",
    ),
    (
        "all-NaN parse",
        "parsed = sales.copy()\nparsed['month'] = pd.to_datetime(parsed['month'], format='%d/%m/%Y', errors='coerce')",
        "parsed['month'] is all NaN now (it had 3 values)",
        "parsed = sales.copy()\nparsed['month'] = pd.to_datetime(parsed['month'], format='%Y-%m-%d', errors='coerce')",
    ),
    (
        "all-NaN new column",
        "coded = sales.copy()\ncoded['code'] = pd.to_numeric(coded['region'], errors='coerce')",
        "coded['code'] is all NaN now (a new column)",
        "coded = sales.copy()\ncoded['code'] = coded['region'].map({'N': 1, 'S': 2})",
    ),
    (
        "numbers to text",
        "typed = sales.copy()\ntyped['revenue'] = typed['revenue'].replace(10.0, 'missing')",
        "typed['revenue'] holds text",
        "typed = sales.copy()\ntyped['revenue'] = typed['revenue'].replace(10.0, np.nan)",
    ),
    (
        "exploding merge",
        "joined = sales.merge(sales, on='region')",
        "An inner merge of 3 rows and 3 rows gave 5 rows",
        "joined = sales.merge(regions, on='region')",
    ),
    (
        "merge matching nothing",
        "joined = sales.merge(regions.assign(region=regions['region'].str.lower()), on='region')",
        "gave 0 rows: no join keys matched",
        "joined = sales.merge(regions, on='region')",
    ),
    ("failed shell command", "!ls no-such-folder-here", "failed shell command", "!ls ."),
    (
        "failed install",
        "!pip install --no-index --quiet no-such-package-ci-test",
        "failed install",
        "!pip --version",
    ),
    (
        "divide by zero",
        "ratio = np.array([1.0, 2.0]) / np.array([0.0, 1.0])",
        "divide by zero",
        "ratio = np.array([1.0, 2.0]) / np.array([1.0, 1.0])",
    ),
    (
        "missing glyphs",
        "plt.plot([1, 2])\nplt.title('\u6708\u5ea6\u58f2\u4e0a')",
        "missing from its font",
        "plt.plot([1, 2])\nplt.title('Monthly revenue')",
    ),
]


async def has_matplotlib(kernel) -> bool:
    return (await kernel.inspect("print('plt' in globals())", 5) or "").strip() == "True"


@in_module_loop
@pytest.mark.parametrize("name,broken,said,correct", PAIRS, ids=[pair[0] for pair in PAIRS])
async def test_a_check_speaks_on_the_broken_cell_and_not_on_the_correct_one(kernel, name, broken, said, correct):
    if "plt." in broken + correct and not await has_matplotlib(kernel):
        pytest.skip("this kernel has no matplotlib (the chart checks are tested on the other)")
    found = await checks_of(kernel, broken)
    assert any(said in line for line in found), found
    assert await checks_of(kernel, correct) == []


@in_module_loop
async def test_setting_on_a_copy_is_caught_on_each_pandas(kernel):
    found = await checks_of(kernel, "sales[sales['region'] == 'N']['revenue'] = 0")
    expected = "SettingWithCopyWarning" if kernel.kernel_name == "python3-pandas2" else "ChainedAssignmentError"
    assert any(line.startswith(expected) for line in found), found
    assert await checks_of(kernel, "fixed = sales.copy()\nfixed.loc[fixed['region'] == 'N', 'revenue'] = 0") == []


@in_module_loop
async def test_a_future_warning_about_changed_behaviour_is_said_on_pandas_2(kernel):
    if kernel.kernel_name != "python3-pandas2":
        pytest.skip("pandas 3 raises instead: the behaviour already changed")
    found = await checks_of(kernel, "pd.Series([1, 2], index=['a', 'b'])[0]")
    assert any(line.startswith("FutureWarning:") and "depends on the pandas version" in line for line in found)


@in_module_loop
async def test_the_checks_leave_nothing_behind_in_the_kernel(kernel):
    before = await kernel.inspect("print(sorted(k for k in globals() if not k.startswith('_')))", 5)
    await checks_of(kernel, "sales.merge(regions, on='region')")
    after = await kernel.inspect("print(sorted(k for k in globals() if not k.startswith('_')))", 5)
    hooks = await kernel.inspect(
        "print(sum(getattr(c, '__name__', '').startswith('__ci_check') "
        "for cs in get_ipython().events.callbacks.values() for c in cs))",
        5,
    )
    assert before == after and hooks.strip() == "0"


@in_module_loop
async def test_a_cell_that_raised_is_not_checked_and_its_hooks_go(kernel):
    broken = "empty = sales[sales['region'] == 'nowhere']\nraise ValueError('x')"
    armed = await arm(kernel, broken, "python")
    result = await kernel.run(RunCell("c", broken, 1, 1, None, 60))
    assert result.status == "error"
    assert await armed.findings(kernel, result) == []
    # the next cell is checked afresh, and no hook of ours is left behind
    assert await checks_of(kernel, "sales[sales['region'] == 'nowhere']") != []
    hooks = await kernel.inspect(
        "print(sum(getattr(c, '__name__', '').startswith('__ci_check') "
        "for cs in get_ipython().events.callbacks.values() for c in cs))",
        5,
    )
    assert hooks.strip() == "0"


HOOKS = (
    "print(sum(getattr(c, '__name__', '').startswith('__ci_check') "
    "for cs in get_ipython().events.callbacks.values() for c in cs))"
)


@in_module_loop
@pytest.mark.parametrize("lost", ["kernel_dead", "kernel_restarted"])
async def test_after_a_lost_kernel_its_successor_is_not_asked(kernel, lost):
    # The front end says the kernel went away while the cell ran: the hooks went with it, and asking
    # the kernel now would wait for a new one to start (the request ends only then). This kernel
    # stands in for that successor: it must not be asked, so the hooks armed in it stay.
    armed = await arm(kernel, "import os", "python")
    assert armed.before.get("armed")
    assert await armed.findings(kernel, ExecutionResult(lost)) == []
    assert int(await kernel.inspect(HOOKS, 5)) > 0
    await armed.findings(kernel, ExecutionResult("error"))  # now disarm them, for the next tests
    assert (await kernel.inspect(HOOKS, 5)).strip() == "0"


def test_without_a_kernel_the_output_checks_still_speak():
    cell = read_cell("!pip install nothing-here")
    outputs = [{"output_type": "stream", "name": "stdout", "text": "ERROR: No matching distribution found for x\n"}]
    found = findings_for(cell, list(CHECK_RULES), outputs, {})
    assert found == [("install", "The output shows a failed install: ERROR: No matching distribution found for x")]


def test_check_lines_reach_the_model_last():
    result = ExecutionResult("ok", [{"output_type": "stream", "name": "stdout", "text": "done\n"}])
    text = feedback_for_model(result, checks=["Figure 1 shows no data: its axes are empty."])
    assert text.endswith("[check] Figure 1 shows no data: its axes are empty.")


@pytest.mark.asyncio
async def test_the_loop_feeds_checks_back_and_shows_them_on_the_step(llm_server, settings, tmp_path, make_agent):
    async with KernelExecutor(cwd=tmp_path) as kernel:
        llm_server.enqueue(
            run_cell("import pandas as pd\nsales = pd.DataFrame({'r': [1, 2]})\nsales[sales['r'] > 5]"),
            answer("No sales above 5."),
        )
        events = await collect(make_agent(settings, kernel), "Which sales are above 5?")
    [done] = of_type(events, CellDone)
    assert done.status == "ok"
    assert done.checks == ["The result is an empty DataFrame (0 rows): did the filter or join match nothing?"]
    feedback = [m["content"] for m in llm_server.chat_requests[1]["messages"] if m["role"] == "tool"][0]
    assert "[check] The result is an empty DataFrame (0 rows)" in feedback
