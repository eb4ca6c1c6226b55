"""Silent-failure checks: what is wrong with a cell that ran without an error.

A cell can succeed and still be wrong: a chart with nothing drawn, a filter
that matched nothing, a parse that turned a column into NaN, a merge that
multiplied rows, an install or a shell command that failed inside a cell
that "worked", a warning that means the result is not what it looks like.
After every cell that did not raise, the loop runs these checks and the
model is told each finding as one ``[check]`` line (the step card shows it
too). A check that finds nothing says nothing.

Each kind of check is one ``CheckRule`` in ``CHECK_RULES``, beside the error
hints' ``HINT_RULES``: ``ask`` reads the cell's code and says what it needs
from the kernel (None: it does not apply), ``say`` turns the cell's outputs
and the facts into lines. All rules share one silent probe on each side of
the run (``check_probe.py``): before it, the tables the cell names are
described and one-shot hooks armed for figures and the displayed value;
after it, the tables again and what the hooks saw. Rules that read only the
outputs (installs, shell commands, warnings) need no kernel at all.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .defuse import CellNames, names_of
from .executors import FATAL_STATUSES, ExecutionResult, inspect_json
from .feedback import strip_ansi
from .ipython_syntax import to_python

#: Seconds each probe may take before the checks go without its facts.
PROBE_TIMEOUT = 2.0
#: Characters of an output line quoted in a check.
QUOTED_CHARS = 160
#: Findings of one kind said at most.
MAX_PER_RULE = 3

_NUMERIC = frozenset("iufc")
#: In the one column name of a table read with the wrong separator: the real ones.
_SEPARATORS = re.compile(r"[,;\t|]")
_TEXT_CONVERSION = re.compile(
    r"""astype\(\s*(str|object|['"](str|string|object|category)['"])|\.map\(\s*str\s*\)|\.apply\(\s*str\s*\)"""
    r"""|\.astype\(\s*\{|\.to_string\(|\.strftime\("""
)
_SHELL_CALLS = re.compile(r"get_ipython\(\)\.(system|getoutput)\(|\bos\.system\(|\bsubprocess\.")
#: IPython's ``!cmd`` (``system``) keeps the exit code of its last command in ``_exit_code``.
_SYSTEM_CALL = re.compile(r"get_ipython\(\)\.system\(")
_INSTALL = re.compile(r"\b(pip|conda|mamba|uv)\b.*\binstall\b|\binstall\b", re.IGNORECASE)
_FAILED_INSTALL = re.compile(
    r"^(ERROR: (Could not|No matching distribution|Failed|Invalid requirement|Cannot|Package|Exception|Directory)"
    r"|error: (externally-managed-environment|subprocess-exited-with-error)"
    r"|PackagesNotFoundError|Could not install packages|× .*did not run successfully).*",
    re.MULTILINE,
)
_FAILED_SHELL = re.compile(
    r"^.*(: command not found|: not found|: No such file or directory|: Permission denied"
    r"|is not recognized as an internal or external command).*$",
    re.MULTILINE,
)
_WARNING_LINE = re.compile(r"^(?:.*?:\d+: )?(\w*(?:Warning|Error)): (.*)$", re.MULTILINE)
#: pandas' FutureWarnings that say a result will differ (not those that only say a name goes away).
_CHANGED_BEHAVIOUR = re.compile(
    r"behaviou?r|will (always )?(change|return|raise|be treated|treat|be inferred|infer|no longer|now|be excluded)"
    r"|default (value )?of",
    re.IGNORECASE,
)
_GLYPH = re.compile(r"Glyph \d+ .*missing from (current )?font", re.IGNORECASE)


@dataclass(frozen=True)
class Cell:
    """The assistant's cell as the checks read it: its code and what the code does with names."""

    code: str
    names: CellNames
    runs_shell: bool = False
    sets_exit_code: bool = False  # it runs ``!cmd``

    @property
    def tables_named(self) -> list[str]:
        """The names that may hold tables the cell reads, makes or changes."""
        return sorted(self.names.uses | self.names.defines | self.names.changes)


def read_cell(code: str) -> Cell:
    """What the checks need to know of ``code``, without running it."""
    python = _python(code) or code
    return Cell(code, names_of(code), bool(_SHELL_CALLS.search(python)), bool(_SYSTEM_CALL.search(python)))


def _python(code: str) -> str:
    try:
        return to_python(code)
    except Exception:
        return ""


# --- what the outputs say ------------------------------------------------------


def _stream_text(outputs: list[dict], names: tuple[str, ...] = ("stdout", "stderr")) -> str:
    texts = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") in names:
            text = output.get("text", "")
            texts.append("".join(text) if isinstance(text, list) else str(text))
    return strip_ansi("".join(texts))


def _quoted(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= QUOTED_CHARS else line[: QUOTED_CHARS - 1] + "…"


def _first_lines(pattern: re.Pattern, text: str) -> list[str]:
    return list(dict.fromkeys(_quoted(match.group(0)) for match in pattern.finditer(text)))[:MAX_PER_RULE]


# --- the rules -------------------------------------------------------------------


def _ask_tables(cell: Cell) -> dict | None:
    return {"frames": cell.tables_named} if cell.tables_named else None


def _ask_merges(cell: Cell) -> dict:
    return {"result": True}  # the hooks that note the merges are armed with the result's


def _ask_figures(cell: Cell) -> dict:
    return {"figures": True}


def _ask_result(cell: Cell) -> dict:
    return {"result": True, "frames": cell.tables_named}


def _ask_shell(cell: Cell) -> dict | None:
    if not cell.runs_shell:
        return None
    return {"exit_code": True} if cell.sets_exit_code else {}


def _ask_install(cell: Cell) -> dict | None:
    return {} if _INSTALL.search(cell.code) else None


def _ask_outputs(cell: Cell) -> dict:
    return {}


def _say_figures(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    lines = []
    for figure in facts.get("after", {}).get("figures") or []:
        name = f"Figure {figure['number']}" if figure.get("number") is not None else "A figure"
        axes = figure.get("axes", [])
        if not axes:
            lines.append(f"{name} has no axes: nothing is drawn on it (did a plot call make its own figure?).")
            continue
        empty = [ax for ax in axes if ax["shown"] and not ax["drawn"]]
        if not empty:
            continue
        if len(empty) == len([ax for ax in axes if ax["shown"]]):
            lines.append(
                f"{name} shows no data: its axes are empty (were the plotted values all NaN, or the data empty?)."
            )
        else:
            titles = ", ".join(repr(ax["title"]) if ax["title"] else f"#{axes.index(ax) + 1}" for ax in empty)
            lines.append(f"{name}: {len(empty)} of its {len(axes)} axes show no data ({titles}).")
    return lines[:MAX_PER_RULE]


def _rows(count: int) -> str:
    return f"{count:,} row{'s' if count != 1 else ''}"


def _say_result(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    """The displayed value, and tables the cell made from non-empty ones, empty or all NaN."""
    after, before = facts.get("after", {}), facts.get("before", {})
    lines = []
    shown = after.get("result")
    if shown is not None:
        kind = shown.get("type", "result")
        if shown.get("nan"):
            lines.append("The result is NaN: was what it was computed from empty, or all NaN?")
        elif shown["rows"] == 0 or shown.get("cols") == 0:
            lines.append(f"The result is an empty {kind} (0 rows): did the filter or join match nothing?")
        elif _all_missing(shown):
            lines.append(f"The result is a {kind} whose values are all NaN.")
    sources = [name for name in cell.names.uses if before.get("tables", {}).get(name, {}).get("rows", 0) > 0]
    if any(merge["rows"] == 0 for merge in after.get("merges") or []):
        sources = []  # the merge check says why the table is empty
    for name in sorted(cell.names.defines):
        made = after.get("tables", {}).get(name)
        if made is None or not sources or name in sources:
            continue
        if made["rows"] == 0:
            lines.append(f"{name} is empty (0 rows), made from {', '.join(sources)} which had rows.")
        elif "series" in made and made["series"][2] == 0:
            lines.append(f"{name} is all NaN ({_rows(made['rows'])}).")
    return lines[:MAX_PER_RULE]


def _all_missing(described: dict) -> bool:
    if "series" in described:
        return described["rows"] > 0 and described["series"][2] == 0
    columns = described.get("columns", {})
    return described["rows"] > 0 and bool(columns) and all(column[2] == 0 for column in columns.values())


def _say_columns(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    """Columns that became all NaN, or text where they were numbers."""
    before, after = facts.get("before", {}).get("tables", {}), facts.get("after", {}).get("tables", {})
    converts_to_text = bool(_TEXT_CONVERSION.search(cell.code))
    lines = []
    for name in sorted(cell.names.defines | cell.names.changes):
        now = after.get(name)
        if now is None or "columns" not in now or now["rows"] == 0:
            continue
        if len(now["columns"]) == 1 and _SEPARATORS.search(next(iter(now["columns"]))):
            column = next(iter(now["columns"]))
            lines.append(
                f"{name} has a single column named {_quoted(repr(column))}: the file was read with the wrong "
                "separator (sep=...)."
            )
            continue
        was = before.get(name)
        # A table made here is compared with the tables it was made from, column by column
        # (one read from a file has none: a column empty in the file is the data's, not the code's).
        if was and "columns" in was:
            earlier = [was]
        else:
            earlier = [before[source] for source in cell.names.uses if "columns" in before.get(source, {})]
        columns = dict(now["columns"])
        if "index" in now:  # a column made the index (set_index) is checked as one
            index_name, *described = now["index"]
            columns.setdefault(index_name, described)
        for column, (kind, dtype, count) in columns.items():
            previous = next((table["columns"][column] for table in earlier if column in table["columns"]), None)
            new_here = bool(earlier) and previous is None and column in now["columns"]
            if count == 0 and ((previous is not None and previous[2] > 0) or new_here):
                had = f" (it had {previous[2]:,} values)" if previous is not None else " (a new column)"
                lines.append(f"{name}[{column!r}] is all NaN now{had}: a failed parse or conversion?")
            elif previous is not None and previous[0] in _NUMERIC and kind == "O" and not converts_to_text:
                lines.append(
                    f"{name}[{column!r}] holds text ({dtype}) now where it held numbers ({previous[1]}): "
                    "some values did not parse as numbers."
                )
    return lines[:MAX_PER_RULE]


#: Rows a join may give at most, by its kind, from the rows of its two sides.
_JOIN_BOUNDS: dict[str, Callable[[int, int], int]] = {
    "inner": max,
    "left": lambda left, right: left,
    "right": lambda left, right: right,
    "outer": lambda left, right: left + right,
}


def _say_merges(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    """Merges (seen as they ran) whose keys repeat on both sides or that gave more rows than inputs allow, or none."""
    lines = []
    for merge in facts.get("after", {}).get("merges") or []:
        bound = _JOIN_BOUNDS.get(merge["how"])
        left, right, rows = merge["left"], merge["right"], merge["rows"]
        if bound is None:
            continue  # a cross join multiplies by design
        sides = f"{_rows(left)} and {_rows(right)}"
        what = f"{'An' if merge['how'][0] in 'aeiou' else 'A'} {merge['how']} merge"
        if merge.get("repeat") == [True, True] and rows > 0:
            lines.append(
                f"{what} of {sides} gave {_rows(rows)}: its join keys repeat on both sides (many-to-many), so "
                "each match was multiplied; deduplicate one side or join on a key that is unique there."
            )
        elif rows > bound(left, right):
            lines.append(
                f"{what} of {sides} gave {_rows(rows)}, more than it can when the join keys are unique on one "
                "side: rows were multiplied."
            )
        elif rows == 0 and left > 0 and right > 0:
            lines.append(
                f"{what} of {sides} gave 0 rows: no join keys matched (compare the key columns' dtypes and values)."
            )
    return lines[:MAX_PER_RULE]


def _say_install(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    return [
        f"The output shows a failed install: {line}" for line in _first_lines(_FAILED_INSTALL, _stream_text(outputs))
    ]


def _say_shell(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    lines = [
        f"The output shows a failed shell command: {line}"
        for line in _first_lines(_FAILED_SHELL, _stream_text(outputs))
    ]
    code = facts.get("after", {}).get("exit_code")
    if isinstance(code, int) and code != 0 and not lines:
        lines.append(f"A shell command in the cell exited with code {code}: it failed.")
    return lines


def _say_warnings(cell: Cell, outputs: list[dict], facts: dict) -> list[str]:
    """Warnings that mean a wrong result; other warnings are left to the output itself."""
    text = _stream_text(outputs, ("stderr",))
    lines = []
    for match in _WARNING_LINE.finditer(text):
        kind, message = match.group(1), match.group(2)
        if kind == "SettingWithCopyWarning" or "SettingWithCopy" in message:
            lines.append(
                "SettingWithCopyWarning: a value was set on a copy of a slice, so the original table may be "
                "unchanged: use .loc on the original, or .copy() the slice first."
            )
        elif "ChainedAssignment" in kind + message:
            lines.append(
                "ChainedAssignmentError: a value was set through chained indexing (df[...][...] = ...), which "
                "does not change the table: use df.loc[rows, column] = value."
            )
        elif kind == "RuntimeWarning" and re.search(r"divide by zero|invalid value|overflow", message):
            lines.append(f"RuntimeWarning: {_quoted(message)}: the result holds inf or NaN values.")
        elif _GLYPH.search(message):
            lines.append(
                "Characters of the chart's text are missing from its font (matplotlib's 'Glyph … missing' "
                "warning): they show as empty boxes; set a font that has them."
            )
        elif kind == "FutureWarning" and _CHANGED_BEHAVIOUR.search(message):
            lines.append(f"FutureWarning: {_quoted(message)} This result depends on the pandas version.")
    return list(dict.fromkeys(lines))[:MAX_PER_RULE]


@dataclass(frozen=True)
class CheckRule:
    """One kind of check: ``ask`` says what it needs from the kernel ({}: nothing, None: it does not
    apply to this cell); ``say`` turns the cell's outputs and the facts (``before`` and ``after`` the
    run) into lines, none when all is well."""

    kind: str
    ask: Callable[[Cell], dict | None]
    say: Callable[[Cell, list[dict], dict], list[str]]


#: Every check, in the order its lines are said. Adding a check is adding a rule.
CHECK_RULES: tuple[CheckRule, ...] = (
    CheckRule("figure", _ask_figures, _say_figures),
    CheckRule("result", _ask_result, _say_result),
    CheckRule("columns", _ask_tables, _say_columns),
    CheckRule("merge", _ask_merges, _say_merges),
    CheckRule("install", _ask_install, _say_install),
    CheckRule("shell", _ask_shell, _say_shell),
    CheckRule("warning", _ask_outputs, _say_warnings),
)


def question_for(cell: Cell, rules: tuple[CheckRule, ...] = CHECK_RULES) -> tuple[list[CheckRule], dict]:
    """The rules that apply to ``cell`` and the one question their probe asks."""
    applying, question = [], {}
    for rule in rules:
        asked = rule.ask(cell)
        if asked is None:
            continue
        applying.append(rule)
        for key, value in asked.items():
            if isinstance(value, list):
                question[key] = sorted(set(question.get(key, [])) | set(value))
            else:
                question[key] = question.get(key) or value
    return applying, question


def findings_for(cell: Cell, rules: list[CheckRule], outputs: list[dict], facts: dict) -> list[tuple[str, str]]:
    """What the rules find, as (rule kind, line), in rule order; a rule that fails on odd facts says nothing."""
    found: dict[str, str] = {}
    for rule in rules:
        try:
            lines = rule.say(cell, outputs, facts)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            continue
        for line in lines:
            found.setdefault(line, rule.kind)
    return [(kind, line) for line, kind in found.items()]


# --- asking the kernel -----------------------------------------------------------

_PROBE_SOURCE = (Path(__file__).parent / "check_probe.py").read_text()
#: The probe's module in the kernel's ``sys.modules``, by the probe's version: a new one is installed anew.
PROBE_MODULE = f"_ci_jupyterlab_checks_{hashlib.sha256(_PROBE_SOURCE.encode()).hexdigest()[:12]}"
_INSTALL_PROBE = """
import sys, types
module = types.ModuleType(NAME)
exec(compile(SOURCE, NAME, "exec"), module.__dict__)
sys.modules[NAME] = module
module.main(QUESTION, USER_NS)
"""


def probe_code(question: dict) -> str:
    """One statement that asks the probe installed in the kernel, or prints ``{"missing": true}``."""
    return (
        f"(lambda modules: modules[{PROBE_MODULE!r}].main({question!r}, globals()) if {PROBE_MODULE!r} in modules "
        "else print('{\"missing\": true}'))(__import__('sys').modules)"
    )


def install_code(question: dict) -> str:
    """One statement that installs the probe in the kernel, then asks it; no names are left behind."""
    names = {"NAME": PROBE_MODULE, "SOURCE": _PROBE_SOURCE, "QUESTION": question}
    return f"exec({_INSTALL_PROBE!r}, {{**{names!r}, 'USER_NS': globals()}})"


async def ask_probe(executor, question: dict) -> dict:
    """The probe's facts; it is installed first in a kernel that has not got it (once per kernel)."""
    facts = await inspect_json(executor, probe_code(question), PROBE_TIMEOUT)
    if facts.get("missing"):
        facts = await inspect_json(executor, install_code(question), PROBE_TIMEOUT)
    return facts


@dataclass
class ArmedChecks:
    """The checks of one cell, between its two probes; ``elapsed_ms`` is the time the checks took."""

    cell: Cell | None
    rules: list[CheckRule] = field(default_factory=list)
    question: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)
    elapsed_ms: float = 0.0
    found: list[tuple[str, str]] = field(default_factory=list)  # (rule kind, line), once the run was checked

    async def findings(self, executor, result: ExecutionResult) -> list[str]:
        """The ``[check]`` lines for the run; [] when it raised, or when all is well."""
        if self.cell is None:
            return []
        started = time.perf_counter()
        after = {}
        if self.question and result.ok:
            after = await ask_probe(executor, {**self.question, "phase": "after"})
        elif self.before.get("armed") and result.status not in FATAL_STATUSES:
            # The cell failed or was stopped: only disarm the hooks, if they are still there. A lost
            # kernel took them with it: its successor is not asked (the request would wait for it to
            # start, and end only after the user may already have restored the state).
            await ask_probe(executor, {"phase": "after"})
        facts = {"before": self.before, "after": after}
        self.found = findings_for(self.cell, self.rules, result.outputs, facts) if result.ok else []
        self.elapsed_ms += (time.perf_counter() - started) * 1000
        return [line for _kind, line in self.found]


async def arm_checks(executor, code: str, language: str | None) -> ArmedChecks:
    """Read the cell and, if the checks need the kernel, describe it before the run (call before the run)."""
    if (language or "").lower() != "python":
        return ArmedChecks(None)
    started = time.perf_counter()
    cell = read_cell(code)
    rules, question = question_for(cell)
    before = {}
    if question:
        before = await ask_probe(executor, {**question, "phase": "before"})
    return ArmedChecks(cell, rules, question, before, (time.perf_counter() - started) * 1000)
