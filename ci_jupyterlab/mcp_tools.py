"""The assistant's MCP tools: the tools of the MCP servers in ``c.CodeInterpreter.mcp_servers``.

An ``ExtraTools`` for the loop (``agent/extra_tools.py``): before each request
the servers not connected yet are started (stdio) or reached (streamable
HTTP) and their tools listed; a server that does not answer is left out, and
the log says why. The model sees each tool as ``<server>__<tool>``; the user
as ``<server>/<tool>``. A stdio server gets the SDK's minimal environment
(PATH, HOME...) and the ``env`` it is given: not the server's secrets.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re

import httpx2
from mcp import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from .agent.extra_tools import ToolOutcome
from .agent.mcp_config import server_problem
from .agent.settings import CodeInterpreter
from .mcp_session import HeldSession

log = logging.getLogger(__name__)

CLIENT = Implementation(name="ci-jupyterlab", version="1")
#: Seconds a server has to start and list its tools.
CONNECT_TIMEOUT = 30.0
#: Characters of a tool's description the model is given.
DESCRIPTION_LIMIT = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def model_name(server: str, tool: str) -> str:
    """The tool's name for the model: Chat Completions takes [A-Za-z0-9_-], 64 at most."""
    return _UNSAFE.sub("_", f"{server}__{tool}")[:64]


class McpToolbox:
    """The configured MCP servers, connected on demand, and their tools."""

    def __init__(self, settings: CodeInterpreter):
        self.settings = settings
        self._held: dict[str, HeldSession] = {}
        self._specs: dict[str, dict] = {}  # as each server was connected
        self._tools: dict[str, tuple[str, object]] = {}  # model name -> (server, the SDK's Tool)

    async def ready(self) -> None:
        servers = self.settings.mcp_servers
        for name in [name for name, spec in self._specs.items() if servers.get(name) != spec]:
            await self._drop(name)  # removed or changed in the settings since
        for name, spec in servers.items():
            if name in self._held:
                continue
            problem = server_problem(name, spec)
            if problem is not None:
                log.warning("Skipping an MCP server: %s", problem)
                continue
            held = self._held[name] = HeldSession(_transport(spec))
            try:
                session = await held.open(CLIENT, CONNECT_TIMEOUT)
                listed = await session.list_tools()
            except Exception as exc:
                log.warning("The MCP server %s is not available: %s", name, exc)
                await held.close()
                continue
            for tool in listed.tools:
                self._tools[model_name(name, tool.name)] = (name, tool)

    def specs(self) -> list[dict]:
        return [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": f"[MCP server {server}] {(tool.description or tool.name)[:DESCRIPTION_LIMIT]}",
                    "parameters": tool.input_schema or {"type": "object", "properties": {}},
                },
            }
            for name, (server, tool) in self._tools.items()
        ]

    def owns(self, name: str) -> bool:
        return name in self._tools

    def label(self, name: str) -> str:
        server, tool = self._tools[name]
        return f"{server}/{tool.name}"

    def always_allowed(self, name: str) -> bool:
        return self.label(name) in self.settings.mcp_always_allow

    async def call(self, name: str, arguments: dict) -> ToolOutcome:
        server, tool = self._tools[name]
        held = self._held.get(server)
        if held is None or held.session is None:
            return ToolOutcome(f"The MCP server {server} is not connected.", True)
        try:
            result = await held.session.call_tool(tool.name, arguments, read_timeout_seconds=self.settings.cell_timeout)
        except Exception as exc:
            return ToolOutcome(f"The call failed: {exc}", True)
        return ToolOutcome(_text_of(result), bool(result.is_error))

    async def _drop(self, name: str) -> None:
        held = self._held.pop(name, None)
        self._specs.pop(name, None)
        self._tools = {key: value for key, value in self._tools.items() if value[0] != name}
        if held is not None:
            await held.close()

    async def close(self) -> None:
        """Stop the servers (before the event loop ends)."""
        for name in list(self._held):
            await self._drop(name)


def _transport(spec: dict):
    if "url" in spec:

        @contextlib.asynccontextmanager
        async def http():
            async with (
                httpx2.AsyncClient(headers=spec.get("headers") or {}, timeout=httpx2.Timeout(30, read=None)) as client,
                streamable_http_client(spec["url"], http_client=client) as (read, write),
            ):
                yield read, write

        return http
    parameters = StdioServerParameters(command=spec["command"], args=spec.get("args", []), env=spec.get("env") or None)
    return lambda: stdio_client(parameters)


def _text_of(result) -> str:
    """The result's content as text: text blocks as they are, anything else named."""
    parts = []
    for block in result.content:
        if block.type == "text":
            parts.append(block.text)
        elif block.type == "resource" and getattr(block.resource, "text", None):
            parts.append(block.resource.text)
        else:
            parts.append(f"[{block.type} content]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)
