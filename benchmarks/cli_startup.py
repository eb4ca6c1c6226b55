"""How long ``jupyter ci`` takes to start, with and without rfc3987_syntax's grammars.

``ci_jupyterlab/cli.py`` keeps jsonschema from importing rfc3987_syntax (its
import compiles ~35 Earley grammars, for "iri" formats no notebook uses).
This starts the command (``--help``: every import, no kernel) as it is, and
as it was: with rfc3987_syntax imported first, in the same interpreter, runs
alternated so both see the same machine. Prints the median wall and CPU
seconds of each and their ratio::

    .venv/bin/python benchmarks/cli_startup.py [runs]

The numbers are docs/benchmarks.md's ("Starting the command").
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

AS_IT_IS = (
    "import runpy, sys; sys.argv = ['jupyter-ci', '--help']; runpy.run_module('ci_jupyterlab.cli', run_name='__main__')"
)
AS_IT_WAS = "import rfc3987_syntax; " + AS_IT_IS


def start(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of one start of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    now: list[tuple[float, float]] = []
    then: list[tuple[float, float]] = []
    for _ in range(runs):
        now.append(start(AS_IT_IS))
        then.append(start(AS_IT_WAS))
    for name, times in (("with rfc3987_syntax (as it was)", then), ("without it (as it is)", now)):
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        print(f"{name:34} wall {wall:.2f} s  cpu {cpu:.2f} s  (median of {runs})")
    ratio = statistics.median(t[0] for t in then) / statistics.median(t[0] for t in now)
    print(f"start-up is {ratio:.1f}x faster")


if __name__ == "__main__":
    main()
