"""How long the ``analysis`` extra takes to install, and how much disk it takes.

Makes a throwaway virtualenv, installs the extra's requirements (as the
installed package's metadata lists them: run it with the project's .venv)
with pip's cache off, as on a fresh machine, and prints the seconds pip took
and the size of the environment before and after::

    .venv/bin/python benchmarks/analysis_install.py

The numbers are the README's ("What the kernel has").
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_EXTRA = re.compile(r"""extra\s*==\s*["']analysis["']""")


def analysis_requirements() -> list[str]:
    """The extra's requirements with their bounds, from the installed package's metadata."""
    requires = importlib.metadata.requires("ci_jupyterlab") or []
    return [line.split(";")[0].strip() for line in requires if _EXTRA.search(line)]


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink()) / 1e6


def main() -> None:
    extra = analysis_requirements()
    with tempfile.TemporaryDirectory() as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        before = size_mb(venv)
        started = time.perf_counter()
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", *extra], check=True)
        seconds = time.perf_counter() - started
        after = size_mb(venv)
        listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True).stdout
    print(f"python {sys.version.split()[0]}: {len(extra)} requirements, {len(listed.splitlines()) - 2} distributions")
    print(f"install time (no pip cache): {seconds:.0f} s")
    print(f"installed size: {after - before:.0f} MB (an empty virtualenv: {before:.0f} MB)")


if __name__ == "__main__":
    main()
