"""The approval gate of the agent loop: the user is asked about a cell that needs it before it runs.

``risk.assess`` reads what the cell would do and ``approval.approval_kind``
decides, from the approval mode, whether to ask; the ``approve`` callback
answers: run it, run this edited code, or not. An install's card also shows
pip's index and the versions installed, and what pip would install once its
dry run says.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from .approval import Answer, ApprovalMode, Approve, approval_kind, approval_summary
from .events import ApprovalDetails, ApprovalRequest
from .executors import Executor, inspect_json
from .install import DRY_RUN_SECONDS, checked_installs, install_details_probe
from .request_state import Action, RequestState
from .risk import assess

#: Seconds to look up pip's index and the installed versions for an install card (its dry run takes longer).
INSTALL_DETAILS_TIMEOUT = 8.0


async def approval_gate(
    action: Action, request: RequestState, *, mode: ApprovalMode, approve: Approve | None, executor: Executor
) -> AsyncIterator[ApprovalRequest | ApprovalDetails]:
    """Ask the user about the action's code while it needs approval.

    Afterwards ``action.code`` is what runs (the user may have edited it:
    assessed again in "risky" mode, run as written in "always" mode), or
    ``action.declined`` is set, with the reasons the card gave in ``action.declined_for``.
    """
    work = request.work
    while True:
        risks = assess(action.code, request.notebook_dir)
        kind = approval_kind(risks, mode, request.approved_installs)
        if kind is None:
            return
        target = work.target_for(action.cell_id)
        details = await _install_details(executor, risks.installs) if risks.installs else {}
        card = ApprovalRequest(
            f"approval-{uuid.uuid4().hex[:12]}",
            kind,
            list(risks.installs),
            risks.reasons(),
            action.code,
            approval_summary(kind, risks),
            cell_id=target,
            before=work.source_of(target) if target else None,
            command=checked_installs(action.code)[0] if risks.installs else None,
            index=details.get("index"),
            installed=details.get("installed"),
        )
        answer: Answer = False
        if approve is not None:
            yield card
            answering = asyncio.ensure_future(approve(card))
            try:
                plan = await _install_plan(executor, card, risks.installs, answering) if risks.installs else None
                if plan is not None:
                    yield plan
                answer = await answering
            finally:
                answering.cancel()
        if isinstance(answer, str):
            action.code = answer
            action.approved = card.reasons or [card.reason]
            if mode == "risky":
                continue
            return
        if answer is True:
            request.approved_installs.update(risks.install_commands)  # exactly as shown
            action.approved = card.reasons or [card.reason]
            return
        action.declined = True
        action.declined_for = card.reasons
        return


async def _install_details(executor: Executor, packages: tuple[str, ...]) -> dict:
    """What an install card shows beside the command: pip's index and the versions installed now."""
    return await inspect_json(executor, install_details_probe(list(packages)), INSTALL_DETAILS_TIMEOUT)


async def _install_plan(
    executor: Executor, card: ApprovalRequest, packages: tuple[str, ...], answering: asyncio.Future
) -> ApprovalDetails | None:
    """What pip would install (its dry run asks the index: seconds), unless the user answers first."""
    await asyncio.sleep(0)
    if answering.done():  # answered at once (the CLI, %%ci): nobody would read it
        return None
    probe = install_details_probe(list(packages), dry_run=True)
    planning = asyncio.ensure_future(inspect_json(executor, probe, DRY_RUN_SECONDS + INSTALL_DETAILS_TIMEOUT))
    await asyncio.wait({planning, answering}, return_when=asyncio.FIRST_COMPLETED)
    if not planning.done():
        planning.cancel()
        return None
    found = planning.result()
    return ApprovalDetails(card.request_id, found.get("plan"), found.get("plan_error"))
