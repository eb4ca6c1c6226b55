"""What the model sees of the notebook: every cell, compact, within a token budget.

Front ends hand over a ``NotebookSnapshot`` (the panel: the cells the browser
sent; ``jupyter ci run --notebook``: the file; ``%%ci``: the kernel's input
history). ``render_view`` writes it for the model, one block per cell, headed by
a stable reference the model can name in ``edit_cell``::

    #3 (id 9f1c2a) code [3] · active
    df = pd.read_csv('sales.csv')
    → error: KeyError: 'revenue'

Cells that matter most are shown whole: the one the request is about, the
active and selected ones, cells whose outputs hold an error, then the others by
their distance from the active cell. What does not fit is shortened (source
head and tail, outputs to their first line), far cells are reduced to one line,
and runs of cells that do not fit at all become one marker saying how many were
left out. The text goes to the model with the request's context, so through
the one redactor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .feedback import strip_ansi, trim_traceback
from .text import joined
from .tokens import count_tokens

#: Tokens of the prompt the view may take, unless the settings say otherwise.
DEFAULT_VIEW_BUDGET = 4000
#: Lines of a shortened cell's source kept at its head and at its tail.
SHORT_HEAD_LINES = 6
SHORT_TAIL_LINES = 2
#: Characters of one output line in a full cell, and in a short one.
FULL_OUTPUT_CHARS = 600
SHORT_OUTPUT_CHARS = 120
#: Characters of a one-line cell's source.
LINE_CHARS = 80
#: Tokens kept for the markers of cells left out (a few, each a short line).
MARKER_RESERVE = 40


@dataclass
class ViewCell:
    """One cell as the front end saw it; ``outputs`` are compact (see docs/protocol.md)."""

    id: str
    cell_type: str
    source: str
    execution_count: int | None = None
    outputs: list[dict] = field(default_factory=list)
    tag: dict | None = None  # metadata.ci_jupyterlab: the assistant wrote it

    @property
    def has_error(self) -> bool:
        return any(output.get("output_type") == "error" for output in self.outputs)

    def error(self) -> dict | None:
        return next((output for output in self.outputs if output.get("output_type") == "error"), None)


@dataclass
class NotebookSnapshot:
    """The notebook when the request was sent: its cells, which is active, which are selected."""

    cells: list[ViewCell]
    active: int | None = None
    selected: frozenset[int] = frozenset()
    #: ``In [3]`` rather than ``#3``: a kernel's input history, whose entries cannot be edited in place.
    history: bool = False

    def index_of(self, reference: str) -> int | None:
        """The position of the cell a reference names: ``#3``, ``3``, an id, ``In [3]``."""
        text = reference.strip()
        for index, cell in enumerate(self.cells):
            if text in (cell.id, self.ref(index)):
                return index
        number = text.lstrip("#").removeprefix("In").strip(" []")
        if not number.isdigit() or (self.history and text.startswith("#")):
            return None
        if self.history:  # In [n] is the n-th input, not the n-th entry shown
            return next((i for i, cell in enumerate(self.cells) if cell.execution_count == int(number)), None)
        return int(number) - 1 if 1 <= int(number) <= len(self.cells) else None

    def ref(self, index: int) -> str:
        return f"In [{self.cells[index].execution_count}]" if self.history else f"#{index + 1}"


def _head_tail(text: str, head: int, tail: int) -> str:
    lines = text.splitlines()
    if len(lines) <= head + tail + 1:
        return text
    left_out = len(lines) - head - tail
    return "\n".join([*lines[:head], f"… [{left_out} lines omitted] …", *lines[-tail:]])


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit <= SHORT_OUTPUT_CHARS else text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _output_lines(outputs: list[dict], limit: int) -> list[str]:
    lines = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error":
            lines.append(f"→ error: {output.get('ename', '')}: {_clip(output.get('evalue', ''), limit)}")
        elif kind == "stream":
            lines.append(f"→ {output.get('name', 'stdout')}: {_clip(output.get('text', ''), limit)}")
        else:
            image = output.get("image")
            if image:
                size = f" {image['width']}×{image['height']}" if image.get("width") and image.get("height") else ""
                lines.append(f"→ [{image.get('mime', 'image')}{size} image, {image.get('bytes', 0):,} bytes]")
            text = output.get("text") or ""
            if text and not (image and text.startswith("<")):
                label = "result" if kind == "execute_result" else "display"
                lines.append(f"→ {label}: {_clip(text, limit)}")
    return lines


def _heading(snapshot: NotebookSnapshot, index: int, target: str | None) -> str:
    cell = snapshot.cells[index]
    marks = []
    if cell.id and cell.id == target:
        marks.append("the request is about this cell")
    if index == snapshot.active:
        marks.append("active")
    if index in snapshot.selected and index != snapshot.active:
        marks.append("selected")
    if cell.tag:
        marks.append("written by you")
    count = f" [{cell.execution_count}]" if cell.execution_count is not None and not snapshot.history else ""
    ident = f" (id {cell.id})" if cell.id and not snapshot.history else ""
    return f"{snapshot.ref(index)}{ident} {cell.cell_type}{count}" + (" · " + ", ".join(marks) if marks else "")


def _render_cell(snapshot: NotebookSnapshot, index: int, level: str, target: str | None) -> str:
    """One cell at a level of detail: "full", "short" or "line"."""
    cell = snapshot.cells[index]
    heading = _heading(snapshot, index, target)
    if level == "line":
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        error = cell.error()
        tail = f" → error: {error.get('ename', '')}" if error else ""
        return f"{heading}: {_clip(first, LINE_CHARS)}{tail}"
    source = cell.source if level == "full" else _head_tail(cell.source, SHORT_HEAD_LINES, SHORT_TAIL_LINES)
    outputs = _output_lines(cell.outputs, FULL_OUTPUT_CHARS if level == "full" else SHORT_OUTPUT_CHARS)
    error = cell.error()
    if level == "full" and target and cell.id == target and error and error.get("traceback"):
        outputs.append(
            "Traceback (user code):\n" + strip_ansi(trim_traceback(error["traceback"], error.get("ename", "")))
        )
    if level == "short" and len(outputs) > 2:
        outputs = [*outputs[:2], f"→ … {len(outputs) - 2} more outputs"]
    return "\n".join([heading, source.rstrip() or "(empty)", *outputs])


def _priority(snapshot: NotebookSnapshot, target: str | None) -> list[int]:
    """Cell positions, most worth showing whole first."""
    anchor = snapshot.active if snapshot.active is not None else len(snapshot.cells) - 1

    def rank(index: int) -> tuple:
        cell = snapshot.cells[index]
        return (
            not (target and cell.id == target),
            index != snapshot.active,
            index not in snapshot.selected,
            not cell.has_error,
            abs(index - anchor),
            index,
        )

    return sorted(range(len(snapshot.cells)), key=rank)


def render_view(snapshot: NotebookSnapshot, budget: int = DEFAULT_VIEW_BUDGET, target: str | None = None) -> str:
    """The view of the notebook for the model, within ``budget`` tokens (the heading aside)."""
    cells = snapshot.cells
    if not cells:
        return "The notebook is empty."
    what = "The kernel's input history" if snapshot.history else "The notebook"
    intro = f"{what} ({len(cells)} cell{'s' if len(cells) != 1 else ''}), as the user has it now:"
    order = _priority(snapshot, target)
    levels: dict[int, str | None] = dict.fromkeys(range(len(cells)))
    cost: dict[int, int] = {}
    used = count_tokens(intro) + MARKER_RESERVE

    def fit(index: int, level: str, limit: int) -> bool:
        nonlocal used
        tokens = count_tokens(_render_cell(snapshot, index, level, target)) + 1
        extra = tokens - cost.get(index, 0)
        if used + extra > limit:
            return False
        levels[index], cost[index], used = level, tokens, used + extra
        return True

    # Half the budget lists cells in one line, nearest first; the rest shows the cells
    # that matter most whole (or shortened); what is left lists more cells in one line.
    for index in order:
        fit(index, "line", budget // 2)
    for index in order:
        fit(index, "full", budget) or fit(index, "short", budget)
    for index in order:
        if levels[index] is None:
            fit(index, "line", budget)
    return "\n\n".join([intro, *_blocks(snapshot, levels, target)])


def _blocks(snapshot: NotebookSnapshot, levels: dict[int, str | None], target: str | None) -> list[str]:
    """The cells in notebook order; each run of cells left out is one marker."""
    blocks: list[str] = []
    left_out: list[int] = []

    def flush() -> None:
        if left_out:
            first, last = snapshot.ref(left_out[0]), snapshot.ref(left_out[-1])
            span = first if len(left_out) == 1 else f"{first}–{last}"
            blocks.append(
                f"[{span}: {len(left_out)} cell{'s' if len(left_out) > 1 else ''} left out to fit the budget]"
            )
            left_out.clear()

    for index in range(len(snapshot.cells)):
        level = levels[index]
        if level is None:
            left_out.append(index)
            continue
        flush()
        blocks.append(_render_cell(snapshot, index, level, target))
    flush()
    return blocks


#: Characters of an output's text kept in a snapshot, head and tail (as the panel keeps them).
SNAPSHOT_TEXT_CHARS = 4000
#: Lines of a traceback kept in a snapshot: its last ones, where the user's frames are.
TRACEBACK_LINES = 40


def _kept(text: str) -> str:
    if len(text) <= SNAPSHOT_TEXT_CHARS:
        return text
    half = SNAPSHOT_TEXT_CHARS // 2
    return f"{text[:half]}… [{len(text) - 2 * half:,} characters omitted] …{text[-half:]}"


def compact_output(output: dict) -> dict:
    """An nbformat output as the view keeps it: its text, an error's name and value, what images it has."""
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": kind, "name": output.get("name", "stdout"), "text": _kept(joined(output.get("text")))}
    if kind == "error":
        traceback = [str(line) for line in (output.get("traceback") or [])[-TRACEBACK_LINES:]]
        return {
            "output_type": kind,
            "ename": output.get("ename", ""),
            "evalue": output.get("evalue", ""),
            "traceback": traceback,
        }
    data = output.get("data") or {}
    compact = {"output_type": kind, "text": _kept(joined(data.get("text/plain"))), "mime_types": sorted(data)}
    image = next((mime for mime in data if mime.startswith("image/")), None)
    if image:
        size = (output.get("metadata") or {}).get(image) or {}
        compact["image"] = {"mime": image, "bytes": len(joined(data[image])) * 3 // 4}
        compact["image"].update({k: size[k] for k in ("width", "height") if isinstance(size.get(k), int)})
    return compact


def snapshot_of(notebook: dict, active: int | None = None) -> NotebookSnapshot:
    """The snapshot of an nbformat v4 notebook (as a dict): for front ends that hold the file."""
    cells = [
        ViewCell(
            id=cell.get("id") or "",
            cell_type=cell.get("cell_type", "code"),
            source=joined(cell.get("source")),
            execution_count=cell.get("execution_count"),
            outputs=[compact_output(output) for output in cell.get("outputs") or []],
            tag=(cell.get("metadata") or {}).get("ci_jupyterlab"),
        )
        for cell in notebook.get("cells", [])
    ]
    return NotebookSnapshot(cells, active)
