"""One MCP tool call through the SDK's own client, for tests that are not in Python (the Galata specs).

    python -m ci_jupyterlab.testing.mcp_call URL TOOL '{"path": "a.ipynb", "code": "1 + 1"}' [--token T] [--name N]

Connects to the streamable HTTP endpoint ``URL``, introduces itself as ``N``,
calls ``TOOL`` and prints ``{"text", "structured", "is_error"}`` as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation


async def call(url: str, tool: str, arguments: dict, token: str, name: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=None)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write, client_info=Implementation(name=name, version="1")) as session,
    ):
        await session.initialize()
        result = await session.call_tool(tool, arguments)
    text = "\n".join(block.text for block in result.content if block.type == "text")
    return {"text": text, "structured": result.structured_content, "is_error": result.is_error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("tool")
    parser.add_argument("arguments", help="the tool's arguments, as a JSON object")
    parser.add_argument("--token", default="")
    parser.add_argument("--name", default="test-agent")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(call(args.url, args.tool, json.loads(args.arguments), args.token, args.name))))


if __name__ == "__main__":
    main()
