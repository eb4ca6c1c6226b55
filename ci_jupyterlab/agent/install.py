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
