"""Kernels for the benchmarks: started again when one dies at its start; their variables kept and put back.

On a machine shared with other test runs, a kernel sometimes dies before it
answers (a port it was given was taken meanwhile by another process); a
benchmark of hundreds of kernels should not end there.

A mutant of a cell may change variables, even half-way before it fails
(``df = df.set_index('Date')``): run ``SNAPSHOT`` silently before the mutants
of a cell and ``RESTORE`` after each, so that each starts from the variables as
they were before the cell (and with no figure left open).
"""

from __future__ import annotations

import contextlib

from ci_jupyterlab.agent.executors.kernel import KernelExecutor


@contextlib.asynccontextmanager
async def started_kernel(kernel_name: str, cwd, tries: int = 3):
    """A started kernel (shut down afterwards); started again when it dies at start."""
    for attempt in range(tries):
        kernel = KernelExecutor(kernel_name, cwd=cwd)
        try:
            await kernel.start()
            break
        except RuntimeError:
            with contextlib.suppress(Exception):
                await kernel.shutdown()
            if attempt == tries - 1:
                raise
    try:
        yield kernel
    finally:
        await kernel.shutdown()


async def pandas_version(kernel_name: str) -> str:
    """The pandas version a kernel runs: pandas 2 and 3 word their errors and warnings differently."""
    async with started_kernel(kernel_name, None) as kernel:
        return (await kernel.inspect("import pandas; print(pandas.__version__)", timeout=30) or "?").strip()


SNAPSHOT = """
import copy as __copy
def __copied(value):
    try:
        return __copy.deepcopy(value)
    except Exception:
        return value
__bench_snapshot = {k: __copied(v) for k, v in globals().items()
                    if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython')}
"""
RESTORE = """
for __name in [k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython')]:
    if __name not in __bench_snapshot:
        del globals()[__name]
globals().update({k: __copied(v) for k, v in __bench_snapshot.items()})
import sys as __sys
if 'matplotlib.pyplot' in __sys.modules:
    __sys.modules['matplotlib.pyplot'].close('all')
"""
