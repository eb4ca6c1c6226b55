"""Shared fixtures: the scripted model server, settings pointing at it, kernels."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import fields, replace

import httpx2
import pytest
import pytest_asyncio
from chat_client import Chat
from jupyter_client.kernelspec import KernelSpecManager
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from ci_jupyterlab.agent import Agent, Assistant, CodeInterpreter, Done, Event, Limits
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.page_key import HEADER as PAGE_KEY_HEADER
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

pytest_plugins = ["pytest_jupyter.jupyter_server"]

#: The kernels that tests of pandas-facing features run on, and the pandas major version each must have:
#: this venv's (pandas 3) and scripts/setup_pandas2_kernel.sh's (pandas 2), which word errors and warn differently.
PANDAS_OF_KERNEL = {"python3": "3", "python3-pandas2": "2"}


def require_kernel(name: str) -> None:
    """Fail (or skip, if CI_SKIP_PANDAS2=1) when a kernel is not installed."""
    if name in KernelSpecManager().find_kernel_specs():
        return
    if name == "python3-pandas2" and os.environ.get("CI_SKIP_PANDAS2") == "1":
        pytest.skip("CI_SKIP_PANDAS2=1: the pandas 2 kernel is not tested")
    pytest.fail(
        f"kernel {name!r} is not installed: run `bash scripts/setup_pandas2_kernel.sh` "
        "(or set CI_SKIP_PANDAS2=1 to skip its tests)",
        pytrace=False,
    )


#: A key that must never show up anywhere but in the Authorization header.
CANARY_KEY = "sk-canary-0123456789abcdefghijklmnop"


@pytest.fixture
def llm_server():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def settings(llm_server) -> CodeInterpreter:
    return CodeInterpreter(
        base_url=llm_server.base_url,
        api_key=CANARY_KEY,
        model="scripted-model",
        max_retries=2,
        request_timeout=10,
        cell_timeout=20,
    )


@pytest_asyncio.fixture
async def llm(settings):
    """A model client of the settings (the scripted model), closed afterwards."""
    client = settings.model_client()
    yield client
    await client.close()


@pytest.fixture
def kernel_cwd(tmp_path):
    """The working directory of the ``kernel`` fixture's kernel; a test module may override it."""
    return tmp_path


@pytest.fixture
def kernel_env() -> dict[str, str] | None:
    """Variables the ``kernel`` fixture's kernel gets on top of this process's; a module may override it."""
    return None


@pytest_asyncio.fixture
async def kernel(kernel_cwd, kernel_env):
    """A fresh ipykernel for one test (modules extend it by requesting ``kernel`` in a fixture of that name)."""
    async with KernelExecutor(cwd=kernel_cwd, env=kernel_env) as executor:
        yield executor


def run_cell(code: str, text: str | None = None) -> dict:
    """A script item: the model asks to run ``code``."""
    item = {"tool_calls": [{"name": "run_cell", "arguments": {"code": code}}]}
    if text:
        item["text"] = text
    return item


def answer(text: str) -> dict:
    """A script item: the model answers in plain text."""
    return {"text": text}


async def collect(agent: Agent, request: str) -> list[Event]:
    """Run a request to the end and return every event."""
    events = [event async for event in agent.run(request, notebook_path="analysis.ipynb")]
    assert isinstance(events[-1], Done), events[-1]
    return events


_LIMITS = {field.name for field in fields(Limits)}


@pytest_asyncio.fixture
async def make_agent():
    """Build agents on the scripted model, as front ends do (``Assistant``); closed afterwards.

    Keyword arguments named like a ``Limits`` field change that limit; the
    others (``approve``, ``record``) go to ``Assistant.agent``.
    """
    assistants: list[Assistant] = []

    def build(settings: CodeInterpreter, executor, **options) -> Agent:
        assistant = Assistant.from_settings(settings)
        assistant.limits = replace(assistant.limits, **{k: options.pop(k) for k in _LIMITS & options.keys()})
        assistants.append(assistant)
        return assistant.agent(executor, language="python", **options)

    yield build
    for assistant in assistants:
        await assistant.close()


def of_type(events: list[Event], kind: type) -> list:
    return [event for event in events if isinstance(event, kind)]


@pytest.fixture
def sessions_dir(tmp_path):
    return tmp_path / "sessions"


@pytest.fixture
def jp_server_config(llm_server, sessions_dir):
    """A Jupyter server with the extension on the scripted model; sessions saved in tmp_path."""
    return {
        "ServerApp": {"jpserver_extensions": {"ci_jupyterlab": True}},
        "CodeInterpreter": {
            "base_url": llm_server.base_url,
            "api_key": CANARY_KEY,
            "model": "scripted-model",
            "max_retries": 1,
            "cell_timeout": 20,
            "sessions_dir": str(sessions_dir),
            "user_settings_dir": str(sessions_dir.parent / "user-settings"),
        },
    }


async def run_in_a_server_kernel(jp_fetch, serverapp, code: str) -> str:
    """Run ``code`` in a kernel the server starts through its REST API, as Lab does; what it printed."""
    kernel = json.loads((await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))).body)
    client = serverapp.kernel_manager.get_kernel(kernel["id"]).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        printed = []
        reply = await client.execute_interactive(
            code, output_hook=lambda msg: printed.append(msg["content"].get("text", "")), timeout=60
        )
        assert reply["content"]["status"] == "ok", "".join(printed)
        return "".join(printed)
    finally:
        client.stop_channels()
        await serverapp.kernel_manager.shutdown_kernel(kernel["id"], now=True)


async def claim_page_key(jp_fetch) -> dict:
    """The header that proves a request comes from the panel's page: the server's page key, claimed as the
    panel claims it when the page loads (the first caller gets it; a holder gets it again)."""
    global _page_key
    response = await jp_fetch(
        "ci-jupyterlab", "settings", "page-key", method="POST", body="{}", headers={PAGE_KEY_HEADER: _page_key}
    )
    _page_key = json.loads(response.body)["key"]
    return {PAGE_KEY_HEADER: _page_key}


_page_key = ""  # the last one claimed: a new test server gives it to its first caller whatever is sent


@pytest.fixture
def extension(jp_serverapp):
    """The running CodeInterpreterApp of the test server."""
    return jp_serverapp.extension_manager.extension_apps["ci_jupyterlab"].pop()


@pytest.fixture
def open_chat(jp_ws_fetch, tmp_path):
    """Open the chat socket with a kernel behind it, on the server's own event loop.

    (pytest-jupyter runs these tests on the loop that serves Jupyter, so the
    kernel and socket are made inside the test rather than in async fixtures.)
    """

    @contextlib.asynccontextmanager
    async def opener(session="s-1", cwd=tmp_path):
        async with KernelExecutor(cwd=cwd) as kernel:
            ws = await jp_ws_fetch("ci-jupyterlab", "chat")
            chat = Chat(ws, kernel, session)
            hello = await chat.next()
            assert hello["type"] == "hello" and hello["protocol"] == 3
            try:
                yield chat
            finally:
                ws.close()

    return opener


@pytest.fixture
def run_ci(llm_server, tmp_path):
    """Run the CLI in tmp_path/work with the scripted model configured by environment."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    config_dir = tmp_path / "config"
    config_dir.mkdir()

    def run(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "OPENAI_BASE_URL": llm_server.base_url,
            "OPENAI_API_KEY": CANARY_KEY,
            "CI_JUPYTERLAB_MODEL": "scripted-model",
            **env_overrides,
        }
        return subprocess.run(
            [sys.executable, "-m", "ci_jupyterlab.cli", *args],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    run.workdir = workdir
    return run


# --- MCP clients (the SDK's own) of the server's endpoint ---

CLIENT = Implementation(name="pytest-agent", version="1.0")


@pytest.fixture
def mcp_url(jp_fetch, jp_http_port, jp_base_url):
    """The endpoint's URL (``jp_fetch`` starts the server listening)."""
    return f"http://localhost:{jp_http_port}{jp_base_url}ci-jupyterlab/mcp"


@pytest.fixture
def token(jp_serverapp):
    return jp_serverapp.identity_provider.token


@contextlib.asynccontextmanager
async def connected(url: str, token: str, **headers):
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}", **headers}, timeout=60) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, client_info=CLIENT) as session:
                await session.initialize()
                yield session


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")
