"""Which files a notebook's code reads and which it writes, for an export's account of its data.

A file the code reads before anything writes it is an input: a reader needs it
beside the notebook (the export lists it with its size and SHA-256). A file the
code writes first is an output: running the notebook makes it again. What a
call does with a path is read from the code's syntax tree (``pd.read_csv``,
``open(..., "w")``, ``df.to_csv``, ``plt.savefig``, ``Path(...).write_text``...),
in the order the export runs it; a name the code only mentions (``path =
"sales.csv"``) counts as read, unless the session's own steps wrote that file
(the record's ``files_changed``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import nbformat

#: Calls whose first argument (or receiver, for ``Path(...).read_text()``) is a file they read.
READ_CALLS = frozenset(
    {
        "read_csv", "read_table", "read_excel", "read_json", "read_parquet", "read_feather", "read_pickle",
        "read_stata", "read_sas", "read_spss", "read_hdf", "read_html", "read_xml", "read_fwf", "read_orc",
        "ExcelFile", "read_file", "read_text", "read_bytes", "load", "loadtxt", "genfromtxt", "fromfile",
        "imread", "VideoFileClip", "connect",
    }
)  # fmt: skip
#: Calls whose first argument (or receiver) is a file they write.
WRITE_CALLS = frozenset(
    {
        "to_csv", "to_excel", "to_json", "to_parquet", "to_feather", "to_pickle", "to_hdf", "to_html",
        "to_latex", "to_markdown", "to_stata", "to_xml", "to_orc", "to_file", "ExcelWriter", "savefig",
        "save", "savetxt", "savez", "tofile", "imwrite", "imsave", "write_text", "write_bytes",
        "write_html", "write_image", "write_videofile", "write_gif", "render",
    }
)  # fmt: skip
_WRITE_MODES = frozenset("wax+")
#: Methods of a path object (``pathlib.Path``) that act on that path, not on their argument.
_RECEIVER_METHODS = frozenset({"write_text", "write_bytes", "read_text", "read_bytes", "open"})
#: Keywords that name the file a call reads or writes.
_PATH_KEYWORDS = frozenset(
    {"path_or_buf", "path", "fname", "filename", "file", "excel_writer", "io", "filepath_or_buffer"}
)


def file_uses(cells: Iterable[nbformat.NotebookNode]) -> list[tuple[str, str]]:
    """``(path, "read" | "write" | "mention")`` for each string the code uses as a path, in run order.

    A name bound to a string (``OUT = "summary.csv"``) stands for it in later
    calls, in the same cell or a later one.
    """
    uses: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    for cell in cells:
        tree = syntax_tree(cell.source) if cell.cell_type == "code" else None
        if tree is not None:
            uses.extend(_uses_in(tree, names))
    return uses


def classify(
    cells: Iterable[nbformat.NotebookNode], directory: Path, written_by_session: set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """The files next to the notebook that the code reads (inputs) and writes (outputs), as relative paths.

    A file's first read or write decides; one only mentioned is an input,
    unless ``written_by_session`` (paths relative to ``directory`` that the
    session's steps created or changed) has it. Inputs must exist; outputs need
    not (running the notebook makes them).
    """
    first: dict[str, str] = {}
    root = directory.resolve()
    for literal, use in file_uses(cells):
        path = (directory / literal).resolve()
        if path == root or not path.is_relative_to(root) or path.suffix == ".ipynb":
            continue
        name = path.relative_to(root).as_posix()
        if first.get(name, "mention") == "mention":
            first[name] = use
    for name, use in first.items():
        if use == "mention":
            first[name] = "write" if name in written_by_session else "read"
    inputs = sorted(name for name, use in first.items() if use == "read" and (root / name).is_file())
    outputs = sorted(name for name, use in first.items() if use == "write")
    return inputs, outputs


def syntax_tree(code: str) -> ast.AST | None:
    """The code's syntax tree, magics and shell escapes left out; None if it is not Python."""
    try:
        return ast.parse(python_only(code))
    except SyntaxError:
        return None


def python_only(code: str) -> str:
    """The code without IPython magics and shell escapes, which ``ast`` cannot read."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n"))


def _uses_in(tree: ast.AST, names: dict[str, str]) -> list[tuple[str, str]]:
    """The cell's uses, in the order of the code; ``names`` (name -> string) grows with its assignments."""
    events: list[tuple[int, int, str, str]] = []
    consumed: set[int] = set()  # strings a call took: not mentions too
    nodes = sorted((node for node in ast.walk(tree) if hasattr(node, "lineno")), key=lambda n: (n.lineno, n.col_offset))
    for node in nodes:
        if isinstance(node, ast.Assign) and _is_string(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value.value
        elif isinstance(node, ast.Call) and (use := _call_use(node)):
            target = _path_of(node, names)
            if target is not None:
                literal, source = target
                consumed.update([id(source)] if source is not None else [])
                events.append((node.lineno, node.col_offset, literal, use))
    for node in nodes:
        if isinstance(node, ast.Constant) and _looks_like_a_path(node.value) and id(node) not in consumed:
            events.append((node.lineno, node.col_offset, node.value, "mention"))
    return [(literal, use) for _line, _col, literal, use in sorted(events, key=lambda e: (e[0], e[1]))]


def _call_use(call: ast.Call) -> str | None:
    """Whether a call reads or writes the path it is given."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if name == "open":
        return "write" if _WRITE_MODES & set(_mode(call)) else "read"
    if name in WRITE_CALLS:
        return "write"
    if name in READ_CALLS:
        return "read"
    return None


def _mode(call: ast.Call) -> str:
    args = call.args[1:2] if isinstance(call.func, ast.Name) else call.args[:1]  # open(path, mode); Path.open(mode)
    mode = next((k.value for k in call.keywords if k.arg == "mode"), args[0] if args else None)
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"


def _path_of(call: ast.Call, names: dict[str, str]) -> tuple[str, ast.Constant | None] | None:
    """The path a call acts on, and its string node (None when a name stood for it).

    ``Path("x").write_text(...)`` acts on its receiver's path; other calls on
    their first argument, or their path keyword (``df.to_csv(path_or_buf=...)``).
    """
    method = call.func.attr if isinstance(call.func, ast.Attribute) else None
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if method in _RECEIVER_METHODS and isinstance(receiver, ast.Call) and receiver.args:
        nodes = receiver.args[:1]
    else:
        nodes = call.args[:1] or [k.value for k in call.keywords if k.arg in _PATH_KEYWORDS][:1]
    for node in nodes:
        if _is_string(node):
            return node.value, node
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id], None
    return None


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and _looks_like_a_path(node.value)


def _looks_like_a_path(value) -> bool:
    return isinstance(value, str) and 0 < len(value) < 256 and "\n" not in value
