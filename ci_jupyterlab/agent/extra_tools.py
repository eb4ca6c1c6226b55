"""Tools the model may call beside ``run_cell``: those of the MCP servers the assistant is given.

The loop does not know where they come from: an ``ExtraTools`` (the MCP
toolbox of the server, ``ci_jupyterlab/mcp_tools.py``) says which tools there
are and calls them. Each call is a step of its own (``ToolStep``): shown with
its arguments, approved by the user unless they always allow that tool,
called, and its result shown and told to the model, redacted before it is
bounded like every other model-bound text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .approval import Approve
from .events import ApprovalRequest, Event, ToolCall, ToolResult
from .feedback import truncate_middle

#: Characters of a tool's result kept for the model and the step card.
TOOL_RESULT_LIMIT = 6000
DECLINED = "Not called: the user did not approve calling {tool}. Do without it, or say what you need it for."


@dataclass
class ToolOutcome:
    text: str
    is_error: bool = False


@runtime_checkable
class ExtraTools(Protocol):
    async def ready(self) -> None:
        """Be ready to list and call the tools (connect to their servers); called before each request."""

    def specs(self) -> list[dict]:
        """The tools in the Chat Completions format (``{"type": "function", "function": {...}}``)."""

    def owns(self, name: str) -> bool:
        """Whether ``name`` is one of these tools."""

    def label(self, name: str) -> str:
        """The tool as the user sees it: ``<server>/<tool>``."""

    def always_allowed(self, name: str) -> bool:
        """Whether the user chose to let this tool run without asking."""

    async def call(self, name: str, arguments: dict) -> ToolOutcome:
        """Call it; a failure is an outcome with ``is_error``, never an exception."""


class ToolStep:
    """One call of the model to one of the ``tools``; ``feedback`` is what the model is told, once it has run."""

    def __init__(self, tools: ExtraTools, name: str, arguments: dict, redact: Callable[[str], str]):
        self.tools, self.name, self.arguments, self.redact = tools, name, arguments, redact
        self.feedback = ""

    async def run(self, approve: Approve | None) -> AsyncIterator[Event]:
        call_id = f"tool-{uuid.uuid4().hex[:12]}"
        tool = self.tools.label(self.name)
        shown = self.redact(json.dumps(self.arguments, ensure_ascii=False, indent=1))
        yield ToolCall(call_id, tool, shown)
        if not self.tools.always_allowed(self.name):
            reason = f"The assistant wants to call {tool}, a tool of an MCP server."
            request = ApprovalRequest(
                f"approval-{uuid.uuid4().hex[:12]}", "tool", [], [reason], shown, reason, tool=tool
            )
            answer = False
            if approve is not None:
                yield request
                answer = await approve(request)
            if answer is not True:
                self.feedback = DECLINED.format(tool=tool)
                yield ToolResult(call_id, "declined", "")
                return
        outcome = await self.tools.call(self.name, self.arguments)
        text = truncate_middle(self.redact(outcome.text), TOOL_RESULT_LIMIT)  # redacted first, then cut
        self.feedback = f"The tool reported an error:\n{text}" if outcome.is_error else text
        yield ToolResult(call_id, "error" if outcome.is_error else "ok", text)


def tool_arguments(raw: str) -> dict:
    """A tool call's JSON arguments as an object ({} when absent); ``ValueError`` when they are not one."""
    arguments = json.loads(raw or "{}")
    if not isinstance(arguments, dict):
        raise ValueError("the arguments must be a JSON object")
    return arguments
