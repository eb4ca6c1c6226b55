"""What the agent loop tells its front ends, as it happens.

Each event is also a server-to-client message of the chat protocol
(docs/protocol.md): ``to_message()`` gives its JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar, Literal

Phase = Literal["thinking", "writing_code", "running", "fixing", "done", "stopped", "error"]
DoneReason = Literal["answered", "max_attempts", "max_rounds", "stuck", "stopped", "kernel", "error"]


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
class RunCell(Event):
    """A request to run code; the executor runs it, front ends show it."""

    type: ClassVar[str] = "run_cell"
    call_id: str
    code: str
    step: int
    attempt: int
    replaces: str | None
    timeout: float


@dataclass
class CellDone(Event):
    """How a run ended, as the model will be told."""

    type: ClassVar[str] = "cell_done"
    call_id: str
    status: str
    error: dict | None


@dataclass
class ApprovalRequest(Event):
    """The user must say yes before the code installs these packages."""

    type: ClassVar[str] = "approval_request"
    request_id: str
    packages: list[str]
    reason: str


@dataclass
class FilesChanged(Event):
    """Files a step created or modified."""

    type: ClassVar[str] = "files_changed"
    call_id: str
    files: list[dict]


@dataclass
class Usage(Event):
    type: ClassVar[str] = "usage"
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass
class Error(Event):
    type: ClassVar[str] = "error"
    message: str
    hint: str = ""


@dataclass
class Done(Event):
    type: ClassVar[str] = "done"
    reason: DoneReason
