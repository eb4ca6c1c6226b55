"""Everything that runs the agent's code, one family behind one contract (``base``).

- ``KernelExecutor`` (``kernel``): a kernel of our own, through jupyter_client
  (headless runner, tests, benchmarks);
- ``InKernelRunner`` (``inkernel``) and the worker's hand-off executor
  (``worker``): ``%%ci``, in the kernel itself;
- ``BrowserExecutor`` (``browser``): the chat panel, in the user's notebook;
- ``FileWatchingExecutor`` (``file_watch``): wraps any of them to report the
  files each run wrote.
"""

from .base import (
    FATAL_STATUSES,
    RUN_STATUSES,
    ExecutionResult,
    Executor,
    Inspector,
    Preparer,
    RunStatus,
    append_output,
    inspect_json,
    inspect_quietly,
)

__all__ = [
    "FATAL_STATUSES",
    "RUN_STATUSES",
    "ExecutionResult",
    "Executor",
    "Inspector",
    "Preparer",
    "RunStatus",
    "append_output",
    "inspect_json",
    "inspect_quietly",
]
