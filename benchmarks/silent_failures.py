"""Do the silent-failure checks catch cells that run but are wrong, and stay quiet on right ones?

Mutants of the DSEval Exercise reference cells, each made so that the cell
still runs without an error but its result is wrong in one of the ways
``agent/checks.py`` looks for:

- nan-plot: the cell, then a plot of one of its table's numeric columns
  filtered by a condition that matches nothing (an empty chart);
- empty-figure: ``plt.figure()`` before ``table.plot(...)``, which draws on
  a figure of its own and leaves the first one empty;
- empty-filter: the cell's table replaced by a filter of it that matches
  nothing (``t[t['x'] > t['x'].max()]``), for cells whose result is a table;
- text-numbers: a numeric column given a text marker (``.replace(v, 'missing')``)
  before the cell, as a careless cleaning step does;
- date-parse: a column of date strings parsed with the wrong format and
  ``errors='coerce'`` (all NaT);
- wrong-sep: a ``read_csv`` of the set's data with a separator that is not
  the file's (one column holding whole lines);
- exploding-merge: a merge of inputs that hold every row twice (as a concat
  cell run twice leaves them), so its keys repeat on both sides;
- failed-install / failed-shell: ``!pip install`` of a package the index
  cannot give, ``!head`` of a misspelt file, before the cell;
- chained-assignment: ``t.loc[mask, 'c'] = v`` written ``t[mask]['c'] = v``.

Each set runs in a fresh kernel whose working directory holds a copy of
``inputs/``: before each reference cell its mutants run (each from a copy of
the variables as they were, so one cannot spoil the next), each between the
checks' two probes as the loop runs them; a mutant that raises is not a
silent failure and is left out. Then the reference cell itself runs, checked
the same way: anything said about it is a false alarm. The SO and LeetCode
sets add their reference cells to the false-alarm count.

Run on both pandas users have: ``python3`` (pandas 3) and ``python3-pandas2-plots``
(pandas 2 with matplotlib, for the chart mutants: benchmarks/setup_pandas2_plots_kernel.sh).
Run: python benchmarks/silent_failures.py [--kernel NAME] [--per-kind N] [--show]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dseval_data import dseval_dir
from kernels import RESTORE, SNAPSHOT, pandas_version, started_kernel

from ci_jupyterlab.agent.checks import arm_checks
from ci_jupyterlab.agent.enrich import subjects_of
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor

DSEVAL = dseval_dir()
#: Silent ``pass`` round trips to the same kernels, one per reference cell: what the check time is measured against.
BASELINE: list[float] = []
#: The rule each mutant must be caught by.
EXPECTED_RULE = {
    "nan-plot": "figure",
    "empty-figure": "figure",
    "empty-filter": "result",
    "text-numbers": "columns",
    "date-parse": "columns",
    "wrong-sep": "columns",
    "exploding-merge": "merge",
    "failed-install": "install",
    "failed-shell": "shell",
    "chained-assignment": "warning",
}
KINDS = tuple(EXPECTED_RULE)

_READ = re.compile(r"(\w+)\s*=\s*pd\.read_(?:csv|table)\(\s*(['\"])(inputs/[^'\"]+)\2")
_FILE = re.compile(r"inputs/([\w.\-]+)")
_MERGE = re.compile(r"pd\.merge\(\s*(\w+)\s*,\s*(\w+)|(\w+)\.merge\(\s*(\w+)")
_LOC_ASSIGN = re.compile(r"^(\s*)(\w+)\.loc\[(.+?),\s*(['\"][^'\"]+['\"])\]\s*=(?!=)\s*(.+)$", re.MULTILINE)
_DATAFRAME_PLOT = re.compile(r"^(\s*)(\w+)\.plot\(", re.MULTILINE)
# A table (not a scalar) shown: DataFrame and Series reprs have several lines.
_TABLE_TEXT = re.compile(r"\n")


@dataclass
class Mutant:
    kind: str
    code: str


@dataclass
class Outcome:
    kind: str
    caught: bool  # the expected rule spoke
    said: list[tuple[str, str]]
    code: str


def cell(code: str) -> RunCell:
    return RunCell("bench", code, 0, 1, None, 120.0)


TABLES_PROBE = """
import json as __j, pandas as __pd
def __describe(names):
    out = {}
    for n in names:
        v = globals().get(n)
        if hasattr(v, 'columns') and hasattr(v, 'dtypes') and not isinstance(v, type) and len(v):
            numeric = [str(c) for c, d in v.dtypes.items() if d.kind in 'if' and v[c].notna().any()]
            dates = []
            for c, d in v.dtypes.items():
                if d.kind == 'O' or str(d) in ('str', 'string'):
                    sample = v[c].dropna().astype(str).head(20)
                    wrong = __pd.to_datetime(v[c], format='%d/%m/%Y', errors='coerce')
                    if len(sample) and sample.str.match(r'^\\d{4}-\\d{2}-\\d{2}').all() and wrong.isna().all():
                        dates.append(str(c))  # dates the wrong format turns into NaT, every one
            out[n] = {'numeric': numeric, 'dates': dates, 'kind': 'frame', 'first': {
                c: (v[c].dropna().iloc[0].item() if hasattr(v[c].dropna().iloc[0], 'item') else None)
                for c in numeric[:3]}}
        elif hasattr(v, 'dtype') and hasattr(v, 'index') and len(v) and v.dtype.kind in 'if':
            out[n] = {'kind': 'series'}
    print(__j.dumps(out, default=str))
__describe(NAMES)
del __describe, __j, __pd
"""


async def tables_in(kernel: KernelExecutor, names: list[str]) -> dict:
    printed = await kernel.inspect(TABLES_PROBE.replace("NAMES", repr(names)), timeout=10)
    try:
        return json.loads((printed or "{}").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def plot_mutants(code: str, tables: dict) -> list[Mutant]:
    mutants = []
    for name, table in tables.items():
        if table["kind"] == "frame" and table["numeric"]:
            column = table["numeric"][0]
            empty = f"{name}[{column!r}].where({name}[{column!r}] > {name}[{column!r}].max())"
            mutants.append(Mutant("nan-plot", f"{code}\nimport matplotlib.pyplot as plt\nplt.plot({empty})"))
    for match in _DATAFRAME_PLOT.finditer(code):
        if tables.get(match.group(2), {}).get("kind") == "frame":
            start = match.start()
            mutants.append(Mutant("empty-figure", f"{code[:start]}{match.group(1)}plt.figure()\n{code[start:]}"))
    return mutants


def filter_mutants(code: str, tables: dict, shows_table: bool) -> list[Mutant]:
    """The table in the cell's last line (what it shows) filtered by a condition that matches nothing."""
    if not shows_table:
        return []
    head, _, last = code.rstrip().rpartition("\n")
    mutants = []
    for name, table in tables.items():
        if table["kind"] == "frame" and table["numeric"]:
            column = table["numeric"][0]
            empty = f"{name}[{name}[{column!r}] > {name}[{column!r}].max()]"
            mutated = re.sub(rf"(?<![\w.'\"]){name}\b(?!\s*=[^=])", empty, last, count=1)
            if mutated != last:
                mutants.append(Mutant("empty-filter", f"{head}\n{mutated}" if head else mutated))
    return mutants


def text_mutants(code: str, tables: dict) -> list[Mutant]:
    mutants = []
    for name, table in tables.items():
        for column, value in (table.get("first") or {}).items():
            named = rf"['\"]{re.escape(column)}['\"]|\.{re.escape(column)}\b"
            remade = re.search(rf"^\s*{re.escape(name)}\s*=[^=]", code, re.MULTILINE)
            if value is None or not re.search(named, code) or re.search(r"\bdel\b|\.drop\(", code) or remade:
                continue  # a column the cell deletes, or a table it makes anew, is not left holding text
            prefix = f"{name}[{column!r}] = {name}[{column!r}].replace({value!r}, 'missing')\n"
            mutants.append(Mutant("text-numbers", prefix + code))
    return mutants


def date_mutants(code: str, tables: dict) -> list[Mutant]:
    mutants = []
    for name, table in tables.items():
        for column in table.get("dates", []):
            if column in code:
                parse = f"{name}[{column!r}] = pd.to_datetime({name}[{column!r}], format='%d/%m/%Y', errors='coerce')\n"
                mutants.append(Mutant("date-parse", parse + code))
    return mutants


def separator_mutants(code: str, inputs: Path) -> list[Mutant]:
    mutants = []
    for match in _READ.finditer(code):
        path = inputs.parent / match.group(3)
        try:
            first = path.read_text(errors="replace").splitlines()[0]
        except (OSError, IndexError):
            continue
        real = max(",;\t|", key=first.count)
        wrong = next(sep for sep in ";|,\t" if sep != real and first.count(sep) == 0)
        mutants.append(Mutant("wrong-sep", f"{match.group(1)} = pd.read_csv({match.group(3)!r}, sep={wrong!r})"))
    return mutants


def merge_mutants(code: str, tables: dict) -> list[Mutant]:
    mutants = []
    for match in _MERGE.finditer(code):
        right = match.group(2) or match.group(4)
        if tables.get(right, {}).get("kind") != "frame":
            continue
        left = match.group(1) or match.group(3)
        # Both inputs with every row twice, as a concat cell run twice leaves them: keys repeat on both sides.
        spans = sorted(
            [match.span(1) if match.group(1) else match.span(3), match.span(2) if match.group(2) else match.span(4)]
        )
        mutated = code
        for start, end in reversed(spans):
            name = mutated[start:end]
            mutated = f"{mutated[:start]}pd.concat([{name}, {name}]){mutated[end:]}"
        if tables.get(left, {}).get("kind") == "frame":
            mutants.append(Mutant("exploding-merge", mutated))
    return mutants


def chained_mutants(code: str) -> list[Mutant]:
    return [
        Mutant("chained-assignment", code[: m.start()] + f"{m[1]}{m[2]}[{m[3]}][{m[4]}] = {m[5]}" + code[m.end() :])
        for m in _LOC_ASSIGN.finditer(code)
    ]


def first_cell_mutants(code: str, inputs: list[str]) -> list[Mutant]:
    """A failed install and a failed shell command, before the set's first question."""
    install = "!pip install --no-index --quiet ci-no-such-package\n"
    mutants = [Mutant("failed-install", install + code)]
    name = Path(inputs[0]).name if inputs else "data.csv"
    stem, dot, suffix = name.partition(".")
    typo = stem[: len(stem) // 2] + stem[len(stem) // 2 + 1 :] + dot + suffix
    mutants.append(Mutant("failed-shell", f"!head -n 3 inputs/{typo}\n" + code))
    return mutants


async def checked_run(kernel: KernelExecutor, code: str):
    """Run ``code`` between the checks' probes, as the loop does: (result, findings, check ms)."""
    armed = await arm_checks(kernel, code, "python")
    result = await kernel.run(cell(code))
    await armed.findings(kernel, result)
    return result, armed.found, armed.elapsed_ms


def shown(result) -> dict:
    """What DSEval records of a cell: its stdout and its result's text."""
    stdout = "".join(o["text"] for o in result.outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    results = [o for o in result.outputs if o["output_type"] == "execute_result"]
    return {"stdout": stdout, "result_text_plain": results[-1]["data"].get("text/plain") if results else None}


async def round_trips(kernel: KernelExecutor, count: int = 3) -> list[float]:
    """The baseline: silent ``pass`` round trips to the same kernel (a check is two such, plus its work)."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await kernel.inspect("pass", timeout=10)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def measure_set(task: dict, kernel_name: str, per_kind: int) -> tuple[list[Outcome], list[tuple], int]:
    """The set's mutant outcomes; its reference cells as (status, findings, ms, code); mutants that raised."""
    outcomes: list[Outcome] = []
    references: list[tuple] = []
    raised = 0
    used: Counter = Counter()
    first_question = True
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(DSEVAL / "inputs", Path(scratch) / "inputs")
        async with started_kernel(kernel_name, scratch) as kernel:
            for item in task["cells"]:
                code = item["code"]
                candidates: list[Mutant] = []
                if task["split"] == "exercise":
                    candidates += separator_mutants(code, Path(scratch) / "inputs")
                    if item["question"] is not None:
                        tables = await tables_in(kernel, subjects_of(code))
                        shows_table = bool(_TABLE_TEXT.search(item["expected"]["result_text_plain"] or ""))
                        candidates += [
                            *plot_mutants(code, tables),
                            *filter_mutants(code, tables, shows_table),
                            *text_mutants(code, tables),
                            *date_mutants(code, tables),
                            *merge_mutants(code, tables),
                            *chained_mutants(code),
                        ]
                        if first_question:
                            candidates += first_cell_mutants(code, task["inputs"])
                            first_question = False
                chosen = []
                for mutant in candidates:
                    if used[mutant.kind] < per_kind:
                        used[mutant.kind] += 1
                        chosen.append(mutant)
                if chosen:
                    await kernel.inspect(SNAPSHOT, timeout=60)
                if any(mutant.kind == "empty-filter" for mutant in chosen):
                    # What the reference shows here, on this pandas: a filter that does not change it is no failure.
                    expected = shown(await kernel.run(cell(code)))
                    await kernel.inspect(RESTORE, timeout=60)
                for mutant in chosen:
                    result, said, _ms = await checked_run(kernel, mutant.code)
                    await kernel.inspect(RESTORE, timeout=60)
                    if result.status != "ok":
                        raised += 1
                        continue
                    if mutant.kind == "empty-filter" and shown(result) == expected:
                        continue  # the filter changed nothing the cell shows (``.dtypes``): no failure
                    caught = any(kind == EXPECTED_RULE[mutant.kind] for kind, _line in said)
                    outcomes.append(Outcome(mutant.kind, caught, said, mutant.code))
                if chosen:
                    await kernel.inspect("del __bench_snapshot, __copied, __copy", timeout=10)
                result, said, ms = await checked_run(kernel, code)
                references.append((result.status, said, ms, code, item["deterministic"]))
                BASELINE.extend(await round_trips(kernel, 1))
    return outcomes, references, raised


def report(outcomes: list[Outcome], references: list[tuple], raised: int, where: str) -> str:
    lines = [
        f"{where}",
        "",
        "| mutant | silent failures | caught | share | also said |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for kind in (*KINDS, "all"):
        chosen = [o for o in outcomes if kind in (o.kind, "all")]
        if not chosen:
            continue
        caught = sum(o.caught for o in chosen)
        others = Counter(k for o in chosen for k, _line in o.said if k != EXPECTED_RULE.get(o.kind))
        also = ", ".join(f"{k} {n}" for k, n in others.most_common()) or "–"
        lines.append(f"| {kind} | {len(chosen)} | {caught} | {caught / len(chosen):.1%} | {also} |")
    ran = [r for r in references if r[0] == "ok"]
    alarms = [r for r in ran if r[1]]
    by_rule = Counter(k for r in alarms for k, _line in r[1])
    times = [r[2] for r in ran]
    lines += [
        "",
        f"Mutants that raised (not silent, left out): {raised}.",
        f"Reference cells run: {len(references)}, without an error: {len(ran)}; with a check said (false alarms): "
        f"{len(alarms)} ({len(alarms) / max(len(ran), 1):.2%}); by rule: {dict(by_rule) or 'none'}.",
        f"Check time per cell (both probes): median {statistics.median(times):.1f} ms, "
        f"90th percentile {statistics.quantiles(times, n=10)[-1]:.1f} ms, max {max(times):.1f} ms; "
        f"baseline, one silent `pass` round trip to the same kernel: median {statistics.median(BASELINE):.1f} ms "
        f"(checks / baseline: {statistics.median(times) / statistics.median(BASELINE):.1f}).",
    ]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="python3", help="kernel to run in (python3-pandas2-plots: pandas 2.x)")
    parser.add_argument("--per-kind", type=int, default=4, help="mutants of each kind per set")
    parser.add_argument("--splits", default="exercise,so,leetcode", help="DSEval splits whose reference cells run")
    parser.add_argument("--show", action="store_true", help="print missed mutants and false alarms")
    args = parser.parse_args()
    splits = args.splits.split(",")
    tasks = [task for task in map(json.loads, (DSEVAL / "tasks.jsonl").open()) if task["split"] in splits]
    outcomes, references, raised = [], [], 0
    for number, task in enumerate(tasks, 1):
        found, refs, failed = await measure_set(task, args.kernel, args.per_kind)
        outcomes += found
        references += refs
        raised += failed
        if args.show:
            for outcome in (o for o in found if not o.caught):
                print(
                    f"--- missed {outcome.kind} in {task['id']}\n{outcome.code}\n    said: {outcome.said}", flush=True
                )
            for status, said, _ms, code, _det in refs:
                if status == "ok" and said:
                    print(f"--- alarm in {task['id']}\n{code}\n    said: {said}", flush=True)
        if number % 25 == 0 or task["split"] == "exercise":
            print(f"{number}/{len(tasks)} {task['id']}: {len(found)} mutants", flush=True)
    print()
    where = f"Kernel {args.kernel} (pandas {await pandas_version(args.kernel)})"
    print(report(outcomes, references, raised, where))


if __name__ == "__main__":
    asyncio.run(main())
