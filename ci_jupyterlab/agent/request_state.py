"""What one request of the agent loop works with, apart from its conversation: a new ``RequestState``
for each request (its notebook, usage, approvals, the cell in flight), the ``Attempts`` at its current
step (the cap and stuck detection), and the ``Action``s the model asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from .answer_check import AnswerReview
from .events import Event, RunCell, Usage, ending
from .executors import FATAL_STATUSES, ExecutionResult
from .feedback import status_line
from .model_client import Reply
from .notebook_work import NotebookWork
from .record import RequestRecord
from .run_all import RunAllGuard

STOPPED_MESSAGE = "Stopped by the user."


@dataclass
class Attempts:
    """Consecutive failures within one request, for the cap and stuck detection."""

    failures: int = 0
    last_failure: tuple | None = None
    failed_call: str | None = None  # the cell the next code replaces
    failed_cell_id: str | None = None  # its id in the notebook, when the executor knows it
    failed_code: str | None = None  # its code, which the next attempt replaces
    attempt: int = 0  # the number of the latest attempt at the current step
    bad_arguments_reported: bool = False

    def replace_next(self, cell: RunCell, result: ExecutionResult) -> None:
        """The model's next code is another attempt at this cell: it goes in its place."""
        self.failed_call, self.failed_cell_id, self.failed_code = cell.call_id, result.cell_id, cell.code

    def after_run(
        self, cell: RunCell, result: ExecutionResult, *, stop_requested: bool, max_attempts: int
    ) -> list[Event] | None:
        """Update the attempt count after a run; the closing events if the request must end."""
        summary = result.error_summary() or {}
        # A KeyboardInterrupt we did not cause (no timeout) is the user pressing
        # the notebook's own interrupt button: they want it to stop, not fixed.
        if (
            stop_requested
            or result.status == "cancelled"
            or (result.status == "error" and summary.get("ename") == "KeyboardInterrupt")
        ):
            return stopped()
        if result.ok:
            self.failures, self.last_failure = 0, None
            self.failed_call = self.failed_cell_id = self.failed_code = None
            return None
        if result.status in FATAL_STATUSES:
            return ending("kernel", status_line(result), LOST_HINTS[result.status])
        self.failures += 1
        self.replace_next(cell, result)
        signature = (" ".join(cell.code.split()), summary.get("ename"), summary.get("evalue"))
        if signature == self.last_failure:
            message = f"Stopped: the same code failed twice with {summary.get('ename')}: {summary.get('evalue')}"
            return ending("stuck", message, "The assistant is stuck; rephrase the request or fix the cell by hand.")
        self.last_failure = signature
        if self.failures >= max_attempts:
            message = f"Gave up after {self.failures} failed attempts in a row."
            return ending("max_attempts", message, "Look at the last error in the notebook, or rephrase the request.")
        return None


@dataclass
class RequestState:
    """What one request accumulates; each request starts a new one, so nothing carries over to the next."""

    record: RequestRecord
    work: NotebookWork  # its notebook: the view, the cell it is about, what it changed
    notebook_dir: str | None  # absolute; files changed inside it need no approval. None: unknown
    request_at: int = 0  # the request's index in the prompt, once the system prompt is put first
    approved_installs: set[str] = field(default_factory=set)  # install commands approved in this request, as written
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None  # US dollars, when the price table knows the model
    images: list[dict] = field(default_factory=list)  # the turn's images, for a model that reads them
    stop_requested: bool = False
    # The cell being run, its tool call and when it started: recorded if the run is cut short.
    in_flight: tuple[RunCell, str | None, float] | None = None
    rules: str = ""  # the project's rules, redacted, for the system message
    run_all: RunAllGuard | None = None  # whether the notebook still runs from the top
    answer_review: AnswerReview = field(default_factory=AnswerReview)  # the answer's numbers vs the outputs
    changed_state: bool = False  # a cell of the request defined or changed names in the kernel
    code_run: CodeRun | None = None  # how an outside agent's code went (``Agent.run_code``)

    def add_usage(self, reply: Reply, price: tuple[float, float] | None) -> Usage:
        """Count one model call's tokens (and cost) into the request and its record."""
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens
        if price is not None:
            spent = (reply.prompt_tokens * price[0] + reply.completion_tokens * price[1]) / 1e6
            self.cost = (self.cost or 0.0) + spent
        self.record.prompt_tokens, self.record.completion_tokens = self.prompt_tokens, self.completion_tokens
        self.record.cost = self.cost
        return Usage(self.prompt_tokens, self.completion_tokens, self.prompt_tokens + self.completion_tokens, self.cost)


@dataclass
class Action:
    """What the model asked for in one tool call (or fenced block), and how it went."""

    code: str
    tool_call_id: str | None  # None for fenced code
    cell_id: str | None = None  # edit_cell: the existing cell it goes into
    declined: bool = False  # the user did not approve it: it is not run
    declined_for: list[str] = field(default_factory=list)  # the reasons its card gave (none: every cell is reviewed)
    approved: list[str] | None = None  # the reasons the user approved it for, if asked
    question: tuple[str, list[str]] | None = None  # ask_user: the question and its options; nothing runs
    tool: tuple[str, dict] | None = None  # a tool of an MCP server: its name and arguments; nothing runs
    feedback: str = ""  # what the model was told about it (redacted)
    cell: RunCell | None = None  # the cell it ran as; None if it did not run
    result: ExecutionResult | None = None  # how that run ended
    replaced: str | None = None  # the code of the failed attempt it replaced, if it did
    closing: list[Event] | None = None  # a cell run again around it ended the request


@dataclass
class Reruns:
    """Cells of the notebook run again around an edit: what the model is told of them, and how they went."""

    reports: list[str] = field(default_factory=list)
    failed: bool = False  # one failed (or was not run): what depends on it was not run
    closing: list[Event] | None = None  # the request must end


@dataclass
class CellRun:
    """What running one cell gave: its result, and the feedback the model is told about it."""

    result: ExecutionResult | None = None
    feedback: str = ""


@dataclass
class CodeRun:
    """What ``Agent.run_code`` did: the feedback a model gets (redacted), and the run's result if it ran."""

    feedback: str
    result: ExecutionResult | None


#: What to do when a request ended because its kernel or notebook went away, by how.
LOST_HINTS = {
    "kernel_restarted": "Run the cells that define its variables again (the chat's Restore state does it), "
    "then ask again.",
    "kernel_dead": "Start the kernel again if it did not restart by itself, run the cells that define its variables "
    "(the chat's Restore state does it), then ask again.",
    "notebook_closed": "Reopen the notebook, then ask again; its kernel was left as it was.",
    "notebook_deleted": "Nothing was written back: it stays deleted. Its cells are still open in the window: "
    "File > Save Notebook As... keeps them.",
    "no_response": "Reload the page, then ask again.",
}


def stopped() -> list[Event]:
    return ending("stopped", STOPPED_MESSAGE)
