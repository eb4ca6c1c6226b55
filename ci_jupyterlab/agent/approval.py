"""Which cells wait for the user's approval, and why (``c.CodeInterpreter.approval``).

``risk.assess`` reads what a cell would do; ``approval_kind`` decides from that
and the mode whether it waits, and for which kind of card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Set
from typing import Literal

from .events import ApprovalKind, ApprovalRequest
from .risk import Risks

INSTALL_REASON = "The code installs packages into this notebook's environment."
REVIEW_REASON = "Every cell waits for your review before it runs."

#: ``c.CodeInterpreter.approval``: which cells wait for the user.
ApprovalMode = Literal["risky", "always", "never"]
#: The user's answer: run the cell (True), do not (False), or run this edited code instead.
Answer = bool | str
#: Asked before a cell that needs approval runs, right after its ``ApprovalRequest`` is yielded.
Approve = Callable[[ApprovalRequest], Awaitable[Answer]]


def approval_kind(risks: Risks, mode: str, approved_installs: Set[str] = frozenset()) -> ApprovalKind | None:
    """The approval a cell with ``risks`` waits for before it runs; None if it runs unasked.

    "install" if installing packages is all it does that needs approval,
    "risky" if it does more, "review" if nothing (asked only in "always"
    mode). In "risky" mode a cell whose install commands the user already
    approved in this request, each exactly as written (``risks.install_commands``),
    runs unasked; any other command is asked again, even for the same packages
    (``pip install --pre --index-url … x`` after ``%pip install x``).
    """
    if mode == "never":
        return None
    kind: ApprovalKind = "review" if not risks.any else "risky" if risks.more_than_installs else "install"
    if mode == "always":
        return kind
    if kind == "review" or (kind == "install" and set(risks.install_commands) <= approved_installs):
        return None
    return kind


def approval_summary(kind: ApprovalKind, risks: Risks) -> str:
    """One line on why a cell waits, for clients that show nothing else."""
    if kind == "install":
        return INSTALL_REASON
    if kind == "review":
        return REVIEW_REASON
    found = (
        (risks.installs, "installs packages"),
        (risks.uninstalls, "uninstalls packages"),
        (risks.shell_commands, "runs shell commands"),
        (risks.file_changes, "changes files outside the notebook's folder"),
        (risks.hidden_code, "runs code that cannot be checked first"),
        (risks.server_access, "reaches into the Jupyter server"),
        (risks.page_scripts, "runs JavaScript in your page"),
    )
    parts = [text for present, text in found if present]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"The code {listed}."
