"""The data files next to the notebook, described before the model plans: a context provider.

``DataProfile`` finds the data files (CSV/TSV, Parquet, Feather, Excel,
JSON/JSON lines, SQLite) in the notebook's folder and the folders below it
(two levels), and those the request or the notebook's code names. It ranks
them by how much the request's words match their names (and, for the first
few profiled, their columns), profiles them in that order (``data_files.py``:
cheap samples, cached by path, size and modification time) and says as much
as fits in its budget of tokens; the files left over are named in one line.
Files the notebook's code already read into the kernel are skipped (the
kernel's variables describe them), and so are attached files (described with
the attachments). The work stops at a deadline: a folder of thousands of
files or a file of gigabytes costs a glance. It runs in a thread, or, for
the Jupyter server (``isolated``), in a worker process of its own (started
once, on first use; it keeps the profiles it made), so that the server's
event loop is never held: a thread shares the interpreter's lock with the
loop, and importing pyarrow alone holds that for tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .data_files import KINDS, FileProfile, Table, profile_file
from .executors import Executor
from .notebook_view import NotebookSnapshot
from .previews import human_size
from .tokens import count_tokens

#: Tokens the profile may take, unless the settings say otherwise.
DEFAULT_BUDGET = 1500
#: Seconds the profile may take; files not reached by then are only named.
DEADLINE = 3.0
#: Seconds more the request waits for the worker (its start, the first time) before going without a profile.
WORKER_GRACE = 10.0
#: Folder levels below the notebook's that are searched.
DEPTH = 2
#: Files looked at in a folder walk, and files profiled to rank by their columns.
MAX_FILES = 5000
PROFILED_FOR_RANKING = 50
#: Columns described per table.
MAX_COLUMNS = 25
#: Tokens kept for the lines that only name files.
TAIL_TOKENS = 80
#: Files profiled that did not fit the budget before the rest are only named.
MISFITS = 5
#: Folders never searched: tools' and environments' own.
_SKIPPED_FOLDERS = {"node_modules", "__pycache__", "site-packages", "venv", "env", "dist", "build"}
_NAMED = re.compile(r"[\w./~-]+\.(" + "|".join(suffix[1:] for suffix in KINDS) + r")\b", re.IGNORECASE)
_READ_CALL = re.compile(r"\b(read_\w+|open|connect|load_workbook|scan_\w+)\s*\(")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")
_STOP_WORDS = frozenset("the and for with from thi that what which show plot data file table please csv".split())


@dataclass(frozen=True)
class DataProfile:
    """A context provider: the data files of ``folder`` (and those named), as far as ``budget`` tokens go.

    ``root`` bounds the paths the request may name (the server's root folder);
    ``request`` and ``notebook`` are what ranks the files and names more;
    ``attached`` are skipped (the attachments' own previews describe them).
    ``isolated``: profile in the worker process rather than a thread.
    """

    folder: Path
    root: Path
    request: str = ""
    notebook: NotebookSnapshot | None = None
    budget: int = DEFAULT_BUDGET
    attached: Sequence[str] = field(default_factory=tuple)
    isolated: bool = False

    async def __call__(self, executor: Executor) -> str:
        if self.budget <= 0 or not self.folder.is_dir():
            return ""
        if not self.isolated:
            return await asyncio.to_thread(self.describe)
        try:
            working = asyncio.wrap_future(_worker().submit(_describe, self))
            return await asyncio.wait_for(working, DEADLINE + WORKER_GRACE)
        except (BrokenProcessPool, OSError):  # the worker died (or could not start): no profile this time
            _forget_worker()
            return ""
        except asyncio.TimeoutError:
            return ""

    def describe(self) -> str:
        """The profile text (blocking: call it from a thread, or the worker process)."""
        deadline = time.perf_counter() + DEADLINE
        found = find_data_files(self.folder, deadline)
        named = self._named_files()
        loaded = self._loaded_names()
        skipped = {Path(name).name for name in self.attached}
        candidates = [path for path in dict.fromkeys([*named, *found]) if path.name not in skipped]
        already = [path for path in candidates if path.name in loaded]
        candidates = [path for path in candidates if path.name not in loaded]
        if not candidates and not already:
            return ""
        ranked = self._ranked(candidates, set(named), deadline)
        return self._render(ranked, already, deadline)

    # --- which files -----------------------------------------------------------

    def _named_files(self) -> list[Path]:
        """Data files the request or the notebook's code names, that exist inside the root."""
        texts = [self.request] + [cell.source for cell in (self.notebook.cells if self.notebook else [])]
        root = self.root.resolve()
        named = []
        for text in texts:
            for match in _NAMED.finditer(text):
                path = (self.folder / Path(match.group(0)).expanduser()).resolve()
                if path.is_relative_to(root) and path.is_file():
                    named.append(path)
        return list(dict.fromkeys(named))

    def _loaded_names(self) -> set[str]:
        """File names the notebook's code read in cells that ran: the kernel holds them as variables."""
        loaded = set()
        for cell in self.notebook.cells if self.notebook else []:
            if cell.cell_type == "code" and cell.execution_count is not None and not cell.has_error:
                for line in cell.source.splitlines():
                    if _READ_CALL.search(line):
                        loaded.update(Path(match.group(0)).name for match in _NAMED.finditer(line))
        return loaded

    def _words(self) -> set[str]:
        return {_stem(word) for word in _WORD.findall(self.request)} - _STOP_WORDS

    def _ranked(self, paths: list[Path], named: set[Path], deadline: float) -> list[Path]:
        """Named files first, then by how well the request's words match the name (then its columns), newest first."""
        words = self._words()
        scores = {path: len(words & _stems(self._shown_path(path))) for path in paths} if words else {}

        def mtime(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

        order = sorted(paths, key=lambda p: (p not in named, -scores.get(p, 0), -mtime(p)))
        if not words:
            return order
        # The first files (as time allows: half the deadline) are ranked by their columns' names too.
        halfway = time.perf_counter() + (deadline - time.perf_counter()) / 2
        head, rest = order[:PROFILED_FOR_RANKING], order[PROFILED_FOR_RANKING:]
        both = {path: scores[path] + self._column_score(path, words, halfway) for path in head}
        head.sort(key=lambda p: (p not in named, -both[p]))
        return head + rest

    @staticmethod
    def _column_score(path: Path, words: set[str], deadline: float) -> int:
        if time.perf_counter() > deadline:
            return 0
        columns = " ".join(column.name for table in profile_file(path).tables for column in table.columns)
        return len(words & _stems(columns))

    # --- what is said ----------------------------------------------------------

    def _render(self, ranked: list[Path], already: list[Path], deadline: float) -> str:
        intro = "Data files in the notebook's folder (profiled from a sample; rows with ~ are estimated):"
        blocks, used, left = [], count_tokens(intro), []
        room = self.budget - (TAIL_TOKENS if len(ranked) > 1 or already else 0)  # for the files only named
        misfits = 0
        for path in ranked:
            if time.perf_counter() > deadline or used >= room or misfits >= MISFITS:
                left.append(path)
                continue
            block = render_profile(profile_file(path), self.folder)
            tokens = count_tokens(block)
            if used + tokens > room:
                left.append(path)
                misfits += 1  # a smaller one may still fit; after a few, the rest are only named
                continue
            blocks.append(block)
            used += tokens
        lines = [intro, *blocks]
        # What is left of the budget, less a margin: the lines' joins count too.
        room = self.budget - count_tokens("\n".join(lines)) - 8
        if left:
            lines.append(self._named_only(left, "Other data files", room // (2 if already else 1)))
            room -= count_tokens(lines[-1])
        if already:
            lines.append(
                self._named_only(already, "Already read by the notebook's code (see the kernel's variables)", room)
            )
        return "\n".join(line for line in lines if line)

    def _named_only(self, paths: list[Path], label: str, room: int) -> str:
        """``label (n): a.csv, b.csv, … +k more`` in at most ``room`` tokens."""
        names, used = [], count_tokens(label) + 12
        for path in paths:
            name = self._shown_path(path)
            cost = count_tokens(name) + 1
            if used + cost > room:
                break
            names.append(name)
            used += cost
        rest = len(paths) - len(names)
        return f"{label} ({len(paths):,}): {', '.join(names)}" + (f", … +{rest:,} more" if rest else "")

    def _shown_path(self, path: Path) -> str:
        """The path from the notebook's folder (string work: a folder of thousands is ranked by these)."""
        folder = f"{self.folder}{os.sep}"
        text = str(path)
        return text[len(folder) :] if text.startswith(folder) else text


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _worker() -> ProcessPoolExecutor:
    """The one worker process the profiles are made in (spawned: no copy of the server's threads)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _forget_worker() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _describe(profile: DataProfile) -> str:
    """In the worker: the profile's text."""
    return profile.describe()


def _stem(word: str) -> str:
    """A word as names are compared: lower case, without a plural's s."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _stems(text: str) -> set[str]:
    """The words of a file's path or of column names: split at anything not a letter (sales_2024.csv)."""
    return {_stem(part) for part in re.split(r"[^A-Za-z]+", text) if len(part) > 2}


def find_data_files(folder: Path, deadline: float, depth: int = DEPTH) -> list[Path]:
    """Data files in ``folder`` and its folders down to ``depth`` levels, hidden and tool folders left out."""
    found: list[Path] = []
    pending = [(folder, 0)]
    while pending and len(found) < MAX_FILES and time.perf_counter() < deadline:
        current, level = pending.pop(0)
        try:
            with os.scandir(current) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if level < depth and entry.name not in _SKIPPED_FOLDERS:
                            pending.append((Path(entry.path), level + 1))
                    elif Path(entry.name).suffix.lower() in KINDS and entry.is_file():
                        found.append(Path(entry.path))
        except OSError:
            continue
    return found


def _rows(table: Table) -> str:
    if table.rows is None:
        return "rows unknown"
    return f"{'~' if table.estimated else ''}{table.rows:,} row{'' if table.rows == 1 else 's'}"


def render_profile(profile: FileProfile, folder: Path) -> str:
    """A file's profile as the model reads it: a heading line, then one line per column."""
    path = profile.path
    name = str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
    heading = f"- {name} ({profile.kind}, {human_size(profile.size)}"
    if profile.note:
        return f"{heading}): {profile.note}"
    if len(profile.tables) == 1 and profile.tables[0].name == path.name:
        table = profile.tables[0]
        return "\n".join([f"{heading}, {_rows(table)}, {len(table.columns)} columns)", *_column_lines(table, "  ")])
    lines = [f"{heading})"]
    for table in profile.tables:
        lines.append(f"  {table.name}: {_rows(table)}, {len(table.columns)} columns")
        lines += _column_lines(table, "    ")
    return "\n".join(lines)


def _column_lines(table: Table, indent: str) -> list[str]:
    lines = []
    for column in table.columns[:MAX_COLUMNS]:
        missing = f", {column.missing:,} empty of {table.looked_at:,} seen" if column.missing else ""
        examples = f", e.g. {', '.join(column.examples)}" if column.examples else ""
        lines.append(f"{indent}{column.name}: {column.dtype}{missing}{examples}")
    if len(table.columns) > MAX_COLUMNS:
        rest = [column.name for column in table.columns[MAX_COLUMNS:]]
        lines.append(f"{indent}… {len(rest)} more columns: {', '.join(rest[:30])}")
    return lines
