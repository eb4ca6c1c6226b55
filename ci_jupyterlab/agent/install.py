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
import uuid

from .events import RunCell
from .executor import ExecutionResult, Executor

#: Seconds an install may take before it is interrupted.
INSTALL_TIMEOUT = 600.0

# Requirement specifiers ("pandas==2.1.4", "scikit-learn>=1.3", "pkg[extra]") and
# local paths; no braces or dollars, which IPython would expand in a magic's line.
_SAFE = re.compile(r"^[A-Za-z0-9_.\-\[\],<>=!~+/ ]+$")


def install_code(packages: list[str]) -> str:
    """The cell that installs ``packages`` and fails if pip does."""
    if not packages:
        raise ValueError("no packages to install")
    unsafe = [package for package in packages if not _SAFE.match(package)]
    if unsafe:
        raise ValueError(f"not a package requirement: {', '.join(map(repr, unsafe))}")
    pins = " ".join(shlex.quote(package) for package in packages)
    return (
        f"%pip install {pins}\n"
        "if _exit_code:\n"
        "    raise RuntimeError(f'pip install failed with exit code {_exit_code}; see its output above')"
    )


async def install_packages(
    executor: Executor, packages: list[str], *, timeout: float = INSTALL_TIMEOUT
) -> ExecutionResult:
    """Install ``packages`` in the executor's kernel; status "ok" only if pip succeeded.

    Only call this after the user approved exactly these packages.
    """
    cell = RunCell(f"install-{uuid.uuid4().hex[:12]}", install_code(packages), 0, 1, None, timeout)
    return await executor.run(cell)


# A notebook line that installs: "%pip install x", "!pip install x",
# "!python -m pip install x", "!{sys.executable} -m pip install x", "%conda install x".
_INSTALL_LINE = re.compile(
    r"^\s*[%!]\s*(?:\{sys\.executable\}\s+-m\s+pip|python3?\s+-m\s+pip|pip3?|conda|mamba)\s+install\s+(?P<args>.*)$"
)
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+")


def install_request(code: str) -> tuple[list[str], str]:
    """The packages ``code`` installs, and the code without its install lines."""
    packages: list[str] = []
    kept: list[str] = []
    for line in code.splitlines():
        match = _INSTALL_LINE.match(line)
        if match is None:
            kept.append(line)
            continue
        try:
            words = shlex.split(match["args"])
        except ValueError:
            words = match["args"].split()
        packages += [word for word in words if not word.startswith("-")]
    return packages, "\n".join(kept).strip("\n")


def requirement_name(requirement: str) -> str:
    """The distribution name of a requirement ("scikit-learn>=1.3" -> "scikit-learn")."""
    match = _NAME.match(requirement.strip())
    return match.group(0) if match else requirement


def versions_probe(packages: list[str]) -> str:
    """A silent snippet printing the installed version of each package as JSON."""
    names = [requirement_name(package) for package in packages]
    return (
        "exec(\"import importlib.metadata as _m, json as _j\\n"
        "def _v(n):\\n    try:\\n        return _m.version(n)\\n    except Exception:\\n        return None\\n"
        f"print(_j.dumps({{n: _v(n) for n in {names!r}}}))\", {{}})"
    )


def pinned(packages: list[str], versions: dict) -> list[str]:
    """``name==version`` where the version is known, else the requirement as asked."""
    return [
        f"{requirement_name(p)}=={versions[requirement_name(p)]}" if versions.get(requirement_name(p)) else p
        for p in packages
    ]
