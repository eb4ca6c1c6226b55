"""The facts an error hint needs, looked up inside the user's kernel.

This file's source is sent to the kernel as it is and run silently
(``enrich.probe_code``), so it must stand alone: standard library only, no
imports from this package, nothing left behind in the user's namespace.
It runs with ``QUESTION`` (what to look up) and ``USER_NS`` (the kernel's
globals) set, and prints one line of JSON. Everything it does is bounded:
a probe must never cost the user noticeable time.
"""

import importlib.util
import json
import os
import sys
import warnings

#: Entries of one listing (columns, keys, attributes, files, names) sent back.
MAX_ITEMS = 500
#: Tables whose columns are sent back when the failing line names none.
MAX_TABLES = 5
#: Names IPython puts in every user namespace.
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})


def _is_table(value):
    """A DataFrame or anything shaped like one, without importing pandas."""
    return hasattr(value, "columns") and hasattr(value, "dtypes") and not isinstance(value, type)


def _keys(value):
    """The column names or mapping keys of ``value``, as text, or None."""
    if _is_table(value):
        return [str(column) for column in list(value.columns)[:MAX_ITEMS]]
    if isinstance(value, dict):
        return [str(key) for key in list(value)[:MAX_ITEMS]]
    return None


def _user_names(namespace):
    return [name for name in namespace if not name.startswith("_") and name not in IPYTHON_NAMES]


def tables(subjects, namespace):
    """Columns (or keys) of the named subjects; else of every table defined."""
    found = {}
    for name in subjects:
        keys = _keys(namespace.get(name))
        if keys is not None:
            found[name] = {"kind": "columns" if _is_table(namespace[name]) else "keys", "items": keys}
    if not found:
        for name in _user_names(namespace):
            if _is_table(namespace[name]):
                found[name] = {"kind": "columns", "items": _keys(namespace[name])}
                if len(found) >= MAX_TABLES:
                    break
    return found


def dtypes(subjects, namespace):
    """The dtype of each named Series, and of each column of each named table."""
    found = {}
    for name in subjects:
        value = namespace.get(name)
        if _is_table(value):
            pairs = list(value.dtypes.items())[:MAX_ITEMS]
            found[name] = {str(column): str(dtype) for column, dtype in pairs}
        elif hasattr(value, "dtype") and hasattr(value, "index") and not isinstance(value, type):
            found[name] = str(value.dtype)
    return found


def names(candidates, namespace):
    """The user's names, and which of ``candidates`` are importable modules."""
    importable = [name for name in candidates if importlib.util.find_spec(name) is not None]
    return {"names": _user_names(namespace)[:MAX_ITEMS], "importable": importable}


def _class_named(type_name, namespace):
    """A class called ``type_name``: from the user's values, else a loaded module."""
    for value in namespace.values():
        if type(value).__name__ == type_name:
            return type(value)
    for module in list(sys.modules.values()):
        candidate = vars(module).get(type_name) if hasattr(module, "__dict__") else None
        if isinstance(candidate, type) and candidate.__name__ == type_name:
            return candidate
    return None


def attributes(question, subjects, namespace):
    """Public attributes of the object that lacked one; columns too if it is a table."""
    owner = None
    if question.get("module"):
        owner = sys.modules.get(question["module"])
    else:
        type_name, is_class = question.get("type"), question.get("is_class", False)
        for name in subjects:
            value = namespace.get(name)
            if (is_class and isinstance(value, type) and value.__name__ == type_name) or (
                not is_class and type(value).__name__ == type_name
            ):
                owner = value
                break
        if owner is None and type_name:
            owner = _class_named(type_name, namespace)
    if owner is None:
        return {}
    found = {"attributes": [name for name in dir(owner) if not name.startswith("_")][:MAX_ITEMS]}
    found["tables"] = {
        name: {"kind": "columns", "items": _keys(namespace[name])}
        for name in subjects
        if _is_table(namespace.get(name))
    }
    return found


def files(path):
    """The working directory and what is in the folders near ``path``."""
    folders = []
    folder = os.path.dirname(path)
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)  # nearest folder that exists
    for where in dict.fromkeys([folder, ""]):
        try:
            with os.scandir(where or ".") as entries:
                listing = []
                for entry in entries:
                    listing.append(entry.name + ("/" if entry.is_dir() else ""))
                    if len(listing) >= MAX_ITEMS:
                        break
        except OSError:
            continue
        folders.append({"folder": where, "entries": sorted(listing)})
    return {"cwd": os.getcwd(), "folders": folders}


def installed_modules(limit_seconds=0.5):
    """Top-level modules that can be imported (cut short if the scan is slow)."""
    import pkgutil
    import time

    deadline = time.perf_counter() + limit_seconds
    found = set(sys.builtin_module_names)
    for module in pkgutil.iter_modules():
        found.add(module.name)
        if time.perf_counter() > deadline:
            break
    return sorted(name for name in found if not name.startswith("_"))


def answer(question, namespace):
    """The facts ``question`` asks for; a part that fails is left out."""
    subjects = question.get("subjects", [])
    facts = {}
    parts = {
        "tables": lambda: tables(subjects, namespace),
        "dtypes": lambda: dtypes(subjects, namespace),
        "names": lambda: names(question["names"], namespace),
        "attribute": lambda: attributes(question["attribute"], subjects, namespace),
        "path": lambda: files(question["path"]),
        "modules": installed_modules,
    }
    for key, look_up in parts.items():
        if key in question:
            try:
                facts[key] = look_up()
            except Exception:  # a fact we cannot get is a fact we do not give
                pass
    return facts


if __name__ == "__ci_probe__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated attributes seen by dir() must not warn the user
        print(json.dumps(answer(QUESTION, USER_NS), default=str))  # noqa: F821 (set by the caller)
