"""Error hints: what a fix needs, gathered from the live kernel.

After a failed run the loop asks ``error_hint`` for a few lines to add to the
feedback: the real column names after a ``KeyError``, the names defined (and
the import probably missing) after a ``NameError``, the files that do exist
after a ``FileNotFoundError``, the pip package after a ``ModuleNotFoundError``,
close attribute names (or the replacement of a pandas method since removed)
after an ``AttributeError``, the dtypes after a pandas accessor (``.str``,
``.dt``) meets the wrong one. pandas 2 and 3 word their errors differently
(``_missing_keys`` lists the shapes); the tests run on both.

Each kind of hint is one ``HintRule`` in ``HINT_RULES``: which errors it reads,
what it asks the kernel, how it says the answer. Three steps, the first and
last pure: ``question_for`` reads the error and the failing line and says what
to look up; one silent probe (``kernel_probe.py``, run by the executor's
optional ``inspect``) looks it up; ``hint_for`` turns the facts into text.
Without an ``inspect``, or when the probe fails or is slow, the hint says what
it can without facts, often nothing.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .executors import ExecutionResult, inspect_json
from .feedback import failing_line, strip_ansi

#: Seconds one probe may take before the hint goes without its facts.
PROBE_TIMEOUT = 2.0
#: Close matches named in a hint.
MAX_CLOSE = 3
#: Entries of a listing (columns, files, names) shown in a hint.
MAX_SHOWN = 30
#: Names from the failing line whose values the probe looks at.
MAX_SUBJECTS = 10

#: The import a conventional name probably lacks.
IMPORT_FOR_NAME = {
    "pd": "import pandas as pd",
    "np": "import numpy as np",
    "plt": "import matplotlib.pyplot as plt",
    "mpl": "import matplotlib as mpl",
    "sns": "import seaborn as sns",
    "px": "import plotly.express as px",
    "go": "import plotly.graph_objects as go",
    "sm": "import statsmodels.api as sm",
    "smf": "import statsmodels.formula.api as smf",
    "stats": "from scipy import stats",
    "sp": "import scipy as sp",
    "tf": "import tensorflow as tf",
    "dt": "import datetime as dt",
    "datetime": "from datetime import datetime",
    "timedelta": "from datetime import timedelta",
    "date": "from datetime import date",
    "Path": "from pathlib import Path",
    "Counter": "from collections import Counter",
    "defaultdict": "from collections import defaultdict",
    "display": "from IPython.display import display",
    "train_test_split": "from sklearn.model_selection import train_test_split",
    **{
        module: f"import {module}"
        for module in (
            "math os re json sys time random glob itertools collections pathlib "
            "statistics csv string warnings functools operator shutil pickle"
        ).split()
    },
}

#: The pip package of a module whose name differs from it.
PIP_PACKAGE = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "dotenv": "python-dotenv",
    "Crypto": "pycryptodome",
    "fitz": "pymupdf",
    "jwt": "pyjwt",
    "serial": "pyserial",
    "mpl_toolkits": "matplotlib",
}

#: pandas API removed in 2.0 or 3.0 that code written for older versions still calls:
#: ``"Owner.name"`` to the version that removed it and what replaces it.
PANDAS_REMOVED = {
    f"{owner}.{name}": (version, replacement)
    for owners, name, version, replacement in (
        ("DataFrame", "applymap", "3.0", ".map(func)"),
        ("DataFrame Series", "swapaxes", "3.0", ".transpose()"),
        ("DataFrame Series", "first", "3.0", ".loc[:obj.index[0] + pd.Timedelta(...)]"),
        ("DataFrame Series", "last", "3.0", ".loc[obj.index[-1] - pd.Timedelta(...):]"),
        ("DataFrame Series", "bool", "3.0", ".item()"),
        ("DataFrame Series", "pad", "3.0", ".ffill()"),
        ("DataFrame Series", "backfill", "3.0", ".bfill()"),
        ("Series", "view", "3.0", ".astype(dtype)"),
        ("Series", "ravel", "3.0", ".to_numpy().ravel()"),
        ("DataFrame Series", "append", "2.0", "pd.concat([df, other])"),
        ("DataFrame Series", "iteritems", "2.0", ".items()"),
        ("DataFrame Series", "mad", "2.0", "(s - s.mean()).abs().mean()"),
        ("Series", "is_monotonic", "2.0", ".is_monotonic_increasing"),
        ("DatetimeProperties", "weekofyear", "2.0", ".isocalendar().week"),
        ("DatetimeProperties", "week", "2.0", ".isocalendar().week"),
    )
    for owner in owners.split()
}

#: What a pandas accessor works on, and the conversion that makes a column fit it.
ACCESSORS = {
    "str": ("string", "col.astype(str)"),
    "dt": ("datetime", "pd.to_datetime(col)"),
    "cat": ("categorical", "col.astype('category')"),
}

_LAST_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'\s*$""")
_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")
_ATTRIBUTE_ERRORS = (
    (re.compile(r"^module '([\w.]+)' has no attribute '(\w+)'"), "module"),
    (re.compile(r"^type object '([\w.]+)' has no attribute '(\w+)'"), "class"),
    (re.compile(r"^'([\w.]+)' object has no attribute '(\w+)'"), "object"),
)
_ACCESSOR_ERROR = re.compile(r"^Can only use \.(\w+) accessor with")
_LISTED = re.compile(r"\[([^\[\]]*)\]")
_UNQUOTED_KEY = re.compile(r"^(?:Column not found: (.+)|Level (.+) not found)$")
_NOT_DEFINED = re.compile(r"^name '(\w+)' is not defined")
_CANNOT_IMPORT = re.compile(r"^cannot import name '(\w+)' from '([\w.]+)'")
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


@dataclass(frozen=True)
class Failure:
    """An error, as the hint needs it."""

    ename: str
    evalue: str
    line: str  # the failing source line of the user's code, "" if unknown


def failure_of(result: ExecutionResult) -> Failure | None:
    """The error a run raised, if it raised one."""
    error = result.error_output
    if error is None:
        return None
    return Failure(
        error.get("ename", ""), strip_ansi(error.get("evalue", "")), failing_line(error.get("traceback", []))
    )


def subjects_of(line: str) -> list[str]:
    """The names in a line of code whose values may hold the fix: ``df`` in ``df.x['y']``.

    Attribute names and words inside string literals are not subjects.
    """
    without_strings = _QUOTED.sub("''", line)
    names = [name for name in _IDENTIFIER.findall(without_strings) if not keyword.iskeyword(name)]
    return list(dict.fromkeys(names))[:MAX_SUBJECTS]


def closest(word: str, candidates: list[str], n: int = MAX_CLOSE, cutoff: float = 0.6) -> list[str]:
    """The candidates most like ``word``, best first, ignoring case."""
    target = word.lower()
    scored = []
    for candidate in candidates:
        matcher = difflib.SequenceMatcher(None, target, candidate.lower())
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            ratio = matcher.ratio()
            if ratio >= cutoff:
                scored.append((-ratio, candidate))
    return [candidate for _score, candidate in sorted(scored)[:n]]


def _joined(texts: list[str], limit: int = MAX_SHOWN) -> str:
    """At most ``limit`` texts, comma-separated, counting the rest."""
    rest = f", … +{len(texts) - limit} more" if len(texts) > limit else ""
    return ", ".join(texts[:limit]) + rest


def _shown(items: list[str], limit: int = MAX_SHOWN) -> str:
    """A Python-looking list of at most ``limit`` items, counting the rest."""
    return f"[{_joined([repr(item) for item in items], limit)}]"


def _closest_phrase(word: str, candidates: list[str]) -> str:
    matches = closest(word, candidates)
    if matches:
        return f"closest to {word!r}: " + ", ".join(repr(match) for match in matches)
    return f"none is close to {word!r}"


# --- what to ask the kernel, per error -------------------------------------


def _listed(text: str) -> list[str]:
    """The items of the Python lists written in ``text``; ``[columns]`` is not one."""
    items = []
    for inside in _LISTED.findall(text):
        try:
            items += [str(item) for item in ast.literal_eval(f"[{inside}]")]
        except (ValueError, SyntaxError):
            continue
    return items


def _missing_keys(evalue: str) -> list[str]:
    """The keys a ``KeyError`` names, in each shape pandas 2.x and 3.x give them.

    ``'x'`` (most lookups); ``['x']`` (``dropna(subset=)``); ``"['x'] not in index"``
    (``[[...]]``, ``.loc``); ``"['x'] not found in axis"`` (``drop``, ``rename``);
    ``"None of [Index(['x'], dtype='str')] are in the [columns]"`` (all of a ``[[...]]``;
    ``dtype='object'`` in 2.x); ``"Index(['x'], dtype='str')"`` (``drop_duplicates``);
    ``"Label(s) ['x'] do not exist"`` (``agg``; ``Column(s)`` in 2.x);
    ``"The following 'index' labels are not columns of the DataFrame: ['x']"``
    (``pivot`` in 3.x; ``'x'`` in 2.x); ``"Columns not found: 'x', 'y'"``;
    ``'Column not found: x'`` (``groupby(...)['x']``); ``'Level x not found'``.
    A list wins over the other quoted words: those are dtypes and argument names.
    """
    try:
        value = ast.literal_eval(evalue)
    except (ValueError, SyntaxError):
        value = evalue
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    text = str(value)
    unquoted = _UNQUOTED_KEY.match(text)
    if unquoted:
        return [unquoted.group(1) or unquoted.group(2)]
    quoted = [single or double for single, double in _QUOTED.findall(text)]
    return _listed(text) or quoted or [text]


def _ask_key(failure: Failure) -> dict:
    keys = _missing_keys(failure.evalue)
    return {"keys": keys, "tables": True, "subjects": subjects_of(failure.line)}


def _ask_query_name(failure: Failure) -> dict | None:
    """``df.query('revenu > 1')``: the unknown name is a column name gone wrong."""
    match = _NOT_DEFINED.match(failure.evalue)
    if match is None:
        return None
    return {"keys": [match.group(1)], "tables": True, "subjects": subjects_of(failure.line)}


def _ask_accessor(failure: Failure) -> dict | None:
    """``.str`` or ``.dt`` on a column of another dtype: which columns have which dtype."""
    match = _ACCESSOR_ERROR.match(failure.evalue)
    if match is None or match.group(1) not in ACCESSORS:
        return None
    named = [single or double for single, double in _QUOTED.findall(failure.line)]
    named += re.findall(r"\.(\w+)", _QUOTED.sub("''", failure.line))
    return {"accessor": match.group(1), "named": named, "dtypes": True, "subjects": subjects_of(failure.line)}


def _ask_attribute(failure: Failure) -> dict | None:
    for pattern, owner in _ATTRIBUTE_ERRORS:
        match = pattern.match(failure.evalue)
        if match:
            name, missing = match.groups()
            # Some types name their module too ('numpy.random.mtrand.RandomState'); type() knows the last part.
            type_name = name.rsplit(".", 1)[-1]
            wanted = {"module": name} if owner == "module" else {"type": type_name, "is_class": owner == "class"}
            return {"name": missing, "owner": name, "attribute": wanted, "subjects": subjects_of(failure.line)}
    return None


def _ask_import(failure: Failure) -> dict | None:
    match = _CANNOT_IMPORT.match(failure.evalue)
    if match is None:
        return None
    missing, module = match.groups()
    return {"name": missing, "owner": module, "attribute": {"module": module}}


def _ask_name(failure: Failure) -> dict | None:
    match = _NOT_DEFINED.match(failure.evalue)
    if match is None:
        return None
    return {"name": match.group(1), "names": [match.group(1)]}


def _ask_file(failure: Failure) -> dict | None:
    match = _LAST_QUOTED.search(failure.evalue)
    if match is None:
        return None
    return {"path": match.group(1)}


def _ask_module(failure: Failure) -> dict | None:
    match = re.match(r"^No module named '([\w.]+)'", failure.evalue)
    if match is None or "." in match.group(1):
        return None  # a missing submodule of an installed package: no package to install
    return {"name": match.group(1), "modules": True}


# --- the hint, from the facts ------------------------------------------------


def _tables_hint(tables: dict, words: list[str]) -> list[str]:
    lines = []
    for name, table in tables.items():
        items = table.get("items") or []
        what = "Columns" if table.get("kind") == "columns" else "Keys"
        phrases = "; ".join(_closest_phrase(word, items) for word in words)
        lines.append(f"{what} of {name} ({len(items)}): {_shown(items)}; {phrases}.")
    return lines


def _key_hint(question: dict, facts: dict) -> list[str]:
    return _tables_hint(facts.get("tables", {}), question["keys"])


def _attribute_hint(question: dict, facts: dict) -> list[str]:
    name, owner = question["name"], question["owner"]
    if owner == "NoneType":
        return [
            f"The value is None, so it has no {name!r}: an earlier call returned None "
            "(for example a pandas method called with inplace=True)."
        ]
    found = facts.get("attribute", {})
    lines = []
    removed = _removed_pandas_api(owner, name, found.get("attributes"))
    if removed:
        version, replacement = PANDAS_REMOVED[f"{owner}.{removed}"]
        lines.append(f"{owner}.{removed} was removed in pandas {version}: use {replacement} instead.")
    if found.get("attributes"):
        matches = closest(name, found["attributes"])
        listed = ", ".join(repr(match) for match in matches) if matches else "none"
        lines.append(f"Attributes of {owner} closest to {name!r}: {listed}.")
    # ``df.revenue`` fails the same way whether a column or a method was meant.
    tables = {table: columns for table, columns in found.get("tables", {}).items() if closest(name, columns["items"])}
    return lines + _tables_hint(tables, [name])


def _removed_pandas_api(owner: str, name: str, attributes: list[str] | None) -> str | None:
    """The removed pandas API ``name`` means: itself, or one it misspells that this pandas lacks."""
    if f"{owner}.{name}" in PANDAS_REMOVED:
        return name
    if not attributes:
        return None  # without the live attributes, a removed name cannot be told from a present one
    removed = [key.split(".", 1)[1] for key in PANDAS_REMOVED if key.split(".", 1)[0] == owner]
    gone = [match for match in closest(name, removed, n=1) if match not in attributes]
    return gone[0] if gone else None


def _accessor_hint(question: dict, facts: dict) -> list[str]:
    accessor = question["accessor"]
    kind, conversion = ACCESSORS[accessor]
    dtypes = []
    for name, found in facts.get("dtypes", {}).items():
        if isinstance(found, str):  # a Series
            dtypes.append(f"{name}: {found}")
            continue
        named = [column for column in found if column in question["named"]] or list(found)
        dtypes += [f"{name}[{column!r}]: {found[column]}" for column in named]
    lines = [f"`.{accessor}` works only on {kind} values: convert first, e.g. `{conversion}`."]
    if dtypes:
        lines.append(f"Dtypes: {_joined(dtypes)}.")
    return lines


def _name_hint(question: dict, facts: dict) -> list[str]:
    name = question["name"]
    found = facts.get("names", {})
    lines = []
    statement = IMPORT_FOR_NAME.get(name) or (f"import {name}" if name in found.get("importable", []) else None)
    if statement:
        lines.append(f"{name!r} is probably a missing import: add `{statement}`.")
    defined = found.get("names")
    if defined:
        matches = closest(name, defined)
        if matches:
            lines.append(f"Defined names closest to {name!r}: " + ", ".join(repr(m) for m in matches) + ".")
        elif not statement:
            lines.append(f"No defined name is close to {name!r}. Defined: {_shown(defined)}.")
    return lines


def _file_hint(question: dict, facts: dict) -> list[str]:
    found = facts.get("path")
    if not found:
        return []
    missing = Path(question["path"]).name
    lines = [f"Working directory of the kernel: {found['cwd']}"]
    for folder in found.get("folders", []):
        entries = folder["entries"]
        ranked = closest(missing, entries, n=len(entries), cutoff=0.0)
        where = f"{folder['folder']}/" if folder["folder"] else "the working directory"
        lines.append(f"In {where}, closest to {missing!r} first ({len(entries)} in all): {_shown(ranked, 15)}")
        best = closest(missing, entries, n=1)
        if best:
            lines.append(f"Perhaps you meant {str(Path(folder['folder'], best[0]))!r}.")
    return lines


def _module_hint(question: dict, facts: dict) -> list[str]:
    name = question["name"]
    package = PIP_PACKAGE.get(name, name)
    lines = []
    typos = [match for match in closest(name, facts.get("modules", [])) if match != name]
    if typos:
        lines.append(f"Installed modules with close names: {', '.join(repr(t) for t in typos)}.")
    lines.append(
        f"Module {name!r} is not installed in the kernel's environment; its pip package is "
        f"{package!r}. Do not install it yourself: ask the user whether to install {package}, "
        "or solve the task with packages that are installed."
    )
    return lines


# --- the rules: which errors, what to look up, how to say it ----------------


@dataclass(frozen=True)
class HintRule:
    """One kind of hint. ``ask`` reads a failure of one of ``errors`` and says what
    the probe must look up (None: the rule does not apply); ``say`` turns those
    lookups and the facts found into lines of hint."""

    errors: frozenset[str]
    ask: Callable[[Failure], dict | None]
    say: Callable[[dict, dict], list[str]]


def _rule(errors: str, ask, say) -> HintRule:
    return HintRule(frozenset(errors.split()), ask, say)


#: Every hint, tried in order; the first whose ``ask`` applies wins. Adding a hint is adding a rule.
HINT_RULES: tuple[HintRule, ...] = (
    _rule("KeyError", _ask_key, _key_hint),
    _rule("UndefinedVariableError", _ask_query_name, _key_hint),  # df.query('revenu > 1')
    _rule("AttributeError", _ask_accessor, _accessor_hint),
    _rule("AttributeError", _ask_attribute, _attribute_hint),
    _rule("ImportError", _ask_import, _attribute_hint),
    _rule("NameError", _ask_name, _name_hint),
    _rule("FileNotFoundError", _ask_file, _file_hint),
    _rule("ModuleNotFoundError", _ask_module, _module_hint),
)


@dataclass(frozen=True)
class Question:
    """What to look up in the kernel for one failure, and the rule that says the answer."""

    rule: HintRule
    lookups: dict


def question_for(failure: Failure) -> Question | None:
    """What to look up in the kernel for this error; None if no hint can help."""
    for rule in HINT_RULES:
        if failure.ename in rule.errors:
            lookups = rule.ask(failure)
            if lookups is not None:
                return Question(rule, lookups)
    return None


def hint_for(question: Question, facts: dict) -> str:
    """The hint text for an error, from whatever facts the probe returned."""
    return "\n".join(question.rule.say(question.lookups, facts))


# --- asking the kernel -------------------------------------------------------

_PROBE_SOURCE = (Path(__file__).parent / "kernel_probe.py").read_text()


def probe_code(question: Question) -> str:
    """One statement that runs the probe in the kernel and leaves no names behind."""
    lookups = question.lookups
    return f"exec({_PROBE_SOURCE!r}, {{'__name__': '__ci_probe__', 'QUESTION': {lookups!r}, 'USER_NS': globals()}})"


async def ask_kernel(executor, question: Question, timeout: float = PROBE_TIMEOUT) -> dict:
    """The probe's facts, or {} if the executor cannot inspect or the probe fails."""
    return await inspect_json(executor, probe_code(question), timeout)


async def error_hint(executor, result: ExecutionResult, *, language: str | None, timeout: float = PROBE_TIMEOUT) -> str:
    """A hint for the error ``result`` holds, "" if none; never raises for a bad probe."""
    failure = failure_of(result) if result.status == "error" else None
    if failure is None or (language or "").lower() != "python":
        return ""
    question = question_for(failure)
    if question is None:
        return ""
    return hint_for(question, await ask_kernel(executor, question, timeout))
