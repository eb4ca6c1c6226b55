"""Error hints: what a fix needs, gathered from the live kernel.

After a failed run the loop asks ``error_hint`` for a few lines to add to the
feedback: the real column names after a ``KeyError``, the names defined (and
the import probably missing) after a ``NameError``, the files that do exist
after a ``FileNotFoundError``, the pip package after a ``ModuleNotFoundError``,
close attribute names after an ``AttributeError``.

Three steps, the first and last pure: ``question_for`` reads the error and the
failing line and says what to look up; one silent probe (``kernel_probe.py``,
run by the executor's optional ``inspect``) looks it up; ``hint_for`` turns the
facts into text. Without an ``inspect``, or when the probe fails or is slow,
the hint says what it can without facts, often nothing.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from .executor import ExecutionResult, inspect_json
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

_LAST_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'\s*$""")
_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")
_ATTRIBUTE_ERRORS = (
    (re.compile(r"^module '([\w.]+)' has no attribute '(\w+)'"), "module"),
    (re.compile(r"^type object '([\w.]+)' has no attribute '(\w+)'"), "class"),
    (re.compile(r"^'([\w.]+)' object has no attribute '(\w+)'"), "object"),
)
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
    return Failure(error.get("ename", ""), strip_ansi(error.get("evalue", "")), failing_line(error.get("traceback", [])))


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


def _shown(items: list[str], limit: int = MAX_SHOWN) -> str:
    """A Python-looking list of at most ``limit`` items, counting the rest."""
    head = ", ".join(repr(item) for item in items[:limit])
    rest = f", … +{len(items) - limit} more" if len(items) > limit else ""
    return f"[{head}{rest}]"


def _closest_phrase(word: str, candidates: list[str]) -> str:
    matches = closest(word, candidates)
    if matches:
        return f"closest to {word!r}: " + ", ".join(repr(match) for match in matches)
    return f"none is close to {word!r}"


# --- what to ask the kernel, per error -------------------------------------


def _missing_keys(evalue: str) -> list[str]:
    """The keys a ``KeyError`` names: ``'x'``, ``"['x', 'y'] not in index"``, …"""
    try:
        value = ast.literal_eval(evalue)
    except (ValueError, SyntaxError):
        value = evalue
    text = str(value)
    quoted = [single or double for single, double in _QUOTED.findall(text)]
    return quoted or [text]


def _ask_key(failure: Failure) -> dict:
    keys = _missing_keys(failure.evalue)
    return {"kind": "key", "keys": keys, "tables": True, "subjects": subjects_of(failure.line)}


def _ask_attribute(failure: Failure) -> dict | None:
    for pattern, owner in _ATTRIBUTE_ERRORS:
        match = pattern.match(failure.evalue)
        if match:
            name, missing = match.groups()
            # Some types name their module too ('numpy.random.mtrand.RandomState'); type() knows the last part.
            type_name = name.rsplit(".", 1)[-1]
            wanted = {"module": name} if owner == "module" else {"type": type_name, "is_class": owner == "class"}
            return {"kind": "attribute", "name": missing, "owner": name,
                    "attribute": wanted, "subjects": subjects_of(failure.line)}
    return None


def _ask_import(failure: Failure) -> dict | None:
    match = _CANNOT_IMPORT.match(failure.evalue)
    if match is None:
        return None
    missing, module = match.groups()
    return {"kind": "attribute", "name": missing, "owner": module, "attribute": {"module": module}}


def _ask_name(failure: Failure) -> dict | None:
    match = re.match(r"^name '(\w+)' is not defined", failure.evalue)
    if match is None:
        return None
    return {"kind": "name", "name": match.group(1), "names": [match.group(1)]}


def _ask_file(failure: Failure) -> dict | None:
    match = _LAST_QUOTED.search(failure.evalue)
    if match is None:
        return None
    return {"kind": "file", "path": match.group(1)}


def _ask_module(failure: Failure) -> dict | None:
    match = re.match(r"^No module named '([\w.]+)'", failure.evalue)
    if match is None or "." in match.group(1):
        return None  # a missing submodule of an installed package: no package to install
    return {"kind": "module", "name": match.group(1), "modules": True}


_QUESTIONS = {
    "KeyError": _ask_key,
    "AttributeError": _ask_attribute,
    "ImportError": _ask_import,
    "NameError": _ask_name,
    "FileNotFoundError": _ask_file,
    "ModuleNotFoundError": _ask_module,
}


def question_for(failure: Failure) -> dict | None:
    """What to look up in the kernel for this error; None if no hint can help."""
    ask = _QUESTIONS.get(failure.ename)
    return ask(failure) if ask else None


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
        return [f"The value is None, so it has no {name!r}: an earlier call returned None "
                "(for example a pandas method called with inplace=True)."]
    found = facts.get("attribute", {})
    lines = []
    if found.get("attributes"):
        matches = closest(name, found["attributes"])
        listed = ", ".join(repr(match) for match in matches) if matches else "none"
        lines.append(f"Attributes of {owner} closest to {name!r}: {listed}.")
    # ``df.revenue`` fails the same way whether a column or a method was meant.
    tables = {table: columns for table, columns in found.get("tables", {}).items() if closest(name, columns["items"])}
    return lines + _tables_hint(tables, [name])


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


_HINTS = {
    "key": _key_hint,
    "attribute": _attribute_hint,
    "name": _name_hint,
    "file": _file_hint,
    "module": _module_hint,
}


def hint_for(question: dict, facts: dict) -> str:
    """The hint text for an error, from whatever facts the probe returned."""
    return "\n".join(_HINTS[question["kind"]](question, facts))


# --- asking the kernel -------------------------------------------------------

_PROBE_SOURCE = (Path(__file__).parent / "kernel_probe.py").read_text()


def probe_code(question: dict) -> str:
    """One statement that runs the probe in the kernel and leaves no names behind."""
    lookups = {key: value for key, value in question.items() if key != "kind"}
    return (
        f"exec({_PROBE_SOURCE!r}, "
        f"{{'__name__': '__ci_probe__', 'QUESTION': {lookups!r}, 'USER_NS': globals()}})"
    )


async def ask_kernel(executor, question: dict, timeout: float = PROBE_TIMEOUT) -> dict:
    """The probe's facts, or {} if the executor cannot inspect or the probe fails."""
    return await inspect_json(executor, probe_code(question), timeout)


async def error_hint(executor, result: ExecutionResult, *, language: str | None,
                     timeout: float = PROBE_TIMEOUT) -> str:
    """A hint for the error ``result`` holds, "" if none; never raises for a bad probe."""
    failure = failure_of(result) if result.status == "error" else None
    if failure is None or (language or "").lower() != "python":
        return ""
    question = question_for(failure)
    if question is None:
        return ""
    return hint_for(question, await ask_kernel(executor, question, timeout))
