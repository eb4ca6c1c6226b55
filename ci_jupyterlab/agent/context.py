"""What the model is told about the kernel's live state.

Plain Python, no IPython: any front end that can hand over a namespace dict
(the ``%%ci`` magic, later the chat panel through a kernel query) uses it.
"""

from __future__ import annotations

import numbers
import re
import sys
import types

#: Names IPython puts in every user namespace; they say nothing about the user's work.
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
#: Names a chart or a loop uses for its layout numbers (with any one-letter name, see ``is_helper``).
LAYOUT_NAMES = frozenset(
    {"pad", "padding", "margin", "gap", "dpi", "width", "height", "ncols", "nrows", "fontsize", "alpha", "lw", "idx"}
)
#: One letter, perhaps numbered: ``w``, ``h``, ``i``, ``x1``.
_ONE_LETTER = re.compile(r"[A-Za-z]\d*")
#: Characters of one variable's line; long column lists are cut to fit.
LINE_LIMIT = 800
#: Characters of a scalar's repr.
REPR_LIMIT = 80

_SCALARS = (int, float, complex, bool, str, bytes, type(None))
_SIZED = (dict, list, tuple, set, frozenset)


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 1] + "…"


def _listing(items: list[str], limit: int, noun: str) -> str:
    """``items`` joined by commas, cut to ``limit`` characters with a count of the rest."""
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        rest = len(items) - index
        marker = f", … +{rest} more {noun}"
        if used + len(item) + 2 + (len(marker) if rest > 1 else 0) > limit:
            return ", ".join(shown) + (marker if shown else f"{rest} {noun}")
        shown.append(item)
        used += len(item) + 2
    return ", ".join(shown)


def _frame_line(name: str, frame, limit: int) -> str:
    rows, cols = frame.shape
    head = f"- {name}: DataFrame {rows:,} rows × {cols:,} columns; columns: "
    columns = [f"{column} ({dtype})" for column, dtype in frame.dtypes.items()]
    return head + _listing(columns, limit - len(head), "columns")


def _data_kind(value) -> str | None:
    """``DataFrame``, ``Series`` or ``ndarray`` if ``value`` is one (without importing pandas)."""
    pandas, numpy = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        return "DataFrame"
    if pandas is not None and isinstance(value, pandas.Series):
        return "Series"
    if numpy is not None and isinstance(value, numpy.ndarray):
        return "ndarray"
    return None


def describe_value(name: str, value, limit: int = LINE_LIMIT) -> str:
    """One line about one variable, at most ``limit`` characters."""
    kind = type(value).__name__
    data_kind = _data_kind(value)
    if data_kind == "DataFrame":
        return _frame_line(name, value, limit)
    if data_kind == "Series":
        line = f"- {name}: Series of {len(value):,} values, dtype {value.dtype}, name {value.name!r}"
    elif data_kind == "ndarray":
        line = f"- {name}: ndarray shape {value.shape}, dtype {value.dtype}"
    elif isinstance(value, _SCALARS):
        line = f"- {name}: {kind} = {_short_repr(value)}"
    elif isinstance(value, _SIZED):
        line = f"- {name}: {kind} of {len(value):,} items"
    elif isinstance(value, type):
        line = f"- {name}: class"
    elif isinstance(value, types.FunctionType):
        line = f"- {name}: function"
    else:
        # Arbitrary objects: the type only; their repr may be huge or have side effects.
        line = f"- {name}: {kind} object"
    return line[:limit]


def is_helper(name: str, value) -> bool:
    """A number (numpy's too) with a one-letter or layout name (``w``, ``h``, ``pad``, ``i``): scaffolding, not data.

    The model reads the code that set it in the notebook; listed, it only
    crowds out the tables and the names the user chose for their results.
    """
    return isinstance(value, numbers.Real) and (_ONE_LETTER.fullmatch(name) is not None or name.lower() in LAYOUT_NAMES)


def user_variables(namespace: dict) -> list[tuple[str, object]]:
    """The user's variables: not IPython's, not private (``_x``), not helper numbers."""
    return [
        (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and name not in IPYTHON_NAMES and not is_helper(name, value)
    ]


def describe_namespace(namespace: dict, budget_chars: int = 3000) -> str:
    """The user's variables, one compact line each, in at most ``budget_chars``.

    Tables and arrays come first (the model needs their columns most), then
    everything else in definition order; imported modules share one line;
    helper numbers (``is_helper``) are left out. Names that do not fit are
    counted, not dropped silently.
    """
    variables = user_variables(namespace)
    modules = [
        name if value.__name__ == name else f"{name} ({value.__name__})"
        for name, value in variables
        if isinstance(value, types.ModuleType)
    ]
    others = [(name, value) for name, value in variables if not isinstance(value, types.ModuleType)]
    others.sort(key=lambda item: _data_kind(item[1]) is None)  # stable: data first, else in order
    limit = min(LINE_LIMIT, budget_chars)
    lines = [describe_value(name, value, limit) for name, value in others]
    if modules:
        lines.append("- modules: " + _listing(modules, limit - len("- modules: "), "modules"))
    if not lines:
        return "(no user variables yet)"

    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        marker = f"… {rest} more not shown"
        room = budget_chars - used - (len(marker) + 1 if rest > 1 else 0)
        if len(line) + 1 > room:
            kept.append(marker)
            break
        kept.append(line)
        used += len(line) + 1
    # A budget smaller than one marker still must not be exceeded.
    return "\n".join(kept)[:budget_chars]
