"""The write-run-fix loop, written once for every front end.

``Agent.run`` sends a request to the model, runs the code it asks for through an
``Executor``, feeds the outputs back, and repeats until the model answers
without code, the same code fails the same way twice, or too many runs in a
row fail. It yields ``events`` that each front end renders its own way.

Before a cell runs, the approval gate (``approval_gate.py``) reads what it
would do; depending on ``c.CodeInterpreter.approval`` the cell waits for the
user's answer (``ApprovalRequest``, then the ``approve`` callback): run it,
edit it, or not. What the model is sent and what its reply asks for is
``model_turn.py``; what one request works with (its notebook, usage,
approvals, attempts) is ``request_state.py``, new for each request.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from .approval import ApprovalMode, Approve
from .approval_gate import approval_gate
from .bounds import bounded_outputs
from .checks import arm_checks
from .context_providers import ContextProvider, gather_context
from .conversation import Conversation
from .defuse import names_of
from .enrich import error_hint
from .events import (
    CLOSING_PHASES,
    AnswerCutOff,
    CellDone,
    Done,
    Event,
    FilesChanged,
    NotebookChanges,
    Question,
    RulesUsed,
    RunCell,
    Status,
    TextDelta,
    ending,
)
from .executors import ExecutionResult, Executor, Preparer, inspect_json
from .extra_tools import ExtraTools, ToolStep
from .feedback import feedback_for_model
from .images import image_parts, wants_images
from .install import (
    checked_installs,
    failed_install,
    pinned,
    versions_probe,
)
from .limits import Limits
from .model_client import CutOff, LLMError, ModelClient, Reply, Retrying
from .model_turn import ModelTurn
from .notebook_view import NotebookSnapshot
from .notebook_work import CodeCell, Intent, NotebookWork
from .prompts import notebook_context
from .questions import Ask, answer_for_model, first_option_or
from .record import RequestRecord, SessionRecord
from .redaction import Redactor
from .request_state import (
    Action,
    Attempts,
    CellRun,
    CodeRun,
    RequestState,
    Reruns,
    stopped,
)
from .rules import ProjectRules
from .run_all import RunAllGuard
from .setting_rules import setting_name

CANCELLED_RESULT = "Not run: the user stopped the request."
#: For a cell whose run was cut short with the request, before its outputs came back.
INTERRUPTED_RESULT = (
    "The user stopped the request while this cell ran: it was interrupted after {seconds:.1f} s; "
    "its outputs were not read back."
)
#: Seconds to read back the versions of freshly installed packages.
VERSIONS_TIMEOUT = 5.0
DECLINED_RESULT = (
    "Not run: the user did not approve: {reasons} Do the task another way (with the packages already "
    "installed, inside the notebook's folder), or explain what is needed and how the user can do it."
)
#: The reasons given to the model for a cell the user skipped in review.
SKIPPED_IN_REVIEW = "the user reviews every cell before it runs, and skipped this one."
SKIPPED_RESULT = "Not run: an earlier cell in this turn failed; fix that one first."
WAITING_FOR_ANSWER = "Waiting for your answer."
#: Headings of the cells run again around an edit of a cell of the notebook.
RERUN_BEFORE = (
    "Before it ran, the cells above it that make what it reads, run again in order (its old version had already "
    "changed those values in the kernel)"
)
RERUN_AFTER = "The cells after it that use what it defines, run again in order"
EDIT_NOT_RUN = "The edit was not run, since a cell it needs failed; fix that cell first."


class Agent:
    """Drives the model and an executor for one conversation.

    Its attributes last as long as the conversation; what one request works
    with is ``self.request``, a new ``RequestState`` for each.
    """

    def __init__(
        self,
        model: ModelClient,
        executor: Executor,
        conversation: Conversation,
        *,
        limits: Limits = Limits(),
        record: SessionRecord | None = None,
        approval: ApprovalMode = "risky",
        approve: Approve | None = None,
        ask: Ask | None = None,
        tools: ExtraTools | None = None,
    ):
        self.model = model
        self.executor = executor
        self.conversation = conversation
        self.limits = limits
        # The one choke point of model-bound text: everything but the user's own words passes it.
        self.redactor = Redactor(limits.secrets)
        self.record = record if record is not None else SessionRecord()
        if approval not in ("risky", "always", "never"):
            raise ValueError(f"approval must be 'risky', 'always' or 'never', not {approval!r}")
        self.approval = approval
        # Asked before a cell that needs approval runs; None: nobody to ask, such cells are not run.
        self.approve = approve
        # Answers the model's ask_user questions; without anyone to ask, the first option is taken.
        self.ask = ask if ask is not None else first_option_or(None, "--choose")
        self.request: RequestState | None = None  # the request being worked on (or the last one)
        self.tools = tools  # the MCP servers' tools, offered beside run_cell
        self.turn = ModelTurn(model, conversation, limits, tools)  # what the model is sent, and its replies read

    @property
    def current(self) -> RequestRecord | None:
        """The record of the request being worked on (or the last one), None before the first."""
        return self.request.record if self.request is not None else None

    @property
    def code_run(self) -> CodeRun | None:
        """How the last ``run_code`` went, while it is the latest request."""
        return self.request.code_run if self.request is not None else None

    @property
    def work(self) -> NotebookWork:
        return self.request.work if self.request is not None else NotebookWork(None)

    def _start(self, record: RequestRecord, work: NotebookWork, notebook_dir: str | None) -> None:
        self.record.requests.append(record)
        self.request = RequestState(record, work, notebook_dir, request_at=len(self.conversation.messages))
        self.request.run_all = RunAllGuard(work, self.record)

    def request_stop(self) -> None:
        """Stop after the running cell (whose result the user sees and the model is told), or now if none runs.

        The caller interrupts the cell; the loop records its partial outputs and ends ``stopped``.
        """
        if self.request is not None:
            self.request.stop_requested = True

    @property
    def running_cell(self) -> bool:
        """Whether a cell of this request is running now."""
        return self.request is not None and self.request.in_flight is not None

    async def run(
        self,
        request: str,
        *,
        notebook_path: str | None = None,
        notebook_dir: str | None = None,
        context: Sequence[ContextProvider] = (),
        notebook: NotebookSnapshot | None = None,
        intent: Intent = "ask",
        cell_id: str | None = None,
        client: str | None = None,
        rules: ProjectRules | None = None,
    ) -> AsyncIterator[Event]:
        """Work on ``request`` until done; yield events on the way.

        ``notebook_dir``, the absolute folder of the notebook (and the kernel's
        working directory), is where the cells may change files without asking;
        without it only relative paths that stay below the working directory are.
        What the ``context`` providers say (files, variables...) goes to the
        model with the request but is not recorded as part of what the user asked.
        ``notebook`` is the notebook as the user has it (the model sees it, and
        can then edit its cells); ``intent`` and ``cell_id`` say what the request
        is about: a cell to "fix" (the first code goes into it) or "explain"
        (nothing runs). ``client``: the outside agent (an MCP client) that sent it, if not the user.
        ``rules``, the project's rules files, go into the system message.
        """
        convo = self.conversation
        work = NotebookWork(notebook, intent, cell_id, self.limits.view_budget)
        if self.tools is not None:
            await self.tools.ready()  # their servers connected, before the model is offered their tools
        gathered = await gather_context(context, self.executor)
        # In a thread: the view of a notebook of hundreds of cells, and the def-use pass over them, take a while.
        parts = (gathered, await asyncio.to_thread(work.context), notebook_context(notebook_path, convo.language))
        about = "\n\n".join(part for part in parts if part)
        convo.messages.append({"role": "user", "content": f"{request}\n\n{self._for_model(about)}"})
        record = RequestRecord(request, notebook_path, intent=intent, cell_id=cell_id, client=client)
        self._start(record, work, notebook_dir)
        if rules:
            self.request.rules = self._for_model(rules.prompt_text())
            yield RulesUsed(rules.shown)
        async for event in self._recorded(self._work(Attempts())):
            yield event

    async def run_code(
        self,
        code: str,
        *,
        request: str,
        client: str,
        cell: str | None = None,
        notebook_path: str | None = None,
        notebook_dir: str | None = None,
        notebook: NotebookSnapshot | None = None,
    ) -> AsyncIterator[Event]:
        """Run code an outside agent wrote (``client``, over MCP) as a request of its own: ``request`` says what.

        The code takes the model's path (the approval gate, the executor, the
        enriched and redacted feedback, review and undo) without a model call;
        ``cell`` names an existing cell of ``notebook`` (``#3`` or its id) whose
        source it replaces. The conversation keeps what ran, so the panel's
        model knows of it. Afterwards ``self.code_run`` says how it went.
        """
        work = NotebookWork(notebook, "ask", None, self.limits.view_budget)
        self._start(RequestRecord(request, notebook_path, client=client), work, notebook_dir)
        self.request.code_run = CodeRun("", None)
        async for event in self._recorded(self._run_for(client, code, cell)):
            yield event

    async def _run_for(self, client: str, code: str, cell: str | None) -> AsyncIterator[Event]:
        action = Action(code, None, self.work.resolve(cell) if cell is not None else None)
        if cell is not None and action.cell_id is None:
            message = f"There is no cell {cell!r} in the notebook."
            self.request.code_run = CodeRun(message, None)
            for event in ending("error", message, "Name a cell as notebook_view shows it (#<n>) or by its id."):
                yield event
            return
        where = f"cell {cell}" if cell is not None else "a new cell"
        self.conversation.messages.append(
            {"role": "user", "content": self._for_model(f"{client} (MCP) ran this code in {where}:\n{code}")}
        )
        attempts = Attempts()
        async for event in self._run_action(action, attempts):
            yield event
        closing = action.closing
        if closing is None and action.result is not None:
            closing = self._after_run(action.cell, action.result, attempts)
            if closing is None:
                async for event in self._after_success(action, attempts):  # what the edit invalidates runs again
                    yield event
                closing = action.closing
        self.request.code_run = CodeRun(action.feedback, action.result)
        for event in closing or ending("answered"):
            yield event

    async def _recorded(self, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """The request's events, its ending kept in the record, however it ends."""
        try:
            async for event in events:
                if isinstance(event, Status) and event.phase in CLOSING_PHASES:
                    for warning in self.request.run_all.warnings():  # what the notebook is left with
                        yield warning
                if isinstance(event, Done):
                    self.current.done_reason = event.reason
                yield event
        finally:
            self._record_cut_short()
            self.conversation.answer_dangling_calls(CANCELLED_RESULT)
            if self.current.done_reason is None:
                self.current.done_reason = "stopped"

    def _record_cut_short(self) -> None:
        """A cell whose run the request's end cut short: kept in the record, and the model told."""
        if self.request.in_flight is None:
            return
        cell, call_id, started = self.request.in_flight
        self.request.in_flight = None
        seconds = time.perf_counter() - started
        self.current.add_attempt(cell, ExecutionResult("cancelled", duration_ms=seconds * 1000))
        self._tell_model(call_id, INTERRUPTED_RESULT.format(seconds=seconds))

    async def _work(self, attempts: Attempts) -> AsyncIterator[Event]:
        """The loop proper: ask, run, feed back, until an ending."""
        convo = self.conversation
        for _round in range(self.limits.max_rounds):
            if self.request.stop_requested:
                for event in stopped():
                    yield event
                return
            over = self.turn.over_cost(self.request)
            if over is not None:
                hint = f"Ask for less in one request, or raise {setting_name('max_cost_per_request')}."
                for event in ending("max_cost", over, hint):
                    yield event
                return
            yield Status("fixing" if attempts.failures else "thinking", *self._attempt(attempts))
            reply = None
            try:
                async for item in self.turn.ask(self.request):
                    if isinstance(item, Reply):
                        reply = item
                    elif isinstance(item, CutOff):
                        yield AnswerCutOff(item.message)
                    elif isinstance(item, Retrying):
                        yield Status("waiting", *self._attempt(attempts), message=item.message)
                    else:
                        yield TextDelta(item)
            except LLMError as exc:
                for event in ending("error", exc.message, exc.hint):
                    yield event
                return
            yield self.request.add_usage(reply, self.limits.price_of(self.model.model_name))
            self.current.model = self.model.model_name
            convo.add_reply(reply)

            actions, problem = self.turn.actions(reply, self.work, attempts, self._tell_model)
            if problem is not None:
                for event in ending("error", problem, "The model sent malformed code requests twice; try rephrasing."):
                    yield event
                return
            if not actions and not reply.tool_calls:
                # In a thread: a request's outputs may hold hundreds of thousands of numbers.
                review = self.request.answer_review.review
                check = await asyncio.to_thread(review, reply.text, list(convo.messages), self.current)
                if check is not None:
                    yield check
                    if check.stage == "sent_back":
                        convo.messages.append({"role": "user", "content": self._for_model(check.message)})
                        continue  # its revised answer comes in the next round
                self.current.answer = reply.text
                for event in ending("answered"):
                    yield event
                return
            async for event in self._run_actions(actions, attempts):
                yield event
                if isinstance(event, Done):
                    return
            self.turn.show_images(self.request)
        message = f"Stopped after {self.limits.max_rounds} model calls for this request."
        hint = f"Ask for the rest in a follow-up request, or raise {setting_name('max_rounds')}."
        for event in ending("max_rounds", message, hint):
            yield event

    def _for_model(self, text: str) -> str:
        """Model-bound text without secrets: the key, secret environment values, key-shaped strings."""
        return self.redactor.text(text)

    def _tell_model(self, call_id: str | None, text: str) -> None:
        """Answer a code request (or, in fenced mode, report its output), redacted."""
        self.conversation.add_result(call_id, self._for_model(text))

    def _attempt(self, attempts: Attempts) -> tuple[int, int]:
        return attempts.failures + 1, self.limits.max_attempts

    async def _run_actions(self, actions: list[Action], attempts: Attempts) -> AsyncIterator[Event]:
        """Run each action in order; stop the turn at the first failure."""
        for index, action in enumerate(actions):
            if action.question is not None:
                async for event in self._ask_user(action, attempts):
                    yield event
                continue
            if action.tool is not None:
                step = ToolStep(self.tools, *action.tool, redact=self._for_model)
                async for event in step.run(self.approve):
                    yield event
                self._answer(action, step.feedback)
                continue
            async for event in self._run_action(action, attempts):
                yield event
            if action.result is None and action.closing is None:
                continue
            closing = action.closing or self._after_run(action.cell, action.result, attempts)
            if closing is None:
                async for event in self._after_success(action, attempts):
                    yield event
                closing = action.closing
            if closing is not None:
                for rest in actions[index + 1 :]:
                    if rest.tool_call_id is not None:
                        self._tell_model(rest.tool_call_id, SKIPPED_RESULT)
                for event in closing:
                    yield event
                return

    async def _run_action(self, action: Action, attempts: Attempts) -> AsyncIterator[Event]:
        """One action through the approval gate and the executor; the model told how it went."""
        async for event in self._approval(action):
            yield event
        if action.declined:
            return
        action.code, packages = checked_installs(action.code)
        target = self.work.target_for(action.cell_id)
        reruns = Reruns()
        if target is not None and attempts.failed_call is None:
            async for event in self._rerun(self.work.stale_inputs(target, action.code), attempts, reruns, RERUN_BEFORE):
                yield event
        if reruns.failed:
            self._answer(action, "\n".join([*reruns.reports, EDIT_NOT_RUN]))
            action.closing = reruns.closing
            return
        replaced = attempts.failed_code
        cell = action.cell = self._next_cell(action.code, attempts, target)
        cell.approved = action.approved
        action.replaced = replaced if cell.replaces else None
        run = CellRun()
        async for event in self._run_cell(cell, run, attempts, action.tool_call_id, packages):
            yield event
        self._answer(action, "\n".join([*reruns.reports, run.feedback]))
        action.result = run.result

    async def _run_cell(
        self, cell: RunCell, run: CellRun, attempts: Attempts, tool_call_id: str | None, packages=()
    ) -> AsyncIterator[Event]:
        """Run one cell, checked after it ran (``checks.py``); its events on the way, its result and the
        feedback for the model in ``run``."""
        checks = await arm_checks(self.executor, cell.code, self.conversation.language)
        if isinstance(self.executor, Preparer):
            await self.executor.prepare(cell)  # before anyone can run it
        yield cell
        yield Status("running" if not attempts.failures else "fixing", *self._attempt(attempts))
        started = time.perf_counter()
        self.request.in_flight = (cell, tool_call_id, started)
        result = await self.executor.run(cell)
        self.request.in_flight = None
        if packages:
            result = await failed_install(self.executor, result, VERSIONS_TIMEOUT)
        result.duration_ms = result.duration_ms or (time.perf_counter() - started) * 1000
        hint = await error_hint(self.executor, result, language=self.conversation.language)
        found = await checks.findings(self.executor, result)
        feedback = feedback_for_model(result, timeout=cell.timeout, hint=hint, checks=found)
        where = self.work.where(cell, result)
        run.result, run.feedback = result, f"{where}\n{feedback}" if where else feedback
        self.current.add_attempt(cell, result)
        if wants_images(self.limits.send_images, self.model.capabilities.images):
            self.request.images += image_parts(result.outputs)
        if packages and result.ok:
            self.current.packages += await self._pinned(list(packages))
        yield CellDone(
            cell.call_id,
            result.status,
            result.error_summary(),
            bounded_outputs(result.outputs),
            result.execution_count,
            result.duration_ms,
            found,
        )
        if result.files:
            yield FilesChanged(cell.call_id, result.files)
        names = names_of(cell.code)
        self.request.changed_state = self.request.changed_state or bool(names.provides) or names.opaque
        if self.work.record(cell, result):
            self.current.changes = self.work.summary()
            yield NotebookChanges(len(self.record.requests) - 1, self.current.changes, self.request.changed_state)

    async def _after_success(self, action: Action, attempts: Attempts) -> AsyncIterator[Event]:
        """After a run that worked: whether the notebook still runs from the top (a replacement that
        relies on what only the replaced attempt defined goes back to the model), and after an edit of a
        cell of the notebook, the later cells it invalidates, run again. Said in the action's feedback."""
        cell, result = action.cell, action.result
        notes = self.request.run_all.after_replacement(cell, result, action.replaced)
        if notes:  # incomplete: the model's next code replaces this cell again
            attempts.replace_next(cell, result)
            self._add_to_answer(action, notes)
        if not (result.ok and self.work.edited_in_place(cell, result)):
            return
        later, broken = self.work.invalidated_by(result.cell_id, result.before)
        self.request.run_all.resolved(result.cell_id)
        reruns = Reruns()
        async for event in self._rerun(later, attempts, reruns, RERUN_AFTER):
            yield event
        if not reruns.failed:
            reruns.reports += self.request.run_all.after_edit(broken, {cell.id: cell.ref for cell in later})
        self._add_to_answer(action, reruns.reports)
        action.closing = reruns.closing

    async def _rerun(
        self, cells: list[CodeCell], attempts: Attempts, reruns: Reruns, heading: str
    ) -> AsyncIterator[Event]:
        """Run cells of the notebook again, unchanged, in order, as steps (each through the approval gate);
        stop at the first that fails. Their feedback goes into ``reruns.reports``."""
        if cells:
            reruns.reports.append(f"[re-run] {heading}:")
        for number, dependent in enumerate(cells):
            rerun = Action(dependent.source, None, dependent.id)
            async for event in self._approval(rerun, tell_model=False):  # the user's code, run by us: same gate
                yield event
            if self.request.stop_requested or rerun.declined:
                why = "the user stopped" if self.request.stop_requested else "the user did not approve running it"
                reruns.reports.append(f"{', '.join(cell.ref for cell in cells[number:])}: not run ({why}).")
                reruns.failed = True
                return
            cell = self._next_cell(rerun.code, attempts, dependent.id)
            cell = replace(cell, rerun=rerun.code == dependent.source)
            run = CellRun()
            async for event in self._run_cell(cell, run, attempts, None):
                yield event
            reruns.reports.append(f"{dependent.ref} (id {dependent.id}): {run.feedback}")
            reruns.closing = self._after_run(cell, run.result, attempts)
            if reruns.closing is not None or not run.result.ok:
                rest = ", ".join(cell.ref for cell in cells[number + 1 :])
                if rest:
                    reruns.reports.append(f"{rest}: not run, since {dependent.ref} failed; fix it first.")
                reruns.failed = True
                return

    def _answer(self, action: Action, text: str) -> None:
        """Tell the model how the action went, and keep it with the action."""
        action.feedback = self._for_model(text)
        self.conversation.add_result(action.tool_call_id, action.feedback)

    def _add_to_answer(self, action: Action, lines: list[str]) -> None:
        """Say more in the answer already given to the action (one answer per tool call)."""
        if not lines:
            return
        more = self._for_model("\n".join(lines))
        for message in reversed(self.conversation.messages):
            if message.get("tool_call_id") == action.tool_call_id or (
                action.tool_call_id is None and message["role"] == "user"
            ):
                message["content"] = f"{message['content']}\n{more}"
                break
        action.feedback = f"{action.feedback}\n{more}"

    async def _approval(self, action: Action, *, tell_model: bool = True) -> AsyncIterator[Event]:
        """The approval gate (``approval_gate.py``); with ``tell_model``, the model is told why a declined
        action did not run."""
        gate = approval_gate(action, self.request, mode=self.approval, approve=self.approve, executor=self.executor)
        async for event in gate:
            yield event
        if action.declined and tell_model:
            reasons = " ".join(action.declined_for) or SKIPPED_IN_REVIEW
            self._answer(action, DECLINED_RESULT.format(reasons=reasons))

    async def _ask_user(self, action: Action, attempts: Attempts) -> AsyncIterator[Event]:
        """Show the model's question and wait for the answer; the model continues from it."""
        question = Question(f"question-{uuid.uuid4().hex[:12]}", *action.question)
        yield question
        yield Status("waiting", *self._attempt(attempts), message=WAITING_FOR_ANSWER)
        answer = await self.ask(question)
        self._tell_model(action.tool_call_id, answer_for_model(question, answer))

    async def _pinned(self, packages: list[str]) -> list[str]:
        """The installed packages with their versions, for a reproducible export."""
        return pinned(packages, await inspect_json(self.executor, versions_probe(packages), VERSIONS_TIMEOUT))

    def _next_cell(self, code: str, attempts: Attempts, cell_id: str | None) -> RunCell:
        """A new step (in a new cell, or in the existing cell ``cell_id``), or the next attempt at the
        step that just failed, in its cell."""
        retry = attempts.failed_call is not None and cell_id in (None, attempts.failed_cell_id)
        if not retry:
            self.conversation.step += 1
        attempts.attempt = attempts.attempt + 1 if retry else 1
        return RunCell(
            call_id=f"cell-{uuid.uuid4().hex[:12]}",
            code=code,
            step=self.conversation.step,
            attempt=attempts.attempt,
            replaces=attempts.failed_call if retry else None,
            timeout=self.limits.cell_timeout,
            cell_id=None if retry else cell_id,
        )

    def _after_run(self, cell: RunCell, result: ExecutionResult, attempts: Attempts) -> list[Event] | None:
        """Update the attempt count; the closing events if the request must end."""
        stop_requested = self.request.stop_requested
        return attempts.after_run(cell, result, stop_requested=stop_requested, max_attempts=self.limits.max_attempts)
