"""What ``%%ci`` shows under its cell: the assistant's text, each step's code, notes.

The code's own outputs need nothing from here: the code runs in the kernel, so
IPython displays them in place, between the step headers. Every display is a
bundle with Markdown for JupyterLab and plain text for everything else (the
console, the headless runner, nbconvert to text).
"""

from __future__ import annotations

import re
import time

from IPython.display import display

from .agent.events import (
    AnswerCheck,
    AnswerCutOff,
    CellDone,
    Done,
    Error,
    Event,
    NotebookWarning,
    Question,
    RulesUsed,
    RunCell,
    Status,
    TextDelta,
    Usage,
)

#: Seconds between redraws of streaming text; each redraw is a message to the browser.
TEXT_REFRESH = 0.25

_BACKTICK_RUNS = re.compile(r"`+")


def _fenced(code: str) -> str:
    """A Markdown code block that no backticks inside ``code`` can close early."""
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{code}\n{fence}"


def _bundle(markdown: str, plain: str | None = None) -> dict:
    return {"text/markdown": markdown, "text/plain": markdown if plain is None else plain}


class MagicView:
    """Renders one request's events; ``answer`` and ``total_tokens`` are kept for the summary."""

    def __init__(self):
        self.answer = ""  # the text of the latest model turn
        self.total_tokens = 0
        self._turn_text = ""  # text of the current model turn not yet shown in full
        self._turn_started = 0.0
        self._handle = None  # the display the turn's text streams into, once it is slow
        self._last_redraw = 0.0

    def show(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._add_text(event.text)
        elif isinstance(event, Status) and event.phase in ("thinking", "fixing"):
            self._end_text()
            self.answer = ""  # a new model turn begins
        elif isinstance(event, RunCell):
            self._end_text()
            self.code(event.step, event.code, attempt=event.attempt)
        elif isinstance(event, AnswerCutOff):
            self._drop_text(event.message)
        elif isinstance(event, Usage):
            self.total_tokens = event.total_tokens
        elif isinstance(event, Error):
            self._end_text()
            self.problem(event.message, event.hint)
        elif isinstance(event, CellDone):
            for line in event.checks:
                self.note(f"[check] {line}")
        elif isinstance(event, RulesUsed):
            self.note("Rules: " + ", ".join(f"`{name}`" for name in event.files))
        elif isinstance(event, AnswerCheck):
            self._end_text()
            numbers = ", ".join(event.numbers)
            if event.stage == "sent_back":
                self.note(f"The answer states {numbers}, which no output shows: the assistant checks it.")
            else:
                self.note(f"Not found in any output: {numbers}.")
        elif isinstance(event, NotebookWarning):
            self._end_text()
            self.problem(event.message, event.hint)
        elif isinstance(event, Done):
            self._end_text()

    def code(self, step: int, code: str, *, attempt: int = 1) -> None:
        title = f"Step {step}" + (f", attempt {attempt} (fix)" if attempt > 1 else "")
        display(_bundle(f"**{title}**\n\n{_fenced(code)}", f"{title}:\n{code}"), raw=True)

    def question(self, question: Question, answered: str) -> None:
        """The model's question, its options, and the one taken (``%%ci`` cannot ask)."""
        self._end_text()
        options = "\n".join(f"{number}. {option}" for number, option in enumerate(question.options, 1))
        taken = f"Answered with {answered}; `%%ci` cannot ask."
        plain = f"Asked: {question.question}\n\n{options}\n\n{taken}".replace("`", "")
        display(_bundle(f"**Asked:** {question.question}\n\n{options}\n\n{taken}", plain), raw=True)

    def markdown(self, text: str) -> None:
        display(_bundle(text), raw=True)

    def note(self, text: str) -> None:
        """A one-line message; `backticks` mark names and options."""
        display(_bundle(text, text.replace("`", "")), raw=True)

    def problem(self, message: str, hint: str = "") -> None:
        markdown = f"**{message}**" + (f"\n\n{hint}" if hint else "")
        display(_bundle(markdown, f"{message}\n{hint}".strip()), raw=True)

    def _add_text(self, text: str) -> None:
        now = time.monotonic()
        if not self._turn_text:
            self._turn_started = now
        self._turn_text += text
        self.answer += text
        # A quick turn is shown once, complete; a slow one streams into a display
        # that is redrawn at most every TEXT_REFRESH seconds.
        if self._handle is None and now - self._turn_started >= TEXT_REFRESH:
            self._handle = display(_bundle(self._turn_text), raw=True, display_id=True)
            self._last_redraw = now
        elif self._handle is not None and now - self._last_redraw >= TEXT_REFRESH:
            self._handle.update(_bundle(self._turn_text), raw=True)
            self._last_redraw = now

    def _drop_text(self, notice: str) -> None:
        """Replace the turn's text, cut off mid-answer, with ``notice``; the answer comes again."""
        if self._handle is not None:
            self._handle.update(_bundle(f"*{notice}*", notice), raw=True)
        else:
            self.note(notice)
        self._handle = None
        self._turn_text = self.answer = ""

    def _end_text(self) -> None:
        """Show the whole text of the turn; the next text starts a new block."""
        if self._handle is not None:
            self._handle.update(_bundle(self._turn_text), raw=True)
        elif self._turn_text:
            display(_bundle(self._turn_text), raw=True)
        self._handle = None
        self._turn_text = ""
