"""Shell text: the commands of a line, and the packages a package manager's command (un)installs."""

from __future__ import annotations

import re
import shlex

#: Python package managers, by the program they run as.
_PYTHON_MANAGERS = {"pip", "uv", "conda", "mamba", "micromamba"}
#: System package managers: an install with one is also a shell command to show.
SYSTEM_MANAGERS = {"apt", "apt-get", "aptitude", "yum", "dnf", "apk", "brew", "zypper"}
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
PYTHON = re.compile(r"^(python[\d.]*|py|pypy[\d.]*)$")
_EXECUTABLE = re.compile(r"^\{.*executable.*\}$")  # "{sys.executable}", expanded by IPython
_PIP = re.compile(r"^pip[\d.]*$")


def split_commands(text: str) -> list[tuple[str, list[str]]]:
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


def is_filter(separator: str, words: list[str]) -> bool:
    """Whether a command only reads what the one before it printed."""
    return separator in ("|", "||") and words[0] in _FILTERS


def program_words(words: list[str]) -> list[str]:
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


def package_command(words: list[str]) -> tuple[str, str | None, list[str]] | None:
    """(tool, "install" / "uninstall" / None, packages) when ``words`` run a package manager."""
    if not words:
        return None
    tool = re.split(r"[\\/]", words[0])[-1].lower().removesuffix(".exe")
    rest = words[1:]
    if PYTHON.match(tool) or _EXECUTABLE.match(words[0]):
        tool, rest = _module(rest)
    elif _PIP.match(tool):
        tool = "pip"
    if tool not in _PYTHON_MANAGERS | SYSTEM_MANAGERS:
        return None
    command, rest = subcommand(rest)
    if tool == "uv" and command == "pip":
        command, rest = subcommand(rest)
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


def subcommand(words: list[str]) -> tuple[str | None, list[str]]:
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
