"""What the agent loop tells its front ends, as it happens.

Each event is also a server-to-client message of the chat protocol
(docs/protocol.md): ``to_message()`` gives its JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar, Literal

Phase = Literal["thinking", "running", "waiting", "fixing", "done", "stopped", "error"]
#: ``interrupted``: the server stopped, or the page went away, while the request ran.
DoneReason = Literal[
    "answered", "max_attempts", "max_rounds", "max_cost", "stuck", "stopped", "kernel", "error", "interrupted"
]
ApprovalKind = Literal["install", "risky", "review", "tool"]


@dataclass
class Event:
    type: ClassVar[str]

    def to_message(self) -> dict:
        return {"type": self.type, **asdict(self)}


@dataclass
class Status(Event):
    type: ClassVar[str] = "status"
    phase: Phase
    attempt: int = 0
    max_attempts: int = 0
    message: str = ""


@dataclass
class TextDelta(Event):
    type: ClassVar[str] = "text_delta"
    text: str


@dataclass
class AnswerCutOff(Event):
    """The answer streamed so far was cut off: front ends drop its text; it is asked for again."""

    type: ClassVar[str] = "answer_cut_off"
    message: str


@dataclass
class RunCell(Event):
    """A request to run code; the executor runs it, front ends show it."""

    type: ClassVar[str] = "run_cell"
    call_id: str
    code: str
    step: int
    attempt: int
    replaces: str | None
    timeout: float
    cell_id: str | None = None  # run in this existing cell (an edit) instead of a new one
    #: Run again, unchanged, because an earlier cell it depends on was edited (``cell_id`` is set).
    rerun: bool = False
    #: Why the user was asked before it ran (the reasons they approved); None: it ran unasked. Restore
    #: state asks again before running such a cell again.
    approved: list[str] | None = None


@dataclass
class CellDone(Event):
    """How a run ended, as the model will be told, with its outputs bounded for the chat."""

    type: ClassVar[str] = "cell_done"
    call_id: str
    status: str
    error: dict | None
    outputs: list[dict] = field(default_factory=list)
    execution_count: int | None = None
    duration_ms: float = 0.0
    #: What the silent-failure checks found wrong with a cell that ran without an error (``checks.py``).
    checks: list[str] = field(default_factory=list)


@dataclass
class ApprovalRequest(Event):
    """The user must say yes before this cell runs.

    ``kind``: "install" when all the cell does that needs approval is install
    ``packages``; "risky" when it also runs shell commands, uninstalls, or
    changes files outside the notebook's folder; "review" when it does none of
    that but every cell is reviewed (``c.CodeInterpreter.approval = "always"``).
    ``reasons`` are one sentence per kind of risk; ``reason`` is a one-line
    summary, all that clients older than ``kind`` show. "tool": the model
    calls a tool of an MCP server (``tool``), with the arguments in ``code``.
    """

    type: ClassVar[str] = "approval_request"
    request_id: str
    kind: ApprovalKind
    packages: list[str]
    reasons: list[str]
    code: str
    reason: str
    cell_id: str | None = None  # the code goes into this existing cell (an edit): the card shows a diff
    before: str | None = None  # that cell's source now
    #: For installs: the exact code that will run (the index and the versions installed follow: ApprovalDetails).
    command: str | None = None
    #: For a tool of an MCP server ("tool"): the tool as shown, "<server>/<tool>"; ``code`` holds its arguments.
    tool: str | None = None


@dataclass
class ToolCall(Event):
    """The model calls a tool of an MCP server: a step of its own, shown with its arguments (JSON, redacted)."""

    type: ClassVar[str] = "tool_call"
    call_id: str
    tool: str  # "<server>/<tool>"
    arguments: str


@dataclass
class ToolResult(Event):
    """How a tool call ended: "ok", "error" (the tool said so) or "declined"; its result as the model got it."""

    type: ClassVar[str] = "tool_result"
    call_id: str
    status: Literal["ok", "error", "declined"]
    text: str


@dataclass
class ApprovalDetails(Event):
    """What the card of a waiting install shows once the kernel has said, sent after the card (which shows
    at once): first pip's ``index`` and the versions ``installed`` now, then what pip would install (its dry
    run).

    ``plan``: ``[{name, version, requested, installed, source}]`` (installed:
    the version now, None if new); or ``plan_error``: why pip could not say;
    both None: not said yet.
    """

    type: ClassVar[str] = "approval_details"
    request_id: str
    plan: list[dict] | None = None
    plan_error: str | None = None
    index: str | None = None
    installed: dict | None = None


@dataclass
class Question(Event):
    """The model asks the user to choose (``ask_user``); the request waits for the answer."""

    type: ClassVar[str] = "question"
    request_id: str
    question: str
    options: list[str]


@dataclass
class Inspect(Event):
    """A silent lookup the browser runs in the notebook's kernel (no cell, no history) for the server."""

    type: ClassVar[str] = "inspect"
    call_id: str
    code: str
    timeout: float  # seconds; then the browser interrupts the kernel and answers null


@dataclass
class FilesChanged(Event):
    """Files a step created or modified."""

    type: ClassVar[str] = "files_changed"
    call_id: str
    files: list[dict]


@dataclass
class NotebookChanges(Event):
    """Every change the request made to the notebook so far (cells inserted or edited), for review and undo."""

    type: ClassVar[str] = "notebook_changes"
    request: int  # the request's index in the session record
    changes: list[dict]
    #: Whether a cell the request ran changed the kernel's state (defined or changed names): if so, its
    #: undo can restore the kernel too (restart, re-run the notebook's cells).
    state_changed: bool = False


@dataclass
class Usage(Event):
    type: ClassVar[str] = "usage"
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float | None = None  # US dollars so far in this request, when the price table knows the model


@dataclass
class RulesUsed(Event):
    """The project's rules files the model was given for this request (``rules.py``), as front ends name them."""

    type: ClassVar[str] = "rules"
    files: list[str]


@dataclass
class AnswerCheck(Event):
    """The final answer states numbers no output shows (``answer_check.py``). ``sent_back``: the model
    was asked to check them, its revised answer follows (front ends fold the first one); ``marked``: the
    revised answer still states them, front ends mark them in it."""

    type: ClassVar[str] = "answer_check"
    stage: Literal["sent_back", "marked"]
    numbers: list[str]
    message: str = ""  # what the model was told, when sent back


@dataclass
class NotebookWarning(Event):
    """Something the user should know about the notebook the request leaves, e.g. that it would fail
    when run from the top; said once, before the request's ending."""

    type: ClassVar[str] = "warning"
    message: str
    hint: str = ""


@dataclass
class Error(Event):
    type: ClassVar[str] = "error"
    message: str
    hint: str = ""
    #: A reason the client acts on: ``not_your_conversation`` (it lacks the conversation's key).
    code: str | None = None


@dataclass
class Done(Event):
    type: ClassVar[str] = "done"
    reason: DoneReason


#: The status a request ends on, by how it ended; every other ending is an error.
_CLOSING_PHASE: dict[str, Phase] = {"answered": "done", "stopped": "stopped"}
#: The phases of a request's closing ``Status``.
CLOSING_PHASES: frozenset[str] = frozenset({"done", "stopped", "error"})


def ending(reason: DoneReason, message: str = "", hint: str | None = None) -> list[Event]:
    """The events that end a request, in the order front ends expect.

    With a ``hint`` (even an empty one) the user is first shown an ``Error``
    with ``message``; then comes the closing ``Status`` and ``Done``.
    """
    closing = [Status(_CLOSING_PHASE.get(reason, "error"), message=message), Done(reason)]
    return ([Error(message, hint)] if hint is not None else []) + closing
