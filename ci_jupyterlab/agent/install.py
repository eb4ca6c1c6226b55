"""Installing packages into the kernel's own environment, once the user has said yes.

``%pip`` installs with the interpreter the kernel runs on, so the package lands
where the code will import it from (a plain ``pip`` on the server's PATH may
belong to another environment). IPython's ``%pip`` does not raise when pip
fails, so the cell checks pip's exit code and raises: the run's status then
says whether the install worked, and its output says why not.
"""

from __future__ import annotations

import re
import shlex

from .risk import whole_line_installs

# Requirement specifiers ("pandas==2.1.4", "scikit-learn>=1.3", "pkg[extra]"), local
# paths and "-r requirements.txt"; no braces or dollars, which IPython would expand
# in a magic's line.
_SAFE = re.compile(r"^[A-Za-z0-9_.\-\[\],<>=!~+/ ]+$")
#: Options that come with their value as one item of the package list ("-r requirements.txt").
_OPTIONS_WITH_VALUE = ("-r ", "-e ", "--file ")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+")


def install_code(packages: list[str]) -> str:
    """The cell that installs ``packages`` and fails if pip does."""
    if not packages:
        raise ValueError("no packages to install")
    unsafe = [package for package in packages if not _SAFE.match(package)]
    if unsafe:
        raise ValueError(f"not a package requirement: {', '.join(map(repr, unsafe))}")
    words = [word for package in packages for word in _words(package)]
    return (
        f"%pip install {' '.join(shlex.quote(word) for word in words)}\n"
        "if _exit_code:\n"
        "    raise RuntimeError(f'pip install failed with exit code {_exit_code}; see its output above')"
    )


def _words(package: str) -> list[str]:
    """pip's arguments for one package: "-r requirements.txt" is two."""
    if package.startswith(_OPTIONS_WITH_VALUE):
        option, value = package.split(" ", 1)
        return [option, value.strip()]
    return [package]


def requirement_name(requirement: str) -> str:
    """The distribution name of a requirement ("scikit-learn>=1.3" -> "scikit-learn")."""
    match = _NAME.match(requirement.strip())
    return match.group(0) if match else requirement


def versions_probe(packages: list[str]) -> str:
    """A silent snippet printing the installed version of each package as JSON."""
    names = [requirement_name(package) for package in packages]
    return (
        'exec("import importlib.metadata as _m, json as _j\\n'
        "def _v(n):\\n    try:\\n        return _m.version(n)\\n    except Exception:\\n        return None\\n"
        f'print(_j.dumps({{n: _v(n) for n in {names!r}}}))", {{}})'
    )


_INSTALL_DETAILS = """
import importlib.metadata, json, os, subprocess, sys
def version(name):
    try:
        return importlib.metadata.version(name)
    except Exception:
        return None
index = os.environ.get("PIP_INDEX_URL", "")
if not index:
    try:
        asked = [sys.executable, "-m", "pip", "config", "get", "global.index-url"]
        index = subprocess.run(asked, capture_output=True, text=True, timeout=5).stdout.strip()
    except Exception:
        pass
print(json.dumps({"index": index or "https://pypi.org/simple", "installed": {n: version(n) for n in NAMES}}))
"""


def install_details_probe(packages: list[str]) -> str:
    """A silent snippet printing, as JSON, the index pip would use and each package's installed version."""
    names = [requirement_name(package) for package in packages]
    return f"exec({_INSTALL_DETAILS!r}, {{'NAMES': {names!r}}})"


def pinned(packages: list[str], versions: dict) -> list[str]:
    """``name==version`` where the version is known, else the requirement as asked."""
    return [
        f"{requirement_name(p)}=={versions[requirement_name(p)]}" if versions.get(requirement_name(p)) else p
        for p in packages
    ]


def checked_installs(code: str) -> tuple[str, tuple[str, ...]]:
    """``code`` with its whole-line pip installs swapped for one install that fails the cell if pip does.

    A bare ``%pip`` line does not raise when pip fails. Also the packages so
    installed (empty, and ``code`` as it is, when the installs cannot be swapped:
    a cell magic, an install inside a block or a call, a package named at run time).
    """
    found = None if code.lstrip().startswith("%%") else whole_line_installs(code)
    if not found or not found[0]:
        return code, ()
    packages, numbers = found
    lines = code.split("\n")
    if not all(_only_plain_options(lines[number]) for number in numbers):
        return code, ()  # an index, a constraint, --pre...: the swap would drop it
    try:
        install = install_code(list(packages))
    except ValueError:  # not a plain requirement: it runs as written
        return code, ()
    rest = "\n".join(line for number, line in enumerate(lines) if number not in numbers).strip("\n")
    return f"{install}\n{rest}".rstrip(), packages


#: pip options the checked install may drop: they change what pip prints, not what it installs.
_PLAIN_OPTIONS = {
    "-q", "-qq", "-qqq", "--quiet", "--no-cache-dir", "--disable-pip-version-check",
    "--no-warn-script-location", "-r", "--requirement", "-e", "--editable",
}  # fmt: skip


def _only_plain_options(line: str) -> bool:
    """Whether the options of one line of a pip install are all ones the checked install may leave out.

    The options after ``install``, up to a pipe, chain or redirection (what
    follows those only reads pip's output).
    """
    try:
        words = shlex.split(line.rstrip("\\"))
    except ValueError:
        return False
    if "install" in words:
        words = words[words.index("install") + 1 :]
    for word in words:
        if any(mark in word for mark in "|;&>"):
            break
        if word.startswith("-") and word.split("=", 1)[0] not in _PLAIN_OPTIONS:
            return False
    return True
