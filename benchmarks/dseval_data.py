"""Where the DSEval tasks are: ``DSEVAL_DIR``, or the workspace's ``shared/benchmarks/dseval``.

The data is not in this repository (it is the workspace's, MIT, from DSEval).
It is looked for above this checkout and above the working directory, so any
checkout inside the workspace finds it. Run as a script, it prints the folder
(``benchmarks/setup_dseval_kernel.sh`` uses that).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RELATIVE = Path("shared/benchmarks/dseval")


def dseval_dir() -> Path:
    """The folder that holds ``tasks.jsonl``; exits with what to set if there is none."""
    if os.environ.get("DSEVAL_DIR"):
        return Path(os.environ["DSEVAL_DIR"]).expanduser().resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / RELATIVE / "tasks.jsonl").is_file():
                return folder / RELATIVE
    raise SystemExit(
        "DSEval data not found above this checkout: set DSEVAL_DIR to the folder that holds "
        "tasks.jsonl (shared/benchmarks/dseval in the workspace)."
    )


if __name__ == "__main__":
    print(dseval_dir())
    sys.exit(0)
