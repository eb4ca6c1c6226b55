"""Re-run an exported notebook in a fresh kernel and compare what comes out.

The run happens in a temporary copy of the notebook's directory, so the user's
files are never touched (symlinks that lead out of it are left out of the copy).
Outputs are compared after normalising what is expected to vary between runs:
colour codes, trailing spaces, memory addresses (``0x7f...``), element ids a
library generates anew on each run (uuids: folium's ``map_<hex>``, plotly's
divs) and image bytes (images are compared by type and pixel size). A cell that differs is named
with a likely cause; a cell that fails is always reported, never hidden.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from .agent.feedback import describe_data, strip_ansi
from .agent.text import joined

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_GENERATED_ID = re.compile(
    r"(?<![0-9a-fA-F])(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-fA-F])"
)
_RANDOM = re.compile(r"\brandom\.|\bdefault_rng\(|\brand(n|int)?\(|\.sample\(|\bshuffle\(|\buuid4\(")
_SEEDED = re.compile(r"\bseed\(\s*\d|default_rng\(\s*\d|random_state\s*=\s*\d|RandomState\(\s*\d|Random\(\s*\d")
_TIME = re.compile(
    r"datetime\.(now|today|utcnow)\(|date\.today\(|\btime\.(time|perf_counter|monotonic|localtime|ctime)\("
    r"|Timestamp\.(now|today)\(|%%?time"
)

#: Asks the kernel for its Python version and the versions of the packages the code uses.
_ENVIRONMENT_PROBE = """\
def _ci_environment(modules):
    import json, platform, sys
    from importlib import metadata
    distributions = metadata.packages_distributions()
    versions = {{}}
    for module in modules:
        if module in sys.stdlib_module_names:
            continue
        for name in distributions.get(module, [module]):
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
    print(json.dumps({{"python": platform.python_version(), "packages": versions}}))
_ci_environment({modules!r})
"""


#: How one code cell fared when the export was re-run; "ran": nothing was recorded to compare.
CellStatus = Literal["reproduced", "ran", "differs", "failed", "not_run"]


@dataclass
class CellCheck:
    index: int  # position in the exported notebook's cells
    execution_count: int  # the cell's number as the notebook shows it, In [n]
    status: CellStatus
    cause: str | None = None

    @property
    def reproduced(self) -> bool:
        return self.status in ("reproduced", "ran")


@dataclass
class Verification:
    checks: list[CellCheck]
    executed: nbformat.NotebookNode  # the fresh run, for the outputs of cells that had none recorded
    environment: dict | None  # {"python", "packages": {name: version}} of the kernel that ran it
    problem: str | None = None  # why the run stopped early, if it did

    @property
    def reproduced(self) -> int:
        return sum(check.reproduced for check in self.checks)

    def to_dict(self) -> dict:
        return {
            "reproduced": self.reproduced,
            "total": len(self.checks),
            "cells": [asdict(check) for check in self.checks],
            "problem": self.problem,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        text = f"{self.reproduced} of {len(self.checks)} code cells reproduced in a fresh kernel"
        fresh = sum(check.status == "ran" for check in self.checks)
        if fresh:
            text += f" ({fresh} had no recorded outputs; theirs come from this run)"
        trouble = [check for check in self.checks if not check.reproduced]
        if trouble:
            text += "; " + "; ".join(
                f"cell [{check.execution_count}] {check.status.replace('_', ' ')}"
                + (f" ({check.cause})" if check.cause else "")
                for check in trouble
            )
        if self.problem:
            text += f". The run stopped early: {self.problem}"
        return text + "."

    @property
    def complete(self) -> bool:
        """Whether every code cell ran to the same outputs (or to its first ones) in the fresh kernel."""
        return self.problem is None and all(check.reproduced for check in self.checks)

    def use_fresh_outputs(self, notebook: nbformat.NotebookNode) -> None:
        """Give every code cell the outputs of the fresh run: then they come from this run, and may be trusted."""
        for check in self.checks:
            notebook.cells[check.index].outputs = copy.deepcopy(self.executed.cells[check.index].outputs)

    def fill_unrecorded(self, notebook: nbformat.NotebookNode) -> None:
        """Give the cells that had no recorded outputs those of the fresh run."""
        for check in self.checks:
            if check.status == "ran" or (check.status == "failed" and not notebook.cells[check.index].outputs):
                notebook.cells[check.index].outputs = copy.deepcopy(self.executed.cells[check.index].outputs)


async def verify(
    notebook: nbformat.NotebookNode,
    directory: Path,
    *,
    unrecorded: set[int],
    cell_timeout: float,
    modules: set[str],
    kernel_manager_class: type | None = None,
    kernel_env: dict[str, str] | None = None,
) -> Verification:
    """Run ``notebook`` top to bottom in a fresh kernel, in a copy of ``directory``, and compare.

    ``kernel_manager_class`` starts that kernel, if not jupyter_client's (a gateway's, for instance);
    ``kernel_env`` is its whole environment (by default this process's, the key included).
    """
    run = copy.deepcopy(notebook)
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    probing = _language(notebook) == "python"
    if probing:
        run.cells.append(new_code_cell(_ENVIRONMENT_PROBE.format(modules=sorted(modules))))
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    problem = None
    with tempfile.TemporaryDirectory(prefix="ci-export-") as temporary:
        workdir = Path(temporary) / (directory.name or "notebook")
        await asyncio.to_thread(shutil.copytree, directory, workdir, ignore=_not_copied(directory))
        client = NotebookClient(
            run,
            timeout=cell_timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": str(workdir)}},
            **({"kernel_name": kernel} if kernel else {}),
            **({"kernel_manager_class": kernel_manager_class} if kernel_manager_class else {}),
        )
        try:
            await client.async_execute(**({"env": kernel_env} if kernel_env is not None else {}))
        except Exception as exc:  # no such kernel, the kernel died...: reported, not raised
            problem = f"{type(exc).__name__}: {exc}".strip()
    environment = _environment(run.cells.pop()) if probing else None
    return Verification(_checks(notebook, run, unrecorded), run, environment, problem)


def _not_copied(directory: Path) -> Callable[[str, list[str]], list[str]]:
    """What ``copytree`` leaves out of the copy of ``directory``.

    Hidden files and folders (.git, .ipynb_checkpoints, a virtualenv...) and
    caches; symlinks to anything outside ``directory`` (its content is not the
    notebook's to copy) or to a folder above them (a loop); and what is neither
    a file nor a folder (copying a FIFO fails, a device may never end).
    """
    root = directory.resolve()

    def ignore(folder: str, names: list[str]) -> list[str]:
        here = Path(folder).resolve()
        return [
            name for name in names if name.startswith(".") or name == "__pycache__" or not _copyable(here / name, root)
        ]

    return ignore


def _copyable(path: Path, root: Path) -> bool:
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    inside = target.is_relative_to(root) and not path.parent.is_relative_to(target)
    return inside and (target.is_file() or target.is_dir())


def _language(notebook: nbformat.NotebookNode) -> str:
    metadata = notebook.metadata
    return (
        metadata.get("kernelspec", {}).get("language") or metadata.get("language_info", {}).get("name") or "python"
    ).lower()


def _environment(probe: nbformat.NotebookNode) -> dict | None:
    text = "".join(o.get("text", "") for o in probe.get("outputs", []) if o.get("output_type") == "stream")
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def _checks(exported: nbformat.NotebookNode, run: nbformat.NotebookNode, unrecorded: set[int]) -> list[CellCheck]:
    checks, code_before, number = [], "", 0
    for index, cell in enumerate(exported.cells):
        if cell.cell_type != "code":
            continue
        number += 1
        check = CellCheck(index, number, *_compare(cell, run.cells[index], index in unrecorded, code_before))
        checks.append(check)
        code_before += cell.source + "\n"
    return checks


def _compare(original, rerun, unrecorded: bool, code_before: str) -> tuple[str, str | None]:
    if rerun.execution_count is None:
        return "not_run", None
    new_error = _error(rerun.outputs)
    old_error = None if unrecorded else _error(original.outputs)
    if new_error is not None and (old_error is None or old_error["ename"] != new_error["ename"]):
        return "failed", _failure_cause(new_error)
    if unrecorded:
        return "ran", None
    if normalised(original.outputs) == normalised(rerun.outputs):
        return "reproduced", None
    return "differs", likely_cause(original.source, code_before)


def _error(outputs: list) -> dict | None:
    return next((o for o in outputs if o.get("output_type") == "error"), None)


def _failure_cause(error: dict) -> str:
    if error["ename"] == "FileNotFoundError":
        return f"a missing file: {error['evalue']}"
    if error["ename"] == "KeyboardInterrupt":
        return "it ran past the cell timeout"
    return f"{error['ename']}: {error['evalue']}"[:300]


def likely_cause(code: str, code_before: str) -> str:
    """Why a cell's outputs may have changed, guessed from its code (then from the code before it)."""
    unseeded = not _SEEDED.search(code_before + code)
    for source in (code, code_before):
        if _TIME.search(source):
            return "time"
        if unseeded and _RANDOM.search(source):
            return "unseeded randomness"
    return "output differs"


def normalised(outputs: list) -> list:
    """Outputs reduced to what should be the same on every run."""
    merged: list = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if merged and merged[-1][0] == "stream" and merged[-1][1] == output["name"]:
                merged[-1][2] += joined(output["text"])
            else:
                merged.append(["stream", output["name"], joined(output["text"])])
        elif kind == "error":
            merged.append(["error", output["ename"], _text(output["evalue"])])
        else:
            data = output.get("data", {})
            merged.append(["data", sorted((mime, _value(mime, value)) for mime, value in data.items())])
    return [[*item[:2], _text(item[2])] if item[0] == "stream" else item for item in merged]


def _text(value) -> str:
    text = _GENERATED_ID.sub("<id>", _ADDRESS.sub("0x…", strip_ansi(joined(value))))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _value(mime: str, value) -> str:
    if mime.startswith("image/"):
        return describe_data({mime: value})  # type and pixel size, not bytes
    if isinstance(value, (str, list)):
        return _text(value)
    return json.dumps(value, sort_keys=True)
