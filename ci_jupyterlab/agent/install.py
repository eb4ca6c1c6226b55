"""Installing packages into the kernel's own environment, once the user has said yes.

``%pip`` installs with the interpreter the kernel runs on, so the package lands
where the code will import it from (a plain ``pip`` on the server's PATH may
belong to another environment). IPython's ``%pip`` does not raise when pip
fails, so after the cell the loop asks the kernel silently for pip's exit code
(``_exit_code``) and, if it is not 0, reports the run as failed: the model, the
chat and the record see the error, while the notebook keeps only the
``%pip install`` line as written and pip's own output, no bookkeeping.

Before the user is asked, ``install_details_probe`` asks pip what it would do
(``pip install --dry-run --report``): every distribution it would install or
upgrade, its version and where it comes from, shown on the approval card.
"""

from __future__ import annotations

import dataclasses
import re
import shlex

from .executors import ExecutionResult, inspect_quietly
from .risk import whole_line_installs

# Requirement specifiers ("pandas==2.1.4", "scikit-learn>=1.3", "pkg[extra]"), local
# paths and "-r requirements.txt"; no braces or dollars, which IPython would expand
# in a magic's line.
_SAFE = re.compile(r"^[A-Za-z0-9_.\-\[\],<>=!~+/ ]+$")
#: Options that come with their value as one item of the package list ("-r requirements.txt").
_OPTIONS_WITH_VALUE = ("-r ", "-e ", "--file ")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+")


#: Printed by a silent lookup after an install: pip's exit code, which IPython keeps for the last shell command.
EXIT_CODE_PROBE = "print(globals().get('_exit_code', 0))"
PIP_FAILED = "pip install failed with exit code {code}; see its output above"


def install_code(packages: list[str]) -> str:
    """The one ``%pip install`` line that installs ``packages`` (its failure is read afterwards: ``failed_install``)."""
    return f"%pip install {' '.join(shlex.quote(word) for word in install_words(packages))}"


def install_words(packages: list[str]) -> list[str]:
    """pip's arguments for ``packages``, each checked to be a requirement or a path (nothing IPython expands)."""
    if not packages:
        raise ValueError("no packages to install")
    unsafe = [package for package in packages if not _SAFE.match(package)]
    if unsafe:
        raise ValueError(f"not a package requirement: {', '.join(map(repr, unsafe))}")
    return [word for package in packages for word in _words(package)]


async def failed_install(executor, result: ExecutionResult, timeout: float) -> ExecutionResult:
    """``result`` as a failure when pip exited non-zero (``%pip`` does not raise); else as it is.

    The error is added to the result (what the model, the chat and the record
    see), not to the notebook, which shows pip's own output.
    """
    if not result.ok:
        return result
    printed = await inspect_quietly(executor, EXIT_CODE_PROBE, timeout)
    try:
        code = int(printed.splitlines()[-1])
    except (IndexError, ValueError):
        return result
    if code == 0:
        return result
    message = PIP_FAILED.format(code=code)
    error = {"output_type": "error", "ename": "PipInstallFailed", "evalue": message, "traceback": [message]}
    return dataclasses.replace(result, status="error", outputs=[*result.outputs, error])


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
import importlib.metadata, json, os, subprocess, sys, tempfile, urllib.parse
def version(name):
    try:
        return importlib.metadata.version(name)
    except Exception:
        return None
def pip(*words, timeout):
    return subprocess.run([sys.executable, "-m", "pip", *words], capture_output=True, text=True, timeout=timeout)
def index():
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    try:
        return pip("config", "get", "global.index-url", timeout=5).stdout.strip() or "https://pypi.org/simple"
    except Exception:
        return "https://pypi.org/simple"
def planned(item):
    name = item["metadata"]["name"]
    where = urllib.parse.urlsplit((item.get("download_info") or {}).get("url", ""))
    return {
        "name": name,
        "version": item["metadata"]["version"],
        "requested": bool(item.get("requested")),
        "installed": version(name),
        "source": "a local file" if where.scheme == "file" else where.netloc,
    }
def plan():
    if WORDS is None:
        return {"plan_error": "the packages are not plain requirements"}
    # To a file: on stdout, pip colours the report when the kernel asks for colour.
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "report.json")
        try:
            dry = pip("install", "--dry-run", "--quiet", "--no-input", "--report", report, *WORDS, timeout=SECONDS)
        except subprocess.TimeoutExpired:
            return {"plan_error": "pip took more than %d s to work it out" % SECONDS}
        if dry.returncode:
            lines = [line for line in dry.stderr.splitlines() if line.strip()]
            return {"plan_error": (lines[-1] if lines else "pip exited with code %d" % dry.returncode)[:300]}
        with open(report) as handle:
            return {"plan": [planned(item) for item in json.load(handle).get("install", [])]}
if DRY_RUN:
    print(json.dumps(plan()))
else:
    print(json.dumps({"index": index(), "installed": {name: version(name) for name in NAMES}}))
"""
#: Seconds pip may take to work out what it would install (it asks the index).
DRY_RUN_SECONDS = 25


def install_details_probe(packages: list[str], *, dry_run: bool = False) -> str:
    """A silent snippet printing, as JSON, the index pip uses and each package's installed version; with
    ``dry_run``, instead what pip would install (``plan``: name, version, requested, installed now, source) or
    why it cannot say (``plan_error``)."""
    names = [requirement_name(package) for package in packages]
    try:
        words = install_words(packages)
    except ValueError:  # named at run time, or not a plain requirement: pip is not asked about it
        words = None
    given = {"NAMES": names, "WORDS": words, "DRY_RUN": dry_run, "SECONDS": DRY_RUN_SECONDS}
    return f"exec({_INSTALL_DETAILS!r}, {given!r})"


def pinned(packages: list[str], versions: dict) -> list[str]:
    """``name==version`` where the version is known, else the requirement as asked."""
    return [
        f"{requirement_name(p)}=={versions[requirement_name(p)]}" if versions.get(requirement_name(p)) else p
        for p in packages
    ]


def checked_installs(code: str) -> tuple[str, tuple[str, ...]]:
    """``code`` with its whole-line pip installs swapped for one ``%pip install``, first, whose exit code is
    read after the cell (``failed_install``).

    Also the packages so installed (empty, and ``code`` as it is, when the
    installs cannot be swapped: a cell magic, an install inside a block or a
    call, a package named at run time).
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
    if len(numbers) == 1 and lines[numbers[0]].strip() == install:
        return code, packages  # already the one line it would become
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
