"""Whether the notebook a request leaves still runs from the top (Run All), by the def-use pass.

A fix replaces the failed attempt in its cell. If the attempt defined names
(``import pandas as pd``, ``df = ...``) before it failed, and the fix uses
them without defining them, the fix runs now only because the kernel still
has them: the notebook fails when run in a fresh kernel. The same happens
when an edit of an earlier cell stops defining a name a later cell uses.

``RunAllGuard`` finds both after each run (``defuse.py``, no code runs), tells
the model in that run's feedback so it sends a complete cell, and says what
is still broken when the request ends (a ``NotebookWarning``), so a request
never leaves a notebook that fails from the top without saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .defuse import left_undefined
from .events import NotebookWarning, RunCell
from .executors import ExecutionResult
from .notebook_work import NotebookWork
from .record import SessionRecord

#: Told to the model after a replacement that relies on what only the replaced attempt defined.
INCOMPLETE_FIX = (
    "[notebook] This cell replaced the failed attempt, which defined {names}; nothing else in the notebook "
    "defines {them}, so the cell ran only because the kernel still has {them}: the notebook fails when run "
    "from the top. Send the complete cell again (run_cell, with those definitions): it replaces this one."
)
#: Told to the model after an upstream edit that removed definitions later cells use.
BROKEN_AFTER_EDIT = (
    "[notebook] {cell} uses {names}, which the edited cell no longer defines and no other cell does: the "
    "notebook fails there when run from the top. Define {them} again, in the edited cell or in {cell}."
)


def _listed(names: list[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _them(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"


@dataclass
class _Gap:
    """A cell that uses names no cell of the notebook defines: where it is, for the user, and which."""

    where: str
    names: list[str]
    why: str


@dataclass
class RunAllGuard:
    """One request's watch over whether its notebook runs from the top."""

    work: NotebookWork
    record: SessionRecord
    _gaps: dict[str, _Gap] = field(default_factory=dict)  # by the call id (or cell id) that holds them

    def after_replacement(self, cell: RunCell, result: ExecutionResult, replaced: str | None) -> list[str]:
        """A run that worked: if it replaced an attempt, what only that attempt defined and it still uses."""
        if cell.replaces is not None:
            self._gaps.pop(cell.replaces, None)  # this run is the next try at that cell
        if replaced is None or not result.ok:
            return []
        missing = left_undefined(replaced, cell.code, self._other_code(cell, result))
        if not missing:
            return []
        why = "which only a replaced attempt defined"
        self._gaps[cell.call_id] = _Gap(f"step {cell.step}", missing, why)
        return [INCOMPLETE_FIX.format(names=_listed(missing), them=_them(missing))]

    def after_edit(self, broken: dict[str, list[str]], refs: dict[str, str]) -> list[str]:
        """An earlier cell was edited: the later cells (by id) now using names nothing defines."""
        notes = []
        for cell_id, missing in broken.items():
            ref = refs.get(cell_id, f"cell {cell_id}")
            self._gaps[cell_id] = _Gap(ref, missing, "which an edited cell no longer defines")
            notes.append(BROKEN_AFTER_EDIT.format(cell=ref, names=_listed(missing), them=_them(missing)))
        return notes

    def resolved(self, cell_id: str | None) -> None:
        """A cell that had a gap was edited again: judge it afresh."""
        if cell_id is not None:
            self._gaps.pop(cell_id, None)

    def warnings(self) -> list[NotebookWarning]:
        """What is still broken, said once as the request ends."""
        if not self._gaps:
            return []
        parts = [f"{gap.where} uses {_listed(gap.names)}, {gap.why}" for gap in self._gaps.values()]
        self._gaps = {}
        return [
            NotebookWarning(
                "The notebook would fail when run from the top: " + "; ".join(parts) + ". The kernel still has "
                "these names, a fresh one would not.",
                "Ask the assistant to make those cells complete, or add the definitions yourself.",
            )
        ]

    def _other_code(self, cell: RunCell, result: ExecutionResult) -> list[str]:
        """Every other code cell of the notebook; without a notebook view, the session's working steps."""
        if self.work.snapshot is not None:
            return [other.source for other in self.work.code_cells() if other.id != result.cell_id]
        return [
            step.final.code
            for request in self.record.requests
            for step in request.steps
            if step.number != cell.step and step.final.ok
        ]
