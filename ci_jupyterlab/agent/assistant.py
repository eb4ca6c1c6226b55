"""The one way front ends build requests: ``Assistant``.

The chat panel's server, ``%%ci`` and ``jupyter ci run`` all do the same:
read the settings once, keep one model client for as long as they work, and
build an ``Agent`` per conversation with the same limits and approval mode::

    async with Assistant.from_settings(settings) as assistant:
        agent = assistant.agent(executor, language="python")
        async for event in agent.run("Plot revenue by month", context=[LiveKernelState("python")]):
            ...
"""

from __future__ import annotations

from .approval import ApprovalMode, Approve
from .conversation import Conversation
from .executors import Executor
from .limits import Limits
from .loop import Agent
from .model_client import ModelClient
from .record import SessionRecord
from .settings import CodeInterpreter


class Assistant:
    """The settings read once, one model client for its lifetime, and agents built alike."""

    def __init__(self, model: ModelClient, limits: Limits = Limits(), approval: ApprovalMode = "risky"):
        self.model = model
        self.limits = limits
        self.approval = approval

    @classmethod
    def from_settings(cls, settings: CodeInterpreter) -> Assistant:
        return cls(settings.model_client(), settings.limits(), settings.approval)

    def agent(
        self,
        executor: Executor,
        conversation: Conversation | None = None,
        *,
        language: str | None = None,
        record: SessionRecord | None = None,
        approve: Approve | None = None,
    ) -> Agent:
        """An agent for one conversation (a new one, in ``language``, if none is given).

        ``approve`` answers the cells that wait for approval; None: nobody can
        be asked, so they are not run.
        """
        conversation = conversation if conversation is not None else Conversation(language=language)
        return Agent(
            self.model,
            executor,
            conversation,
            limits=self.limits,
            record=record,
            approval=self.approval,
            approve=approve,
        )

    async def close(self) -> None:
        """Close the model client (before the event loop ends)."""
        await self.model.close()

    async def __aenter__(self) -> Assistant:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
