"""Recorded code of past requests, so that re-running one needs no model.

The journal is a JSON file next to the notebook (``.ci_journal.json``). Each
successful request is stored under a hash of its normalised text and the model
option it was asked with: the code of each step, in order, and the final
answer. Writes are atomic (a temporary file renamed over the old one), so a
crash never leaves half a journal; a journal that cannot be read is kept
aside, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .files import write_atomically

JOURNAL_NAME = ".ci_journal.json"
FORMAT_VERSION = 1


@dataclass
class Recording:
    """What one successful request produced."""

    request: str
    model_option: str  # the --model the request was asked with; "" for the configured model
    steps: list[str]  # the final, working code of each step, in order
    answer: str = ""  # the model's closing text
    model: str = ""  # the model that actually answered, for the record
    recorded_at: float = field(default_factory=time.time)


_FIELDS = {f.name for f in fields(Recording)}


def normalise(request: str) -> str:
    """The request with runs of whitespace collapsed, so re-indenting is no change."""
    return " ".join(request.split())


def recording_key(request: str, model_option: str) -> str:
    payload = json.dumps([normalise(request), model_option or ""])
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class JournalError(Exception):
    """The journal file exists but is not a journal."""


def _parse(text: str) -> dict[str, Recording]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JournalError(f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise JournalError('not a journal (no "entries" object)')
    recordings = {}
    for key, entry in data["entries"].items():
        try:
            # Fields this version does not know (a newer one wrote them) are left out.
            recording = Recording(**{name: value for name, value in entry.items() if name in _FIELDS})
        except (TypeError, AttributeError):
            raise JournalError(f"entry {key} is malformed") from None
        if not (isinstance(recording.steps, list) and all(isinstance(s, str) for s in recording.steps)):
            raise JournalError(f"entry {key} has malformed steps")
        recordings[key] = recording
    return recordings


class Journal:
    """The journal file of one directory.

    ``warning`` holds a one-line message for the user when the file could not
    be read or had to be set aside.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.warning: str | None = None

    def find(self, request: str, model_option: str = "") -> Recording | None:
        return self._read().get(recording_key(request, model_option))

    def save(self, recording: Recording) -> None:
        """Add or replace the recording of its request (read, modify, atomic write)."""
        recordings = self._read(set_aside_if_corrupt=True)
        recordings[recording_key(recording.request, recording.model_option)] = recording
        data = {"version": FORMAT_VERSION, "entries": {k: asdict(r) for k, r in recordings.items()}}
        write_atomically(self.path, json.dumps(data, indent=1, ensure_ascii=False))

    def _read(self, set_aside_if_corrupt: bool = False) -> dict[str, Recording]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            problem = str(exc)
        else:
            try:
                return _parse(text)
            except JournalError as exc:
                problem = str(exc)
        self.warning = f"The replay journal {self.path.name} is unreadable ({problem}); it was ignored."
        if set_aside_if_corrupt:
            kept = self.path.with_name(self.path.name + ".corrupt")
            os.replace(self.path, kept)
            self.warning = (
                f"The replay journal {self.path.name} was unreadable ({problem}); "
                f"it was kept as {kept.name} and a new one started."
            )
        return {}
