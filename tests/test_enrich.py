"""Error hints: the facts a fix needs, looked up in a real kernel by a silent probe.

The kernel tests run twice: on ``python3`` (this venv, pandas 3.x) and on
``python3-pandas2`` (scripts/setup_pandas2_kernel.sh), since the two pandas
versions word their errors differently.
"""

from __future__ import annotations

import time

import pytest
import pytest_asyncio
from conftest import PANDAS_OF_KERNEL, require_kernel

from ci_jupyterlab.agent.enrich import Failure, closest, error_hint, failure_of, hint_for, question_for, subjects_of
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors import ExecutionResult
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.feedback import feedback_for_model
from ci_jupyterlab.agent.redaction import Redactor

# One kernel for the module: starting one per test would dominate the run time.
in_module_loop = pytest.mark.asyncio(loop_scope="module")

SETUP = """
import pandas as pd
sales = pd.DataFrame({'Revenue': [10, 20], 'Month': ['Jan', 'Feb'], 'Region': ['N', 'S']})
settings = {'alpha': 1, 'beta': 2}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=list(PANDAS_OF_KERNEL))
async def kernel(request, tmp_path_factory):
    require_kernel(request.param)
    folder = tmp_path_factory.mktemp("work")
    (folder / "inputs").mkdir()
    for name in ("chipotle.tsv", "chipo_orders.csv", "euro12.csv"):
        (folder / "inputs" / name).write_text("a,b\n1,2\n")
    async with KernelExecutor(request.param, cwd=folder) as executor:
        assert (await executor.run(cell(SETUP))).ok
        yield executor


def cell(code: str, timeout: float = 30) -> RunCell:
    return RunCell("c", code, 1, 1, None, timeout)


async def hint_after(kernel, code: str) -> str:
    result = await kernel.run(cell(code))
    assert result.status == "error", result.outputs
    return await error_hint(kernel, result, language="python")


# -- per error kind, against the real kernel -------------------------------------


@in_module_loop
async def test_each_kernel_runs_the_pandas_it_is_named_for(kernel):
    result = await kernel.run(cell("pd.__version__"))
    version = result.outputs[0]["data"]["text/plain"].strip("'")
    assert version.split(".")[0] == PANDAS_OF_KERNEL[kernel.kernel_name], version


@in_module_loop
async def test_key_error_names_the_columns_closest_first(kernel):
    hint = await hint_after(kernel, "sales['revenue'].sum()")
    assert "Columns of sales (3): ['Revenue', 'Month', 'Region']" in hint
    assert "closest to 'revenue': 'Revenue'" in hint


@in_module_loop
async def test_key_error_inside_a_function_falls_back_to_the_tables_defined(kernel):
    hint = await hint_after(kernel, "def total(frame):\n    return frame['month']\ntotal(sales)")
    assert "Columns of sales" in hint and "closest to 'month': 'Month'" in hint


@in_module_loop
async def test_key_error_of_a_column_list_and_of_a_dict(kernel):
    assert "closest to 'region': 'Region'" in await hint_after(kernel, "sales[['Revenue', 'region']]")
    assert "Keys of settings (2): ['alpha', 'beta']; closest to 'alpah': 'alpha'" in await hint_after(
        kernel, "settings['alpah']"
    )


#: Common pandas mistakes, each with the key it gets wrong (and the real column).
#: pandas 2 and 3 word several of them differently: see ``enrich._missing_keys``.
PANDAS_MISTAKES = [
    "sales[['revenue', 'Month']]",
    "sales[['revenue']]",
    "sales.groupby('revenue')",
    "sales.groupby('Region')['revenue']",
    "sales.groupby('Region')[['revenue', 'Month']]",
    "sales.groupby('Region').agg({'revenue': 'sum'})",
    "sales.groupby('Region').agg(total=('revenue', 'sum'))",
    "sales.sort_values(['Region', 'revenue'])",
    "sales.drop(columns=['revenue'])",
    "sales.loc[:, 'revenue']",
    "sales.loc[:, ['Month', 'revenue']]",
    "sales.pivot_table(index='Month', values='revenue')",
    "sales.pivot(index='Month', columns='Region', values='revenue')",
    "sales.merge(sales, on='revenue')",
    "sales.set_index('revenue')",
    "sales.rename(columns={'revenue': 'r'}, errors='raise')",
    "sales.agg({'revenue': 'sum'})",
    "sales.dropna(subset=['revenue'])",
    "sales.drop_duplicates(subset=['revenue'])",
    "sales.melt(id_vars=['revenue'])",
    "pd.get_dummies(sales, columns=['revenue'])",
    "sales.astype({'revenue': float})",
    "sales.set_index(['Region', 'Month']).unstack('revenue')",
    "sales.query('revenue > 10')",
]


@in_module_loop
@pytest.mark.parametrize("code", PANDAS_MISTAKES)
async def test_pandas_key_errors_name_the_key_and_the_closest_columns(kernel, code):
    hint = await hint_after(kernel, code)
    # The one key, alone: no dtype ('str') or argument name ('values') taken for a key.
    assert "Columns of sales (3): ['Revenue', 'Month', 'Region']; closest to 'revenue': 'Revenue'." in hint


@in_module_loop
async def test_accessor_on_the_wrong_dtype_gives_the_dtypes_and_the_conversion(kernel):
    text = await hint_after(kernel, "sales['Revenue'].str.lower()")
    assert "`.str` works only on string values: convert first, e.g. `col.astype(str)`." in text
    assert "Dtypes: sales['Revenue']: int64." in text
    dates = await hint_after(kernel, "sales.Month.dt.year")
    assert "pd.to_datetime(col)" in dates and "Dtypes: sales['Month']: " in dates
    series = await hint_after(kernel, "revenue = sales.Revenue\nrevenue.dt.year")
    assert "Dtypes: revenue: int64." in series


@in_module_loop
async def test_pandas_api_since_removed_is_named_with_its_replacement(kernel):
    hint = await hint_after(kernel, "sales.append(sales)")
    assert "DataFrame.append was removed in pandas 2.0: use pd.concat([df, other]) instead." in hint


@in_module_loop
async def test_attribute_error_on_a_column_and_on_a_method(kernel):
    column = await hint_after(kernel, "sales.revenue.mean()")
    assert "closest to 'revenue': 'Revenue'" in column
    method = await hint_after(kernel, "sales.sort_value('Month')")
    assert "Attributes of DataFrame closest to 'sort_value': 'sort_values'" in method
    chained = await hint_after(kernel, "sales.groupby('Month').summ()")
    assert "Attributes of DataFrameGroupBy closest to 'summ': 'sum'" in chained


@in_module_loop
async def test_attribute_error_of_a_module_and_a_bad_import(kernel):
    assert "'read_csv'" in await hint_after(kernel, "pd.read_cvs('x.csv')")
    assert "'DataFrame'" in await hint_after(kernel, "from pandas import DataFrme")


@in_module_loop
async def test_name_error_suggests_the_import_and_close_names(kernel):
    assert "add `import numpy as np`" in await hint_after(kernel, "np.zeros(3)")
    assert "Defined names closest to 'sale': 'sales'" in await hint_after(kernel, "sale.head()")
    assert "add `import textwrap`" in await hint_after(kernel, "textwrap.dedent('x')")  # importable, not in the table


@in_module_loop
async def test_file_not_found_lists_the_files_nearby(kernel):
    hint = await hint_after(kernel, "pd.read_csv('inputs/chipotel.tsv')")
    assert "Working directory of the kernel:" in hint
    assert "In inputs/, closest to 'chipotel.tsv' first (3 in all): ['chipotle.tsv', " in hint
    assert "Perhaps you meant 'inputs/chipotle.tsv'" in hint
    # A folder that does not exist: the nearest one that does, and the working directory.
    assert "'inputs/'" in await hint_after(kernel, "open('data/euro12.csv')")


@in_module_loop
async def test_module_not_found_names_the_package_and_asks_first(kernel):
    hint = await hint_after(kernel, "import ci_jupyterlab_absent.sub")
    assert "pip package is 'ci_jupyterlab_absent'" in hint and "ask the user" in hint
    assert "Installed modules with close names: 'pandas'" in await hint_after(kernel, "import pandsa")


@in_module_loop
async def test_the_probe_is_invisible_to_the_user(kernel):
    before = await kernel.run(cell("len(In), sorted(k for k in globals() if not k.startswith('_'))"))
    await hint_after(kernel, "sales['revenue']")
    after = await kernel.run(cell("len(In), sorted(k for k in globals() if not k.startswith('_'))"))
    (count_before, names_before), (count_after, names_after) = (
        eval(r.outputs[0]["data"]["text/plain"]) for r in (before, after)
    )
    assert names_after == names_before  # nothing left behind
    assert count_after == count_before + 2  # the two visible cells, not the probe
    assert after.execution_count == before.execution_count + 2


# -- degrading gracefully --------------------------------------------------------


class NoInspect:
    """An executor without the optional ``inspect`` capability."""


class BadInspect:
    def __init__(self, behaviour):
        self.behaviour = behaviour

    async def inspect(self, code: str, timeout: float):
        return self.behaviour()


def key_error() -> ExecutionResult:
    traceback = ["Cell In[3], line 1\n----> 1 sales['revenue']\n", "KeyError: 'revenue'"]
    return ExecutionResult(
        "error", [{"output_type": "error", "ename": "KeyError", "evalue": "'revenue'", "traceback": traceback}]
    )


def name_error(name: str) -> ExecutionResult:
    return ExecutionResult(
        "error",
        [{"output_type": "error", "ename": "NameError", "evalue": f"name '{name}' is not defined", "traceback": []}],
    )


def raise_error():
    raise RuntimeError("connection lost")


@in_module_loop
async def test_without_inspect_only_facts_known_offline_are_given():
    assert await error_hint(NoInspect(), key_error(), language="python") == ""
    assert "import pandas as pd" in await error_hint(NoInspect(), name_error("pd"), language="python")


@in_module_loop
@pytest.mark.parametrize("behaviour", [lambda: None, lambda: "", lambda: "not json", lambda: "[1]", raise_error])
async def test_a_failing_probe_gives_plain_feedback(behaviour):
    assert await error_hint(BadInspect(behaviour), key_error(), language="python") == ""


@in_module_loop
async def test_other_languages_and_successful_runs_get_no_hint(kernel):
    assert await error_hint(kernel, key_error(), language="R") == ""
    assert await error_hint(kernel, ExecutionResult("ok", []), language="python") == ""


@in_module_loop
async def test_a_slow_probe_is_cut_off_and_the_kernel_stays_usable(kernel):
    started = time.perf_counter()
    assert await kernel.inspect("import time; time.sleep(30)", timeout=0.5) is None
    assert time.perf_counter() - started < 5
    assert (await kernel.run(cell("print('still here')"))).ok


@in_module_loop
async def test_hints_pass_through_redaction(kernel, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_TOKEN", "tok-abcdef123456")
    await kernel.run(cell("leak = pd.DataFrame({'tok-abcdef123456': [1]})"))
    result = await kernel.run(cell("leak['tok-abcdef12345']"))
    hint = await error_hint(kernel, result, language="python")
    assert "tok-abcdef123456" in hint  # the raw fact...
    text = Redactor().text(feedback_for_model(result, hint=hint))  # as the agent's choke point does
    assert "tok-abcdef123456" not in text and "[redacted]" in text  # ...never reaches the model


# -- the pure parts --------------------------------------------------------------


def test_subjects_are_the_names_in_the_line_not_attributes_or_strings():
    assert subjects_of("out = df.groupby('Month')['rev'].sum() + other") == ["out", "df", "other"]
    assert subjects_of("if x in 'for y': pass") == ["x"]


def test_closest_ignores_case_and_ranks_best_first():
    assert closest("revenue", ["Region", "Revenue", "revenues"]) == ["Revenue", "revenues"]
    assert closest("zzz", ["Region"]) == []


def test_questions_read_the_error_text():
    failure = failure_of(key_error())
    assert failure.line == "sales['revenue']"
    assert question_for(failure).lookups["keys"] == ["revenue"]
    assert question_for(failure_of(name_error("pd"))).lookups["name"] == "pd"
    syntax = ExecutionResult(
        "error", [{"output_type": "error", "ename": "SyntaxError", "evalue": "x", "traceback": []}]
    )
    assert question_for(failure_of(syntax)) is None


@pytest.mark.parametrize(
    "evalue, keys",
    [
        ("'x'", ["x"]),
        ("['x', 'y']", ["x", "y"]),
        ("\"['x'] not in index\"", ["x"]),
        ("\"['x'] not found in axis\"", ["x"]),
        ("\"None of [Index(['x', 'y'], dtype='object')] are in the [columns]\"", ["x", "y"]),  # pandas 2
        ("\"None of [Index(['x', 'y'], dtype='str')] are in the [columns]\"", ["x", "y"]),  # pandas 3
        ("\"None of [Index([0, 1], dtype='int64')] are in the [columns]\"", ["0", "1"]),
        ("Index(['x'], dtype='str')", ["x"]),
        ("\"Column(s) ['x'] do not exist\"", ["x"]),  # pandas 2
        ("\"Label(s) ['x'] do not exist\"", ["x"]),  # pandas 3
        ("\"The following 'values' labels are not columns of the DataFrame: ['x']\"", ["x"]),  # pandas 3
        ("\"The following id_vars or value_vars are not present in the DataFrame: ['x']\"", ["x"]),
        ("\"Columns not found: 'x', 'y'\"", ["x", "y"]),
        ("'Column not found: x y'", ["x y"]),
        ("'Level x not found'", ["x"]),
        ("\"None of ['x'] are in the columns\"", ["x"]),
        ("5", ["5"]),
    ],
)
def test_key_errors_in_every_shape_pandas_gives_them(evalue, keys):
    assert question_for(Failure("KeyError", evalue, "")).lookups["keys"] == keys


def test_removed_pandas_api_is_named_only_where_pandas_had_it():
    applymap = Failure("AttributeError", "'DataFrame' object has no attribute 'applymap'", "df.applymap(f)")
    assert "DataFrame.applymap was removed in pandas 3.0: use .map(func) instead." in hint_for(
        question_for(applymap), {}
    )
    other = question_for(Failure("AttributeError", "'DataFrame' object has no attribute 'ravel'", "df.ravel()"))
    assert "removed" not in hint_for(other, {})


def test_a_misspelt_removed_pandas_api_is_named_only_where_pandas_lacks_it():
    misspelt = question_for(
        Failure("AttributeError", "'DataFrame' object has no attribute 'applymapp'", "df.applymapp(f)")
    )
    on_pandas3 = hint_for(misspelt, {"attribute": {"attributes": ["apply", "map", "agg"]}})
    assert "DataFrame.applymap was removed in pandas 3.0: use .map(func) instead." in on_pandas3
    on_pandas2 = hint_for(misspelt, {"attribute": {"attributes": ["apply", "applymap", "map"]}})
    assert "removed" not in on_pandas2 and "'applymap'" in on_pandas2


def test_modules_are_named_by_their_pip_package():
    def hint(module: str) -> str:
        failure = Failure("ModuleNotFoundError", f"No module named '{module}'", f"import {module}")
        return hint_for(question_for(failure), {})

    assert "pip package is 'scikit-learn'" in hint("sklearn")
    assert "pip package is 'pillow'" in hint("PIL")


def test_each_hint_is_said_by_the_rule_that_asked_for_it(monkeypatch):
    """Rules reading the same error never say each other's hints: the one whose question applies speaks."""
    from ci_jupyterlab.agent import enrich

    def rule(applies: bool, words: str) -> enrich.HintRule:
        return enrich.HintRule(
            frozenset({"KeyError"}), lambda f: {"keys": ["x"]} if applies else None, lambda q, f: [words]
        )

    failure = Failure("KeyError", "'x'", "df['x']")
    monkeypatch.setattr(enrich, "HINT_RULES", (rule(False, "first"), rule(True, "second")))
    assert hint_for(question_for(failure), {}) == "second"
    monkeypatch.setattr(enrich, "HINT_RULES", (rule(True, "first"), rule(True, "second")))
    assert hint_for(question_for(failure), {}) == "first"
