"""Secrets out of everything that leaves the server: one redactor for every door.

A ``Redactor`` replaces, with ``[redacted]``:

- the values it is given (the configured API key), and those values reversed
  (code can print a key backwards to slip past an exact match);
- values of environment variables whose names say they are secrets
  (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``...), read at each call;
- those values as ``repr`` and JSON escape them (a kernel prints ``repr(value)``:
  a secret holding ``\\`` or a newline is written differently there);
- a piece of any of them, 8 characters or more, cut off where text was cut
  (before ``…``, ``...``, a line's end or the text's end, or after ``…``, a
  line's start or the text's start): outputs, variables and views are cut to
  size, some of them in the kernel or the browser, which cannot know the secrets;
- strings shaped like common credentials, whoever they belong to: OpenAI-style
  ``sk-…`` keys, GitHub tokens, AWS access key ids, JWTs, PEM private keys.

``text`` works on plain text; ``data`` on JSON-like data (dicts, lists,
strings), before it is serialised, so a secret holding ``"``, ``\\`` or
non-ASCII characters is found as it is rather than in its escaped form.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
#: Environment variable names whose values are never shown.
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
#: Known values shorter than this are too likely to be ordinary words; so are shorter cut-off pieces.
MIN_SECRET_LENGTH = 8
#: What follows text cut short at its end, and what precedes text cut short at its start (besides a
#: line's or the whole text's end or start): the markers of our cuts, the kernel's and pandas'.
_CUT_AFTER = ("…", "...", "\n")
_CUT_BEFORE = ("…", "\n")

#: Credentials recognisable by their shape alone.
KEY_SHAPES = re.compile(
    "|".join(
        (
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            r"\bsk-[A-Za-z0-9][A-Za-z0-9_\-]{18,}",  # OpenAI, Anthropic and their look-alikes
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}",  # GitHub tokens
            r"\bgithub_pat_[A-Za-z0-9_]{40,}",
            r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ids
            r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",  # JWTs
            r"\bxox[abprs]-[A-Za-z0-9\-]{10,}",  # Slack tokens
            r"\bhf_[A-Za-z0-9]{30,}",  # Hugging Face tokens
        )
    )
)


#: What every shape above starts with (after its word boundary). Python's ``re`` tries each of
#: KEY_SHAPES' branches at every position of the text, since they start with ``\b``: about 80 ns a
#: character, 150 ms for a 1.9 MB output, all of it holding the GIL (and so the server's event loop,
#: even from a worker thread). This pattern starts with literals, which ``re`` skips to quickly.
_SHAPE_STARTS = re.compile(r"-----BEGIN |sk-|gh[pousr]_|github_pat_|AKIA|ASIA|eyJ|xox[abprs]-|hf_")


def _replace_shapes(text: str) -> str:
    """``KEY_SHAPES.sub(REDACTED, text)``, trying KEY_SHAPES only where one of its shapes could start."""
    pieces, last, position = [], 0, 0
    while (start := _SHAPE_STARTS.search(text, position)) is not None:
        found = KEY_SHAPES.match(text, start.start())
        if found is None:
            position = start.start() + 1
            continue
        pieces += [text[last : found.start()], REDACTED]
        last = position = found.end()
    return "".join(pieces) + text[last:] if pieces else text


def environment_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names say they are secrets."""
    environ = os.environ if environ is None else environ
    return [value for name, value in environ.items() if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH]


class Redactor:
    """Replaces secrets in text and in JSON-like data."""

    def __init__(self, known: Iterable[str] = (), *, environment: bool = True):
        values = {value for value in known if value and len(value) >= MIN_SECRET_LENGTH}
        self._known = values | {value[::-1] for value in values}
        self._environment = environment

    def values(self) -> list[str]:
        """The literal values replaced, with their escaped forms, longest first (so none is half-replaced)."""
        values = set(self._known)
        if self._environment:
            values.update(environment_secrets())
        values.update(form for value in list(values) for form in _escaped_forms(value))
        return sorted(values, key=len, reverse=True)

    def text(self, text: str) -> str:
        return _replace(text, self.values())

    def data(self, value):
        """A copy of ``value`` with every string in it (keys included) redacted."""
        values = self.values()
        return _walk(value, lambda text: _replace(text, values))


def _escaped_forms(value: str) -> set[str]:
    """How ``value`` reads inside Python's ``repr`` and inside JSON, when that differs from the value."""
    quoted = repr(value)[1:-1]
    forms = {quoted, quoted.replace("\\'", "'"), json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return forms - {value}


def _replace(text: str, values: list[str]) -> str:
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return _replace_shapes(_replace_cut_off(text, values))


def _replace_cut_off(text: str, values: list[str]) -> str:
    """``text`` with the cut-off pieces of ``values`` replaced: a head left before a cut, a tail after one."""
    merged: list[list[int]] = []
    for start, end in sorted(span for value in values for span in _cut_off_pieces(text, value)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, last = [], 0
    for start, end in merged:
        pieces += [text[last:start], REDACTED]
        last = end
    return "".join(pieces) + text[last:]


def _cut_off_pieces(text: str, value: str):
    """Where a head or a tail of ``value`` (at least ``MIN_SECRET_LENGTH`` long) ends or starts at a cut."""
    if len(value) <= MIN_SECRET_LENGTH:
        return
    head, tail = value[:MIN_SECRET_LENGTH], value[-MIN_SECRET_LENGTH:]
    position = text.find(head)
    while position >= 0:
        end = position + _common_length(text, position, value, 1)
        if end == len(text) or text.startswith(_CUT_AFTER, end):
            yield position, end
        position = text.find(head, position + 1)
    position = text.find(tail)
    while position >= 0:
        end = position + MIN_SECRET_LENGTH
        start = end - _common_length(text, end - 1, value[::-1], -1)
        if start == 0 or text[:start].endswith(_CUT_BEFORE):
            yield start, end
        position = text.find(tail, position + 1)


def _common_length(text: str, position: int, value: str, step: int) -> int:
    """How many characters of ``value`` ``text`` repeats from ``position`` on, forwards (``step`` 1) or back (-1)."""
    length = 0
    limit = min(len(value), len(text) - position if step > 0 else position + 1)
    while length < limit and text[position + step * length] == value[length]:
        length += 1
    return length


def _walk(value, change):
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {_walk(key, change) if isinstance(key, str) else key: _walk(item, change) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(item, change) for item in value]
    return value


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with ``secrets``, secret-looking environment values and key-shaped strings replaced."""
    return Redactor(secrets).text(text)
