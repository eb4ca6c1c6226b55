"""What the walk has found in a cell so far, read the way the kernel reads it (magics, escapes, shell text)."""

from __future__ import annotations

import ast
import os
import posixpath
import re
from dataclasses import fields

from ..ipython_syntax import AUTOMAGIC, fallback_line, logical_lines, to_python
from .calls import ABSOLUTE, SCRIPT_IN_HTML
from .reading import short
from .risks import Risks
from .shell import PYTHON, SYSTEM_MANAGERS, is_filter, package_command, program_words, split_commands, subcommand
from .walk import Walk

#: Line magics that run package managers; their text is shell text.
_PACKAGE_MAGICS = {"pip", "conda", "mamba", "micromamba", "uv"}
#: Line magics that run a shell command: "%sx ls", and IPython's aliases ("%rm -rf x").
_SHELL_MAGICS = {"sx", "system", "!"}
_ALIAS_MAGICS = {"cat", "cp", "ldir", "lf", "lk", "ll", "ln", "ls", "lx", "mkdir", "mv", "rm", "rmdir"}
#: Magics whose argument or body is IPython code.
_CODE_MAGICS = {"time", "timeit", "prun", "capture", "debug"}
#: Cell magics (and ``%%script`` interpreters) whose body is shell lines.
_SHELLS = {"bash", "sh", "zsh", "dash", "ksh", "fish", "system", "sx", "!"}
#: Cell magics that run their body with another program.
_SCRIPTS = {"script", "perl", "ruby"}
_HTML_MAGICS = {"html", "HTML", "svg", "markdown"}
#: Text that names Jupyter's runtime or credential files, or the variables that hold the server's token.
_JUPYTER_SECRETS = re.compile(
    r"jpserver-|nbserver-|jupyter[/\\]runtime|share[/\\]jupyter|Library[/\\]Jupyter|\.jupyter[/\\]|"
    r"jupyter_(server|notebook)_config|ci_jupyterlab[/\\](api_key|settings\.json)|kernel-[\w-]+\.json|"
    r"^(JUPYTER_TOKEN|JUPYTERHUB_API_TOKEN|JPY_API_TOKEN|JUPYTER_RUNTIME_DIR|JUPYTER_DATA_DIR|JUPYTER_CONFIG_DIR)$"
)
#: Text that names a route only the Jupyter server (or JupyterHub) has, or the variables that locate it.
_JUPYTER_API = re.compile(
    r"ci-jupyterlab/|lab/api/|hub/api\b|^(JUPYTERHUB_API_URL|JUPYTERHUB_SERVICE_URL|JUPYTER_SERVER_URL)$"
)
#: A route the Jupyter server has, like other web services: the server's if on this machine or relative.
_SERVER_ROUTE = re.compile(r"(?:^|/)api/(?:kernels|sessions|contents|terminals|kernelspecs|shutdown)\b")
_ELSEWHERE = re.compile(r"://(?!(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)[:/]|$)")


class Findings:
    """What the walk has found so far; ``Risks`` is its frozen summary."""

    def __init__(self, notebook_dir: str | None):
        self.notebook_dir = notebook_dir
        self.found: dict[str, list[str]] = {field.name: [] for field in fields(Risks)}
        self.installs = self.found["installs"]
        self.uninstalls = self.found["uninstalls"]
        self.shell_commands = self.found["shell_commands"]
        self.file_changes = self.found["file_changes"]
        self.hidden_code = self.found["hidden_code"]
        self.server_access = self.found["server_access"]
        self.page_scripts = self.found["page_scripts"]
        self.installers = self.found["installers"]
        self.install_commands = self.found["install_commands"]

    def risks(self) -> Risks:
        return Risks(**{name: tuple(dict.fromkeys(found)) for name, found in self.found.items()})

    def cell(self, source: str) -> None:
        """Read a cell, or the body of a cell magic, in IPython syntax."""
        try:
            tree = ast.parse(to_python(source))
        except (SyntaxError, ValueError):  # ValueError: a null byte
            self.escaped_lines(source)
        else:
            Walk(self, tree).visit(tree)

    def escaped_lines(self, source: str) -> None:
        """Read the magic and ``!`` lines of a cell that does not parse."""
        for _, line in logical_lines(source):
            line = line.strip()
            python = fallback_line("%" + line if AUTOMAGIC.match(line) else line)
            if python == line:
                continue
            try:
                tree = ast.parse(python)
            except SyntaxError:
                continue
            Walk(self, tree).visit(tree)

    def text(self, text: str) -> None:
        """A string of the cell: does it name Jupyter's runtime or credential files, or the server's API?"""
        if _JUPYTER_SECRETS.search(text):
            self.server_access.append(f"reads Jupyter's runtime or credential files ({short(text)!r})")
        elif _JUPYTER_API.search(text) or (_SERVER_ROUTE.search(text) and not _ELSEWHERE.search(text)):
            self.server_access.append(f"calls the Jupyter server's API ({short(text)!r})")

    def shell(self, text: str, via: str, shown: str | None = None) -> None:
        """Shell text run by ``via``; it is a shell command to show unless it only (un)installs packages."""
        commands = [words for separator, words in split_commands(text) if not is_filter(separator, words)]
        if not all([self.command(words, via) for words in commands]):
            self.shell_commands.append(shown or text.strip())

    def argv(self, words: list[str], via: str) -> None:
        """A program and its arguments, run without a shell."""
        if not self.command(words, via):
            self.shell_commands.append(" ".join(words))

    def command(self, words: list[str], via: str) -> bool:
        """Note what one command (un)installs; True if that is all it does."""
        found = package_command(program_words(words))
        if found is None or found[1] is None:
            return False
        tool, action, packages = found
        (self.installs if action == "install" else self.uninstalls).extend(packages)
        self.installers.append(via + tool if via in ("!", "%") else via)
        if action == "install":
            self.install_commands.append(" ".join(words))
        return tool not in SYSTEM_MANAGERS

    def line_magic(self, name: str, line: str) -> None:
        """``%name line``."""
        if name in _PACKAGE_MAGICS:
            self.shell(f"{name} {line}", "%", shown=f"%{name} {line}")
        elif name in _SHELL_MAGICS:
            self.shell(line, "!")
        elif name in _ALIAS_MAGICS:
            self.shell(f"{name} {line}", "!")
        elif name in _CODE_MAGICS:
            self.cell(line)
        elif name == "run" and line.split()[:1] == ["-m"]:
            self.argv(["python", *line.split()], "%run")

    def cell_magic(self, name: str, line: str, body: str) -> None:
        """``%%name line`` over ``body``."""
        program = name
        if name == "script":
            program, _ = subcommand(line.split())
            program = re.split(r"[\\/]", program or "")[-1]
        if program in _SHELLS:
            for shell_line in body.splitlines():
                if shell_line.strip() and not shell_line.lstrip().startswith("#"):
                    self.shell(shell_line, f"%%{name}")
        elif PYTHON.match(program) or name in _CODE_MAGICS:
            self.cell(body)
        elif name in ("writefile", "file"):
            path = [word for word in line.split() if not word.startswith("-")][-1:] or [""]
            verb = "appends to" if {"-a", "--append"} & set(line.split()) else "overwrites"
            self.change(f"{verb} {path[0]} (%%{name})", [path[0]])
        elif name in _SCRIPTS:
            self.shell_commands.append(f"%%{name} {line}".strip())
        elif name in ("javascript", "js") or (name in _HTML_MAGICS and SCRIPT_IN_HTML.search(body)):
            self.page_scripts.append(f"%%{name}")

    def change(self, what: str, paths: list[str], unknown_is_risky: bool = False) -> None:
        """A file change to show if one of its paths is outside the notebook's folder."""
        places = {self.place(path) for path in paths}
        if "outside" in places or (unknown_is_risky and "unknown" in places):
            self.file_changes.append(what)

    def place(self, path: str) -> str:
        """ "inside" the notebook's folder, "outside" it, or "unknown" until the cell runs.

        ``{...}`` in ``path`` stands for what is computed at run time; the literal
        folder before it decides.
        """
        head = path.split("{", 1)[0]
        computed = head != path
        if computed:
            head = head[: max(head.rfind("/"), head.rfind("\\")) + 1]
        if ABSOLUTE.match(head):
            return "inside" if self.in_notebook_dir(head, computed) else "outside"
        up = posixpath.normpath(head.replace("\\", "/") or ".")
        if up == ".." or up.startswith("../"):
            return "outside"
        return "unknown" if computed else "inside"

    def in_notebook_dir(self, path: str, is_folder: bool) -> bool:
        """Whether ``path`` is below the notebook's folder (the folder itself is not)."""
        if not self.notebook_dir:
            return False
        folder = os.path.normpath(self.notebook_dir)
        path = os.path.normpath(os.path.expanduser(path)) + (os.sep if is_folder else "")
        return path.startswith(folder.rstrip(os.sep) + os.sep)
