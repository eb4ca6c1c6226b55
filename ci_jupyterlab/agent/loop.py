"""The write-run-fix loop, written once for every front end.

``Agent.run`` sends a request to the model, runs the code it asks for through an
``Executor``, feeds the outputs back, and repeats until the model answers
without code, the same code fails the same way twice, or too many runs in a
row fail. It yields ``events`` that each front end renders its own way.

Before a cell runs, ``risk.assess`` reads what it would do; depending on
``c.CodeInterpreter.approval`` the cell waits for the user's answer
(``ApprovalRequest``, then the ``approve`` callback): run it, edit it, or not.
"""

from __future__ import annotations

import shlex
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Set
from dataclasses import dataclass, field
from typing import Literal

from .actions import RUN_CELL, RUN_CELL_TOOL, BadArguments, code_from_arguments, fenced_code
from .bounds import bounded_outputs
from .budget import DEFAULT_PROMPT_BUDGET, fit_to_budget
from .enrich import error_hint
from .events import AnswerCutOff, ApprovalKind, ApprovalRequest, CellDone, Done, Error, Event, FilesChanged, RunCell, Status, TextDelta, Usage
from .executor import FATAL_STATUSES, ExecutionResult, Executor, inspect_json
from .feedback import feedback_for_model, status_line
from .install import install_code, pinned, versions_probe
from .llm import CutOff, LLMClient, LLMError, Reply, ToolsRejected
from .prompts import notebook_context, system_prompt
from .record import RequestRecord, SessionRecord
from .redaction import Redactor
from .risk import Risks, assess, whole_line_installs
from .tokens import prompt_tokens

CANCELLED_RESULT = "Not run: the user stopped the request."
#: For a cell whose run was cut short with the request, before its outputs came back.
INTERRUPTED_RESULT = (
    "The user stopped the request while this cell ran: it was interrupted after {seconds:.1f} s; "
    "its outputs were not read back."
)
#: Seconds to read back the versions of freshly installed packages.
VERSIONS_TIMEOUT = 5.0
INSTALL_REASON = "The code installs packages into this notebook's environment."
REVIEW_REASON = "Every cell waits for your review before it runs."
DECLINED_RESULT = (
    "Not run: the user did not approve: {reasons} Do the task another way (with the packages already "
    "installed, inside the notebook's folder), or explain what is needed and how the user can do it."
)
#: The reasons given to the model for a cell the user skipped in review.
SKIPPED_IN_REVIEW = "the user reviews every cell before it runs, and skipped this one."
SKIPPED_RESULT = "Not run: an earlier cell in this turn failed; fix that one first."


#: ``c.CodeInterpreter.approval``: which cells wait for the user.
ApprovalMode = Literal["risky", "always", "never"]
#: The user's answer: run the cell (True), do not (False), or run this edited code instead.
Answer = bool | str
#: Asked before a cell that needs approval runs, right after its ``ApprovalRequest`` is yielded.
Approve = Callable[[ApprovalRequest], Awaitable[Answer]]


def approval_kind(risks: Risks, mode: str, approved_packages: Set[str] = frozenset()) -> ApprovalKind | None:
    """The approval a cell with ``risks`` waits for before it runs; None if it runs unasked.

    "install" if installing packages is all it does that needs approval,
    "risky" if it does more, "review" if nothing (asked only in "always"
    mode). In "risky" mode a cell that only installs packages the user already
    approved in this request runs unasked; any other package is asked again.
    """
    if mode == "never":
        return None
    only_installs = not (risks.uninstalls or risks.shell_commands or risks.file_changes)
    kind: ApprovalKind = "review" if not risks.any else "install" if only_installs else "risky"
    if mode == "always":
        return kind
    if kind == "review" or (kind == "install" and set(risks.installs) <= approved_packages):
        return None
    return kind


def approval_summary(kind: ApprovalKind, risks: Risks) -> str:
    """One line on why a cell waits, for clients that show nothing else."""
    if kind == "install":
        return INSTALL_REASON
    if kind == "review":
        return REVIEW_REASON
    found = (
        (risks.installs, "installs packages"),
        (risks.uninstalls, "uninstalls packages"),
        (risks.shell_commands, "runs shell commands"),
        (risks.file_changes, "changes files outside the notebook's folder"),
    )
    parts = [text for present, text in found if present]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"The code {listed}."


def checked_installs(code: str) -> tuple[str, tuple[str, ...]]:
    """``code`` with its whole-line pip installs swapped for one install that fails the cell if pip does.

    A bare ``%pip`` line does not raise when pip fails. Also the packages so
    installed (empty, and ``code`` as it is, when the installs cannot be swapped:
    a cell magic, an install inside a block or a call, a package named at run time).
    """
    found = None if code.lstrip().startswith("%%") else whole_line_installs(code)
    if not found or not found[0]:
        return code, ()
    packages, numbers = found
    lines = code.split("\n")
    if not all(_only_plain_options(lines[number]) for number in numbers):
        return code, ()  # an index, a constraint, --pre...: the swap would drop it
    try:
        install = install_code(list(packages))
    except ValueError:  # not a plain requirement: it runs as written
        return code, ()
    rest = "\n".join(line for number, line in enumerate(lines) if number not in numbers).strip("\n")
    return f"{install}\n{rest}".rstrip(), packages


#: pip options the checked install may drop: they change what pip prints, not what it installs.
_PLAIN_OPTIONS = {
    "-q", "-qq", "-qqq", "--quiet", "--no-cache-dir", "--disable-pip-version-check",
    "--no-warn-script-location", "-r", "--requirement", "-e", "--editable",
}  # fmt: skip


def _only_plain_options(line: str) -> bool:
    """Whether the options of one line of a pip install are all ones the checked install may leave out.

    The options after ``install``, up to a pipe, chain or redirection (what
    follows those only reads pip's output).
    """
    try:
        words = shlex.split(line.rstrip("\\"))
    except ValueError:
        return False
    if "install" in words:
        words = words[words.index("install") + 1 :]
    for word in words:
        if any(mark in word for mark in "|;&>"):
            break
        if word.startswith("-") and word.split("=", 1)[0] not in _PLAIN_OPTIONS:
            return False
    return True


@dataclass
class Conversation:
    """The model-facing history of one session, kept across requests.

    ``use_tools`` turns false for good once the endpoint rejects tool calls.
    ``step`` counts the cells that this conversation has put in the notebook.
    """

    language: str | None = None
    use_tools: bool = True
    model_called_tools: bool = False
    messages: list[dict] = field(default_factory=list)
    step: int = 0

    def with_system_prompt(self) -> list[dict]:
        return [
            {"role": "system", "content": system_prompt(use_tools=self.use_tools, language=self.language)},
            *self.messages,
        ]

    def add_reply(self, reply: Reply) -> None:
        message: dict = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in reply.tool_calls
            ]
        self.messages.append(message)

    def add_result(self, call_id: str | None, text: str) -> None:
        """What a run gave: a tool message, or a user message in fenced mode."""
        if call_id is not None:
            self.messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
        else:
            self.messages.append({"role": "user", "content": f"Output of the code:\n{text}"})

    def answer_dangling_calls(self, text: str) -> None:
        """Give every tool call still without a result one, so the history stays valid."""
        answered = {m["tool_call_id"] for m in self.messages if m["role"] == "tool"}
        for message in reversed(self.messages):
            if message["role"] == "assistant" and message.get("tool_calls"):
                for call in message["tool_calls"]:
                    if call["id"] not in answered:
                        self.add_result(call["id"], text)
                return


@dataclass
class _Attempts:
    """Consecutive failures within one request, for the cap and stuck detection."""

    failures: int = 0
    last_failure: tuple | None = None
    failed_call: str | None = None  # the cell the next code replaces
    bad_arguments_reported: bool = False


@dataclass
class _Action:
    code: str
    tool_call_id: str | None  # None for fenced code
    declined: bool = False  # the user did not approve it: it is not run


class Agent:
    """Drives the model and an executor for one conversation."""

    def __init__(
        self,
        llm: LLMClient,
        executor: Executor,
        conversation: Conversation,
        *,
        max_attempts: int = 3,
        max_rounds: int = 12,
        cell_timeout: float = 120.0,
        secrets: tuple[str, ...] = (),
        record: SessionRecord | None = None,
        prompt_budget: int = DEFAULT_PROMPT_BUDGET,
        approval: ApprovalMode = "risky",
        approve: Approve | None = None,
    ):
        self.llm = llm
        self.executor = executor
        self.conversation = conversation
        self.max_attempts = max_attempts
        self.max_rounds = max_rounds
        self.cell_timeout = cell_timeout
        # The one choke point of model-bound text: everything but the user's own words passes it.
        self.redactor = Redactor(secrets)
        self.record = record if record is not None else SessionRecord()
        self.prompt_budget = prompt_budget
        if approval not in ("risky", "always", "never"):
            raise ValueError(f"approval must be 'risky', 'always' or 'never', not {approval!r}")
        self.approval = approval
        # Asked before a cell that needs approval runs; None: nobody to ask, such cells are not run.
        self.approve = approve
        # The notebook's folder (absolute): files changed inside it need no approval. None: unknown.
        self.notebook_dir: str | None = None
        self._approved_packages: set[str] = set()  # approved in this request, as shown
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._stop_requested = False
        self.current: RequestRecord | None = None  # the request being worked on, once run() starts
        # The cell being run, its tool call and when it started: recorded if the run is cut short.
        self._in_flight: tuple[RunCell, str | None, float] | None = None

    def request_stop(self) -> None:
        """Stop after the running cell (whose result the user sees and the model is told), or now if none runs.

        The caller interrupts the cell; the loop records its partial outputs and ends ``stopped``.
        """
        self._stop_requested = True

    @property
    def running_cell(self) -> bool:
        """Whether a cell of this request is running now."""
        return self._in_flight is not None

    async def run(
        self, request: str, *, notebook_path: str | None = None, notebook_dir: str | None = None, context: str = ""
    ) -> AsyncIterator[Event]:
        """Work on ``request`` until done; yield events on the way.

        ``notebook_dir``, the absolute folder of the notebook (and the kernel's
        working directory), is where the cells may change files without asking;
        without it only relative paths that stay below the working directory are.
        ``context`` (files, variables...) goes to the model with the request
        but is not recorded as part of what the user asked.
        """
        convo = self.conversation
        about = "\n\n".join(p for p in (context, notebook_context(notebook_path, convo.language)) if p)
        convo.messages.append({"role": "user", "content": f"{request}\n\n{self._for_model(about)}"})
        self._request_at = len(convo.messages)  # its index once the system prompt is put first
        self.current = RequestRecord(request, notebook_path)
        self.record.requests.append(self.current)
        attempts = _Attempts()
        self._stop_requested = False
        self.notebook_dir = notebook_dir
        self._approved_packages = set()
        try:
            async for event in self._work(attempts):
                if isinstance(event, Done):
                    self.current.done_reason = event.reason
                yield event
        finally:
            self._record_cut_short()
            convo.answer_dangling_calls(CANCELLED_RESULT)
            if self.current.done_reason is None:
                self.current.done_reason = "stopped"

    def _record_cut_short(self) -> None:
        """A cell whose run the request's end cut short: kept in the record, and the model told."""
        if self._in_flight is None:
            return
        cell, call_id, started = self._in_flight
        self._in_flight = None
        seconds = time.perf_counter() - started
        self.current.add_attempt(cell, ExecutionResult("cancelled", duration_ms=seconds * 1000))
        self._tell_model(call_id, INTERRUPTED_RESULT.format(seconds=seconds))

    async def _work(self, attempts: _Attempts) -> AsyncIterator[Event]:
        """The loop proper: ask, run, feed back, until an ending."""
        convo = self.conversation
        for _round in range(self.max_rounds):
            if self._stop_requested:
                for event in _stopped():
                    yield event
                return
            yield Status("fixing" if attempts.failures else "thinking", *self._attempt(attempts))
            reply = None
            try:
                async for item in self._ask():
                    if isinstance(item, Reply):
                        reply = item
                    elif isinstance(item, CutOff):
                        yield AnswerCutOff(item.message)
                    else:
                        yield TextDelta(item)
            except LLMError as exc:
                yield Error(exc.message, exc.hint)
                yield Status("error", message=exc.message)
                yield Done("error")
                return
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
            yield Usage(self.prompt_tokens, self.completion_tokens, self.prompt_tokens + self.completion_tokens)
            self.current.prompt_tokens, self.current.completion_tokens = self.prompt_tokens, self.completion_tokens
            self.current.model = self.llm.model_name
            convo.add_reply(reply)

            actions, problem = self._actions(reply, attempts)
            if problem is not None:
                yield Error(problem, "The model sent malformed code requests twice; try rephrasing.")
                yield Status("error", message=problem)
                yield Done("error")
                return
            if not actions and not reply.tool_calls:
                self.current.answer = reply.text
                yield Status("done")
                yield Done("answered")
                return
            async for event in self._run_actions(actions, attempts):
                yield event
                if isinstance(event, Done):
                    return
        message = f"Stopped after {self.max_rounds} model calls for this request."
        yield Error(message, "Ask for the rest in a follow-up request, or raise c.CodeInterpreter.max_rounds.")
        yield Status("error", message=message)
        yield Done("max_rounds")

    def _for_model(self, text: str) -> str:
        """Model-bound text without secrets: the key, secret environment values, key-shaped strings."""
        return self.redactor.text(text)

    def _tell_model(self, call_id: str | None, text: str) -> None:
        """Answer a code request (or, in fenced mode, report its output), redacted."""
        self.conversation.add_result(call_id, self._for_model(text))

    def _attempt(self, attempts: _Attempts) -> tuple[int, int]:
        return attempts.failures + 1, self.max_attempts

    async def _ask(self) -> AsyncIterator[str | CutOff | Reply]:
        """Stream one answer; fall back to fenced code if tools are refused."""
        convo = self.conversation
        tools = [RUN_CELL_TOOL] if convo.use_tools else None
        try:
            async for item in self.llm.stream(self._prompt(tools), tools=tools):
                yield item
        except ToolsRejected:
            convo.use_tools = False
            async for item in self.llm.stream(self._prompt(None), tools=None):
                yield item

    def _prompt(self, tools: list[dict] | None) -> list[dict]:
        """The history as sent: system prompt first, within the prompt budget."""
        return fit_to_budget(
            self.conversation.with_system_prompt(),
            self.prompt_budget - prompt_tokens([], tools),
            current_request=self._request_at,
        )

    def _actions(self, reply: Reply, attempts: _Attempts) -> tuple[list[_Action], str | None]:
        """The code the reply asks to run, and a fatal problem if any.

        A malformed tool call is answered with what is wrong once per request;
        the second one ends the request.
        """
        if not reply.tool_calls:
            # Fenced code is a request to run it from a model that does not call
            # tools; from one that does, it is an illustration in the answer.
            code = None if self.conversation.model_called_tools else fenced_code(reply.text)
            return ([_Action(code, None)] if code else []), None
        self.conversation.model_called_tools = True
        actions = []
        for call in reply.tool_calls:
            try:
                if call.name != RUN_CELL:
                    raise BadArguments(f"there is no tool named '{call.name}'; use {RUN_CELL}")
                actions.append(_Action(code_from_arguments(call.arguments), call.id))
            except BadArguments as exc:
                if attempts.bad_arguments_reported:
                    return [], f"The model's tool call was malformed again: {exc}."
                attempts.bad_arguments_reported = True
                self._tell_model(call.id, f"Error: {exc}. Nothing was run.")
        return actions, None

    async def _run_actions(self, actions: list[_Action], attempts: _Attempts) -> AsyncIterator[Event]:
        """Run each action in order; stop the turn at the first failure."""
        for index, action in enumerate(actions):
            async for event in self._approval(action):
                yield event
            if action.declined:
                continue
            action.code, packages = checked_installs(action.code)
            cell = self._next_cell(action.code, attempts)
            yield cell
            yield Status("running" if not attempts.failures else "fixing", *self._attempt(attempts))
            started = time.perf_counter()
            self._in_flight = (cell, action.tool_call_id, started)
            result = await self.executor.run(cell)
            self._in_flight = None
            result.duration_ms = result.duration_ms or (time.perf_counter() - started) * 1000
            hint = await error_hint(self.executor, result, language=self.conversation.language)
            self._tell_model(
                action.tool_call_id,
                feedback_for_model(result, timeout=cell.timeout, hint=hint),
            )
            self.current.add_attempt(cell, result)
            if packages and result.ok:
                self.current.packages += await self._pinned(list(packages))
            yield CellDone(
                cell.call_id,
                result.status,
                result.error_summary(),
                bounded_outputs(result.outputs),
                result.execution_count,
                result.duration_ms,
            )
            if result.files:
                yield FilesChanged(cell.call_id, result.files)
            ending = self._after_run(cell, result, attempts)
            if ending is not None:
                for rest in actions[index + 1 :]:
                    if rest.tool_call_id is not None:
                        self._tell_model(rest.tool_call_id, SKIPPED_RESULT)
                for event in ending:
                    yield event
                return

    async def _approval(self, action: _Action) -> AsyncIterator[ApprovalRequest]:
        """Ask the user about the action's code while it needs approval.

        Afterwards ``action.code`` is what runs (the user may have edited it:
        assessed again in "risky" mode, run as written in "always" mode), or
        ``action.declined`` is set and the model has been told why.
        """
        while True:
            risks = assess(action.code, self.notebook_dir)
            kind = approval_kind(risks, self.approval, self._approved_packages)
            if kind is None:
                return
            request = ApprovalRequest(
                f"approval-{uuid.uuid4().hex[:12]}",
                kind,
                list(risks.installs),
                risks.reasons(),
                action.code,
                approval_summary(kind, risks),
            )
            answer: Answer = False
            if self.approve is not None:
                yield request
                answer = await self.approve(request)
            if isinstance(answer, str):
                action.code = answer
                if self.approval == "risky":
                    continue
                return
            if answer is True:
                self._approved_packages.update(risks.installs)  # exactly those shown
                return
            action.declined = True
            reasons = " ".join(request.reasons) or SKIPPED_IN_REVIEW
            self._tell_model(action.tool_call_id, DECLINED_RESULT.format(reasons=reasons))
            return

    async def _pinned(self, packages: list[str]) -> list[str]:
        """The installed packages with their versions, for a reproducible export."""
        return pinned(packages, await inspect_json(self.executor, versions_probe(packages), VERSIONS_TIMEOUT))

    def _next_cell(self, code: str, attempts: _Attempts) -> RunCell:
        """A new step, or the next attempt at the step that just failed."""
        if attempts.failed_call is None:
            self.conversation.step += 1
        return RunCell(
            call_id=f"cell-{uuid.uuid4().hex[:12]}",
            code=code,
            step=self.conversation.step,
            attempt=attempts.failures + 1,
            replaces=attempts.failed_call,
            timeout=self.cell_timeout,
        )

    def _after_run(self, cell: RunCell, result: ExecutionResult, attempts: _Attempts) -> list[Event] | None:
        """Update the attempt count; the closing events if the request must end."""
        summary = result.error_summary() or {}
        # A KeyboardInterrupt we did not cause (no timeout) is the user pressing
        # the notebook's own interrupt button: they want it to stop, not fixed.
        if (
            self._stop_requested
            or result.status == "cancelled"
            or (result.status == "error" and summary.get("ename") == "KeyboardInterrupt")
        ):
            return _stopped()
        if result.ok:
            attempts.failures, attempts.last_failure, attempts.failed_call = 0, None, None
            return None
        if result.status in FATAL_STATUSES:
            message = status_line(result)
            return [
                Error(message, "Restart or reopen the notebook, then ask again; earlier variables may need re-running."),
                Status("error", message=message),
                Done("kernel"),
            ]
        attempts.failures += 1
        attempts.failed_call = cell.call_id
        signature = (" ".join(cell.code.split()), summary.get("ename"), summary.get("evalue"))
        if signature == attempts.last_failure:
            message = f"Stopped: the same code failed twice with {summary.get('ename')}: {summary.get('evalue')}"
            return [
                Error(message, "The assistant is stuck; rephrase the request or fix the cell by hand."),
                Status("error", message=message),
                Done("stuck"),
            ]
        attempts.last_failure = signature
        if attempts.failures >= self.max_attempts:
            message = f"Gave up after {attempts.failures} failed attempts in a row."
            return [
                Error(message, "Look at the last error in the notebook, or rephrase the request."),
                Status("error", message=message),
                Done("max_attempts"),
            ]
        return None


def _stopped() -> list[Event]:
    return [Status("stopped", message="Stopped by the user."), Done("stopped")]
