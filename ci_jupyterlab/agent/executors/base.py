"""The contract between the agent loop and whatever runs its code.

An ``Executor`` runs one cell and reports an ``ExecutionResult``. An executor
that can also run a snippet out of the user's sight declares it by being an
``Inspector`` (checked with ``isinstance``, a runtime-checkable protocol).
``RUN_STATUSES`` is the one list of how a run can end, for the loop, the chat
protocol's validation and the record; ``src/server/protocol.ts`` mirrors it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args, runtime_checkable

from ..events import RunCell

RunStatus = Literal[
    "ok",
    "error",  # the cell raised
    "timeout",  # interrupted after ``cell.timeout`` seconds
    "kernel_dead",
    "kernel_restarted",
    "notebook_closed",  # closed while the cell ran
    "notebook_deleted",  # its file was deleted: nothing more is run in it or written to it
    "cancelled",  # the user stopped it
    "no_response",  # the front end never answered
]
RUN_STATUSES: frozenset[str] = frozenset(get_args(RunStatus))

#: Statuses after which no further code can run in this request.
FATAL_STATUSES = frozenset({"kernel_dead", "kernel_restarted", "notebook_closed", "notebook_deleted", "no_response"})


@dataclass
class ExecutionResult:
    """The outcome of one cell: nbformat v4 outputs plus how the run ended."""

    status: RunStatus
    outputs: list[dict] = field(default_factory=list)
    execution_count: int | None = None
    duration_ms: float = 0.0
    files: list[dict] = field(default_factory=list)  # written by the cell: {path, size, change}
    #: Where it ran, for executors that work in a notebook: the cell's id, and its source before
    #: the run when the run replaced an existing cell's (an edit); None for a new cell.
    cell_id: str | None = None
    before: str | None = None
    #: For an edit, the cell's outputs and execution count before it (what undoing it gives back).
    before_outputs: list[dict] | None = None
    before_execution_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error_output(self) -> dict | None:
        """The first ``error`` output, if the cell raised."""
        return next((o for o in self.outputs if o.get("output_type") == "error"), None)

    def error_summary(self) -> dict | None:
        """``{ename, evalue}`` of the failure, for display and stuck detection."""
        error = self.error_output
        if error is not None:
            return {"ename": error.get("ename", ""), "evalue": error.get("evalue", "")}
        if self.ok:
            return None
        return {"ename": self.status, "evalue": ""}


class Executor(Protocol):
    """Runs one cell of code and reports its outputs.

    Implementations: the browser (the chat panel runs the cell in the user's
    notebook), a jupyter_client kernel (headless runner, tests) and the kernel
    itself (``%%ci``). ``run`` must enforce ``cell.timeout`` (interrupting the
    kernel), must interrupt the kernel if the awaiting task is cancelled, and
    must always return a result rather than raise for a failing cell.
    """

    async def run(self, cell: RunCell) -> ExecutionResult: ...


@runtime_checkable
class Inspector(Protocol):
    """An optional executor capability: run a snippet out of the user's sight.

    ``inspect`` runs ``code`` in the same kernel silently (no execution count,
    no history, no cell, no output shown) and returns what it printed on
    stdout, or None if it did not finish within ``timeout`` seconds (then the
    kernel is interrupted). Error hints use it to look up facts; executors
    without it simply give plainer feedback.
    """

    async def inspect(self, code: str, timeout: float) -> str | None: ...


@runtime_checkable
class Preparer(Protocol):
    """An optional executor capability: work to do before a cell is shown to anyone.

    The loop awaits ``prepare(cell)`` before it yields the cell's ``RunCell``
    event, that is before a front end (the panel) can run it; ``run(cell)``
    follows. ``FileWatchingExecutor`` takes its "before" snapshot of the folder
    there, off the event loop, without a reply racing past it.
    """

    async def prepare(self, cell: RunCell) -> None: ...


async def inspect_quietly(executor, code: str, timeout: float) -> str:
    """What a silent snippet printed, or "" if the executor cannot inspect or the snippet fails.

    Lookups in the kernel are a help (hints, context, versions): they never
    fail a request. The executor bounds the wait: ``timeout`` once the snippet
    runs, and longer only while the kernel is busy with the user's own cell,
    which a lookup waits for rather than interrupts.
    """
    if not isinstance(executor, Inspector):
        return ""
    try:
        return (await executor.inspect(code, timeout) or "").strip()
    except Exception:
        return ""


async def inspect_json(executor, code: str, timeout: float) -> dict:
    """The JSON object a silent snippet printed on its last line, or {}."""
    printed = await inspect_quietly(executor, code, timeout)
    try:
        value = json.loads(printed.splitlines()[-1]) if printed else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def append_output(outputs: list[dict], output: dict) -> None:
    """Add an output, merging consecutive text on the same stream as notebooks do."""
    output = dict(output)
    last = outputs[-1] if outputs else None
    if (
        output["output_type"] == "stream"
        and last is not None
        and last["output_type"] == "stream"
        and last["name"] == output["name"]
    ):
        last["text"] += output["text"]
    else:
        outputs.append(output)
