"""One request's work in a notebook: what the model is shown, which cell an edit means, what changed.

The front end sends the notebook as the user has it (``NotebookSnapshot``);
``NotebookWork`` renders it for the model with what the request is about (a
cell to fix or explain), resolves the cell references of ``edit_cell`` calls,
and keeps the list of changes the request made (cells inserted, cells edited
with their source before and after), which the chat shows for review and undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .bounds import bounded_outputs
from .events import RunCell
from .executors import ExecutionResult
from .notebook_view import DEFAULT_VIEW_BUDGET, NotebookSnapshot, render_view

Intent = Literal["ask", "fix", "explain"]
INTENTS: tuple[Intent, ...] = ("ask", "fix", "explain")


ChangeKind = Literal["inserted", "edited"]


@dataclass
class Change:
    """A cell the request changed; ``before`` is None for a cell it inserted.

    An edited cell also keeps its outputs and execution count from before
    (bounded as the chat's outputs), so that undoing the edit gives them back.
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
        """The notebook view and what the request is about, for the model."""
        parts = []
        if self.snapshot is not None:
            parts.append(render_view(self.snapshot, self.budget, self.cell_id))
        about = self._about()
        if about:
            parts.append(about)
        return "\n\n".join(parts)

    def _about(self) -> str:
        index = self.snapshot.index_of(self.cell_id) if self.snapshot and self.cell_id else None
        ref = self.snapshot.ref(index) if index is not None else "the cell"
        if self.intent == "fix":
            return (
                f"The user asks you to fix {ref}: its source and error are shown above. Your first code "
                f"replaces that cell's source in place and runs it (edit_cell on {ref}, or run_cell: either "
                "goes into that cell); then answer briefly what was wrong."
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
        """Where the next code goes: the cell to fix until code has run in it, else ``cell_id`` as asked."""
        if self.intent == "fix" and self._target_pending:
            return self.cell_id
        return cell_id

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
            return True
        kind = "edited" if result.before is not None else "inserted"
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
