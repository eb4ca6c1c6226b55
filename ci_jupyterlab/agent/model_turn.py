"""The model's side of the agent loop: what it is sent, and what its reply asks for.

The prompt is the conversation with the system prompt (and the project's
rules) first, cut to the prompt budget; the tools are ``run_cell``,
``edit_cell`` when the model was shown the notebook, ``ask_user`` and the MCP
servers' tools. A model that refuses tools gets fenced code instead; one that
refuses images, a note in their place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from .actions import (
    EDIT_CELL,
    EDIT_CELL_TOOL,
    RUN_CELL,
    RUN_CELL_TOOL,
    BadArguments,
    code_from_arguments,
    edit_from_arguments,
    fenced_code,
)
from .budget import fit_to_budget
from .conversation import Conversation
from .extra_tools import ExtraTools, tool_arguments
from .images import MAX_IMAGES, images_message
from .limits import Limits
from .model_client import CutOff, ImagesRejected, ModelClient, Reply, ToolCall, ToolsRejected
from .notebook_work import NotebookWork
from .questions import ASK_USER, ASK_USER_TOOL, question_from_arguments
from .request_state import Action, Attempts, RequestState
from .tokens import prompt_tokens


class ModelTurn:
    """One conversation's calls of the model: the prompt, the tools offered, the cost of the next call,
    the reply streamed, and the actions it asks for."""

    def __init__(self, model: ModelClient, conversation: Conversation, limits: Limits, tools: ExtraTools | None):
        self.model = model
        self.conversation = conversation
        self.limits = limits
        self.tools = tools  # the MCP servers' tools, offered beside run_cell

    async def ask(self, request: RequestState) -> AsyncIterator[str | CutOff | Reply]:
        """Stream one answer. What the model refuses is left out and it is asked again: without tools
        (code then comes in fenced blocks), without the images (said in their place)."""
        convo = self.conversation
        if self.model.capabilities.tools is False:
            convo.use_tools = False
        while True:
            tools = self.tools_for(request.work) if convo.use_tools else None
            try:
                async for item in self.model.stream(self.prompt(request, tools), tools=tools):
                    yield item
                return
            except ToolsRejected:
                if tools is None:
                    raise
                convo.use_tools = False
            except ImagesRejected:
                if not convo.drop_images():
                    raise

    def show_images(self, request: RequestState) -> None:
        """The turn's images, to a model that reads them: after all its results, as one message."""
        if request.images:
            self.conversation.messages.append(images_message(request.images[:MAX_IMAGES]))
            request.images = []

    def over_cost(self, request: RequestState) -> str | None:
        """Why the next model call would take the request past ``max_cost``, if it would."""
        price = self.limits.price_of(self.model.model_name)
        if not self.limits.max_cost or price is None:
            return None
        tools = self.tools_for(request.work) if self.conversation.use_tools else None
        estimate = (request.cost or 0.0) + prompt_tokens(self.prompt(request, tools), tools) * price[0] / 1e6
        if estimate <= self.limits.max_cost:
            return None
        return (
            f"Stopped: the next model call would take this request to about ${estimate:.4f}, past its limit of "
            f"${self.limits.max_cost:.4f}."
        )

    def tools_for(self, work: NotebookWork) -> list[dict] | None:
        """``run_cell``, and ``edit_cell`` when the model was shown the notebook; none to explain."""
        if not work.runs_code:
            return None
        extra = self.tools.specs() if self.tools is not None else []
        own = [RUN_CELL_TOOL, EDIT_CELL_TOOL, ASK_USER_TOOL] if work.can_edit else [RUN_CELL_TOOL, ASK_USER_TOOL]
        return own + extra

    def prompt(self, request: RequestState, tools: list[dict] | None) -> list[dict]:
        """The history as sent: system prompt (with the project's rules) first, within the prompt budget."""
        messages = self.conversation.with_system_prompt()
        if request.rules:
            messages[0] = {**messages[0], "content": f"{messages[0]['content']}\n\n{request.rules}"}
        return fit_to_budget(
            messages,
            self.limits.prompt_budget - prompt_tokens([], tools),
            current_request=request.request_at,
        )

    def actions(
        self, reply: Reply, work: NotebookWork, attempts: Attempts, tell: Callable[[str | None, str], None]
    ) -> tuple[list[Action], str | None]:
        """The code the reply asks to run, and a fatal problem if any.

        A malformed tool call is answered (through ``tell``) with what is wrong
        once per request; the second one ends the request.
        """
        if not work.runs_code:
            return [], None  # explaining: an answer's code is an illustration
        if not reply.tool_calls:
            # Fenced code is a request to run it from a model that does not call
            # tools; from one that does, it is an illustration in the answer.
            code = None if self.conversation.model_called_tools else fenced_code(reply.text)
            return ([Action(code, None)] if code else []), None
        self.conversation.model_called_tools = True
        actions = []
        for call in reply.tool_calls:
            try:
                actions.append(self._action(call, work))
            except BadArguments as exc:
                if attempts.bad_arguments_reported:
                    return [], f"The model's tool call was malformed again: {exc}."
                attempts.bad_arguments_reported = True
                tell(call.id, f"Error: {exc}. Nothing was run.")
        return actions, None

    def _action(self, call: ToolCall, work: NotebookWork) -> Action:
        """The code one tool call asks to run, and where; ``BadArguments`` if it cannot be run."""
        if call.name == RUN_CELL:
            return Action(code_from_arguments(call.arguments), call.id)
        if call.name == ASK_USER:
            return Action("", call.id, question=question_from_arguments(call.arguments))
        if self.tools is not None and self.tools.owns(call.name):
            try:
                return Action("", call.id, tool=(call.name, tool_arguments(call.arguments)))
            except ValueError as exc:
                raise BadArguments(f"the arguments of {call.name} are not a JSON object ({exc})") from None
        if call.name == EDIT_CELL and work.can_edit:
            reference, code = edit_from_arguments(call.arguments)
            cell_id = work.resolve(reference)
            if cell_id is None:
                raise BadArguments(f"there is no cell {reference!r} in the notebook view; name one as #<n>")
            return Action(code, call.id, cell_id)
        known = f"{RUN_CELL}, {EDIT_CELL} or {ASK_USER}" if work.can_edit else f"{RUN_CELL} or {ASK_USER}"
        raise BadArguments(f"there is no tool named '{call.name}'; use {known}")
