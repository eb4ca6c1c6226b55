"""The approval gate of the agent loop: the user is asked about a cell that needs it before it runs.

``risk.assess`` reads what the cell would do and ``approval.approval_kind``
decides, from the approval mode, whether to ask; the ``approve`` callback
answers: run it, run this edited code, or not. An install's card shows at
once; pip's index and the versions installed follow, then what pip would
install once its dry run says.
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
        )
        answer: Answer = False
        if approve is not None:
            yield card  # at once: what the kernel says of the install follows
            answering = asyncio.ensure_future(approve(card))
            try:
                if risks.installs:
                    async for details in _install_details(executor, card, risks.installs, answering):
                        yield details
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


async def _install_details(
    executor: Executor, card: ApprovalRequest, packages: tuple[str, ...], answering: asyncio.Future
) -> AsyncIterator[ApprovalDetails]:
    """What the kernel says of an install, for its card, unless the user answers first: pip's index and the
    versions installed now (a quick look), then what pip would install (its dry run asks the index: seconds)."""
    await asyncio.sleep(0)
    if answering.done():  # answered at once (the CLI, %%ci): nobody would read it
        return
    for dry_run, seconds in ((False, INSTALL_DETAILS_TIMEOUT), (True, DRY_RUN_SECONDS + INSTALL_DETAILS_TIMEOUT)):
        probe = install_details_probe(list(packages), dry_run=dry_run)
        looking = asyncio.ensure_future(inspect_json(executor, probe, seconds))
        await asyncio.wait({looking, answering}, return_when=asyncio.FIRST_COMPLETED)
        if not looking.done():
            looking.cancel()
            return
        found = looking.result()
        if dry_run:
            yield ApprovalDetails(card.request_id, found.get("plan"), found.get("plan_error"))
        else:
            yield ApprovalDetails(card.request_id, index=found.get("index"), installed=found.get("installed"))
