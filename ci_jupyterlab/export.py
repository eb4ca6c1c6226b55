"""A notebook and its chat sessions as a clean, reproducible notebook.

The notebook's cells are walked in order. Cells the chat put there (tagged
``metadata.ci_jupyterlab``) are grouped by request, as the session records
tell: the request as a quote, the working cells with their outputs, the
answer. Failed attempts are dropped (or kept as collapsed markdown). ``%%ci``
cells become their request plus the code recorded in the replay journal, so
the export runs without this extension. The user's own cells stay as they are.
Then the export is re-run in a fresh kernel (``verification``) and the result
written into its title cell and metadata.

No server imports: the CLI and the REST handler both call ``export_notebook``.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from .agent.files import free_path, sha256_of
from .agent.journal import JOURNAL_NAME, Journal
from .agent.record import RequestRecord, SessionRecord, Step
from .agent.redaction import Redactor
from .agent.text import plural
from .magic_options import OptionError, parse_magic, recording_options
from .record_notebook import quote_request
from .verification import Verification, verify

#: The cell and notebook metadata key of the chat; never exported.
CHAT_KEY = "ci_jupyterlab"
#: The notebook metadata key the export writes its provenance under.
EXPORT_KEY = "ci_jupyterlab_export"
LOAD_EXTENSION = "%load_ext ci_jupyterlab"

FindRecord = Callable[[str], "SessionRecord | None"]


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


@dataclass
class _Request:
    """Where a request's cells are in the source notebook, to place its quote and answer."""

    session: str
    record: RequestRecord
    first: int
    last: int
    # Its session's requests that ran no code, shown before and after it.
    companions_before: list[RequestRecord] = field(default_factory=list)
    companions: list[RequestRecord] = field(default_factory=list)


class _Builder:
    """Accumulates the exported cells and what the title cell will say about them."""

    def __init__(self, keep_attempts: bool):
        self.keep_attempts = keep_attempts
        self.cells: list[nbformat.NotebookNode] = []
        self.unrecorded: set[int] = set()  # code cells without recorded outputs: the verification run fills them
        self.models: set[str] = set()
        self.packages: list[str] = []
        self.requests = 0

    def add(self, cell: nbformat.NotebookNode, *, recorded: bool = True) -> None:
        if cell.cell_type == "code" and not recorded:
            self.unrecorded.add(len(self.cells))
        self.cells.append(cell)

    def open_request(self, request: RequestRecord) -> None:
        self.requests += 1
        self.models.update([request.model] if request.model else [])
        self.packages.extend(p for p in request.packages if p not in self.packages)
        self.add(new_markdown_cell(quote_request(request.text)))

    def close_request(self, request: RequestRecord) -> None:
        ending = (
            ""
            if request.done_reason in (None, "answered")
            else f"\n\n*The assistant stopped here ({request.done_reason}).*"
        )
        if request.answer or ending:
            self.add(new_markdown_cell((request.answer + ending).strip()))

    def add_qa(self, request: RequestRecord) -> None:
        """A request that ran no code: the question and its answer."""
        self.open_request(request)
        self.close_request(request)

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


def build_export(
    notebook: nbformat.NotebookNode, find_record: FindRecord, journal: Journal, keep_attempts: bool = False
) -> _Builder:
    """The exported cells (without the title), from ``notebook`` and the records it names."""
    builder = _Builder(keep_attempts)
    requests = _locate_requests(notebook, find_record)
    for index, cell in enumerate(notebook.cells):
        placed = requests.get(index)
        if placed is not None:
            request, step = placed
            if request.first == index:
                for earlier in request.companions_before:
                    builder.add_qa(earlier)
                builder.open_request(request.record)
            _add_chat_cell(builder, cell, step)
            if request.last == index:
                builder.close_request(request.record)
                for later in request.companions:
                    builder.add_qa(later)
        elif cell.cell_type == "code" and _magic_line(cell.source) is not None:
            _add_magic_cell(builder, cell, journal)
        else:
            _add_user_cell(builder, cell)
    return builder


def _locate_requests(notebook: nbformat.NotebookNode, find_record: FindRecord) -> dict[int, tuple]:
    """Notebook cell index -> (its request, its step), for cells the records account for."""
    found: dict[tuple[str, int], _Request] = {}
    located: dict[int, tuple] = {}
    records: dict[str, SessionRecord | None] = {}
    for index, cell in enumerate(notebook.cells):
        tag = cell.get("metadata", {}).get(CHAT_KEY)
        if cell.cell_type != "code" or not isinstance(tag, dict) or not isinstance(tag.get("session"), str):
            continue
        session = tag["session"]
        if session not in records:
            records[session] = find_record(session)
        match = _find_step(records[session], tag.get("step"))
        if match is None:
            continue  # a session we have no record of: the cell is kept as a user cell
        number, step = match
        request = found.setdefault(
            (session, number), _Request(session, records[session].requests[number], index, index)
        )
        request.last = index
        located[index] = (request, step)
    for (session, number), request in found.items():
        request.companions_before, request.companions = _companions(records[session], number, found, session)
    return located


def _find_step(record: SessionRecord | None, number) -> tuple[int, Step] | None:
    for request_number, request in enumerate(record.requests if record else []):
        for step in request.steps:
            if step.number == number:
                return request_number, step
    return None


def _companions(record: SessionRecord, number: int, found: dict, session: str) -> tuple[list, list]:
    """The session's requests that ran no code, shown next to the request with code before them.

    Those before the session's first request with cells go before it.
    """
    with_cells = sorted(n for s, n in found if s == session)
    before = [r for r in record.requests[: with_cells[0]] if not r.steps] if number == with_cells[0] else []
    following = [n for n in with_cells if n > number]
    end = following[0] if following else len(record.requests)
    after = [r for r in record.requests[number + 1 : end] if not r.steps]
    return before, after


def _add_chat_cell(builder: _Builder, cell: nbformat.NotebookNode, step: Step) -> None:
    """The cell as the notebook holds it (the user may have edited it), unless it is a failed attempt."""
    if builder.keep_attempts:
        builder.add_failed_attempts(step)
    if not step.final.ok and cell.source == step.final.code:
        return  # the request ended on this failure; with keep_attempts it is shown above
    _add_user_cell(builder, cell)


def _add_user_cell(builder: _Builder, cell: nbformat.NotebookNode) -> None:
    cell = nbformat.from_dict(json.loads(json.dumps(cell)))  # a copy: the source notebook stays as read
    cell.metadata.pop(CHAT_KEY, None)
    if cell.cell_type == "code":
        cell.source = _without_load_extension(cell.source)
        if not cell.source.strip():
            return
        builder.add(cell, recorded=cell.execution_count is not None)
    else:
        builder.add(cell)


def _magic_line(source: str) -> str | None:
    """The ``%%ci``/``%ci`` line that starts the cell, if it does."""
    first = source.lstrip().split("\n", 1)[0]
    word = first.split(" ", 1)[0]
    return first if word in ("%%ci", "%ci") else None


def _add_magic_cell(builder: _Builder, cell: nbformat.NotebookNode, journal: Journal) -> None:
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


def input_files(cells: Iterable[nbformat.NotebookNode], directory: Path) -> list[dict]:
    """Files next to the notebook that the code names in a string: name, size, sha256."""
    names: set[str] = set()
    for cell in cells:
        if cell.cell_type == "code":
            names.update(_string_literals(cell.source))
    found = []
    root = directory.resolve()
    for name in sorted(names):
        path = (directory / name).resolve()
        if path.is_file() and path.is_relative_to(root) and path.suffix != ".ipynb" and path.name != JOURNAL_NAME:
            found.append(
                {"name": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": sha256_of(path)}
            )
    return found


def _syntax_tree(code: str) -> ast.AST | None:
    """The code's syntax tree, magics and shell escapes left out; None if it is not Python."""
    try:
        return ast.parse(_python_only(code))
    except SyntaxError:
        return None


def _string_literals(code: str) -> set[str]:
    tree = _syntax_tree(code)
    if tree is None:
        return set()
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and 0 < len(node.value) < 256
        and "\n" not in node.value
    }


def imported_modules(cells: Iterable[nbformat.NotebookNode]) -> set[str]:
    """Top-level names of the modules the code imports, for the environment report."""
    modules: set[str] = set()
    for cell in cells:
        tree = _syntax_tree(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def _python_only(code: str) -> str:
    """The code without IPython magics and shell escapes, which ``ast`` cannot read."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n"))


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
) -> Export:
    """Build the export of ``notebook_path`` and, unless told not to, verify it by re-running it.

    ``root`` is the server's root: the notebook must be in it, and messages name it relative to it.
    ``kernel_manager_class``: the verification's, if not jupyter_client's (a gateway's);
    ``kernel_env``: its kernel's environment (see ``kernel_env.without_key``).
    """
    notebook_path, shown = _locate_notebook(notebook_path, root)
    # Reading the notebook and hashing its input files (maybe gigabytes) would hold the server's event loop.
    source = await asyncio.to_thread(_read_notebook, notebook_path, shown)
    directory = notebook_path.parent
    builder = build_export(source, find_record, Journal(directory / JOURNAL_NAME), keep_attempts)

    notebook = nbformat.v4.new_notebook(metadata={k: v for k, v in source.metadata.items() if k != CHAT_KEY})
    notebook.cells = [new_markdown_cell("")]  # the title, written once verified
    if builder.packages:
        notebook.cells.append(new_code_cell("%pip install " + " ".join(builder.packages)))
    offset = len(notebook.cells)
    notebook.cells.extend(builder.cells)
    unrecorded = {index + offset for index in builder.unrecorded} | set(range(1, offset))

    provenance = {
        "source": notebook_path.name,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "requests": builder.requests,
        "models": sorted(builder.models),
        "packages_installed": builder.packages,
        "input_files": await asyncio.to_thread(input_files, notebook.cells, directory),
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
        lines.append("- **Input files:**")
        lines.extend(
            f"  - `{f['name']}`: {f['size']:,} bytes, sha256 `{f['sha256']}`" for f in provenance["input_files"]
        )
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
