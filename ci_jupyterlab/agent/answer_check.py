"""The final answer checked against the outputs: every number it states must be shown somewhere.

A model can answer with numbers no cell printed: invented, misread, or
computed in its head. When a request that ran cells is answered, each number
of the answer (its thousands separators, units and scale words understood:
``1,234``, ``$1.2M``, ``45.2%``, ``3.1 million``) is looked up among the numbers
the model was shown (the request, its context and the notebook view, every
cell's output, the code itself) and the outputs of this request's cells. A
number matches one shown when it is that number as written, rounded or cut
to the answer's precision (``3.14`` for ``3.14159``; ``45%`` for ``0.4512``).

The loop sends the numbers found nowhere back to the model once (it checks
them or says how it derived them); if its revised answer still states some,
front ends mark them. Deterministic and free: no model call, no kernel.
Small whole numbers (up to 10), years written in dates, list markers, cell
and step references and code spans are not claims about the data and are
left alone.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .events import AnswerCheck
from .record import RequestRecord

#: Sent back to the model with the numbers found nowhere (its start tells it from the user's messages).
SEND_BACK_START = "[check] Your answer states"
SEND_BACK = (
    SEND_BACK_START + " {numbers}, but no output shows {them}. Check {them} (run code if needed), or "
    "say how you derived {them}; then give your whole answer again."
)
#: Whole numbers up to this are words ("two charts", "the top 5"), not claims about the data.
SMALL = 10

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}
_NUMBER = re.compile(
    r"(?<![\w.#\[/:-])"  # not inside a word, a reference (#3, [3]), a path, a time or a range's end
    r"(?P<sign>[-−+])?"
    r"(?P<currency>[$€£¥])?"
    r"(?P<int>\d{1,3}(?:(?P<sep>[,\u202f\u00a0'])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?P<frac>\.\d+)?"
    r"(?P<exp>[eE][-+]?\d+)?"
    r"(?:\s?(?P<scale>thousand|millions?|billions?|trillion|mio|mn|bn|[kKmMbBtT])\b)?"
    r"(?P<percent>\s?%| percent\b)?"
    r"(?![\w.]\d|\d|[-/:]\d|\w)"  # not followed by more digits, a date's or version's next part, or letters
)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_DATE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}(:\d{2})?\b")
_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
_REFERENCE = re.compile(r"\b(cell|step|row|line|column|attempt|figure|table|chart|version|python|pandas)s?\s+$", re.I)


@dataclass(frozen=True)
class Number:
    """A number as written: ``text`` in the answer, its ``value`` (scale applied) and its ``unit``
    of last place (``0.01`` for ``3.14``, ``100_000`` for ``1.2M``)."""

    text: str
    value: float
    unit: float
    percent: bool = False


def _parse(match: re.Match) -> Number | None:
    digits = re.sub(r"[,\u202f\u00a0']", "", match["int"]) + (match["frac"] or "")
    try:
        value = float(digits + (match["exp"] or ""))
    except ValueError:
        return None
    decimals = len(match["frac"]) - 1 if match["frac"] else 0
    scale = _SCALES.get((match["scale"] or "").lower(), 1.0)
    if match["scale"] in ("m", "b", "t") and not match["currency"]:
        scale = 1.0  # "5 m" is metres, "3 t" tonnes: only "$5m" is read as millions
    exponent = int(match["exp"][1:]) if match["exp"] else 0
    if not math.isfinite(value) or abs(exponent - decimals) > 300:
        return None  # "1e999": no number to hold against the outputs
    unit = 10.0 ** (exponent - decimals) * scale
    sign = -1.0 if match["sign"] in ("-", "−") else 1.0
    return Number(match.group(0).strip(), sign * value * scale, unit, bool(match["percent"]))


def numbers_in(text: str) -> list[Number]:
    """Every number written in ``text`` (as the sources are read: nothing left out)."""
    return [number for match in _NUMBER.finditer(text) if (number := _parse(match)) is not None]


def claims_in(answer: str) -> list[Number]:
    """The numbers an answer states about the data: not in code, dates, list markers or references."""
    blanked = _CODE.sub(lambda m: " " * len(m.group(0)), answer)
    blanked = _DATE.sub(lambda m: " " * len(m.group(0)), blanked)
    blanked = _MARKER.sub(lambda m: " " * len(m.group(0)), blanked)
    claims = []
    for match in _NUMBER.finditer(blanked):
        number = _parse(match)
        if number is None or _REFERENCE.search(blanked[max(0, match.start() - 12) : match.start()]):
            continue
        whole = number.unit >= 1 and not number.percent and number.value == int(number.value)
        if whole and abs(number.value) <= SMALL and number.unit == 1:
            continue
        claims.append(number)
    return claims


class Shown:
    """The numbers a set of texts show, for lookups with a tolerance."""

    def __init__(self, texts: Iterable[str]):
        self._values = sorted({abs(number.value) for text in texts for number in numbers_in(text)})

    def __len__(self) -> int:
        return len(self._values)

    def _near(self, value: float, tolerance: float) -> bool:
        low = bisect.bisect_left(self._values, value - tolerance)
        return low < len(self._values) and self._values[low] <= value + tolerance

    def supports(self, claim: Number) -> bool:
        """Whether some number shown is the claim at its precision (rounded, or cut off, to its last place)."""
        value, tolerance = abs(claim.value), claim.unit * (1 + 1e-9)
        candidates = [value]
        if claim.percent:
            candidates.append(value / 100)  # 45% of the output's 0.45
            tolerance_of = {value: tolerance, value / 100: tolerance / 100}
        else:
            tolerance_of = {value: tolerance}
        return any(self._near(candidate, tolerance_of[candidate]) for candidate in candidates)


def unsupported(answer: str, shown: Shown) -> list[str]:
    """The numbers of ``answer`` (as written, each once) that no shown number supports."""
    missing = [claim.text for claim in claims_in(answer) if not shown.supports(claim)]
    return list(dict.fromkeys(missing))


def send_back_text(numbers: list[str]) -> str:
    """What the model is told about the numbers its answer states and no output shows."""
    listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
    return SEND_BACK.format(numbers=listed, them="it" if len(numbers) == 1 else "them")


def texts_shown(messages: list[dict]) -> list[str]:
    """What the model was shown or wrote as code: user and tool messages, and its tool calls' arguments."""
    texts = []
    for message in messages:
        content = message.get("content")
        if message["role"] in ("user", "tool") and isinstance(content, str) and not content.startswith(SEND_BACK_START):
            texts.append(content)
        for call in message.get("tool_calls") or []:
            texts.append(call["function"].get("arguments") or "")
    return texts


def output_texts(outputs: Iterable[dict]) -> list[str]:
    """The text of nbformat outputs: streams, results' text/plain and HTML (whole tables), errors."""
    texts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            texts.append(_joined(output.get("text")))
        for mime in ("text/plain", "text/html", "text/markdown"):
            if mime in (output.get("data") or {}):
                texts.append(_joined(output["data"][mime]))
    return texts


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


@dataclass
class AnswerReview:
    """One request's check of its final answer: numbers no output shows go back to the model once, then
    are marked."""

    sent_back: bool = False

    def review(self, answer: str, messages: list[dict], request: RequestRecord) -> AnswerCheck | None:
        """The check of a final answer; None when every number it states is shown (or no cell ran).

        A ``sent_back`` check carries the ``message`` to give the model.
        """
        if not request.steps:
            return None  # no cell ran: there are no outputs to hold the answer against
        outputs = [attempt.outputs for step in request.steps for attempt in step.attempts]
        shown = Shown([*texts_shown(messages), *(text for output in outputs for text in output_texts(output))])
        missing = unsupported(answer, shown)
        if not missing:
            return None
        if self.sent_back:
            return AnswerCheck("marked", missing)
        self.sent_back = True
        return AnswerCheck("sent_back", missing, send_back_text(missing))
