"""Run the agent's cells in a notebook held in memory, as the panel does in the browser.

``jupyter ci run --notebook NB.ipynb`` works in an existing notebook: each
``RunCell`` is put into the notebook (a new cell after the session's last one,
the cell it replaces, or the existing cell an edit names) and run in a kernel
through the wrapped executor; the cell gets its outputs, its execution count
and the same ``metadata.ci_jupyterlab`` tag the panel gives it. The result says
where the code ran (``cell_id``) and, for an edit, the source it replaced.
"""

from __future__ import annotations

import uuid

from ..events import RunCell
from .base import ExecutionResult, Executor, Inspector

#: The cell metadata key holding a step's tag, as the panel writes it.
METADATA_KEY = "ci_jupyterlab"


def _new_id() -> str:
    return uuid.uuid4().hex[:8]


def _tag(cell: dict) -> dict:
    tag = (cell.get("metadata") or {}).get(METADATA_KEY)
    return tag if isinstance(tag, dict) else {}


class NotebookFileExecutor:
    """An ``Executor`` that runs each cell through ``inner`` and keeps it in ``notebook`` (nbformat v4, a dict).

    ``session`` is the tag's session id; cells are placed after the session's
    last tagged cell, else at the end, reusing an empty last code cell.
    """

    def __init__(self, inner: Executor, notebook: dict, session: str = "cli"):
        self.inner = inner
        self.notebook = notebook
        self.session = session

    @property
    def cells(self) -> list[dict]:
        return self.notebook["cells"]

    async def run(self, cell: RunCell) -> ExecutionResult:
        index, before = self._place(cell)
        result = await self.inner.run(cell)
        target = self.cells[index]
        target["outputs"] = [dict(output) for output in result.outputs]
        target["execution_count"] = result.execution_count
        result.cell_id = target.get("id")
        if before is not None:
            result.before = before.get("source", "")
            result.before_outputs = before.get("outputs", [])
            result.before_execution_count = before.get("execution_count")
        return result

    async def inspect(self, code: str, timeout: float) -> str | None:
        return await self.inner.inspect(code, timeout) if isinstance(self.inner, Inspector) else None

    def _place(self, cell: RunCell) -> tuple[int, dict | None]:
        """Where the code goes, with (a copy of) the cell it replaces for an edit (None for a new cell)."""
        tag = {"session": self.session, "step": cell.step, "call_id": cell.call_id}
        index = self._find(lambda c: c.get("id") == cell.cell_id) if cell.cell_id else None
        if index is None and cell.replaces:
            index = self._find(lambda c: _tag(c).get("call_id") == cell.replaces)
            if index is not None:
                self._put(index, cell.code, tag)
                return index, None
        if index is not None:
            before = dict(self.cells[index])
            self._put(index, cell.code, tag)
            return index, before
        index = self._insertion_point()
        if 0 <= index == len(self.cells) - 1 and self._is_blank(self.cells[index]):
            self._put(index, cell.code, tag)  # a new notebook's empty last cell: used, not left above
            return index, None
        self.cells.insert(index + 1, self._new_cell(cell.code, tag))
        return index + 1, None

    def _find(self, matches) -> int | None:
        return next((i for i, c in enumerate(self.cells) if matches(c)), None)

    def _put(self, index: int, code: str, tag: dict) -> None:
        cell = self.cells[index]
        cell["source"] = code
        cell["outputs"], cell["execution_count"] = [], None
        cell.setdefault("metadata", {})[METADATA_KEY] = tag

    def _insertion_point(self) -> int:
        """The index after which a new cell goes: the session's last cell, else the last cell (-1 if none)."""
        for index in range(len(self.cells) - 1, -1, -1):
            if _tag(self.cells[index]).get("session") == self.session:
                return index
        return len(self.cells) - 1

    @staticmethod
    def _is_blank(cell: dict) -> bool:
        return cell.get("cell_type") == "code" and not "".join(cell.get("source") or "").strip()

    @staticmethod
    def _new_cell(code: str, tag: dict) -> dict:
        return {
            "id": _new_id(),
            "cell_type": "code",
            "source": code,
            "metadata": {METADATA_KEY: tag},
            "outputs": [],
            "execution_count": None,
        }
