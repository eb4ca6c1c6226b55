"""Does the feedback after a broken first attempt carry what the fix needs?

From the DSEval Exercise sets, broken first attempts are made by mutating the
reference cells:

- column: a column name in ``df['col']`` or ``df.col`` with its first letter's
  case changed (or, if that is also a column, a letter dropped);
- argument: the same for a column name passed as a string anywhere else:
  ``groupby('col')``, ``sort_values(['a', 'col'])``, ``...)['col']``, ``on='col'``
  (the errors pandas words differently from one version to the next);
- import: a cell using ``pd.``/``np.`` run while the alias is not defined, as if
  the import cell had been left out;
- file: a typo (one letter dropped) in an ``inputs/...`` file name;
- method: a misspelt method call (``.groupbyy(``, ``.sort_value(``).

Each set runs in a fresh kernel whose working directory holds a copy of
``inputs/``: cells in order, and before each question cell its mutants. A
mutant that raises goes through the real pipeline (``enrich.error_hint``, then
``feedback_for_model``), and the text is checked for what the fix needs: the
real column name, the import statement, the real file name, the right method
name. The same check on the plain feedback (no hint) is the baseline.

Any kernel with pandas will do (``--kernel``, default ``python3``): the checks
read the feedback, not the outputs. docs/benchmarks.md reports ``python3``
(pandas 3) and ``python3-pandas2`` (scripts/setup_pandas2_kernel.sh).
Run: python benchmarks/feedback_sufficiency.py [--kernel NAME] [--per-kind N]
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
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from dseval_data import dseval_dir
from kernels import RESTORE, SNAPSHOT, pandas_version

from ci_jupyterlab.agent.enrich import error_hint, subjects_of
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.feedback import feedback_for_model

DSEVAL = dseval_dir()
KINDS = ("column", "argument", "import", "file", "method")
IMPORTS = {"pd": "import pandas as pd", "np": "import numpy as np"}

_SUBSCRIPT = re.compile(r"\b([A-Za-z_]\w*)\[\s*(['\"])([^'\"\n]+)\2\s*\](?!\s*=[^=])")
_ATTRIBUTE = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b(?!\s*\()(?!\s*=[^=])")
_STRING = re.compile(r"(['\"])([^'\"\n]+)\1")
_FILE = re.compile(r"inputs/([\w.\-]+)")
_METHOD = re.compile(r"\.([a-z_]{4,})\(")


@dataclass
class Mutant:
    kind: str
    code: str
    needed: str  # text the feedback must contain for the fix
    setup: str = ""  # silent code run before the mutant (and undone after)
    teardown: str = ""


@dataclass
class Outcome:
    kind: str
    ename: str
    enriched_ok: bool
    plain_ok: bool
    enriched_chars: int
    plain_chars: int
    hint_ms: float
    code: str
    feedback: str


def cell(code: str) -> RunCell:
    return RunCell("bench", code, 0, 1, None, 120.0)


def typo(word: str) -> str:
    """``word`` with one letter dropped from its middle."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


async def columns_of(kernel: KernelExecutor, name: str) -> list[str]:
    """The columns of ``name`` in the kernel, if it is a DataFrame."""
    printed = await kernel.inspect(
        "import json as __j\ntry:\n"
        f"    print(__j.dumps([str(c) for c in {name}.columns]) if hasattr({name}, 'dtypes') else '[]')\n"
        "except Exception:\n    print('[]')\ndel __j",
        timeout=5,
    )
    return json.loads(printed or "[]")


def misspelt(column: str, columns: list[str] | set[str]) -> str | None:
    """``column`` with its first letter's case changed, else a letter dropped; None if both are columns."""
    wrong = column[0].swapcase() + column[1:]
    if wrong in columns or wrong == column:
        wrong = typo(column)
    return None if wrong in columns or not wrong else wrong


async def column_mutants(kernel: KernelExecutor, code: str) -> list[Mutant]:
    mutants = []
    for pattern, group in ((_SUBSCRIPT, 3), (_ATTRIBUTE, 2)):
        for match in pattern.finditer(code):
            columns, column = await columns_of(kernel, match.group(1)), match.group(group)
            wrong = misspelt(column, columns) if column in columns else None
            if wrong is None:
                continue
            start, end = match.span(group)
            mutants.append(Mutant("column", code[:start] + wrong + code[end:], repr(column)))
    return mutants


async def argument_mutants(kernel: KernelExecutor, code: str) -> list[Mutant]:
    """Column names of the tables in ``code`` passed as strings, other than in ``df['col']``."""
    columns = set()
    for name in subjects_of(code):
        columns.update(await columns_of(kernel, name))
    subscripts = {match.span(3) for match in _SUBSCRIPT.finditer(code)}
    mutants = []
    for match in _STRING.finditer(code):
        column = match.group(2)
        wrong = misspelt(column, columns) if column in columns else None
        if wrong is None or match.span(2) in subscripts:
            continue
        start, end = match.span(2)
        mutants.append(Mutant("argument", code[:start] + wrong + code[end:], repr(column)))
    return mutants


def import_mutants(code: str) -> list[Mutant]:
    return [
        Mutant("import", code, statement, setup=f"del {alias}", teardown=statement)
        for alias, statement in IMPORTS.items()
        if re.search(rf"\b{alias}\.", code)
    ]


def file_mutants(code: str) -> list[Mutant]:
    mutants = []
    for match in _FILE.finditer(code):
        name = match.group(1)
        stem, dot, suffix = name.partition(".")
        wrong = typo(stem) + dot + suffix
        start, end = match.span(1)
        mutants.append(Mutant("file", code[:start] + wrong + code[end:], name))
    return mutants


def method_mutants(code: str) -> list[Mutant]:
    mutants = []
    for index, match in enumerate(_METHOD.finditer(code)):
        method = match.group(1)
        wrong = method[:-1] if index % 2 else method + method[-1]  # .sort_value( / .groupbyy(
        start, end = match.span(1)
        mutants.append(Mutant("method", code[:start] + wrong + code[end:], repr(method)))
    return mutants


async def run_mutant(kernel: KernelExecutor, mutant: Mutant) -> Outcome | None:
    """The mutant's feedback, plain and enriched; None if it did not fail."""
    if mutant.setup:
        await kernel.inspect(mutant.setup, timeout=5)
    try:
        result = await kernel.run(cell(mutant.code))
    finally:
        if mutant.teardown:
            await kernel.inspect(mutant.teardown, timeout=30)
    if result.status != "error":
        return None
    started = time.perf_counter()
    hint = await error_hint(kernel, result, language="python")
    hint_ms = (time.perf_counter() - started) * 1000
    plain = feedback_for_model(result, timeout=120.0)
    enriched = feedback_for_model(result, timeout=120.0, hint=hint)
    return Outcome(
        mutant.kind,
        result.error_summary()["ename"],
        mutant.needed in enriched,
        mutant.needed in plain,
        len(enriched),
        len(plain),
        hint_ms,
        mutant.code,
        enriched,
    )


async def measure_set(task: dict, kernel_name: str, per_kind: int) -> tuple[list[Outcome], int]:
    outcomes: list[Outcome] = []
    ran_ok = 0
    used = defaultdict(int)
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(DSEVAL / "inputs", Path(scratch) / "inputs")
        async with KernelExecutor(kernel_name, cwd=scratch) as kernel:
            for item in task["cells"]:
                code = item["code"]
                if item["question"] is not None:
                    candidates = [
                        *await column_mutants(kernel, code),
                        *await argument_mutants(kernel, code),
                        *import_mutants(code),
                        *file_mutants(code),
                        *method_mutants(code),
                    ]
                    if candidates:
                        await kernel.inspect(SNAPSHOT, timeout=30)
                    for mutant in candidates:
                        if used[mutant.kind] >= per_kind:
                            continue
                        outcome = await run_mutant(kernel, mutant)
                        await kernel.inspect(RESTORE, timeout=30)
                        if outcome is None:
                            ran_ok += 1
                            continue
                        used[mutant.kind] += 1
                        outcomes.append(outcome)
                await kernel.run(cell(code))
    return outcomes, ran_ok


def report(outcomes: list[Outcome], ran_ok: int, sets: int, where: str) -> str:
    lines = [
        f"{where}: {len(outcomes)} broken first attempts from {sets} DSEval Exercise sets "
        f"({ran_ok} more mutants ran without error and are not counted).",
        "",
        "| mutation | attempts | errors seen | enriched: has the fix | share | plain: has the fix | share |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for kind in (*KINDS, "all"):
        chosen = [o for o in outcomes if kind in (o.kind, "all")]
        if not chosen:
            continue
        names = defaultdict(int)
        for outcome in chosen:
            names[outcome.ename] += 1
        errors = ", ".join(f"{name} {count}" for name, count in sorted(names.items(), key=lambda x: -x[1]))
        enriched = sum(o.enriched_ok for o in chosen)
        plain = sum(o.plain_ok for o in chosen)
        lines.append(
            f"| {kind} | {len(chosen)} | {errors} | {enriched} | {enriched / len(chosen):.0%} "
            f"| {plain} | {plain / len(chosen):.0%} |"
        )
    hint_times = [o.hint_ms for o in outcomes]
    lines += [
        "",
        f"Median feedback length: {statistics.median(o.enriched_chars for o in outcomes):,.0f} characters "
        f"with hints, {statistics.median(o.plain_chars for o in outcomes):,.0f} without.",
        f"Hint time (probe included): median {statistics.median(hint_times):.0f} ms, max {max(hint_times):.0f} ms.",
    ]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="python3", help="kernel to run in (python3-pandas2: pandas 2.x)")
    parser.add_argument("--per-kind", type=int, default=10, help="mutants of each kind per set")
    parser.add_argument("--show-misses", action="store_true", help="print the feedback that lacked the fix")
    args = parser.parse_args()
    tasks = [json.loads(line) for line in (DSEVAL / "tasks.jsonl").open()]
    exercise = [task for task in tasks if task["split"] == "exercise"]
    outcomes, ran_ok = [], 0
    for task in exercise:
        found, skipped = await measure_set(task, args.kernel, args.per_kind)
        outcomes += found
        ran_ok += skipped
        missed = [o for o in found if not o.enriched_ok]
        print(f"{task['id']}: {len(found)} mutants, {len(missed)} without the fix", flush=True)
        for outcome in missed if args.show_misses else []:
            print(f"--- {outcome.kind}\n{outcome.code}\n--- feedback:\n{outcome.feedback}\n", flush=True)
    print()
    where = f"Kernel {args.kernel} (pandas {await pandas_version(args.kernel)})"
    print(report(outcomes, ran_ok, len(exercise), where))


if __name__ == "__main__":
    asyncio.run(main())
