"""Shared fixtures: the scripted model server, settings pointing at it, kernels."""

from __future__ import annotations

import pytest
import pytest_asyncio

from ci_jupyterlab.agent.events import Done, Event
from ci_jupyterlab.agent.kernel_executor import KernelExecutor
from ci_jupyterlab.agent.llm import LLMClient
from ci_jupyterlab.agent.loop import Agent, Conversation
from ci_jupyterlab.agent.settings import CodeInterpreter
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

pytest_plugins = ["pytest_jupyter.jupyter_server"]

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
async def kernel(tmp_path):
    async with KernelExecutor(cwd=tmp_path) as executor:
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


@pytest_asyncio.fixture
async def make_agent():
    """Build agents on the scripted model; their HTTP clients are closed afterwards."""
    clients: list[LLMClient] = []

    def build(settings: CodeInterpreter, executor, **options) -> Agent:
        options.setdefault("max_attempts", settings.max_attempts)
        options.setdefault("cell_timeout", settings.cell_timeout)
        clients.append(LLMClient(settings))
        return Agent(clients[-1], executor, Conversation(language="python"), secrets=(settings.api_key,), **options)

    yield build
    for client in clients:
        await client.aclose()


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
        },
    }


@pytest.fixture
def extension(jp_serverapp):
    """The running CodeInterpreterApp of the test server."""
    return jp_serverapp.extension_manager.extension_apps["ci_jupyterlab"].pop()
