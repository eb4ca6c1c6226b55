"""The session record: what was asked, what ran, what came out.

It is the one source of truth that user-facing views are built from (the
headless runner's notebook, exports, chat history), so it keeps every attempt,
failed ones included, with their nbformat outputs, bounded in size (the
notebook keeps them whole). It is plain data and round-trips through JSON.

Beside the requests it keeps ``events``: every message the chat showed, in
order, so that a reloaded panel rebuilds exactly what the user saw (text
between steps, approval cards and answers, exports, how each request ended).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from .bounds import bounded_outputs
from .events import RunCell, ending
from .executors import ExecutionResult

#: Events of which only the latest of a run in a row matters to the view.
_LATEST_ONLY = frozenset({"status", "usage"})
#: How a request that was running when the server stopped ends, when the record is read again.
INTERRUPTED = "interrupted"


@dataclass
class Attempt:
    call_id: str
    code: str
    status: str
    outputs: list[dict]
    execution_count: int | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error_output(self) -> dict | None:
        """The error the attempt raised, if any (as its run's result would say)."""
        return ExecutionResult(self.status, self.outputs).error_output


@dataclass
class Step:
    """One cell of the notebook: its attempts in order, the last one kept."""

    number: int
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]


@dataclass
class RequestRecord:
    text: str
    notebook_path: str | None = None
    model: str | None = None
    started_at: float = field(default_factory=time.time)
    steps: list[Step] = field(default_factory=list)
    answer: str = ""
    done_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None  # US dollars, when the price table knows the model
    # Packages installed while working on the request, pinned where known
    # ("openpyxl==3.1.5"); the export installs them in its first cell.
    packages: list[str] = field(default_factory=list)
    #: What the request was about ("ask", "fix", "explain") and the cell it named, if any.
    intent: str = "ask"
    cell_id: str | None = None
    #: The cells it changed in the notebook ({kind, cell_id, call_id, step, before, after}), for review and undo.
    changes: list[dict] = field(default_factory=list)
    #: Who sent it, when not the user in the panel: the name of an outside agent (an MCP client).
    client: str | None = None

    def add_attempt(self, cell: RunCell, result: ExecutionResult) -> None:
        if not self.steps or self.steps[-1].number != cell.step:
            self.steps.append(Step(cell.step))
        self.steps[-1].attempts.append(
            Attempt(
                cell.call_id,
                cell.code,
                result.status,
                bounded_outputs(result.outputs),
                result.execution_count,
                result.duration_ms,
            )
        )


@dataclass
class SessionRecord:
    requests: list[RequestRecord] = field(default_factory=list)
    #: The chat's server messages as shown, without their session id; text deltas in a row merged.
    events: list[dict] = field(default_factory=list)

    def log(self, message: dict) -> None:
        """Keep one message the user saw (a copy), merging streamed text."""
        kind = message.get("type")
        last = self.events[-1] if self.events else None
        if kind == "notebook_changes" and self._replace_changes(message):
            return
        if kind == "kernel_card":
            self._keep_kernel_card(message)
            return
        if kind == "answer_cut_off" and last is not None and last.get("type") == "text_delta":
            self.events.pop()  # the front ends drop the text of an answer that was cut off, so does the history
        elif last is not None and last.get("type") == kind:
            if kind == "text_delta":
                last["text"] += message["text"]
                return
            if kind in _LATEST_ONLY:
                self.events[-1] = dict(message)
                return
        self.events.append(dict(message))

    def _replace_changes(self, message: dict) -> bool:
        """Each ``notebook_changes`` holds all of its request's changes so far (with the outputs of
        the cells it edited): it takes the place of that request's earlier one, which the card's
        position in the history came from. True if there was one."""
        for index in range(len(self.events) - 1, -1, -1):
            event = self.events[index]
            if event.get("type") == "notebook_changes" and event.get("request") == message.get("request"):
                self.events[index] = dict(message)
                return True
        return False

    def _keep_kernel_card(self, card: dict) -> None:
        """A card about the notebook's kernel: its latest state in its place; a new card replaces the ones
        still on offer, as the chat shows one at a time."""
        for index, event in enumerate(self.events):
            if event.get("type") == "kernel_card" and event.get("id") == card.get("id"):
                self.events[index] = dict(card)
                return
        on_offer = [e for e in self.events if e.get("type") == "kernel_card" and e.get("state") == "offered"]
        self.events = [event for event in self.events if event not in on_offer]
        self.events.append(dict(card))

    def mark_changes(self, request: int, outcomes: dict[str, str]) -> bool:
        """Note what the user did with changes of request ``request`` (by cell id: "accepted",
        "reverted", "undone", "kept"); False if that request changed none of those cells."""
        if not 0 <= request < len(self.requests):
            return False
        changes = [change for change in self.requests[request].changes if change["cell_id"] in outcomes]
        for change in changes:
            change["outcome"] = outcomes[change["cell_id"]]
        return bool(changes)

    def close_interrupted(self) -> bool:
        """End a request that never ended (the server stopped under it); True if there was one."""
        last = self.requests[-1] if self.requests else None
        if last is None or last.done_reason is not None:
            return False
        last.done_reason = INTERRUPTED
        for event in ending(INTERRUPTED, "Interrupted: the server stopped while this request ran."):
            self.log(event.to_message())
        return True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SessionRecord:
        requests = []
        for request in data.get("requests", []):
            steps = [
                Step(step["number"], [Attempt(**attempt) for attempt in step["attempts"]])
                for step in request.get("steps", [])
            ]
            requests.append(RequestRecord(**{**request, "steps": steps}))
        return cls(requests, [event for event in data.get("events", []) if isinstance(event, dict)])
