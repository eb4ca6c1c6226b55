"""The cells of an export: the notebook's code in its order, the chat's story in the order it happened.

The code must run top to bottom as the notebook does, so every cell stays where
the notebook has it. The story comes from the session records, one request
after the other as they were asked (across sessions, by when): each request's
quote, then its cells, then its answer. A request's cells are those it
inserted (its record's changes say which), else those tagged with its steps.
When its cells come after the previous request's, they are told in place;
when they do not (a Fix or an edit of a cell further up, cells a later request
took over or the user deleted), the request is told where its turn comes, and
says which cells it changed (``[n]``, numbered once the export is).

Failed attempts are left out (or kept as collapsed markdown with
``keep_attempts``); ``%%ci`` cells become their request and the code recorded
in the replay journal; the user's own cells stay as they are.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from .agent.journal import JOURNAL_NAME, Journal
from .agent.record import RequestRecord, SessionRecord, Step
from .magic_options import OptionError, parse_magic, recording_options
from .record_notebook import quote_request

#: The cell and notebook metadata key of the chat; never exported.
CHAT_KEY = "ci_jupyterlab"
LOAD_EXTENSION = "%load_ext ci_jupyterlab"
#: Stands for the number a cell gets in the export, filled in once it is numbered.
_CELL_REF = "\x00cell:{}\x00"
_CELL_REF_PATTERN = re.compile("\x00cell:(\\d+)\x00")

FindRecord = Callable[[str], "SessionRecord | None"]


@dataclass
class _Request:
    """One request of a session, with the notebook cells that are its (by index) and those it edited."""

    session: str
    number: int  # in its session's record
    record: RequestRecord
    cells: list[int] = field(default_factory=list)
    edited: list[int] = field(default_factory=list)  # cells of others (the user's, or earlier requests')
    steps: dict[int, Step] = field(default_factory=dict)  # notebook index -> the step its cell holds


class Builder:
    """Accumulates the exported cells and what the title cell will say about them."""

    def __init__(self, keep_attempts: bool):
        self.keep_attempts = keep_attempts
        self.cells: list[nbformat.NotebookNode] = []
        self.unrecorded: set[int] = set()  # code cells without recorded outputs: the verification run fills them
        self.models: set[str] = set()
        self.packages: list[str] = []
        self.requests = 0
        self.exported: dict[int, nbformat.NotebookNode] = {}  # notebook index -> its exported cell
        self.written: set[str] = set()  # files the sessions' steps wrote, relative to the notebook's folder

    def add(self, cell: nbformat.NotebookNode, *, recorded: bool = True) -> None:
        if cell.cell_type == "code" and not recorded:
            self.unrecorded.add(len(self.cells))
        self.cells.append(cell)

    def open_request(self, request: RequestRecord) -> None:
        self.requests += 1
        self.models.update([request.model] if request.model else [])
        self.packages.extend(p for p in request.packages if p not in self.packages)
        self.add(new_markdown_cell(quote_request(request.text)))

    def close_request(self, request: RequestRecord, notes: list[str]) -> None:
        ending = (
            ""
            if request.done_reason in (None, "answered")
            else f"\n\n*The assistant stopped here ({request.done_reason}).*"
        )
        said = "\n\n".join(f"*{note}*" for note in notes)
        text = "\n\n".join(part for part in (said, request.answer + ending) if part.strip())
        if text.strip():
            self.add(new_markdown_cell(text.strip()))

    def add_failed_attempts(self, step: Step) -> None:
        """Failed attempts as collapsed markdown, never as code: the export must run."""
        for number, attempt in enumerate(step.attempts, 1):
            if attempt.ok:
                continue
            error = attempt.error_output
            why = f"{error['ename']}: {error['evalue']}" if error else attempt.status
            self.add(
                new_markdown_cell(
                    f"<details><summary>Attempt {number} failed: {_escape(why)}</summary>\n\n"
                    f"```python\n{attempt.code}\n```\n\n</details>"
                )
            )


def build_story(
    notebook: nbformat.NotebookNode,
    find_record: FindRecord,
    journal: Journal,
    keep_attempts: bool = False,
    sessions: tuple[str, ...] = (),
) -> Builder:
    """The exported cells (without the title), from ``notebook`` and the records of its sessions.

    ``sessions``: sessions to tell besides those its cells name (the chat that
    asks for the export, whose requests may have left no cell).
    """
    builder = Builder(keep_attempts)
    records = _records(notebook, find_record, sessions)
    builder.written = _written_by(records)
    requests = _requests(notebook, records)
    owner = {index: request for request in requests for index in request.cells}
    cursor = -1  # the notebook's cells up to here are exported
    for request in requests:
        in_place = [index for index in request.cells if index > cursor]
        if in_place:
            _add_cells(builder, notebook, range(cursor + 1, in_place[0]), owner, journal)
            builder.open_request(request.record)
            _add_cells(builder, notebook, range(in_place[0], in_place[-1] + 1), owner, journal)
            cursor = in_place[-1]
        else:
            builder.open_request(request.record)
        builder.close_request(request.record, _notes(request, in_place, cursor))
    _add_cells(builder, notebook, range(cursor + 1, len(notebook.cells)), owner, journal)
    return builder


def number_references(notebook: nbformat.NotebookNode, builder: Builder) -> None:
    """Put each referred cell's number (``[n]``) in the notes, once the export's code cells are numbered."""
    numbers = {
        index: cell.get("execution_count")
        for index, cell in builder.exported.items()
        if cell.cell_type == "code" and cell.get("execution_count") is not None
    }
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "\x00" in cell.source:
            cell.source = _CELL_REF_PATTERN.sub(
                lambda match: f"[{numbers[int(match[1])]}]" if int(match[1]) in numbers else "(no longer there)",
                cell.source,
            )


def _records(notebook: nbformat.NotebookNode, find_record: FindRecord, sessions: tuple[str, ...]) -> dict:
    """The records of ``sessions`` and of the sessions the notebook's cells name, by session id."""
    ids = [*sessions, *(tag["session"] for tag in map(_tag, notebook.cells) if tag)]
    return {session: record for session in dict.fromkeys(ids) if (record := find_record(session)) is not None}


def _written_by(records: dict[str, SessionRecord]) -> set[str]:
    """The files the sessions' steps created or changed (``files_changed``), relative to their notebook's folder."""
    written = set()
    for record in records.values():
        notebook = next((r.notebook_path for r in record.requests if r.notebook_path), None)
        folder = PurePosixPath(notebook).parent if notebook else PurePosixPath(".")
        for event in record.events:
            if event.get("type") == "files_changed":
                for changed in event.get("files") or []:
                    if isinstance(changed, dict) and isinstance(changed.get("path"), str):
                        written.add(posixpath.relpath(changed["path"], folder.as_posix()))
    return written


def _requests(notebook: nbformat.NotebookNode, records: dict[str, SessionRecord]) -> list[_Request]:
    """Every request of the sessions, in the order they were asked, with the notebook's cells that are theirs."""
    requests = {
        (session, number): _Request(session, number, request)
        for session, record in records.items()
        for number, request in enumerate(record.requests)
    }
    inserted, edited = _changes(records)
    for index, cell in enumerate(notebook.cells):
        tag = _tag(cell)
        located = _find_step(records.get(tag["session"]), tag.get("step")) if tag else None
        maker = inserted.get(cell.get("id"))
        if maker is None and located is not None:
            maker = (tag["session"], located[0])
        if maker is not None:
            requests[maker].cells.append(index)
            if located is not None and (tag["session"], located[0]) == maker:
                requests[maker].steps[index] = located[1]
        for editor in edited.get(cell.get("id"), []):
            if editor != maker:
                requests[editor].edited.append(index)
    return sorted(requests.values(), key=lambda request: request.record.started_at)


def _changes(records: dict[str, SessionRecord]) -> tuple[dict, dict]:
    """Cell id -> the request that inserted it; cell id -> the requests that edited it."""
    inserted: dict[str, tuple[str, int]] = {}
    edited: dict[str, list[tuple[str, int]]] = {}
    for session, record in records.items():
        for number, request in enumerate(record.requests):
            for change in request.changes:
                if not isinstance(change, dict) or not isinstance(change.get("cell_id"), str):
                    continue
                if change.get("outcome") in ("reverted", "undone"):
                    continue
                if change.get("kind") == "inserted":
                    inserted.setdefault(change["cell_id"], (session, number))
                elif change.get("kind") == "edited":
                    edited.setdefault(change["cell_id"], []).append((session, number))
    return inserted, edited


def _notes(request: _Request, in_place: list[int], cursor: int) -> list[str]:
    """What the story says beside the request's answer about cells it did not leave where it is told.

    ``cursor``: the last notebook cell exported when the request is told.
    """
    told = range(in_place[0], in_place[-1] + 1) if in_place else range(0)
    away = sorted({index for index in request.cells + request.edited if index not in told})
    notes = []
    for where, cells in (("above", [i for i in away if i <= cursor]), ("below", [i for i in away if i > cursor])):
        if cells:
            refs = ", ".join(_CELL_REF.format(index) for index in cells)
            notes.append(f"This request changed {'cells' if len(cells) > 1 else 'cell'} {refs}, {where}.")
    if request.record.steps and not request.cells and not request.edited:
        undone = request.record.changes and all(
            change.get("outcome") in ("reverted", "undone") for change in request.record.changes
        )
        notes.append(
            "Its changes were undone."
            if undone
            else "Its cells are no longer in the notebook: they were deleted, or a later request rewrote them."
        )
    return notes


def _add_cells(builder: Builder, notebook: nbformat.NotebookNode, indices, owner: dict, journal: Journal) -> None:
    for index in indices:
        cell = notebook.cells[index]
        request = owner.get(index)
        step = request.steps.get(index) if request else None
        if step is not None:
            _add_chat_cell(builder, cell, step, index)
        elif cell.cell_type == "code" and _magic_line(cell.source) is not None:
            _add_magic_cell(builder, cell, journal)
        else:
            _add_user_cell(builder, cell, index)


def _tag(cell: nbformat.NotebookNode) -> dict | None:
    tag = cell.get("metadata", {}).get(CHAT_KEY)
    if cell.cell_type == "code" and isinstance(tag, dict) and isinstance(tag.get("session"), str):
        return tag
    return None


def _find_step(record: SessionRecord | None, number) -> tuple[int, Step] | None:
    for request_number, request in enumerate(record.requests if record else []):
        for step in request.steps:
            if step.number == number:
                return request_number, step
    return None


def _add_chat_cell(builder: Builder, cell: nbformat.NotebookNode, step: Step, index: int) -> None:
    """The cell as the notebook holds it (the user may have edited it), unless it is a failed attempt."""
    if builder.keep_attempts:
        builder.add_failed_attempts(step)
    if not step.final.ok and cell.source == step.final.code:
        return  # the request ended on this failure; with keep_attempts it is shown above
    _add_user_cell(builder, cell, index)


def _add_user_cell(builder: Builder, cell: nbformat.NotebookNode, index: int | None = None) -> None:
    cell = nbformat.from_dict(json.loads(json.dumps(cell)))  # a copy: the source notebook stays as read
    cell.metadata.pop(CHAT_KEY, None)
    if cell.cell_type == "code":
        cell.source = _without_load_extension(cell.source)
        if not cell.source.strip():
            return
        builder.add(cell, recorded=cell.execution_count is not None)
    else:
        builder.add(cell)
    if index is not None:
        builder.exported[index] = cell


def _magic_line(source: str) -> str | None:
    """The ``%%ci``/``%ci`` line that starts the cell, if it does."""
    first = source.lstrip().split("\n", 1)[0]
    word = first.split(" ", 1)[0]
    return first if word in ("%%ci", "%ci") else None


def _add_magic_cell(builder: Builder, cell: nbformat.NotebookNode, journal: Journal) -> None:
    """The request as a quote and its recorded code as plain cells: no magic left to need."""
    line = _magic_line(cell.source)
    body = cell.source.lstrip().split("\n", 1)[1] if "\n" in cell.source.lstrip() else ""
    is_cell_magic = line.startswith("%%")
    try:
        options, request = parse_magic(line.split(" ", 1)[1] if " " in line else "", body if is_cell_magic else None)
    except OptionError:
        _add_user_cell(builder, cell)  # not a request the magic could run: keep it as written
        return
    recording = journal.find(request, recording_options(options))
    builder.requests += 1
    builder.add(new_markdown_cell(quote_request(request)))
    if recording is None:
        builder.add(
            new_markdown_cell(
                f"*No recording of this request was found in `{JOURNAL_NAME}`; its code is not included.*"
            )
        )
    else:
        builder.models.update([recording.model] if recording.model else [])
        for code in recording.steps:
            builder.add(new_code_cell(code), recorded=False)
        if recording.answer:
            builder.add(new_markdown_cell(recording.answer))
    if not is_cell_magic and body.strip():
        builder.add(new_code_cell(body), recorded=False)


def _without_load_extension(source: str) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() != LOAD_EXTENSION)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
