"""The write-run-fix loop, written once for every front end.

``Agent.run`` sends a request to the model, runs the code it asks for through an
``Executor``, feeds the outputs back, and repeats until the model answers
without code, the same code fails the same way twice, or too many runs in a
row fail. It yields ``events`` that each front end renders its own way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from .actions import RUN_CELL, RUN_CELL_TOOL, BadArguments, code_from_arguments, fenced_code
from .budget import DEFAULT_PROMPT_BUDGET, fit_to_budget
from .enrich import error_hint
from .events import ApprovalRequest, CellDone, Done, Error, Event, FilesChanged, RunCell, Status, TextDelta, Usage
from .executor import FATAL_STATUSES, ExecutionResult, Executor, inspect_json
from .feedback import feedback_for_model, status_line
from .install import install_code, install_request, pinned, versions_probe
from .llm import LLMClient, LLMError, Reply, ToolsRejected
from .prompts import notebook_context, system_prompt
from .record import RequestRecord, SessionRecord
from .redaction import Redactor
from .tokens import prompt_tokens

CANCELLED_RESULT = "Not run: the user stopped the request."
#: Seconds to read back the versions of freshly installed packages.
VERSIONS_TIMEOUT = 5.0
INSTALL_REASON = "The code installs packages into this notebook's environment."
DECLINED_RESULT = (
    "Not run: the user did not approve installing {}. Do the task with the packages already "
    "installed, or explain what is missing and how the user can install it."
)
SKIPPED_RESULT = "Not run: an earlier cell in this turn failed; fix that one first."


#: Asked, with a request id and the packages, before code that installs them runs.
ApproveInstall = Callable[[str, list[str]], Awaitable[bool]]


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
        approve_install: ApproveInstall | None = None,
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
        # Asked before any code that installs packages runs; None: installs are declined.
        self.approve_install = approve_install
        self.prompt_tokens = 0
        self.completion_tokens = 0

    async def run(
        self, request: str, *, notebook_path: str | None = None, context: str = ""
    ) -> AsyncIterator[Event]:
        """Work on ``request`` until done; yield events on the way.

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
        try:
            async for event in self._work(attempts):
                if isinstance(event, Done):
                    self.current.done_reason = event.reason
                yield event
        finally:
            convo.answer_dangling_calls(CANCELLED_RESULT)
            if self.current.done_reason is None:
                self.current.done_reason = "stopped"

    async def _work(self, attempts: _Attempts) -> AsyncIterator[Event]:
        """The loop proper: ask, run, feed back, until an ending."""
        convo = self.conversation
        for _round in range(self.max_rounds):
            yield Status("fixing" if attempts.failures else "thinking", *self._attempt(attempts))
            reply = None
            try:
                async for item in self._ask():
                    if isinstance(item, Reply):
                        reply = item
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

    async def _ask(self) -> AsyncIterator[str | Reply]:
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
            packages, rest_of_code = install_request(action.code)
            if packages:
                try:
                    # pip's failure must fail the cell, which a bare %pip line does not do
                    install = install_code(packages)
                except ValueError as exc:
                    self._tell_model(action.tool_call_id, f"Not run: {exc}.")
                    continue
                request_id = f"install-{uuid.uuid4().hex[:12]}"
                if self.approve_install is not None:
                    yield ApprovalRequest(request_id, packages, INSTALL_REASON)
                if self.approve_install is None or not await self.approve_install(request_id, packages):
                    self._tell_model(action.tool_call_id, DECLINED_RESULT.format(" ".join(packages)))
                    continue
                action.code = f"{install}\n{rest_of_code}".rstrip()
            cell = self._next_cell(action.code, attempts)
            yield cell
            yield Status("running" if not attempts.failures else "fixing", *self._attempt(attempts))
            started = time.perf_counter()
            result = await self.executor.run(cell)
            result.duration_ms = result.duration_ms or (time.perf_counter() - started) * 1000
            hint = await error_hint(self.executor, result, language=self.conversation.language)
            self._tell_model(
                action.tool_call_id,
                feedback_for_model(result, timeout=cell.timeout, hint=hint),
            )
            self.current.add_attempt(cell, result)
            if packages and result.ok:
                self.current.packages += await self._pinned(packages)
            yield CellDone(cell.call_id, result.status, result.error_summary())
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
        if result.ok:
            attempts.failures, attempts.last_failure, attempts.failed_call = 0, None, None
            return None
        summary = result.error_summary() or {}
        # A KeyboardInterrupt we did not cause (no timeout) is the user pressing
        # the notebook's own interrupt button: they want it to stop, not fixed.
        if result.status == "cancelled" or (
            result.status == "error" and summary.get("ename") == "KeyboardInterrupt"
        ):
            return [Status("stopped", message="Interrupted by the user."), Done("stopped")]
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
