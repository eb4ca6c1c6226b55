"""What in a notebook cell needs the user's approval before it runs.

The agent may write cells that install packages, run shell commands, delete
and overwrite files outside the notebook's folder, run code made when they run
(``eval`` of computed text: nothing can be checked before), reach into the
Jupyter server (its runtime and credential files, its API: the server's token
is there) or run JavaScript in the page; the user sees and approves those
first. Names are followed where the cell spells them out:
``__import__("shutil").rmtree``, ``importlib.import_module("os")``,
``sys.modules["os"]``, ``getattr(os, "system")``, ``eval``/``exec`` of a literal,
a risky function handed on as a value (``map(os.remove, paths)``).

Matching lines with regular expressions misses most ways of doing it
(``subprocess``, ``os.system``, ``%%bash`` cells, chained shell commands)
and flags strings and comments that only mention them. So the cell is read the
way the kernel reads it: IPython's input transformers turn magics and ``!``
escapes into plain calls (``get_ipython().system(...)``), ``ast`` parses the
result, and the walk looks at the calls themselves, splitting shell text into
commands the way ``sh`` does.

IPython is imported only when a cell is assessed, and a small transformer of
our own stands in where it is missing: the server extension must load without
it. A cell that does not parse fails before anything runs, but its magic and
``!`` lines are still read, so the approval card says too much, not too little.

The parts: ``risks.py`` (what is found, and its sentences), ``findings.py``
(the cell read as the kernel reads it: magics, escapes, shell text),
``walk.py`` (what each call does), ``reading.py`` (the names, text and paths
of expressions), ``calls.py`` (the calls it knows), ``shell.py`` (shell
commands and package managers); ``..ipython_syntax`` turns IPython syntax
into Python.
"""

from __future__ import annotations

import re

from ..ipython_syntax import logical_lines
from .findings import Findings
from .risks import Risks
from .shell import is_filter, package_command, split_commands

__all__ = ["Risks", "assess", "whole_line_installs"]


def assess(source: str, notebook_dir: str | None = None) -> Risks:
    """What in ``source`` (one cell, IPython syntax) needs approval.

    ``notebook_dir``, the absolute path of the notebook's folder, makes absolute
    paths inside it safe; without it every absolute path counts as outside.
    """
    findings = Findings(notebook_dir)
    findings.cell(source)
    return findings.risks()


def whole_line_installs(source: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The packages and 0-based line numbers of the cell's whole-line pip installs.

    A whole line is ``%pip install ...`` or ``!pip install ...`` (also ``pip3``,
    ``python -m pip``, ``{sys.executable} -m pip``) at the start of a line, maybe
    continued with backslashes and piped into ``tail`` and the like. None when
    some install of the cell is not on such a line, or names a package through
    ``{...}`` or ``$``: those lines cannot be swapped for a checked ``%pip install``.
    """
    packages: list[str] = []
    numbers: list[int] = []
    for line_numbers, line in logical_lines(source):
        if line.startswith("%pip "):
            command = "pip " + line[5:]
        elif line.startswith("!") and not line.startswith("!!"):
            command = line[1:]
        else:
            continue
        commands = [words for separator, words in split_commands(command) if not is_filter(separator, words)]
        found = package_command(commands[0]) if len(commands) == 1 else None
        if found and found[:2] == ("pip", "install"):
            packages += found[2]
            numbers += line_numbers
    if any(re.search(r"[{}$]", package) for package in packages):
        return None
    if tuple(dict.fromkeys(packages)) != assess(source).installs:
        return None
    return tuple(dict.fromkeys(packages)), tuple(numbers)
