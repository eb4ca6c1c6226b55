"""The facts the silent-failure checks need, looked up inside the user's kernel.

Sent to the kernel as it is, once per kernel, and kept there as a module
(``checks.install_code``: compiling it for every cell would cost more than the
checks), then called silently for each cell (``checks.probe_code``): standard
library only, nothing left in the user's namespace, every lookup bounded.
``main`` prints one line of JSON.

It runs twice around the assistant's cell. ``"phase": "before"`` describes the
tables the cell names (rows; per column its dtype and how many values are
set) and arms three one-shot IPython hooks for the next cell that is not
silent (the assistant's): ``pre_run_cell`` notes the open figures and wraps
pandas' merge functions to note each merge's rows in and out, ``post_execute``
(put first, before the inline backend draws and closes the figures)
describes the figures the cell made, ``post_run_cell`` describes the value
the cell displayed and puts the merge functions back; they keep what they
saw on the shell and remove themselves. ``"phase": "after"`` describes the same tables again and hands
over what the hooks saw.
"""

import json
import math
import sys
import warnings

#: Columns of one table described.
MAX_COLUMNS = 200
#: Values counted per table beyond which only the first rows are counted (a huge table stays quick).
MAX_CELLS = 5_000_000
SAMPLE_ROWS = 100_000
#: Figures and axes described.
MAX_FIGURES = 20
MAX_AXES = 50
#: Where the hooks keep what they saw, on the shell.
SEEN = "_ci_jupyterlab_checks_seen"
HOOK_PREFIX = "__ci_check_"


def _is_table(value):
    return (
        hasattr(value, "columns")
        and hasattr(value, "dtypes")
        and hasattr(value, "shape")
        and not isinstance(value, type)
    )


def _is_series(value):
    return hasattr(value, "dtype") and hasattr(value, "index") and hasattr(value, "count") and not _is_table(value)


def _kind(dtype):
    return getattr(dtype, "kind", "O")


def describe_table(value):
    """Rows, and per column: dtype kind, dtype name, values set (counted on the first rows of a huge table)."""
    rows, cols = value.shape
    counted = value if rows * max(cols, 1) <= MAX_CELLS else value.iloc[:SAMPLE_ROWS]
    shown = counted.iloc[:, :MAX_COLUMNS]
    counts = shown.count()
    columns = {}
    for position, (column, dtype) in enumerate(shown.dtypes.items()):
        columns[str(column)] = [_kind(dtype), str(dtype), int(counts.iloc[position])]
    index = counted.index
    index_name = str(index.name) if index.name is not None else None
    described = {"rows": int(rows), "cols": int(cols), "columns": columns, "sampled": counted is not value}
    if index_name is not None and getattr(index, "nlevels", 1) == 1:
        described["index"] = [index_name, _kind(index.dtype), str(index.dtype), int(index.notna().sum())]
    return described


def describe_series(value):
    return {"rows": int(len(value)), "series": [_kind(value.dtype), str(value.dtype), int(value.count())]}


def _is_index(value):
    return type(value).__name__.endswith("Index") and hasattr(value, "dtype") and hasattr(value, "isna")


def describe(value):
    if _is_table(value):
        return describe_table(value)
    if _is_series(value):
        return describe_series(value)
    if _is_index(value):
        return {
            "rows": len(value),
            "series": [_kind(value.dtype), str(value.dtype), int(len(value) - value.isna().sum())],
        }
    return None


def tables(names, namespace):
    found = {}
    for name in names:
        if name in namespace:
            try:
                described = describe(namespace[name])
            except Exception:
                described = None
            if described is not None:
                found[name] = described
    return found


# --- figures -------------------------------------------------------------------


def _finite_points(array):
    try:
        import numpy

        values = numpy.asarray(array, dtype=float)
        if values.size == 0:
            return False
        if values.ndim == 1:
            return bool(numpy.isfinite(values).any())
        return bool(numpy.isfinite(values).all(axis=-1).any())
    except Exception:
        return True  # cannot tell: assume something is drawn


def _patch_drawn(patch):
    if hasattr(patch, "get_height") and hasattr(patch, "get_width"):  # bars
        width, height = float(patch.get_width()), float(patch.get_height())
        return math.isfinite(width) and math.isfinite(height) and width != 0 and height != 0
    if hasattr(patch, "theta1") and hasattr(patch, "theta2"):  # pie wedges
        return patch.theta1 != patch.theta2
    return True


def _collection_drawn(collection):
    name = type(collection).__name__
    if name == "PathCollection":  # scatter: one marker path, one offset per point
        return _finite_points(collection.get_offsets())
    if name == "LineCollection":
        return any(_finite_points(segment) for segment in collection.get_segments())
    if name in ("QuadMesh", "TriMesh"):
        return True
    try:
        return len(collection.get_paths()) > 0
    except Exception:
        return True


def axes_drawn(ax):
    """Whether the axes show any data: points, bars, areas, images or tables."""
    if any(_finite_points(line.get_xydata()) for line in ax.get_lines()):
        return True
    if any(_collection_drawn(collection) for collection in ax.collections):
        return True
    if any(_patch_drawn(patch) for patch in ax.patches):
        return True
    return bool(ax.images) or bool(getattr(ax, "tables", []))


def describe_figure(figure):
    axes = []
    for ax in figure.get_axes()[:MAX_AXES]:
        shown = ax.get_visible() and ax.axison
        axes.append({"title": ax.get_title() or "", "shown": bool(shown), "drawn": bool(axes_drawn(ax))})
    label = figure.get_label() or ""
    return {"number": getattr(figure, "number", None), "label": label, "axes": axes}


def _open_figures():
    pylab_helpers = sys.modules.get("matplotlib._pylab_helpers")
    if pylab_helpers is None:
        return []
    return [manager.canvas.figure for manager in pylab_helpers.Gcf.get_all_fig_managers()]


# --- the hooks -----------------------------------------------------------------


def _shell(namespace):
    get_ipython = namespace.get("get_ipython")
    try:
        return get_ipython() if callable(get_ipython) else None
    except Exception:
        return None


# --- merges, seen as they happen ---------------------------------------------------


def _merge_sites():
    """The pandas functions a merge goes through once each: ``pd.merge``, ``DataFrame.merge``, ``DataFrame.join``."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return []
    return [(pandas, "merge", 2), (pandas.DataFrame, "merge", 2), (pandas.DataFrame, "join", 2)]


def _rows_of(value):
    return len(value) if hasattr(value, "index") and hasattr(value, "shape") else None


def _keys_repeat(frame, keys, use_index):
    """Whether a join key (these columns, or the index) repeats in ``frame``; None if unknown."""
    if use_index or keys is None:
        return bool(frame.index.duplicated().any())
    keys = [keys] if isinstance(keys, str) else list(keys)
    if hasattr(frame, "columns") and all(key in frame.columns for key in keys):
        return bool(frame[keys].duplicated().any())
    if not hasattr(frame, "columns") and keys == [getattr(frame, "name", None)]:
        return bool(frame.duplicated().any())
    return None


def _merge_keys(name, left, right, kwargs):
    """(left keys, left by index, right keys, right by index) of a merge or join call, as pandas reads them."""
    if name == "join":
        return kwargs.get("on"), kwargs.get("on") is None, None, True
    on = kwargs.get("on")
    left_keys, right_keys = kwargs.get("left_on", on), kwargs.get("right_on", on)
    if left_keys is None and right_keys is None and not (kwargs.get("left_index") or kwargs.get("right_index")):
        shared = [
            c
            for c in getattr(left, "columns", [])
            if c in set(getattr(right, "columns", [getattr(right, "name", None)]))
        ]
        left_keys = right_keys = shared
    return left_keys, bool(kwargs.get("left_index")), right_keys, bool(kwargs.get("right_index"))


def _watch_merges(seen):
    """Wrap the merge functions for one cell: each call's input and output rows are noted in ``seen``."""
    for owner, name, how_position in _merge_sites():
        original = getattr(owner, name)
        default_how = "left" if name == "join" else "inner"

        def wrapper(
            *args, __original=original, __how_position=how_position, __default=default_how, __name=name, **kwargs
        ):
            result = __original(*args, **kwargs)
            try:
                right = args[1] if len(args) > 1 else kwargs.get("right", kwargs.get("other"))
                how = kwargs.get("how", args[__how_position] if len(args) > __how_position else __default)
                left = args[0] if args else kwargs.get("left")
                sizes = (_rows_of(left), _rows_of(right), _rows_of(result))
                if None not in sizes and isinstance(how, str) and len(seen.setdefault("merges", [])) < 10:
                    merge = {"how": how, "left": sizes[0], "right": sizes[1], "rows": sizes[2]}
                    left_keys, left_index, right_keys, right_index = _merge_keys(__name, left, right, kwargs)
                    merge["repeat"] = [
                        _keys_repeat(left, left_keys, left_index),
                        _keys_repeat(right, right_keys, right_index),
                    ]
                    seen["merges"].append(merge)
            except Exception:
                pass
            return result

        wrapper.__ci_check_original__ = original
        wrapper.__name__ = getattr(original, "__name__", name)
        wrapper.__doc__ = getattr(original, "__doc__", None)
        setattr(owner, name, wrapper)


def _unwatch_merges():
    for owner, name, _position in _merge_sites():
        current = owner.__dict__.get(name)
        original = getattr(current, "__ci_check_original__", None)
        if original is not None:
            setattr(owner, name, original)


def _disarm(shell):
    for event in ("pre_run_cell", "post_execute", "post_run_cell"):
        callbacks = shell.events.callbacks.get(event, [])
        for callback in [c for c in callbacks if getattr(c, "__name__", "").startswith(HOOK_PREFIX)]:
            callbacks.remove(callback)
    _unwatch_merges()


def arm(shell, want_figures, want_result):
    """Hooks for the next cell that is not silent; they remove themselves once it ran."""
    _disarm(shell)
    if hasattr(shell, SEEN):
        delattr(shell, SEEN)
    seen = {}
    before = set()

    def __ci_check_figures__():
        seen["figures"] = [describe_figure(figure) for figure in _open_figures() if id(figure) not in before][
            :MAX_FIGURES
        ]

    def __ci_check_result__(result):
        try:
            value = getattr(result, "result", None)
            described = describe(value) if value is not None else None
            if isinstance(value, float) and math.isnan(value):
                described = {"rows": 1, "nan": True}
            if described is not None:
                described["type"] = type(value).__name__
                seen["result"] = described
        except Exception:
            pass
        setattr(shell, SEEN, seen)
        _disarm(shell)

    def __ci_check_arm__(info=None):
        before.update(id(figure) for figure in _open_figures())
        _watch_merges(seen)
        if want_figures:
            shell.events.callbacks["post_execute"].insert(0, __ci_check_figures__)
        shell.events.register("post_run_cell", __ci_check_result__)
        shell.events.unregister("pre_run_cell", __ci_check_arm__)

    shell.events.register("pre_run_cell", __ci_check_arm__)


def before(question, namespace):
    facts = {"tables": tables(question.get("frames", []), namespace)}
    if question.get("exit_code"):
        facts["exit_code"] = namespace.get("_exit_code")
    shell = _shell(namespace)
    if shell is not None and (question.get("figures") or question.get("result")):
        try:
            arm(shell, question.get("figures"), question.get("result"))
            facts["armed"] = True
        except Exception:
            pass
    return facts


def after(question, namespace):
    facts = {"tables": tables(question.get("frames", []), namespace)}
    if question.get("exit_code"):
        facts["exit_code"] = namespace.get("_exit_code")
    shell = _shell(namespace)
    seen = getattr(shell, SEEN, None) if shell is not None else None
    if seen is not None:
        delattr(shell, SEEN)
        facts.update(seen)
        facts["hooked"] = True
    elif question.get("figures"):
        facts["figures"] = [describe_figure(figure) for figure in _open_figures()][:MAX_FIGURES]
    if shell is not None:
        _disarm(shell)  # the cell never ran (stopped): no hook outlives the request
    return facts


def answer(question, namespace):
    return (before if question.get("phase") == "before" else after)(question, namespace)


def main(question, namespace):
    """Print the facts ``question`` asks for, as one line of JSON ({} if anything goes wrong)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            print(json.dumps(answer(question, namespace), default=str))
        except Exception:
            print("{}")
