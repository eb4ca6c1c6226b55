"""The project's rules: ``AGENTS.md`` (and ``.ci-jupyterlab/rules.md``) next to the notebook and above it.

A team writes down how its notebooks are to be done (the data's quirks, the
plotting style, what never to touch) in ``AGENTS.md``, the file coding agents
read, or in ``.ci-jupyterlab/rules.md`` for this assistant only. ``find_rules``
reads both from the notebook's folder and every folder above it up to the top
(the server's root; the filesystem's for the CLI and ``%%ci``). The model gets
them in its system message, outermost first so the nearest folder's rules
come last and win, within a budget of tokens that the nearest files get
first; the front ends show which files were read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .tokens import count_tokens

#: Tokens the rules may take, unless the settings say otherwise.
DEFAULT_BUDGET = 2000
#: The files read in each folder, in this order.
RULE_FILES = ("AGENTS.md", ".ci-jupyterlab/rules.md")
#: Bytes of one rules file read (a rules file is a page or two; a huge one is cut).
MAX_FILE_BYTES = 200_000
CUT_MARKER = "\n… [the rest of this file was left out to fit the budget]"


@dataclass(frozen=True)
class RulesFile:
    path: Path
    shown: str  # the path as front ends show it: relative to the top folder
    text: str  # as given to the model (cut to the budget if need be)
    cut: bool = False


@dataclass(frozen=True)
class ProjectRules:
    files: tuple[RulesFile, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.files)

    def prompt_text(self) -> str:
        """What the system message gets: each file headed by its path, outermost first."""
        if not self.files:
            return ""
        parts = [f"--- {rules.shown} ---\n{rules.text.strip()}" for rules in self.files]
        return (
            "The project's rules, from its rules files (the nearest folder's come last and win where they "
            "disagree). Follow them unless the user asks otherwise:\n\n" + "\n\n".join(parts)
        )

    @property
    def shown(self) -> list[str]:
        return [rules.shown for rules in self.files]


def _folders(folder: Path, top: Path | None) -> list[Path]:
    """``folder`` and the folders above it up to ``top`` (included), outermost first."""
    folder = folder.resolve()
    top = top.resolve() if top is not None else None
    chain = [folder]
    for parent in folder.parents:
        if top is not None and not parent.is_relative_to(top):
            break
        chain.append(parent)
    return list(reversed(chain))


def _cut(text: str, budget: int) -> tuple[str, bool]:
    """``text``, or its head that fits ``budget`` tokens with a marker."""
    if count_tokens(text) <= budget:
        return text, False
    low, high = 0, len(text)
    while low < high:  # the longest head that fits
        middle = (low + high + 1) // 2
        if count_tokens(text[:middle] + CUT_MARKER) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low] + CUT_MARKER, True


def find_rules(folder: Path, top: Path | None, budget: int = DEFAULT_BUDGET) -> ProjectRules:
    """The rules files of ``folder`` and the folders above it up to ``top``, within ``budget`` tokens.

    Blocking (it reads files): front ends call it from a thread. Files that
    cannot be read are left out; the nearest folders' files get the budget first.
    """
    if budget <= 0 or not folder.is_dir():
        return ProjectRules()
    base = (top or Path(folder.anchor)).resolve()
    found = []
    for where in _folders(folder, top):
        for name in RULE_FILES:
            path = where / name
            try:
                if path.is_file():
                    with path.open("rb") as handle:
                        text = handle.read(MAX_FILE_BYTES).decode("utf-8", "replace")
                    found.append((path, text))
            except OSError:
                continue
    kept: list[RulesFile] = []
    left = budget
    for path, text in reversed(found):  # nearest first: they win the budget
        if left <= 0:
            break
        given, cut = _cut(text, left)
        left -= count_tokens(given)
        shown = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        kept.append(RulesFile(path, shown, given, cut))
    return ProjectRules(tuple(reversed(kept)))
