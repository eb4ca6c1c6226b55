"""What in a notebook cell needs the user's approval before it runs.

The agent may write cells that install packages, run shell commands, delete
and overwrite files outside the notebook's folder, run code made when they run
(``eval`` of computed text: nothing can be checked before), reach into the
Jupyter server (its runtime and credential files, its API: the server's token
is there) or run JavaScript in the page; the user sees and approves those
first. Names are followed where the cell spells them out:
``__import__("shutil").rmtree``, ``importlib.import_module("os")``,
``sys.modules["os"]``, ``getattr(os, "system")``, ``eval``/``exec`` of a literal,
a risky function handed on as a value (``map(os.remove, paths)``).

Matching lines with regular expressions misses most ways of doing it
(``subprocess``, ``os.system``, ``%%bash`` cells, chained shell commands)
and flags strings and comments that only mention them. So the cell is read the
way the kernel reads it: IPython's input transformers turn magics and ``!``
escapes into plain calls (``get_ipython().system(...)``), ``ast`` parses the
result, and the walk looks at the calls themselves, splitting shell text into
commands the way ``sh`` does.

IPython is imported only when a cell is assessed, and a small transformer of
our own stands in where it is missing: the server extension must load without
it. A cell that does not parse fails before anything runs, but its magic and
``!`` lines are still read, so the approval card says too much, not too little.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import shlex
from collections import Counter
from dataclasses import dataclass, fields
from functools import reduce


@dataclass(frozen=True)
class Risks:
    """What a cell would do that the user should approve first."""

    installs: tuple[str, ...] = ()  # requirements, in order: "pandas==2.2.3", "-r requirements.txt"
    uninstalls: tuple[str, ...] = ()
    shell_commands: tuple[str, ...] = ()  # as written, other than commands that only (un)install Python packages
    file_changes: tuple[str, ...] = ()  # "deletes /etc/x (shutil.rmtree)"
    hidden_code: tuple[str, ...] = ()  # code built when the cell runs: "eval({source})", "__import__({name})"
    server_access: tuple[str, ...] = ()  # Jupyter's runtime or credential files, the server's API
    page_scripts: tuple[str, ...] = ()  # JavaScript run in the JupyterLab page: "IPython.display.Javascript"
    installers: tuple[str, ...] = ()  # how packages are (un)installed: "%pip", "!pip", "subprocess", ...
    #: Each install command as written (words joined by one space): what an approval binds to.
    install_commands: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.installs or self.more_than_installs)

    @property
    def more_than_installs(self) -> bool:
        """Whether the cell does anything needing approval besides installing packages."""
        return bool(
            self.uninstalls
            or self.shell_commands
            or self.file_changes
            or self.hidden_code
            or self.server_access
            or self.page_scripts
        )

    def reasons(self) -> list[str]:
        """One plain sentence per kind of risk, for the approval card and the model."""
        how = f" with {', '.join(self.installers)}" if self.installers else ""
        found = (
            (self.installs, f"It installs {', '.join(self.installs)}{how}."),
            (self.uninstalls, f"It uninstalls {', '.join(self.uninstalls)}{how}."),
            (self.shell_commands, f"It runs shell commands: {'; '.join(self.shell_commands)}."),
            (
                self.file_changes,
                "It changes files outside the notebook's folder, or at paths known only when it runs: "
                f"{'; '.join(self.file_changes)}.",
            ),
            (
                self.hidden_code,
                f"It runs code made when it runs, which cannot be checked first: {'; '.join(self.hidden_code)}.",
            ),
            (
                self.server_access,
                "It reaches into the Jupyter server itself (its runtime or credential files, or its API): "
                f"{'; '.join(self.server_access)}.",
            ),
            (self.page_scripts, f"It runs JavaScript in your JupyterLab page: {'; '.join(self.page_scripts)}."),
        )
        return [sentence for present, sentence in found if present]


def assess(source: str, notebook_dir: str | None = None) -> Risks:
    """What in ``source`` (one cell, IPython syntax) needs approval.

    ``notebook_dir``, the absolute path of the notebook's folder, makes absolute
    paths inside it safe; without it every absolute path counts as outside.
    """
    findings = _Findings(notebook_dir)
    findings.cell(source)
    return findings.risks()


def whole_line_installs(source: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The packages and 0-based line numbers of the cell's whole-line pip installs.

    A whole line is ``%pip install ...`` or ``!pip install ...`` (also ``pip3``,
    ``python -m pip``, ``{sys.executable} -m pip``) at the start of a line, maybe
    continued with backslashes and piped into ``tail`` and the like. None when
    some install of the cell is not on such a line, or names a package through
    ``{...}`` or ``$``: those lines cannot be swapped for a checked ``%pip install``.
    """
    packages: list[str] = []
    numbers: list[int] = []
    for line_numbers, line in _logical_lines(source):
        if line.startswith("%pip "):
            command = "pip " + line[5:]
        elif line.startswith("!") and not line.startswith("!!"):
            command = line[1:]
        else:
            continue
        commands = [words for separator, words in _commands(command) if not _is_filter(separator, words)]
        found = _package_command(commands[0]) if len(commands) == 1 else None
        if found and found[:2] == ("pip", "install"):
            packages += found[2]
            numbers += line_numbers
    if any(re.search(r"[{}$]", package) for package in packages):
        return None
    if tuple(dict.fromkeys(packages)) != assess(source).installs:
        return None
    return tuple(dict.fromkeys(packages)), tuple(numbers)


# --- from IPython syntax to Python ------------------------------------------

# A line IPython rewrites: "!cmd", "!!cmd", "%magic args", "out = !cmd".
_ESCAPED = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<target>[\w.]+)[ \t]*=[ \t]*)?(?P<escape>!!|!|%(?!%))(?P<rest>.*)$")
# A single-line cell IPython runs as a magic (automagic): "pip install x".
_AUTOMAGIC = re.compile(r"^(pip|conda|mamba|micromamba|uv)\s+\w")


def to_python(source: str) -> str:
    """The Python that IPython runs for ``source``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return _fallback_transform(source)
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython gives up on some broken input; ours reads it line by line
        return _fallback_transform(source)


def _fallback_transform(source: str) -> str:
    """A small stand-in for IPython's input transformers: escapes and magics only."""
    lines = source.lstrip("\n").split("\n")
    if lines[0].startswith("%%"):
        name, _, line = lines[0][2:].partition(" ")
        body = "\n".join(lines[1:])
        return f"get_ipython().run_cell_magic({name!r}, {line.strip()!r}, {body!r})\n"
    return "\n".join(_fallback_line(line) for _, line in _logical_lines(source))


def _fallback_line(line: str) -> str:
    """One line as IPython rewrites it, or as it is when it has no escape."""
    match = _ESCAPED.match(line)
    if match is None:
        return line
    rest = match["rest"].strip()
    if match["escape"] == "%":
        name, _, args = rest.partition(" ")
        call = f"get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    elif match["escape"] == "!!" or match["target"]:
        call = f"get_ipython().getoutput({rest!r})"
    else:
        call = f"get_ipython().system({rest!r})"
    return f"{match['indent']}{match['target'] + ' = ' if match['target'] else ''}{call}"


def _logical_lines(source: str) -> list[tuple[list[int], str]]:
    """The cell's lines, escaped ones joined across trailing backslashes as IPython does."""
    lines = source.split("\n")
    joined = []
    i = 0
    while i < len(lines):
        numbers, text = [i], lines[i]
        while _ESCAPED.match(lines[numbers[0]]) and text.endswith("\\") and numbers[-1] + 1 < len(lines):
            numbers.append(numbers[-1] + 1)
            text = text[:-1] + " " + lines[numbers[-1]]
        joined.append((numbers, text))
        i = numbers[-1] + 1
    return joined


# --- shell text -------------------------------------------------------------

#: Python package managers, by the program they run as.
_PYTHON_MANAGERS = {"pip", "uv", "conda", "mamba", "micromamba"}
#: System package managers: an install with one is also a shell command to show.
_SYSTEM_MANAGERS = {"apt", "apt-get", "aptitude", "yum", "dnf", "apk", "brew", "zypper"}
_INSTALL = {"install", "add"}
_UNINSTALL = {"uninstall", "remove", "purge", "del", "erase"}
#: Options of pip, uv, conda and apt whose value is not a package.
_VALUE_OPTIONS = set(
    "-c -C -f -i -n -o -p -t --abi --cache-dir --cert --channel --client-cert --config-settings --constraint "
    "--default-index --exists-action --extra --extra-index-url --find-links --global-option --group --implementation "
    "--index --index-strategy --index-url --install-option --keyring-provider --log --name --no-binary --only-binary "
    "--optional --package --platform --prefix --prerelease --progress-bar --proxy --python --python-version "
    "--report --repodata-fn --resolution --retries --root --root-user-action --solver --src --target --timeout "
    "--trusted-host --upgrade-strategy --use-deprecated --use-feature".split()
)
#: Options whose value the user should see among the packages, as "-r requirements.txt".
_SHOWN_OPTIONS = {
    "-r": "-r", "--requirement": "-r", "--requirements": "-r", "-e": "-e", "--editable": "-e", "--file": "--file",
}  # fmt: skip
#: Words before a command that only change how it runs: "sudo -H pip ...", "env X=1 pip ...".
_PREFIXES = {"sudo", "env", "time", "nohup", "nice", "exec", "command", "do", "then", "else", "!", "{"}
_PREFIX_VALUE_OPTIONS = {"-u", "-g", "-n", "-C", "-U"}
#: Programs that only read the output piped into them: "pip install x | tail -1", "|| true".
_FILTERS = {"head", "tail", "grep", "egrep", "fgrep", "wc", "sort", "uniq", "cat", "cut", "true", "echo"}
_SEPARATORS = {"&&", "||", ";", "|", "&", "|&", ";;", "(", ")"}
_REDIRECTION = re.compile(r"\d*(>>?|<<?)")
# "2>&1", ">&2" (nothing to read), and the "&" of "&> log" (a redirection, not a separator).
_DUPLICATION = re.compile(r"\d*[<>]&\d+|&(?=>)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_PYTHON = re.compile(r"^(python[\d.]*|py|pypy[\d.]*)$")
_EXECUTABLE = re.compile(r"^\{.*executable.*\}$")  # "{sys.executable}", expanded by IPython
_PIP = re.compile(r"^pip[\d.]*$")


def _commands(text: str) -> list[tuple[str, list[str]]]:
    """The simple commands of a shell line, each with the separator before it ("" for the first).

    Redirections go; "x>=1" stays a word, as pip users mean it (sh would write to "=1").
    """
    text = _DUPLICATION.sub(" ", text).replace("\n", " ; ")  # a newline ends a command, as ";" does
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars="();|&")
        lexer.whitespace_split = True
        lexer.commenters = ""  # "#" starts a comment only at the start of a word, as in sh
        tokens = list(lexer)
    except ValueError:  # an unclosed quote
        tokens = re.findall(r"&&|\|\||[;|&()]|[^\s;|&()]+", text)
    commands: list[tuple[str, list[str]]] = []
    separator, words, skip = "", [], False
    for token in tokens:
        if skip:
            skip = False
        elif token.startswith("#"):
            break
        elif token in _SEPARATORS:
            commands.append((separator, words))
            separator, words = token, []
        elif _REDIRECTION.match(token):
            skip = bool(_REDIRECTION.fullmatch(token))  # "> log": the target is the next word
        else:
            words.append(token)
    commands.append((separator, words))
    return [(separator, words) for separator, words in commands if words]


def _is_filter(separator: str, words: list[str]) -> bool:
    """Whether a command only reads what the one before it printed."""
    return separator in ("|", "||") and words[0] in _FILTERS


def _program_words(words: list[str]) -> list[str]:
    """``words`` without what only changes how the command runs ("sudo -H", "env X=1", "nohup")."""
    while words:
        if words[0] in _PREFIXES:
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in _PREFIX_VALUE_OPTIONS else words[1:]
        elif _ASSIGNMENT.match(words[0]):
            words = words[1:]
        else:
            break
    return words


def _package_command(words: list[str]) -> tuple[str, str | None, list[str]] | None:
    """(tool, "install" / "uninstall" / None, packages) when ``words`` run a package manager."""
    if not words:
        return None
    tool = re.split(r"[\\/]", words[0])[-1].lower().removesuffix(".exe")
    rest = words[1:]
    if _PYTHON.match(tool) or _EXECUTABLE.match(words[0]):
        tool, rest = _module(rest)
    elif _PIP.match(tool):
        tool = "pip"
    if tool not in _PYTHON_MANAGERS | _SYSTEM_MANAGERS:
        return None
    command, rest = _subcommand(rest)
    if tool == "uv" and command == "pip":
        command, rest = _subcommand(rest)
    action = "install" if command in _INSTALL else "uninstall" if command in _UNINSTALL else None
    return tool, action, _packages(rest) if action else []


def _module(words: list[str]) -> tuple[str | None, list[str]]:
    """The module ``python`` runs with ``-m`` and its arguments; None for a script or ``-c``."""
    for i, word in enumerate(words):
        if word == "-m":
            return (words[i + 1], words[i + 2 :]) if i + 1 < len(words) else (None, [])
        if word.startswith("-m"):
            return word[2:], words[i + 1 :]
        if not word.startswith("-") or word == "-c":
            break
    return None, []


def _subcommand(words: list[str]) -> tuple[str | None, list[str]]:
    """The first word that is not an option ("pip -q install x" -> "install"), and the words after it."""
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUE_OPTIONS
        else:
            return word, words[i + 1 :]
    return None, []


def _packages(words: list[str]) -> list[str]:
    """The packages of an install's arguments; "-r file" and "-e path" kept whole so the user sees them."""
    packages = []
    rest = iter(words)
    for word in rest:
        option, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if option in _SHOWN_OPTIONS:
            packages.append(f"{_SHOWN_OPTIONS[option]} {value if equals else next(rest, '')}".strip())
        elif option in _VALUE_OPTIONS and not equals:
            next(rest, None)
        elif not word.startswith("-"):
            packages.append(word)
    return packages


# --- the walk ---------------------------------------------------------------

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

_SUBPROCESS = {f"subprocess.{name}" for name in ("run", "call", "check_call", "check_output", "Popen")}
#: Calls whose first argument is shell text, and how the approval card names them.
_SHELL_CALLS = {
    "os.system": "os.system",
    "os.popen": "os.popen",
    "subprocess.getoutput": "subprocess",
    "subprocess.getstatusoutput": "subprocess",
    "asyncio.create_subprocess_shell": "asyncio",
    **{f"get_ipython().{name}": "!" for name in ("system", "system_raw", "system_piped", "getoutput")},
}
_EXECS = {
    f"os.{kind}{variant}" for kind in ("exec", "spawn") for variant in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")
} | {"os.posix_spawn", "os.posix_spawnp", "asyncio.create_subprocess_exec"}
_PIP_MAINS = {"pip.main", "pip._internal.main", "pip._internal.cli.main.main"}
_DELETES = {"shutil.rmtree", "os.remove", "os.unlink", "os.rmdir", "os.removedirs"}
_OPENS = {
    "open", "io.open", "codecs.open", "builtins.open", "io.FileIO", "gzip.open", "bz2.open", "lzma.open",
    "tarfile.open", "zipfile.ZipFile",
}  # fmt: skip
#: Calls that change a file's metadata or make one where the path (first argument) says.
_CHANGES = {
    "os.chmod", "os.lchmod", "os.chown", "os.lchown", "shutil.chown", "os.truncate", "os.utime", "os.mkfifo",
    "os.mknod", "os.link", "os.symlink",
}  # fmt: skip
#: Calls that run code given as text or bytes; a literal is read like a cell, anything else cannot be.
_CODE_RUNNERS = {"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"}
#: Calls that import a module named by their first argument.
_IMPORTERS = {"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"}
#: Calls that run code that cannot be read here at all: a file's, another module's, native code, pickled code.
_OPAQUE_CALLS = {
    "runpy.run_path", "code.interact", "ctypes.CDLL", "ctypes.PyDLL", "ctypes.cdll.LoadLibrary",
    "ctypes.CDLL.LoadLibrary", "marshal.loads", "types.FunctionType", "types.CodeType",
}  # fmt: skip
#: Methods that run code they were given: ``spec.loader.exec_module(m)``, ``interpreter.runsource(text)``.
_OPAQUE_METHODS = {"exec_module", "runsource", "runcode"}
#: Attributes that reach past every name the cell shows: ``().__class__.__base__.__subclasses__()``.
_INTERNALS = {"__globals__", "__subclasses__", "__builtins__", "__code__", "__closure__", "__import__"}
#: Modules whose functions ``getattr(module, name)`` with a computed name could be any of.
_SENSITIVE_MODULES = {"os", "shutil", "subprocess", "pty", "builtins", "sys", "importlib", "ctypes", "posix", "io"}
#: Programs run without a shell (argv) through the pseudo-terminal module.
_PTY_SPAWNS = {"pty.spawn", "os.forkpty", "pty.fork"}
#: ``os.open`` flags that write.
_WRITE_FLAGS = re.compile(r"O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)")
#: Calls that find Jupyter's runtime, data and config files (the server's token, kernels' keys, our key).
_JUPYTER_FILES = {
    "jupyter_core.paths.jupyter_runtime_dir", "jupyter_core.paths.jupyter_data_dir",
    "jupyter_core.paths.jupyter_config_dir", "jupyter_core.paths.jupyter_path",
    "jupyter_core.paths.jupyter_config_path", "jupyter_server.serverapp.list_running_servers",
    "notebook.notebookapp.list_running_servers", "jupyter_client.find_connection_file",
    "jupyter_client.connect.find_connection_file", "ipykernel.get_connection_file",
    "ipykernel.connect.get_connection_file", "ipykernel.get_connection_info", "ipykernel.connect.get_connection_info",
}  # fmt: skip
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
#: Calls that show JavaScript (or HTML that may hold some) in the page.
_PAGE_SCRIPTS = {
    "IPython.display.Javascript", "IPython.core.display.Javascript", "IPython.display.display_javascript",
    "IPython.core.display.display_javascript",
}  # fmt: skip
_HTML_CALLS = {"IPython.display.HTML", "IPython.core.display.HTML", "IPython.display.display_html"}
_HTML_MAGICS = {"html", "HTML", "svg", "markdown"}
#: HTML that runs script: a script element, an event handler, a javascript: URL.
_SCRIPT_IN_HTML = re.compile(r"<script|\son\w+\s*=|javascript:", re.IGNORECASE)
_MOVES = {"shutil.move", "os.rename", "os.replace", "os.renames"}
_COPIES = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree"}
#: Methods that write their first argument: ``df.to_csv(path)``, ``plt.savefig(path)``, ``np.save(path, a)``.
_WRITERS = {
    "to_csv", "to_excel", "to_parquet", "to_json", "to_pickle", "to_feather", "to_hdf", "to_html",
    "savefig", "save", "savetxt", "savez", "savez_compressed", "write_image", "write_html",
}  # fmt: skip
_PATH_TYPES = {"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "join"}
#: Path methods that keep the folder a path is in.
_PATH_METHODS = {"expanduser", "resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem"}
#: Calls that return their argument's path in another form.
_SAME_PATH = {"expanduser", "abspath", "realpath", "normpath", "expandvars", "os.fspath", "str"}
#: What opening a file in a mode does to it, by the mode's letters.
_OPEN_VERBS = (("w", "overwrites"), ("a", "appends to"), ("x", "creates"), ("+", "writes to"))
_ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/]|\\\\)")
#: How deep to follow names to the values they were given ("p = q", "q = p" must end).
_MAX_DEPTH = 10


class _Findings:
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
            _Walk(self, tree).visit(tree)

    def escaped_lines(self, source: str) -> None:
        """Read the magic and ``!`` lines of a cell that does not parse."""
        for _, line in _logical_lines(source):
            line = line.strip()
            python = _fallback_line("%" + line if _AUTOMAGIC.match(line) else line)
            if python == line:
                continue
            try:
                tree = ast.parse(python)
            except SyntaxError:
                continue
            _Walk(self, tree).visit(tree)

    def text(self, text: str) -> None:
        """A string of the cell: does it name Jupyter's runtime or credential files, or the server's API?"""
        if _JUPYTER_SECRETS.search(text):
            self.server_access.append(f"reads Jupyter's runtime or credential files ({_short(text)!r})")
        elif _JUPYTER_API.search(text) or (_SERVER_ROUTE.search(text) and not _ELSEWHERE.search(text)):
            self.server_access.append(f"calls the Jupyter server's API ({_short(text)!r})")

    def shell(self, text: str, via: str, shown: str | None = None) -> None:
        """Shell text run by ``via``; it is a shell command to show unless it only (un)installs packages."""
        commands = [words for separator, words in _commands(text) if not _is_filter(separator, words)]
        if not all([self.command(words, via) for words in commands]):
            self.shell_commands.append(shown or text.strip())

    def argv(self, words: list[str], via: str) -> None:
        """A program and its arguments, run without a shell."""
        if not self.command(words, via):
            self.shell_commands.append(" ".join(words))

    def command(self, words: list[str], via: str) -> bool:
        """Note what one command (un)installs; True if that is all it does."""
        found = _package_command(_program_words(words))
        if found is None or found[1] is None:
            return False
        tool, action, packages = found
        (self.installs if action == "install" else self.uninstalls).extend(packages)
        self.installers.append(via + tool if via in ("!", "%") else via)
        if action == "install":
            self.install_commands.append(" ".join(words))
        return tool not in _SYSTEM_MANAGERS

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
            program, _ = _subcommand(line.split())
            program = re.split(r"[\\/]", program or "")[-1]
        if program in _SHELLS:
            for shell_line in body.splitlines():
                if shell_line.strip() and not shell_line.lstrip().startswith("#"):
                    self.shell(shell_line, f"%%{name}")
        elif _PYTHON.match(program) or name in _CODE_MAGICS:
            self.cell(body)
        elif name in ("writefile", "file"):
            path = [word for word in line.split() if not word.startswith("-")][-1:] or [""]
            verb = "appends to" if {"-a", "--append"} & set(line.split()) else "overwrites"
            self.change(f"{verb} {path[0]} (%%{name})", [path[0]])
        elif name in _SCRIPTS:
            self.shell_commands.append(f"%%{name} {line}".strip())
        elif name in ("javascript", "js") or (name in _HTML_MAGICS and _SCRIPT_IN_HTML.search(body)):
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
        if _ABSOLUTE.match(head):
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


class _Walk(ast.NodeVisitor):
    """The calls of one parsed cell, reported to the findings."""

    def __init__(self, findings: _Findings, tree: ast.AST):
        self.findings = findings
        self.aliases = _aliases(tree)
        self.values = _single_assignments(tree)
        self.sys_argv = _sys_argv(tree)
        self.called: set[int] = set()  # the nodes called as functions (the others are handed on as values)
        self.named: set[int] = {id(value) for value in self.values.values()}  # "run = subprocess.run"

    def visit_Call(self, node: ast.Call) -> None:
        self.called.add(id(node.func))
        name = self.name(node.func)
        if not (name and self.call(name, node)) and isinstance(node.func, ast.Attribute):
            self.method(node.func.attr, node.func.value, node)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _INTERNALS:
            self.findings.hidden_code.append(_shown(node))
        self.handed_on(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.findings.hidden_code.append(node.id)
        self.handed_on(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.name(node.value) == "sys.modules" and self.literal(node.slice) is None:
            self.findings.hidden_code.append(_shown(node))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.findings.text(node.value)

    def handed_on(self, node: ast.Name | ast.Attribute) -> None:
        """A risky function handed on rather than called: ``map(os.remove, paths)``, ``Thread(target=os.system)``."""
        if id(node) in self.called or id(node) in self.named or not isinstance(node.ctx, ast.Load):
            return
        name = self.name(node)
        if name in _DELETES | _MOVES | _COPIES | _CHANGES:
            self.findings.file_changes.append(f"{name} (handed on as a function)")
        elif name in _SUBPROCESS | _SHELL_CALLS.keys() | _EXECS | _PTY_SPAWNS:
            self.findings.shell_commands.append(f"{name} (handed on as a function)")
        elif name in _CODE_RUNNERS | _IMPORTERS | _OPAQUE_CALLS:
            self.findings.hidden_code.append(f"{name} (handed on as a function)")

    def call(self, name: str, node: ast.Call) -> bool:
        """Note a call by its dotted name; False if the name means nothing here."""
        first, second = _argument(node, 0, "args"), _argument(node, 1, "")
        findings = self.findings
        if name in _SUBPROCESS and first is not None:
            command = self.resolve(first)
            if isinstance(command, (ast.List, ast.Tuple)):
                findings.argv(self.words(command), "subprocess")
            else:
                findings.shell(self.text(command), "subprocess")
        elif name in _SHELL_CALLS and first is not None:
            findings.shell(self.text(first), _SHELL_CALLS[name])
        elif name in _EXECS:
            findings.argv(self.exec_words(name, node.args), name)
        elif name in _PIP_MAINS:
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
        elif name in _CODE_RUNNERS or name == "get_ipython().run_cell":
            self.run_code(name, _argument(node, 0, "source"))
        elif name in _IMPORTERS:
            if self.literal(_argument(node, 0, "name")) is None:
                findings.hidden_code.append(f"{name}({_shown(first)})")
        elif name == "getattr" and second is not None:
            owner = self.name(first) or ""
            if self.literal(second) is None and owner.split(".")[0] in _SENSITIVE_MODULES:
                findings.hidden_code.append(f"getattr({owner}, {_shown(second)})")
        elif name in _OPAQUE_CALLS:
            findings.hidden_code.append(f"{name}(…)")
        elif name in _PTY_SPAWNS:
            findings.argv(self.words(first) if first is not None else ["{a new process}"], "pty")
        elif name in _DELETES and first is not None:
            self.delete(first, name)
        elif name in _OPENS and _argument(node, 0, "file") is not None:
            self.open(_argument(node, 0, "file"), _argument(node, 1, "mode"), "open")
        elif name == "os.open" and first is not None:
            flags = _argument(node, 1, "flags")
            if flags is None or _WRITE_FLAGS.search(ast.unparse(flags)) or "O_RDONLY" not in ast.unparse(flags):
                path = self.path(first)
                findings.change(f"writes to {path} (os.open)", [path])
        elif name in _CHANGES and first is not None:
            path = self.path(second if name in ("os.link", "os.symlink") and second is not None else first)
            findings.change(f"changes {path} ({name})", [path])
        elif name == "shutil.unpack_archive":
            target = self.path(second) if second is not None else "."
            findings.change(f"extracts into {target} ({name})", [target])
        elif name in _JUPYTER_FILES:
            findings.server_access.append(f"finds Jupyter's files ({name})")
        elif name in _PAGE_SCRIPTS or (
            name in _HTML_CALLS and first is not None and _SCRIPT_IN_HTML.search(self.text(first))
        ):
            findings.page_scripts.append(name)
        elif name in _MOVES and second is not None:
            self.move(first, second, name)
        elif name in _COPIES and second is not None:
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
            self.open(owner, _argument(node, 0, "mode"), "Path.open")
        elif method in ("rename", "replace") and self.is_path(owner) and len(node.args) == 1:
            self.move(owner, node.args[0], f"Path.{method}")
        elif method in _WRITERS and node.args:
            path = self.path(node.args[0])
            self.findings.change(f"overwrites {path} ({method})", [path])
        elif method in ("chmod", "touch", "symlink_to", "hardlink_to") and self.is_path(owner):
            path = self.path(owner)
            self.findings.change(f"changes {path} (Path.{method})", [path])
        elif method == "extractall":
            target = _argument(node, 0, "path")
            path = self.path(target) if target is not None else "."
            self.findings.change(f"extracts into {path} (extractall)", [path])
        elif method in _OPAQUE_METHODS:
            self.findings.hidden_code.append(f"{_shown(owner)}.{method}(…)")

    def delete(self, target: ast.expr, how: str) -> None:
        path = self.path(target)
        self.findings.change(f"deletes {path} ({how})", [path], unknown_is_risky=True)

    def open(self, target: ast.expr, mode: ast.expr | None, how: str) -> None:
        mode = self.resolve(mode) if mode is not None else None
        text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        verbs = [verb for flag, verb in _OPEN_VERBS if flag in text]
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
        elif isinstance(code, ast.Call) and self.name(code.func) in _CODE_RUNNERS:
            pass  # exec(compile("...", ...)): the inner call is read on its own
        elif code is not None:
            self.findings.hidden_code.append(f"{name}({_shown(source)})")

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

    # --- reading expressions ---

    def name(self, node: ast.expr, depth: int = 0) -> str | None:
        """The dotted name a call goes to, through imports: ``sp.run`` -> "subprocess.run"."""
        if depth > _MAX_DEPTH:
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
        if function in _IMPORTERS:
            module = self.literal(_argument(node, 0, "name"))
            whole = function == "importlib.import_module" or _argument(node, 3, "fromlist") is not None
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
        for _ in range(_MAX_DEPTH):
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
            return _join(self.path(node.left), self.path(node.right))
        if not isinstance(node, ast.Call):
            return self.text(node)
        name = (self.name(node.func) or "").removeprefix("pathlib.").removeprefix("os.path.").removeprefix("posixpath.")
        if name in _PATH_TYPES:
            return reduce(_join, map(self.path, node.args), ".")
        if name in _SAME_PATH and node.args:
            return self.path(node.args[0])
        if name == "Path.home":
            return "~"
        if name in ("Path.cwd", "os.getcwd"):
            return "."
        if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS:
            owner = self.path(node.func.value)
            return reduce(_join, map(self.path, node.args), owner) if node.func.attr == "joinpath" else owner
        return self.text(node)

    def is_path(self, node: ast.expr) -> bool:
        """Whether an expression is a ``pathlib`` path, so ``.open``/``.rename`` are its file methods."""
        node = self.resolve(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS:
            return self.is_path(node.func.value)
        if not isinstance(node, ast.Call):
            return False
        return (self.name(node.func) or "").removeprefix("pathlib.") in _PATH_TYPES - {"join"}


#: Characters of code or text quoted in a reason.
_QUOTED = 60


def _short(text: str) -> str:
    return text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"


def _shown(node: ast.expr | None) -> str:
    """An expression as the card quotes it: its source, shortened."""
    return _short(ast.unparse(node)) if node is not None else ""


def _argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """A call's argument by position, or by keyword."""
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return next((item.value for item in node.keywords if item.arg == keyword), None)


def _join(folder: str, name: str) -> str:
    """``os.path.join`` on text: an absolute name starts over."""
    if _ABSOLUTE.match(name) or folder in ("", "."):
        return name
    return folder.rstrip("/\\") + "/" + name


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Imported names to what they stand for: ``sp`` -> "subprocess", ``run`` -> "subprocess.run"."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({alias.asname: alias.name for alias in node.names if alias.asname})
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            aliases.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})
    return aliases


def _single_assignments(tree: ast.AST) -> dict[str, ast.expr]:
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


def _sys_argv(tree: ast.AST) -> ast.expr | None:
    """What a cell sets ``sys.argv`` to, which ``runpy.run_module("pip")`` reads."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(ast.unparse(target) == "sys.argv" for target in node.targets):
            return node.value
    return None
