"""A notebook and its chat sessions as a clean, reproducible notebook.

The notebook's code in its order, the chat's requests in the order they
were asked (export_story.py): each as a quote, its working cells with their
outputs, its answer; failed attempts dropped (or kept as collapsed markdown);
``%%ci`` cells as their request plus the code recorded in the replay journal,
so the export runs without this extension; the user's own cells as they are.
The files the code reads and writes are told apart (file_use.py). Then the
export is re-run in a fresh kernel (``verification``) and the result written
into its title cell and metadata.

No server imports: the CLI and the REST handler both call ``export_notebook``.
"""

from __future__ import annotations

import ast
import asyncio
import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from .agent.files import free_path, sha256_of
from .agent.journal import JOURNAL_NAME, Journal
from .agent.redaction import Redactor
from .agent.text import plural
from .export_story import CHAT_KEY, FindRecord, build_story, number_references
from .file_use import classify, syntax_tree
from .verification import Verification, verify

#: The notebook metadata key the export writes its provenance under.
EXPORT_KEY = "ci_jupyterlab_export"


class ExportError(Exception):
    """The export cannot be made; ``message`` and ``hint`` say why and what to do."""

    def __init__(self, message: str, hint: str = "", status: int = 400):
        super().__init__(message)
        self.message, self.hint, self.status = message, hint, status


@dataclass
class Export:
    notebook: nbformat.NotebookNode
    verification: Verification | None
    provenance: dict
    path: Path  # the notebook exported, symlinks resolved

    @property
    def trusted(self) -> bool:
        """Whether its outputs all come from the verification run: a notary may sign it, so it opens trusted."""
        return self.verification is not None and self.verification.complete


def data_files(
    cells: Iterable[nbformat.NotebookNode], directory: Path, written_by_session: set[str] = frozenset()
) -> tuple[list[dict], list[dict]]:
    """The files next to the notebook the code reads (name, size, sha256) and writes (name, size if there now)."""
    inputs, outputs = classify(cells, directory, written_by_session)
    root = directory.resolve()
    read = [
        {"name": name, "size": (root / name).stat().st_size, "sha256": sha256_of(root / name)}
        for name in inputs
        if (root / name).name != JOURNAL_NAME
    ]
    written = [
        {"name": name, **({"size": (root / name).stat().st_size} if (root / name).is_file() else {})}
        for name in outputs
    ]
    return read, written


def imported_modules(cells: Iterable[nbformat.NotebookNode]) -> set[str]:
    """Top-level names of the modules the code imports, for the environment report."""
    modules: set[str] = set()
    for cell in cells:
        tree = syntax_tree(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


async def export_notebook(
    notebook_path: Path,
    find_record: FindRecord,
    *,
    root: Path | None = None,
    keep_attempts: bool = False,
    run_verification: bool = True,
    cell_timeout: float = 120.0,
    secrets: Iterable[str] = (),
    kernel_manager_class: type | None = None,
    kernel_env: dict[str, str] | None = None,
    sessions: Iterable[str] = (),
) -> Export:
    """Build the export of ``notebook_path`` and, unless told not to, verify it by re-running it.

    ``root`` is the server's root: the notebook must be in it, and messages name it relative to it.
    ``sessions``: sessions whose requests the export tells besides those its cells name (the chat
    that asked for it: its requests that left no cell are part of the story too).
    ``kernel_manager_class``: the verification's, if not jupyter_client's (a gateway's);
    ``kernel_env``: its kernel's environment (see ``kernel_env.without_key``).
    """
    notebook_path, shown = _locate_notebook(notebook_path, root)
    # Reading the notebook and hashing its input files (maybe gigabytes) would hold the server's event loop.
    source = await asyncio.to_thread(_read_notebook, notebook_path, shown)
    directory = notebook_path.parent
    builder = build_story(source, find_record, Journal(directory / JOURNAL_NAME), keep_attempts, tuple(sessions))

    notebook = nbformat.v4.new_notebook(metadata={k: v for k, v in source.metadata.items() if k != CHAT_KEY})
    notebook.cells = [new_markdown_cell("")]  # the title, written once verified
    if builder.packages:
        notebook.cells.append(new_code_cell("%pip install " + " ".join(builder.packages)))
    offset = len(notebook.cells)
    notebook.cells.extend(builder.cells)
    unrecorded = {index + offset for index in builder.unrecorded} | set(range(1, offset))

    read, written = await asyncio.to_thread(data_files, notebook.cells, directory, builder.written)
    provenance = {
        "source": notebook_path.name,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "requests": builder.requests,
        "models": sorted(builder.models),
        "packages_installed": builder.packages,
        "input_files": read,
        "output_files": written,
    }
    verification = None
    if run_verification:
        verification = await verify(
            notebook,
            directory,
            unrecorded=unrecorded,
            cell_timeout=cell_timeout,
            kernel_manager_class=kernel_manager_class,
            kernel_env=kernel_env,
            modules=imported_modules(notebook.cells) | {p.split("=")[0].split("[")[0] for p in builder.packages},
        )
        if verification.complete:
            verification.use_fresh_outputs(notebook)  # outputs this run made: the export can open trusted
        else:
            verification.fill_unrecorded(notebook)
        provenance["environment"] = verification.environment
        if "language_info" in verification.executed.metadata:
            notebook.metadata.setdefault("language_info", verification.executed.metadata.language_info)
    _number_code_cells(notebook)
    number_references(notebook, builder)
    notebook.metadata[EXPORT_KEY] = {**provenance, "verification": verification.to_dict() if verification else None}
    notebook.cells[0].source = title(provenance, verification)
    notebook = await asyncio.to_thread(_redacted_and_valid, notebook, list(secrets))
    return Export(notebook, verification, provenance, notebook_path)


def _redacted_and_valid(notebook: nbformat.NotebookNode, secrets: list[str]) -> nbformat.NotebookNode:
    """Redacted as data, so a secret is found as it is rather than JSON-escaped; then validated.

    Both walk every output: in a worker thread, off the server's event loop.
    """
    notebook = nbformat.from_dict(Redactor(secrets).data(notebook))
    nbformat.validate(notebook)
    return notebook


def _locate_notebook(notebook_path: Path, root: Path | None) -> tuple[Path, str]:
    """The notebook's real path and how messages name it; ExportError if it may not be exported.

    Hidden notebooks are refused, as Jupyter hides them. Within ``root`` the
    notebook must stay inside it, both as named and with symlinks resolved, and
    no folder on the way may be hidden; without one (the CLI) only its own name
    is checked.
    """
    try:
        resolved = notebook_path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise ExportError(f"Cannot read {notebook_path.name}: a symlink loop.", "Check the path.") from None
    if root is None:
        parts, shown = [notebook_path.name, resolved.name], str(notebook_path)
    else:
        named = Path(os.path.relpath(os.path.abspath(notebook_path), os.path.abspath(root)))
        real_root = root.resolve()
        if named.parts[:1] == ("..",) or not resolved.is_relative_to(real_root):
            raise ExportError("The notebook must be inside the server's root directory.", "", status=403)
        parts, shown = [*named.parts, *resolved.relative_to(real_root).parts], named.as_posix()
    if any(part.startswith(".") for part in parts):
        raise ExportError(f"{shown} is hidden: hidden files and folders are not exported.", "", status=403)
    return resolved, shown


def _read_notebook(path: Path, shown: str) -> nbformat.NotebookNode:
    """The notebook at ``path``, if it is a regular file (a FIFO would block the read forever)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ExportError(f"No such notebook: {shown}", "Check the path.", status=404) from None
    except OSError as exc:  # its message would name the absolute path
        raise ExportError(f"Cannot read {shown}: {exc.strerror}.", "Check its permissions.") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ExportError(f"{shown} is not a regular file.", "Export a notebook (.ipynb) file.")
        try:
            return nbformat.reads(file.read().decode("utf-8"), as_version=4)
        except (OSError, ValueError, AttributeError, nbformat.ValidationError) as exc:
            raise ExportError(f"Cannot read {shown} as a notebook: {exc}", "Is it an .ipynb file?") from None


def _number_code_cells(notebook: nbformat.NotebookNode) -> None:
    """Execution counts in run order, as a top-to-bottom run gives them."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count


NOT_VERIFIED = "not verified (exported without re-running)."


def title(provenance: dict, verification: Verification | None) -> str:
    """The title cell: where the notebook came from and whether it re-ran the same."""
    models = provenance["models"]
    lines = [
        f"# Reproducible export of `{provenance['source']}`",
        "",
        f"Exported {provenance['exported_at'].replace('T', ' ').rstrip('Z')} UTC"
        f" from {plural(provenance['requests'], 'request')} to the code interpreter.",
        "",
        f"- **Model{'s' if len(models) != 1 else ''}:** {', '.join(models) or 'none recorded'}",
    ]
    environment = provenance.get("environment")
    if environment:
        packages = ", ".join(f"{name} {version}" for name, version in sorted(environment["packages"].items()))
        lines.append(f"- **Python:** {environment['python']}" + (f"; **packages:** {packages}" if packages else ""))
    if provenance["packages_installed"]:
        lines.append(f"- **Installed during the session:** {', '.join(provenance['packages_installed'])}")
    if provenance["input_files"]:
        lines.append("- **Input files** (the code reads them; have the same beside the notebook):")
        lines.extend(
            f"  - `{f['name']}`: {f['size']:,} bytes, sha256 `{f['sha256']}`" for f in provenance["input_files"]
        )
    if provenance.get("output_files"):
        shown = ", ".join(f"`{f['name']}`" for f in provenance["output_files"])
        lines.append(f"- **Output files** (the code writes them): {shown}")
    lines.append(f"- **Verification:** {verification.summary() if verification else NOT_VERIFIED}")
    return "\n".join(lines)


def default_export_path(notebook_path: Path) -> Path:
    """``<stem>-export.ipynb`` next to the notebook, or ``-export-1``... if taken."""
    return free_path(notebook_path.with_name(f"{notebook_path.stem}-export.ipynb"))


def write_new(notebook: nbformat.NotebookNode, path: Path) -> Path:
    """Write to ``path`` or the next free name; an existing file is never replaced."""
    while True:
        try:
            with path.open("x", encoding="utf-8") as file:
                nbformat.write(notebook, file)
            return path
        except FileExistsError:
            path = free_path(path)
