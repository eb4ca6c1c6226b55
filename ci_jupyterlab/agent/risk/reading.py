"""Reading a parsed cell's expressions: the dotted names calls go to (through imports and
assignments), the text and paths they are given.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import reduce

from .calls import (
    ABSOLUTE,
    IMPORTERS,
    MAX_DEPTH,
    PATH_METHODS,
    PATH_TYPES,
    SAME_PATH,
)


class CellReader:
    """The expressions of one parsed cell, read through its imports and the names it binds once."""

    def __init__(self, tree: ast.AST):
        self.aliases = aliases(tree)
        self.values = single_assignments(tree)

    def name(self, node: ast.expr, depth: int = 0) -> str | None:
        """The dotted name a call goes to, through imports: ``sp.run`` -> "subprocess.run"."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            value = self.values.get(node.id)
            if node.id not in self.aliases and isinstance(value, (ast.Name, ast.Attribute, ast.Call)):
                return self.name(value, depth + 1)  # "ip = get_ipython()", "run = subprocess.run"
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            owner = self.name(node.value, depth + 1)
            return owner and f"{owner}.{node.attr}"
        if isinstance(node, ast.Call):
            return self.called_name(node, depth)
        if isinstance(node, ast.Subscript):
            return self.subscript_name(node, depth)
        return None

    def called_name(self, node: ast.Call, depth: int) -> str | None:
        """What a call returns, when it names something: ``get_ipython()``, ``__import__("os")``,
        ``importlib.import_module("shutil")``, ``getattr(os, "system")``."""
        function = self.name(node.func, depth + 1)
        if function in ("get_ipython", "IPython.get_ipython"):
            return "get_ipython()"
        if function in IMPORTERS:
            module = self.literal(argument(node, 0, "name"))
            whole = function == "importlib.import_module" or argument(node, 3, "fromlist") is not None
            return module if module is None or whole else module.split(".")[0]
        if function == "getattr" and len(node.args) >= 2:
            owner, attribute = self.name(node.args[0], depth + 1), self.literal(node.args[1])
            return f"{owner}.{attribute}" if owner and attribute else None
        return None

    def subscript_name(self, node: ast.Subscript, depth: int) -> str | None:
        """What an item names: ``sys.modules["os"]``, ``os.__dict__["system"]``, ``vars(os)["system"]``."""
        key = self.literal(node.slice)
        if key is None:
            return None
        owner = node.value
        if isinstance(owner, ast.Attribute) and owner.attr == "__dict__":
            base = self.name(owner.value, depth + 1)
            return base and f"{base}.{key}"
        if isinstance(owner, ast.Call) and self.name(owner.func, depth + 1) == "vars" and owner.args:
            base = self.name(owner.args[0], depth + 1)
            return base and f"{base}.{key}"
        return key if self.name(owner, depth + 1) == "sys.modules" else None

    def literal(self, node: ast.expr | None) -> str | None:
        """A string the cell writes out, or None for anything computed."""
        node = self.resolve(node) if node is not None else None
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    def resolve(self, node: ast.expr) -> ast.expr:
        """The value a name was given, when the cell gives it exactly one."""
        for _ in range(MAX_DEPTH):
            if not (isinstance(node, ast.Name) and node.id in self.values):
                break
            node = self.values[node.id]
        return node

    def text(self, node: ast.expr) -> str:
        """A string's text, with ``{...}`` standing for what is computed when the cell runs."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(self.text(part) for part in node.values)
        if isinstance(node, ast.FormattedValue):
            return "{" + ast.unparse(node.value) + "}"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.text(node.left) + self.text(node.right)
        return "{" + ast.unparse(node) + "}"

    def words(self, node: ast.expr) -> list[str]:
        """The items of an argument list, as text."""
        node = self.resolve(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.text(item) for item in node.elts]
        return [self.text(node)]

    def path(self, node: ast.expr) -> str:
        """The path an expression names, with ``{...}`` for what is computed when the cell runs."""
        node = self.resolve(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return join(self.path(node.left), self.path(node.right))
        if not isinstance(node, ast.Call):
            return self.text(node)
        name = (self.name(node.func) or "").removeprefix("pathlib.").removeprefix("os.path.").removeprefix("posixpath.")
        if name in PATH_TYPES:
            return reduce(join, map(self.path, node.args), ".")
        if name in SAME_PATH and node.args:
            return self.path(node.args[0])
        if name == "Path.home":
            return "~"
        if name in ("Path.cwd", "os.getcwd"):
            return "."
        if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS:
            owner = self.path(node.func.value)
            return reduce(join, map(self.path, node.args), owner) if node.func.attr == "joinpath" else owner
        return self.text(node)

    def is_path(self, node: ast.expr) -> bool:
        """Whether an expression is a ``pathlib`` path, so ``.open``/``.rename`` are its file methods."""
        node = self.resolve(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS:
            return self.is_path(node.func.value)
        if not isinstance(node, ast.Call):
            return False
        return (self.name(node.func) or "").removeprefix("pathlib.") in PATH_TYPES - {"join"}


#: Characters of code or text quoted in a reason.
_QUOTED = 60


def short(text: str) -> str:
    return text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"


def shown(node: ast.expr | None) -> str:
    """An expression as the card quotes it: its source, shortened."""
    return short(ast.unparse(node)) if node is not None else ""


def argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """A call's argument by position, or by keyword."""
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return next((item.value for item in node.keywords if item.arg == keyword), None)


def join(folder: str, name: str) -> str:
    """``os.path.join`` on text: an absolute name starts over."""
    if ABSOLUTE.match(name) or folder in ("", "."):
        return name
    return folder.rstrip("/\\") + "/" + name


def aliases(tree: ast.AST) -> dict[str, str]:
    """Imported names to what they stand for: ``sp`` -> "subprocess", ``run`` -> "subprocess.run"."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({alias.asname: alias.name for alias in node.names if alias.asname})
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            aliases.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})
    return aliases


def single_assignments(tree: ast.AST) -> dict[str, ast.expr]:
    """The value of each name the cell binds exactly once, with a plain ``name = value``."""
    bindings: Counter[str] = Counter()
    values = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bindings[node.id] += 1
        elif isinstance(node, ast.arg):
            bindings[node.arg] += 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bindings[node.name] += 1
        elif isinstance(node, ast.alias):
            bindings[(node.asname or node.name).split(".")[0]] += 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            values[node.target.id] = node.value
    return {name: value for name, value in values.items() if bindings[name] == 1}


def sys_argv(tree: ast.AST) -> ast.expr | None:
    """What a cell sets ``sys.argv`` to, which ``runpy.run_module("pip")`` reads."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(ast.unparse(target) == "sys.argv" for target in node.targets):
            return node.value
    return None
