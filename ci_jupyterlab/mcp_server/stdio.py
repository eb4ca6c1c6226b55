"""``jupyter ci mcp``: the MCP server over stdio, for clients that only start a command.

With a Jupyter server running (``--url`` and ``--token`` / ``$JUPYTER_TOKEN``,
or the one Jupyter's runtime files name whose root holds the current folder),
every call is forwarded to that server's MCP endpoint: the work shows live in
its Lab windows, and the caller's name goes along. Without one (or with
``--standalone``) it serves the notebooks under ``--root`` itself, starting one
kernel per notebook as ``jupyter ci run`` does; nobody can be asked there, so
cells that wait for approval are declined unless ``--allow-install`` or
``--yes`` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

import httpx2
from mcp.client.streamable_http import streamable_http_client
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp_types import Implementation
from nbformat.sign import NotebookNotary

from ..agent import Assistant
from ..exporting import export_next_to
from ..kernel_env import key_variables
from ..mcp_session import HeldSession
from ..session_files import SessionFiles
from ..sessions import SessionStore
from ..user_config import load_settings
from .headless import Headless, OwnKernels
from .notebooks import Notebooks
from .tools import INSTRUCTIONS, SERVER_NAME, build_server

#: How this bridge names itself to the server when its own client gave no name.
BRIDGE = Implementation(name="jupyter ci mcp", version="1")


def running_server(folder: Path) -> tuple[str, str] | None:
    """(url, token) of a running Jupyter server whose root holds ``folder`` (the first one if none does)."""
    from jupyter_server.serverapp import list_running_servers

    servers = list(list_running_servers())
    inside = [s for s in servers if folder.resolve().is_relative_to(Path(s.get("root_dir", "/")).resolve())]
    chosen = (inside or servers or [None])[0]
    return (chosen["url"], chosen.get("token", "")) if chosen else None


async def mcp_command(args: argparse.Namespace) -> int:
    found = None
    if not args.standalone:
        if args.url:
            found = (args.url, args.token or os.environ.get("JUPYTER_TOKEN", ""))
        else:
            found = running_server(Path.cwd())
    if found is not None:
        url, token = found
        await forward(url.rstrip("/") + "/ci-jupyterlab/mcp", token)
    else:
        await standalone(args)
    return 0


async def forward(url: str, token: str) -> None:
    """Serve stdio by forwarding every list and call to the server's endpoint, progress included."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    @contextlib.asynccontextmanager
    async def transport():
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=None)) as http,
            streamable_http_client(url, http_client=http) as (read, write),
        ):
            yield read, write

    remote = HeldSession(transport)

    async def session_of(ctx):
        """The session with the server, opened as the caller introduced itself, so its name goes along."""
        params = getattr(ctx.session, "client_params", None)
        return await remote.open(getattr(params, "client_info", None) or BRIDGE)

    async def list_tools(ctx, params):
        return await (await session_of(ctx)).list_tools(params=params)

    async def call_tool(ctx, params):
        async def relay(progress, total, message):
            await ctx.session.report_progress(progress, total, message)

        session = await session_of(ctx)
        return await session.call_tool(params.name, params.arguments, progress_callback=relay)

    server = Server(SERVER_NAME, instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=call_tool)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await remote.close()


async def standalone(args: argparse.Namespace) -> None:
    """Serve the notebooks under ``--root`` with kernels of this process."""
    from ..cli import approver

    root = Path(args.root or ".").resolve()
    settings = load_settings()
    store = SessionStore(SessionFiles(settings.sessions_dir, settings.secrets))
    # The kernels run the callers' code: they do not get the key.
    kernels = OwnKernels(root, env=dict.fromkeys(key_variables(dict(os.environ), settings.api_key)))
    async with Assistant.from_settings(settings) as assistant:
        headless = Headless(
            root, kernels, store, lambda: assistant, approve=approver(allow_install=args.allow_install, yes=args.yes)
        )

        async def export(path: str) -> dict:
            return await export_next_to(path, store.record_of, root=root, interpreter=settings, notary=NotebookNotary())

        try:
            await build_server(Notebooks(root, settings, headless, export), settings).run_stdio_async()
        finally:
            await kernels.close()
            await store.flush()
    print("jupyter ci mcp: stopped.", file=sys.stderr)
