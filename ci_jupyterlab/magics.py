"""The ``%%ci`` and ``%ci`` magics: the code interpreter inside the kernel.

::

    %load_ext ci_jupyterlab

    %%ci --max-attempts 2
    Load sales.csv and plot revenue by month.

The request runs through the same agent loop as the chat panel; the model's
code runs in this kernel's namespace and shows its outputs under the cell.
Each successful request is recorded in a journal in the working directory, and
re-running the unchanged cell replays the recorded code without the model, so
"Restart Kernel and Run All" gives the same results with no model at all.
See "The %%ci magic" in README.md.
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from .agent import (
    ApprovalRequest,
    Assistant,
    DataProfile,
    Done,
    Error,
    KernelEnvironment,
    NamespaceSummary,
    Question,
    RunCell,
    find_rules,
)
from .agent.executors.inkernel import InKernelRunner
from .agent.executors.worker import CellJob, InspectJob, events_from_worker
from .agent.journal import JOURNAL_NAME, Journal, Recording
from .agent.notebook_view import NotebookSnapshot, ViewCell
from .agent.questions import answer_summary, first_option_or, preset_answer
from .agent.text import plural
from .magic_options import MagicOptions, OptionError, parse_magic, recording_options
from .magic_view import MagicView
from .user_config import load_settings

#: Characters of the variables summary sent with each request.
CONTEXT_BUDGET = 3000
#: Characters of an earlier cell's result (its repr) in the input history shown to the model.
HISTORY_RESULT_CHARS = 2000
NOT_ASKED = "Not run: this step needs your approval, which %%ci cannot ask for."


async def _cannot_ask(request: ApprovalRequest) -> bool:
    """%%ci has no way to ask the user before a cell runs: what needs approval is not run."""
    return False


class CodeInterpreterRequest:
    """One ``%%ci`` request: replay its recording, or ask the model and record the result."""

    def __init__(self, shell, options: MagicOptions, request: str):
        self.shell = shell
        self.options = options
        self.request = request
        self.view = MagicView()
        self.runner = InKernelRunner(shell)
        self.journal = Journal(Path.cwd() / JOURNAL_NAME)
        self.settings = load_settings(max_attempts=options.max_attempts)

    def run(self) -> None:
        recording = None if self.options.fresh else self.journal.find(self.request, recording_options(self.options))
        self._warn_about_journal()
        if recording is not None:
            self.replay(recording)
            return
        problem = self.settings.problem() or self.settings.model_problem(self.options.model)
        if problem is not None:
            self.view.problem(problem.message, problem.hint)
            return
        try:
            self.ask_model()
        except KeyboardInterrupt:
            self.view.note("Stopped.")

    def replay(self, recording: Recording) -> None:
        """Show (and unless --no-run, run) the recorded steps; the model is not called."""
        steps = recording.steps
        for number, code in enumerate(steps, 1):
            self.view.code(number, code)
            if self.options.no_run:
                continue
            result = self.runner.run(code, self.settings.cell_timeout)
            if not result.ok:
                error = result.error_summary() or {}
                self.view.problem(
                    f"Replay stopped at step {number} of {len(steps)}: {error.get('ename')}: {error.get('evalue')}",
                    "Fix what changed (data, files, earlier cells), or re-run with --fresh to ask the model again.",
                )
                return
        if recording.answer:
            self.view.markdown(recording.answer)
        if self.options.no_run:
            self.view.note(f"Recorded code of {plural(len(steps), 'step')} shown, not run (`--no-run`).")
        else:
            self.view.note(
                f"Replayed {plural(len(steps), 'recorded step')} (no model call); use `--fresh` to ask the model again."
            )

    def ask_model(self) -> None:
        """Run the agent loop; cells run here, on the kernel's main thread."""
        # Summarised here, on the main thread, while no user code runs.
        context, history = self._variables(), self._history()
        rules = find_rules(Path.cwd(), None, self.settings.rules_budget)
        working_code: dict[int, str] = {}  # step -> the code of its latest attempt, if it worked
        done = None
        events = events_from_worker(lambda executor: self._agent_events(executor, context, history, rules))
        with closing(events) as items:
            for item in items:
                if isinstance(item, CellJob):
                    result = self.runner.run(item.cell.code, item.cell.timeout)
                    if result.ok:
                        working_code[item.cell.step] = item.cell.code
                    else:
                        working_code.pop(item.cell.step, None)
                    item.finish(result)
                    continue
                if isinstance(item, InspectJob):  # the error hints' lookups, as the panel has them
                    item.finish(self.runner.inspect(item.code, item.timeout))
                    continue
                if isinstance(item, ApprovalRequest):
                    self.view.show(Error(NOT_ASKED, _not_asked_hint(item)))
                    continue
                if isinstance(item, Question):  # answered on the worker by the same rule
                    self.view.question(item, answer_summary(item, preset_answer(item, self.options.choose, "--choose")))
                    continue
                self.view.show(item)
                if isinstance(item, RunCell) and self.options.no_run:
                    self.view.note("Not run (`--no-run`). Re-run the cell without `--no-run` to run it.")
                    return  # closing the events stops the agent before it runs anything
                if isinstance(item, Done):
                    done = item
        if done is not None and done.reason == "answered" and not self.options.no_run:
            self._record([working_code[step] for step in sorted(working_code)])
        elif done is not None and done.reason == "stopped":
            self.view.note("Stopped.")

    async def _agent_events(self, executor, context: NamespaceSummary, history: NotebookSnapshot, rules):
        """The agent's events, on the worker thread (the model client belongs to its loop)."""
        async with Assistant.from_settings(self.settings) as assistant:
            # A fresh conversation per cell: what a cell does must not depend on
            # which cells ran before it, or replay and a fresh run would disagree.
            agent = assistant.agent(
                executor,
                language="python",
                approve=_cannot_ask,
                ask=first_option_or(self.options.choose, "--choose"),
                model=self.options.model,
            )
            notebook = os.environ.get("JPY_SESSION_NAME")
            async for event in agent.run(
                self.request,
                notebook_path=notebook,
                notebook_dir=str(Path.cwd()),
                context=[
                    KernelEnvironment("python", self.request),
                    context,
                    DataProfile(Path.cwd(), Path.cwd(), self.request, history, self.settings.data_profile_budget),
                ],
                notebook=history,
                rules=rules,
            ):
                yield event

    def _history(self) -> NotebookSnapshot:
        """The cells the user ran in this kernel, in order (their inputs, and results as text), this one aside."""
        inputs = self.shell.history_manager.input_hist_raw
        results = self.shell.user_ns.get("Out", {})
        cells = []
        for number, source in enumerate(inputs[1:-1], 1):  # In[0] is empty; the last is this %%ci cell
            if not source.strip():
                continue
            outputs = []
            if number in results:
                text = repr(results[number])
                outputs.append({"output_type": "execute_result", "text": text[:HISTORY_RESULT_CHARS]})
            cells.append(ViewCell(f"In[{number}]", "code", source, number, outputs))
        return NotebookSnapshot(cells, active=len(cells) - 1 if cells else None, history=True)

    def _variables(self) -> NamespaceSummary:
        namespace = self.shell.user_ns
        hidden = self.shell.user_ns_hidden
        # Redacted with everything else model-bound, by the agent.
        return NamespaceSummary.of(
            {name: value for name, value in namespace.items() if name not in hidden}, CONTEXT_BUDGET
        )

    def _record(self, steps: list[str]) -> None:
        recording = Recording(
            request=self.request,
            model_option=recording_options(self.options),
            steps=steps,
            answer=self.view.answer,
            model=self.options.model or self.settings.model,
        )
        try:
            self.journal.save(recording)
        except OSError as exc:
            self.view.note(
                f"Could not record this run in `{JOURNAL_NAME}` ({exc}); re-running will ask the model again."
            )
            return
        self._warn_about_journal()
        self.view.note(
            f"Done: {plural(len(steps), 'step')}, {self.view.total_tokens:,} tokens. Recorded in "
            f"`{JOURNAL_NAME}`: re-running this cell replays the code without the model (`--fresh` asks again)."
        )

    def _warn_about_journal(self) -> None:
        if self.journal.warning:
            self.view.note(self.journal.warning)
            self.journal.warning = None


def _not_asked_hint(request: ApprovalRequest) -> str:
    why = " ".join(request.reasons) or 'Every step waits for your review (`c.CodeInterpreter.approval = "always"`).'
    return (
        f"{why}\n\n```python\n{request.code}\n```\n\nRun it yourself in a cell if you want it, or set "
        '`c.CodeInterpreter.approval = "never"` to let %%ci run such steps unasked.'
    )


@magics_class
class CodeInterpreterMagics(Magics):
    @line_cell_magic
    def ci(self, line: str, cell: str | None = None) -> None:
        """Ask the code interpreter to do something, in this kernel.

        Usage: %%ci [--model M] [--max-attempts N] [--choose N] [--no-run] [--fresh] <request>
        (or %ci with the request on the same line). See "The %%ci magic" in README.md.
        """
        try:
            options, request = parse_magic(line, cell)
        except OptionError as exc:
            raise UsageError(str(exc)) from None
        CodeInterpreterRequest(self.shell, options, request).run()


def load_ipython_extension(ipython) -> None:
    if CodeInterpreterMagics.__name__ not in ipython.magics_manager.registry:
        ipython.register_magics(CodeInterpreterMagics)


def unload_ipython_extension(ipython) -> None:
    manager = ipython.magics_manager
    instance = manager.registry.pop(CodeInterpreterMagics.__name__, None)
    if instance is None:
        return
    for kind in ("line", "cell"):
        if getattr(manager.magics[kind].get("ci"), "__self__", None) is instance:
            del manager.magics[kind]["ci"]
