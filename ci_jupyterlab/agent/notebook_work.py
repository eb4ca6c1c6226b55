"""One request's work in a notebook: what the model is shown, which cell an edit means, what changed.

The front end sends the notebook as the user has it (``NotebookSnapshot``);
``NotebookWork`` renders it for the model with what the request is about (a
cell to fix or explain), resolves the cell references of ``edit_cell`` calls,
and keeps the list of changes the request made (cells inserted, cells edited
with their source before and after), which the chat shows for review and undo.

With the def-use pass (``defuse.py``) it also says which earlier cells define
the names a failing cell uses (so a fix can go where the cause is), and which
later cells an edit of an earlier cell invalidates (they run again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .bounds import bounded_outputs
from .defuse import Notebook, describe_definers, names_of
from .events import RunCell
from .executors import ExecutionResult
from .notebook_view import DEFAULT_VIEW_BUDGET, NotebookSnapshot, render_view

Intent = Literal["ask", "fix", "explain"]
INTENTS: tuple[Intent, ...] = ("ask", "fix", "explain")


ChangeKind = Literal["inserted", "edited", "rerun"]


@dataclass(frozen=True)
class CodeCell:
    """A code cell of the notebook as the request has left it; ``ref`` names it for the model."""

    id: str
    source: str
    ref: str


@dataclass
class Change:
    """A cell the request changed; ``before`` is None for a cell it inserted. A cell it only ran
    again (an earlier cell it depends on was edited) is a "rerun": its source did not change.

    An edited (or re-run) cell also keeps its outputs and execution count from before
    (bounded as the chat's outputs), so that undoing the request gives them back.
    """

    kind: ChangeKind
    cell_id: str
    call_id: str
    step: int
    before: str | None
    after: str
    before_outputs: list[dict] | None = None
    before_execution_count: int | None = None


@dataclass
class NotebookWork:
    snapshot: NotebookSnapshot | None
    intent: Intent = "ask"
    cell_id: str | None = None  # the cell the request is about
    budget: int = DEFAULT_VIEW_BUDGET
    changes: list[Change] = field(default_factory=list)
    _target_pending: bool = True  # a fix's first code still has to go into its cell

    @property
    def can_edit(self) -> bool:
        """Whether the model can name existing cells (it was shown them)."""
        return self.snapshot is not None and self.intent != "explain"

    @property
    def runs_code(self) -> bool:
        return self.intent != "explain"

    def context(self) -> str:
        """The notebook view, where a failing cell's names come from, and what the request is about."""
        parts = []
        if self.snapshot is not None:
            parts.append(render_view(self.snapshot, self.budget, self.cell_id))
        for part in (self._definers(), self._about()):
            if part:
                parts.append(part)
        return "\n\n".join(parts)

    def _failing_cell(self) -> str | None:
        """The cell whose error the request is about: the one it names, else the active one, if it failed."""
        if self.snapshot is None:
            return None
        index = self.snapshot.index_of(self.cell_id) if self.cell_id else self.snapshot.active
        cell = self.snapshot.cells[index] if index is not None else None
        return cell.id if cell is not None and cell.id and cell.has_error and cell.cell_type == "code" else None

    def _definers(self) -> str:
        """For the failing cell: each name it uses and the cells above that define or change it."""
        failing = self._failing_cell()
        cells = self.code_cells()
        index = next((i for i, cell in enumerate(cells) if cell.id == failing), None)
        if index is None:
            return ""
        notebook = Notebook([cell.source for cell in cells], [cell.ref for cell in cells])
        found = notebook.definers(index)
        if not found:
            return ""
        return (
            f"Where the names {cells[index].ref} uses come from (the cells above that define or change them): "
            f"{describe_definers(found, notebook.labels)}. If the error's cause is in one of those cells, fix it "
            "there with edit_cell: the cells after it that use what it defines run again, in order."
        )

    def _about(self) -> str:
        index = self.snapshot.index_of(self.cell_id) if self.snapshot and self.cell_id else None
        ref = self.snapshot.ref(index) if index is not None else "the cell"
        if self.intent == "fix":
            return (
                f"The user asks you to fix {ref}: its source and error are shown above. Your first code "
                f"replaces that cell's source in place and runs it (edit_cell on {ref}, or run_cell: either "
                "goes into that cell), unless the cause is in an earlier cell: then edit that one, and "
                f"{ref} runs again after it. Then answer briefly what was wrong."
            )
        if self.intent == "explain":
            return f"The user asks you to explain {ref} (its code, or its error). Answer in words; do not run code."
        if self.cell_id:
            return f"The user's question is about {ref}."
        return ""

    def resolve(self, reference: str) -> str | None:
        """The id of the cell an ``edit_cell`` reference names: one from the view or one this request wrote."""
        if any(change.cell_id == reference for change in self.changes):
            return reference
        index = self.snapshot.index_of(reference) if self.snapshot else None
        if index is None:
            return None
        return self.snapshot.cells[index].id or None

    def target_for(self, cell_id: str | None) -> str | None:
        """Where the next code goes: the cell to fix until code has run in it (or an earlier cell the
        model edits, where the cause is), else ``cell_id`` as asked."""
        if self.intent == "fix" and self._target_pending and not self._above_target(cell_id):
            return self.cell_id
        return cell_id

    def edited_in_place(self, cell: RunCell, result: ExecutionResult) -> bool:
        """Whether the run changed the source of a cell of the notebook view (which later cells may use)."""
        shown = self.snapshot is not None and any(view.id == result.cell_id for view in self.snapshot.cells)
        return shown and result.before is not None and result.before != cell.code

    def _above_target(self, cell_id: str | None) -> bool:
        if cell_id is None or self.snapshot is None or self.cell_id is None:
            return False
        index, target = self.snapshot.index_of(cell_id), self.snapshot.index_of(self.cell_id)
        return index is not None and target is not None and index < target

    def code_cells(self) -> list[CodeCell]:
        """The notebook's code cells as this request has left them: the view's in order, edits applied,
        then the cells it inserted (the front ends put them after the conversation's earlier ones)."""
        cells = []
        if self.snapshot is not None:
            for index, cell in enumerate(self.snapshot.cells):
                if cell.cell_type == "code":
                    cells.append(CodeCell(cell.id, self.source_of(cell.id) or cell.source, self.snapshot.ref(index)))
        shown = {cell.id for cell in cells}
        cells += [CodeCell(c.cell_id, c.after, f"id {c.cell_id}") for c in self.changes if c.cell_id not in shown]
        return cells

    def stale_inputs(self, cell_id: str, new_source: str) -> list[CodeCell]:
        """Before an edit of ``cell_id`` (a cell of the view whose old version ran without an error) runs:
        the cells above to run again first, because the old version changed names the new one reads
        (``df = df.drop(...)`` run twice drops from what was dropped already)."""
        index_in_view = self.snapshot.index_of(cell_id) if self.snapshot is not None else None
        if index_in_view is None or any(change.cell_id == cell_id for change in self.changes):
            return []
        shown = self.snapshot.cells[index_in_view]
        if shown.has_error or shown.execution_count is None:
            return []
        cells = self.code_cells()
        index = next(i for i, cell in enumerate(cells) if cell.id == cell_id)
        notebook = Notebook([cell.source for cell in cells])
        stale = names_of(new_source).uses & notebook.cells[index].provides
        start = index
        for name in stale:
            # From the last cell above that makes the name afresh (without reading it), else the first that has it.
            fresh = [i for i in range(index) if name in notebook.cells[i].defines - notebook.cells[i].uses]
            having = [i for i in range(index) if name in notebook.cells[i].provides]
            start = min(start, fresh[-1] if fresh else (having[0] if having else index))
        return [cells[i] for i in range(start, index) if notebook.cells[i].provides & stale]

    def invalidated_by(self, cell_id: str, before: str) -> tuple[list[CodeCell], dict[str, list[str]]]:
        """After an edit of ``cell_id`` (``before`` was its source): the later cells that use what it
        defines now or defined before, in order; and for each of them (by id) the names it uses that the
        edit no longer defines and no other cell does (the notebook would fail there from the top)."""
        cells = self.code_cells()
        index = next((i for i, cell in enumerate(cells) if cell.id == cell_id), None)
        if index is None:
            return [], {}
        notebook = Notebook([cell.source for cell in cells])
        old, new = names_of(before), notebook.cells[index]
        later = [cells[i] for i in notebook.dependents(index, old.provides | new.provides)]
        gone = old.provides - new.provides
        broken = {}
        for cell in later:
            missing = sorted(
                name for name in names_of(cell.source).uses & gone if not notebook.defined_anywhere(name, besides=index)
            )
            if missing:
                broken[cell.id] = missing
        return later, broken

    def source_of(self, cell_id: str) -> str | None:
        """The cell's source as the request last left it, or as the snapshot showed it."""
        change = next((change for change in self.changes if change.cell_id == cell_id), None)
        if change is not None:
            return change.after
        index = self.snapshot.index_of(cell_id) if self.snapshot else None
        return self.snapshot.cells[index].source if index is not None else None

    def record(self, cell: RunCell, result: ExecutionResult) -> bool:
        """Note what the run changed in the notebook; True if the list of changes changed."""
        if result.cell_id is None or result.status in ("notebook_closed", "notebook_deleted", "no_response"):
            return False
        if result.cell_id == self.cell_id:
            self._target_pending = False
        earlier = next((change for change in self.changes if change.cell_id == result.cell_id), None)
        if earlier is not None:
            earlier.after, earlier.call_id = cell.code, cell.call_id  # a later attempt in the same cell
            if earlier.kind == "rerun" and earlier.after != earlier.before:
                earlier.kind = "edited"  # a cell run again, then fixed
            return True
        if result.before is None:
            kind = "inserted"
        else:
            kind = "rerun" if result.before == cell.code and cell.rerun else "edited"
        change = Change(kind, result.cell_id, cell.call_id, cell.step, result.before, cell.code)
        if result.before is not None:
            change.before_outputs = bounded_outputs(result.before_outputs or [])
            change.before_execution_count = result.before_execution_count
        self.changes.append(change)
        return True

    def where(self, cell: RunCell, result: ExecutionResult) -> str:
        """A line for the model on where the code ran, when it was not where it asked."""
        if cell.cell_id and result.cell_id and result.cell_id != cell.cell_id:
            return f"The cell {cell.cell_id} was gone; the code ran in a new cell (id {result.cell_id})."
        return ""

    def summary(self) -> list[dict]:
        return [change.__dict__.copy() for change in self.changes]
