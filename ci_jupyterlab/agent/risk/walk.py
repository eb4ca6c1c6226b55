"""The calls of one parsed cell, and what each does, reported to the findings."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .calls import (
    CHANGES,
    CODE_RUNNERS,
    COPIES,
    DELETES,
    EXECS,
    HTML_CALLS,
    IMPORTERS,
    INTERNALS,
    JUPYTER_FILES,
    MOVES,
    OPAQUE_CALLS,
    OPAQUE_METHODS,
    OPEN_VERBS,
    OPENS,
    PAGE_SCRIPTS,
    PIP_MAINS,
    PTY_SPAWNS,
    SCRIPT_IN_HTML,
    SENSITIVE_MODULES,
    SHELL_CALLS,
    SUBPROCESS,
    WRITE_FLAGS,
    WRITERS,
)
from .reading import CellReader, argument, shown, sys_argv

if TYPE_CHECKING:
    from .findings import Findings


class Walk(CellReader, ast.NodeVisitor):
    """The calls of one parsed cell, reported to the findings."""

    def __init__(self, findings: Findings, tree: ast.AST):
        super().__init__(tree)
        self.findings = findings
        self.sys_argv = sys_argv(tree)
        self.called: set[int] = set()  # the nodes called as functions (the others are handed on as values)
        self.named: set[int] = {id(value) for value in self.values.values()}  # "run = subprocess.run"

    def visit_Call(self, node: ast.Call) -> None:
        self.called.add(id(node.func))
        name = self.name(node.func)
        if not (name and self.call(name, node)) and isinstance(node.func, ast.Attribute):
            self.method(node.func.attr, node.func.value, node)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in INTERNALS:
            self.findings.hidden_code.append(shown(node))
        self.handed_on(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.findings.hidden_code.append(node.id)
        self.handed_on(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.name(node.value) == "sys.modules" and self.literal(node.slice) is None:
            self.findings.hidden_code.append(shown(node))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.findings.text(node.value)

    def handed_on(self, node: ast.Name | ast.Attribute) -> None:
        """A risky function handed on rather than called: ``map(os.remove, paths)``, ``Thread(target=os.system)``."""
        if id(node) in self.called or id(node) in self.named or not isinstance(node.ctx, ast.Load):
            return
        name = self.name(node)
        if name in DELETES | MOVES | COPIES | CHANGES:
            self.findings.file_changes.append(f"{name} (handed on as a function)")
        elif name in SUBPROCESS | SHELL_CALLS.keys() | EXECS | PTY_SPAWNS:
            self.findings.shell_commands.append(f"{name} (handed on as a function)")
        elif name in CODE_RUNNERS | IMPORTERS | OPAQUE_CALLS:
            self.findings.hidden_code.append(f"{name} (handed on as a function)")

    def call(self, name: str, node: ast.Call) -> bool:
        """Note a call by its dotted name; False if the name means nothing here."""
        first, second = argument(node, 0, "args"), argument(node, 1, "")
        findings = self.findings
        if name in SUBPROCESS and first is not None:
            command = self.resolve(first)
            if isinstance(command, (ast.List, ast.Tuple)):
                findings.argv(self.words(command), "subprocess")
            else:
                findings.shell(self.text(command), "subprocess")
        elif name in SHELL_CALLS and first is not None:
            findings.shell(self.text(first), SHELL_CALLS[name])
        elif name in EXECS:
            findings.argv(self.exec_words(name, node.args), name)
        elif name in PIP_MAINS:
            findings.argv(["pip", *(self.words(first) if first is not None else [])], "pip.main")
        elif name == "runpy.run_module" and first is not None and self.text(first) in ("pip", "pip.__main__"):
            argv = self.words(self.sys_argv) if self.sys_argv is not None else ["pip", "{sys.argv}"]
            findings.argv(["pip", *argv[1:]], "runpy")
        elif name == "get_ipython().run_line_magic" and first is not None:
            findings.line_magic(self.text(first), self.text(second) if second is not None else "")
        elif name == "get_ipython().magic" and first is not None:
            magic, _, line = self.text(first).lstrip("%").partition(" ")
            findings.line_magic(magic, line)
        elif name == "get_ipython().run_cell_magic" and len(node.args) == 3:
            findings.cell_magic(*(self.text(argument) for argument in node.args))
        elif name in CODE_RUNNERS or name == "get_ipython().run_cell":
            self.run_code(name, argument(node, 0, "source"))
        elif name in IMPORTERS:
            if self.literal(argument(node, 0, "name")) is None:
                findings.hidden_code.append(f"{name}({shown(first)})")
        elif name == "getattr" and second is not None:
            owner = self.name(first) or ""
            if self.literal(second) is None and owner.split(".")[0] in SENSITIVE_MODULES:
                findings.hidden_code.append(f"getattr({owner}, {shown(second)})")
        elif name in OPAQUE_CALLS:
            findings.hidden_code.append(f"{name}(…)")
        elif name in PTY_SPAWNS:
            findings.argv(self.words(first) if first is not None else ["{a new process}"], "pty")
        elif name in DELETES and first is not None:
            self.delete(first, name)
        elif name in OPENS and argument(node, 0, "file") is not None:
            self.open(argument(node, 0, "file"), argument(node, 1, "mode"), "open")
        elif name == "os.open" and first is not None:
            flags = argument(node, 1, "flags")
            if flags is None or WRITE_FLAGS.search(ast.unparse(flags)) or "O_RDONLY" not in ast.unparse(flags):
                path = self.path(first)
                findings.change(f"writes to {path} (os.open)", [path])
        elif name in CHANGES and first is not None:
            path = self.path(second if name in ("os.link", "os.symlink") and second is not None else first)
            findings.change(f"changes {path} ({name})", [path])
        elif name == "shutil.unpack_archive":
            target = self.path(second) if second is not None else "."
            findings.change(f"extracts into {target} ({name})", [target])
        elif name in JUPYTER_FILES:
            findings.server_access.append(f"finds Jupyter's files ({name})")
        elif name in PAGE_SCRIPTS or (
            name in HTML_CALLS and first is not None and SCRIPT_IN_HTML.search(self.text(first))
        ):
            findings.page_scripts.append(name)
        elif name in MOVES and second is not None:
            self.move(first, second, name)
        elif name in COPIES and second is not None:
            target = self.path(second)
            findings.change(f"copies {self.path(first)} onto {target} ({name})", [target])
        else:
            return False
        return True

    def method(self, method: str, owner: ast.expr, node: ast.Call) -> None:
        """Note a method call that changes files: ``Path(p).unlink()``, ``df.to_csv(p)``."""
        if method in ("unlink", "rmdir") and not node.args:
            self.delete(owner, f"Path.{method}")
        elif method in ("write_text", "write_bytes"):
            path = self.path(owner)
            self.findings.change(f"overwrites {path} (Path.{method})", [path])
        elif method == "open" and self.is_path(owner):
            self.open(owner, argument(node, 0, "mode"), "Path.open")
        elif method in ("rename", "replace") and self.is_path(owner) and len(node.args) == 1:
            self.move(owner, node.args[0], f"Path.{method}")
        elif method in WRITERS and node.args:
            path = self.path(node.args[0])
            self.findings.change(f"overwrites {path} ({method})", [path])
        elif method in ("chmod", "touch", "symlink_to", "hardlink_to") and self.is_path(owner):
            path = self.path(owner)
            self.findings.change(f"changes {path} (Path.{method})", [path])
        elif method == "extractall":
            target = argument(node, 0, "path")
            path = self.path(target) if target is not None else "."
            self.findings.change(f"extracts into {path} (extractall)", [path])
        elif method in OPAQUE_METHODS:
            self.findings.hidden_code.append(f"{shown(owner)}.{method}(…)")

    def delete(self, target: ast.expr, how: str) -> None:
        path = self.path(target)
        self.findings.change(f"deletes {path} ({how})", [path], unknown_is_risky=True)

    def open(self, target: ast.expr, mode: ast.expr | None, how: str) -> None:
        mode = self.resolve(mode) if mode is not None else None
        text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        verbs = [verb for flag, verb in OPEN_VERBS if flag in text]
        if verbs:
            path = self.path(target)
            self.findings.change(f"{verbs[0]} {path} ({how}(..., {text!r}))", [path])

    def move(self, source: ast.expr, target: ast.expr, how: str) -> None:
        paths = [self.path(source), self.path(target)]
        self.findings.change(f"moves {paths[0]} to {paths[1]} ({how})", paths)

    def run_code(self, name: str, source: ast.expr | None) -> None:
        """Code run from text: a literal is read like a cell; anything else cannot be read before it runs."""
        code = self.resolve(source) if source is not None else None
        if isinstance(code, ast.Constant) and isinstance(code.value, (str, bytes)):
            self.findings.cell(code.value if isinstance(code.value, str) else code.value.decode(errors="replace"))
        elif isinstance(code, ast.Call) and self.name(code.func) in CODE_RUNNERS:
            pass  # exec(compile("...", ...)): the inner call is read on its own
        elif code is not None:
            self.findings.hidden_code.append(f"{name}({shown(source)})")

    def exec_words(self, name: str, arguments: list[ast.expr]) -> list[str]:
        """The command an ``os.exec*`` / ``os.spawn*`` / ``create_subprocess_exec`` call runs."""
        kind = name.rsplit(".", 1)[1]
        if kind == "create_subprocess_exec":
            return [self.text(argument) for argument in arguments]
        arguments = arguments[1:] if kind.startswith("spawn") else arguments
        if not arguments:
            return []
        variant = kind.removeprefix("exec").removeprefix("spawn")
        if variant.startswith("l"):
            argv = [self.text(argument) for argument in arguments[1 : -1 if variant.endswith("e") else None]]
        else:
            argv = self.words(arguments[1]) if len(arguments) > 1 else []
        return [self.text(arguments[0]), *argv[1:]]  # argv[0] only names the program
