"""Export a notebook next to itself, verified: what the panel's Export and the MCP ``export_verified`` tool do.

Writes ``<stem>-export.ipynb`` (a free name) beside the notebook and answers
``{path, verification}``, the path relative to the server's root. Verifying runs
the export in a fresh kernel (on the gateway when the server's kernels run on
one), whose environment does not get the key.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .agent.settings import CodeInterpreter
from .export import Export, ExportError, FindRecord, default_export_path, export_notebook, write_new
from .kernel_env import verification_env


async def export_next_to(
    path: str,
    find_record: FindRecord,
    *,
    root: Path,
    interpreter: CodeInterpreter,
    notary,
    keep_attempts: bool = False,
    verify: bool = True,
    kernel_manager_class: type | None = None,
    sessions: tuple[str, ...] = (),
) -> dict:
    """Export the notebook at ``path`` (relative to ``root``); ``ExportError`` says why not.

    ``notary`` signs an export whose outputs all come from the verification's
    run, so that it opens trusted. ``sessions``: chats whose every request the
    story tells (see ``export_notebook``).
    """
    export = await export_notebook(
        root / path,
        find_record,
        root=root,
        keep_attempts=keep_attempts,
        run_verification=verify,
        cell_timeout=interpreter.cell_timeout,
        secrets=interpreter.secrets(),
        kernel_manager_class=kernel_manager_class,
        kernel_env=verification_env(interpreter),
        sessions=sessions,
    )
    if export.trusted:
        notary.sign(export.notebook)  # its database: this thread's
    written = await asyncio.to_thread(_write, export, root)  # a big notebook: off the loop
    return {"path": written, "verification": export.verification.to_dict() if export.verification else None}


def _write(export: Export, root: Path) -> str:
    """Write the export next to the notebook; its path relative to ``root``."""
    target = default_export_path(export.path)
    try:
        target = write_new(export.notebook, target)
    except OSError as exc:  # its message would name the absolute path
        shown = target.relative_to(root).as_posix()
        raise ExportError(f"Cannot write {shown}: {exc.strerror}.", "Check the folder's permissions.", 500) from None
    return target.relative_to(root).as_posix()
