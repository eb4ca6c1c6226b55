"""A session record as a plain notebook: requests, working cells, answers."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .agent.record import SessionRecord


def notebook_from_record(
    record: SessionRecord, *, kernel_name: str = "python3", language: str | None = "python"
) -> nbformat.NotebookNode:
    """One markdown cell per request, the final attempt of each step with its outputs, the answer.

    Failed attempts are left out: each step keeps the code that was kept in the
    notebook. Cells carry no chat metadata, so the notebook stands on its own.
    """
    notebook = new_notebook(
        metadata={
            "kernelspec": {"name": kernel_name, "display_name": kernel_name, "language": language or ""},
            "language_info": {"name": language or ""},
        }
    )
    for request in record.requests:
        notebook.cells.append(new_markdown_cell(quote_request(request.text)))
        for step in request.steps:
            final = step.final
            cell = new_code_cell(final.code, execution_count=final.execution_count)
            cell.outputs = [nbformat.from_dict(output) for output in final.outputs]
            notebook.cells.append(cell)
        if request.answer:
            notebook.cells.append(new_markdown_cell(request.answer))
    return notebook


def quote_request(text: str) -> str:
    """The request as a markdown quote, so it reads as the question asked."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
