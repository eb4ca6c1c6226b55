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

from collections.abc import Callable

from .approval import ApprovalMode, Approve
from .conversation import Conversation
from .executors import Executor
from .extra_tools import ExtraTools
from .limits import Limits
from .loop import Agent
from .model_client import ModelClient
from .questions import Ask
from .record import SessionRecord
from .settings import CodeInterpreter, Problem


class ModelNotAllowed(ValueError):
    """A request chose a model the administrator does not allow (``CodeInterpreter.model_problem``)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class Assistant:
    """The settings read once, one model client for its lifetime, and agents built alike."""

    def __init__(
        self,
        model: ModelClient,
        limits: Limits = Limits(),
        approval: ApprovalMode = "risky",
        clients: Callable[[str], ModelClient] | None = None,
        model_problem: Callable[[str | None], Problem | None] | None = None,
        remember: Callable[[ModelClient], None] | None = None,
    ):
        self.model = model
        self.limits = limits
        self.approval = approval
        self._make_client = clients  # a client of another model, for requests that choose one
        self._model_problem = model_problem  # why a request may not choose a model, if so
        self._remember = remember  # keeps what a client found its model can do, when it closes
        self._others: dict[str, ModelClient] = {}
        #: Tools beside run_cell that every agent it builds offers (the MCP servers' tools), if any.
        self.tools: ExtraTools | None = None

    @classmethod
    def from_settings(cls, settings: CodeInterpreter) -> Assistant:
        return cls(
            settings.model_client(),
            settings.limits(),
            settings.approval,
            settings.model_client,
            settings.model_problem,
            settings.remember_capabilities,
        )

    def client_of(self, model: str | None) -> ModelClient:
        """The client of ``model`` (None: the configured one), made once and kept for this assistant's life."""
        if not model or model == self.model.model_name or self._make_client is None:
            return self.model
        if model not in self._others:
            self._others[model] = self._make_client(model)
        return self._others[model]

    def agent(
        self,
        executor: Executor,
        conversation: Conversation | None = None,
        *,
        language: str | None = None,
        record: SessionRecord | None = None,
        approve: Approve | None = None,
        ask: Ask | None = None,
        model: str | None = None,
    ) -> Agent:
        """An agent for one conversation (a new one, in ``language``, if none is given).

        ``approve`` answers the cells that wait for approval; None: nobody can
        be asked, so they are not run. ``ask`` answers the model's ``ask_user``
        questions; None: the first option is taken. ``model`` picks another model than the
        configured one; ``ModelNotAllowed`` if the administrator does not allow
        it (front ends check ``CodeInterpreter.model_problem`` first, to say so).
        """
        problem = self._model_problem(model) if self._model_problem is not None else None
        if problem is not None:
            raise ModelNotAllowed(problem)
        conversation = conversation if conversation is not None else Conversation(language=language)
        return Agent(
            self.client_of(model),
            executor,
            conversation,
            limits=self.limits,
            record=record,
            approval=self.approval,
            approve=approve,
            ask=ask,
            tools=self.tools,
        )

    async def close(self) -> None:
        """Close the model clients (before the event loop ends), keeping what they found their models can do."""
        for client in [self.model, *self._others.values()]:
            if self._remember is not None:
                self._remember(client)
            await client.close()

    async def __aenter__(self) -> Assistant:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
