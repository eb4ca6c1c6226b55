"""Which cells define the names a cell uses: a cheap def-use pass over the cells' code.

Each cell's source (IPython syntax turned into the Python IPython runs) is
read once into ``CellNames``: the names it binds at the top level, the names
it reads before binding them (its free names, which earlier cells must
provide) and the existing objects it changes in place (``df['x'] = ...``,
``df.drop(..., inplace=True)``, ``rows.append(...)``). No code runs.

The notebook-level questions are answered from those:

- ``definers``: for a failing cell, the earlier cells that define or change
  each name it uses (the notebook view marks them, so the model can fix the
  cause where it is);
- ``dependents``: the cells after an edited one that use what it defines,
  directly or through each other (re-run after an upstream fix);
- ``left_undefined``: names that code which was replaced (a failed attempt,
  a cell's old source) defined and that the notebook, as it now is, uses
  but no longer defines: it would fail from the top.

The pass is deliberately lenient: a name some cell defines counts as defined
(wherever the cell is), a cell that cannot be parsed or imports ``*`` may
define anything, and builtins are never missing.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .ipython_syntax import to_python

#: Names every IPython namespace has without a cell defining them.
_ALWAYS_DEFINED = frozenset(dir(builtins)) | {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___"}
#: Methods that change their object in place (lists, dicts, sets).
_IN_PLACE_METHODS = frozenset(
    "append extend insert update pop popitem remove clear setdefault add discard sort reverse".split()
)
#: Cell magics whose body is Python run in the user's namespace.
_CODE_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


@dataclass(frozen=True)
class CellNames:
    """What one cell's code does with names, read from its syntax."""

    defines: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()  # read before the cell binds them
    changes: frozenset[str] = frozenset()  # existing objects changed in place
    #: It cannot be read (a syntax error) or imports ``*``: it may define anything.
    opaque: bool = False

    @property
    def provides(self) -> frozenset[str]:
        """What later cells may rely on it for: the names it binds or changes."""
        return self.defines | self.changes


@lru_cache(maxsize=4096)
def names_of(source: str) -> CellNames:
    """The names a cell's code binds, reads and changes (see ``CellNames``)."""
    try:
        tree = ast.parse(to_python(source))
    except (SyntaxError, ValueError):
        return CellNames(opaque=True)
    reader = _Reader()
    for statement in tree.body:
        reader.statement(statement)
    uses = {name for name in reader.uses if name not in _ALWAYS_DEFINED and not name.startswith("__")}
    return CellNames(frozenset(reader.defines), frozenset(uses), frozenset(reader.changes), reader.opaque)


class _Reader:
    """Reads top-level statements in order: a name read before the cell binds it is a use."""

    def __init__(self):
        self.defines: set[str] = set()
        self.uses: set[str] = set()
        self.changes: set[str] = set()
        self.opaque = False

    def read(self, node: ast.AST | None, local: frozenset[str] = frozenset()) -> None:
        """Every name ``node`` loads (nested scopes included) that is not bound yet."""
        if node is None:
            return
        for name in _loaded(node, local):
            if name not in self.defines:
                self.uses.add(name)
        for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
            self._call(call)
        magic_body = _code_magic_body(node)
        if magic_body is not None:
            inner = names_of(magic_body)
            self.uses |= inner.uses - self.defines
            self.defines |= inner.defines
            self.changes |= inner.changes
            self.opaque |= inner.opaque

    def bind(self, target: ast.AST) -> None:
        """An assignment target: names bind; ``df['x']`` and ``df.x`` read and change ``df``."""
        if isinstance(target, ast.Name):
            self.defines.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element)
        elif isinstance(target, ast.Starred):
            self.bind(target.value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            self.read(target)
            root = _root_name(target)
            if root is not None:
                self.changes.add(root)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            self.read(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(node, ast.AugAssign) and isinstance(target, ast.Name) and target.id not in self.defines:
                    self.uses.add(target.id)  # x += 1 reads x first
                self.bind(target)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    self.opaque = True
                else:
                    self.defines.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                self.read(decorator)
            self.defines.add(node.name)
            self._body(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.read(node.iter)
            self.bind(node.target)
            self._block(node.body + node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.read(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars)
            self._block(node.body)
        elif isinstance(node, (ast.If, ast.While)):
            self.read(node.test)
            self._block(node.body + node.orelse)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._block(node.body)
            for handler in node.handlers:
                self.read(handler.type)
                if handler.name:
                    self.defines.add(handler.name)
                self._block(handler.body)
            self._block(node.orelse + node.finalbody)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.read(target)
                else:
                    self.bind(target)
        elif isinstance(node, ast.Global):
            self.defines.update(node.names)
        elif type(node).__name__ == "Match":
            self.read(node.subject)
            for case in node.cases:
                for capture in (n for n in ast.walk(case.pattern) if isinstance(n, (ast.MatchAs, ast.MatchStar))):
                    if capture.name:
                        self.defines.add(capture.name)
                self._block(case.body)
        else:
            self.read(node)

    def _block(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def _body(self, node: ast.AST) -> None:
        """A function's or class's body: what it reads from outside its own names, at call time."""
        local = frozenset(_bound_inside(node))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.arguments, ast.expr, ast.stmt)) and child not in getattr(
                node, "decorator_list", []
            ):
                for name in _loaded(child, local):
                    if name not in self.defines:
                        self.uses.add(name)
        for statement in ast.walk(node):
            if isinstance(statement, ast.Global):
                self.defines.update(statement.names)

    def _call(self, call: ast.Call) -> None:
        """``obj.method(..., inplace=True)`` and ``rows.append(x)`` change ``obj``."""
        if not isinstance(call.func, ast.Attribute):
            return
        root = _root_name(call.func.value)
        if root is None:
            return
        in_place = any(
            keyword.arg == "inplace" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
            for keyword in call.keywords
        )
        if in_place or (call.func.attr in _IN_PLACE_METHODS and isinstance(call.func.value, ast.Name)):
            self.changes.add(root)


def _root_name(node: ast.AST) -> str | None:
    """``df`` of ``df.loc[1, 'x'].y``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound_inside(node: ast.AST) -> set[str]:
    """Names a function, class, lambda or comprehension binds for itself."""
    bound: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.arg):
            bound.add(child.arg)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            bound.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            bound.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            bound.update(alias.asname or alias.name.split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            bound.add(child.name)
    return bound


_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.FunctionDef, ast.AsyncFunctionDef)


def _loaded(node: ast.AST, local: frozenset[str]) -> list[str]:
    """The names ``node`` loads, in order, leaving out those a nested scope binds for itself."""
    if isinstance(node, _SCOPES):
        local = local | _bound_inside(node)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        return [] if node.id in local else [node.id]
    names = []
    for child in ast.iter_child_nodes(node):
        names += _loaded(child, local)
    return names


def _code_magic_body(node: ast.AST) -> str | None:
    """The body of ``%%time`` and its kind, which IPython runs as Python: as a string, to read too."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return None
    call = node.value
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic" and len(call.args) == 3):
        return None
    name, _line, body = call.args
    if isinstance(name, ast.Constant) and name.value in _CODE_CELL_MAGICS and isinstance(body, ast.Constant):
        return str(body.value)
    return None


# --- the notebook --------------------------------------------------------------


@dataclass
class Notebook:
    """The code cells of a notebook in order, as far as names go; ``labels`` name them for the model."""

    sources: Sequence[str]
    labels: Sequence[str] = field(default_factory=list)

    def __post_init__(self):
        self.cells = [names_of(source) for source in self.sources]
        if not self.labels:
            self.labels = [f"#{index + 1}" for index in range(len(self.sources))]

    def definers(self, index: int) -> dict[str, list[int]]:
        """For the cell at ``index``: each name it uses, and the cells above that define or change it."""
        found: dict[str, list[int]] = {}
        for name in sorted(self.cells[index].uses):
            above = [i for i in range(index) if name in self.cells[i].provides]
            found[name] = above
        return found

    def dependents(self, index: int, names: Iterable[str]) -> list[int]:
        """The cells after ``index`` that use ``names``, or what a cell among them provides, in order."""
        wanted = set(names)
        found = []
        for later in range(index + 1, len(self.cells)):
            cell = self.cells[later]
            if cell.uses & wanted:
                found.append(later)
                wanted |= cell.provides
        return found

    def defined_anywhere(self, name: str, *, besides: int | None = None) -> bool:
        """Whether some cell (other than ``besides``) defines ``name``, or may (it cannot be read)."""
        return any(name in cell.provides or cell.opaque for index, cell in enumerate(self.cells) if index != besides)


def left_undefined(replaced: str, replacement: str, others: Sequence[str]) -> list[str]:
    """Names that ``replaced`` defined, ``replacement`` uses without defining, and no other cell defines.

    ``others`` is the rest of the notebook (every other code cell, in any
    order): the replacement reads those names from a kernel that still has
    them from the replaced code, so it runs now but not from the top.
    """
    gone, new = names_of(replaced), names_of(replacement)
    if new.opaque:
        return []
    candidates = (new.uses & gone.provides) - new.defines
    notebook = Notebook(list(others))
    return sorted(name for name in candidates if not notebook.defined_anywhere(name))


def describe_definers(found: dict[str, list[int]], labels: Sequence[str], limit: int = 12) -> str:
    """``df (#2, #4), pd (#1), total (no cell above)`` for the view, at most ``limit`` names."""
    parts = []
    for name, cells in list(found.items())[:limit]:
        where = ", ".join(labels[i] for i in cells) if cells else "no cell above"
        parts.append(f"{name} ({where})")
    rest = len(found) - limit
    return ", ".join(parts) + (f", … +{rest} more" if rest > 0 else "")
