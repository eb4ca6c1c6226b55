"""The session record: what was asked, what ran, what came out.

It is the one source of truth that user-facing views are built from (the
headless runner's notebook, exports, chat history), so it keeps every attempt,
failed ones included, with their nbformat outputs. It is plain data and
round-trips through JSON.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from .events import RunCell
from .executor import ExecutionResult


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
    # Packages installed while working on the request, pinned where known
    # ("openpyxl==3.1.5"); the export installs them in its first cell.
    packages: list[str] = field(default_factory=list)

    def add_attempt(self, cell: RunCell, result: ExecutionResult) -> None:
        if not self.steps or self.steps[-1].number != cell.step:
            self.steps.append(Step(cell.step))
        self.steps[-1].attempts.append(
            Attempt(
                cell.call_id,
                cell.code,
                result.status,
                result.outputs,
                result.execution_count,
                result.duration_ms,
            )
        )


@dataclass
class SessionRecord:
    requests: list[RequestRecord] = field(default_factory=list)

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
        return cls(requests)
