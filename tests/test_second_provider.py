"""A second model provider, not OpenAI-compatible, plugged in through the ``ModelClient`` seam alone
(docs/architecture.md, "Adding a model provider"): Test connection reports what it declares, and a
request through the chat socket runs its tool call in a real kernel and answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from conftest import claim_page_key

from ci_jupyterlab.agent.model_client import Capabilities, LLMError, Reply, ToolCall


class NotesProvider:
    """A provider with its own protocol: a notebook of scripted answers, one per ``stream`` call.

    It declares what it can do (tool calls, no images, no usage in its stream), so Test connection
    asks it nothing about those; it keeps the messages it was sent, to be checked.
    """

    scripted: list[Reply] = []
    received: list[list[dict]] = []
    built: list[dict] = []

    def __init__(self, *, base_url, api_key, model, timeout, retries, capabilities):
        NotesProvider.built.append({"base_url": base_url, "model": model, "capabilities": capabilities})
        self._model = model

    @property
    def endpoint(self) -> str:
        return "notes.example"

    @property
    def model_name(self) -> str | None:
        return self._model or None

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(tools=True, images=False, streaming_usage=False)

    async def list_models(self) -> list[str]:
        return ["notes-small", "notes-large"]

    async def model(self) -> str:
        return self._model or "notes-small"

    async def stream(self, messages: list[dict], *, tools: list[dict] | None) -> AsyncIterator[str | Reply]:
        NotesProvider.received.append(json.loads(json.dumps(messages)))
        if not NotesProvider.scripted:
            raise LLMError("The notes provider has nothing more to say.")
        reply = NotesProvider.scripted.pop(0)
        if reply.text:
            yield reply.text
        yield reply

    async def close(self) -> None:
        pass


@pytest.fixture
def jp_server_config(jp_server_config):
    for kept in (NotesProvider.scripted, NotesProvider.received, NotesProvider.built):
        kept.clear()
    section = jp_server_config["CodeInterpreter"]
    section.update(model_client_class=f"{__name__}.NotesProvider", base_url="notes://local", model="notes-small")
    return jp_server_config


async def test_a_second_provider_passes_test_connection_and_serves_a_request(jp_fetch, open_chat):
    NotesProvider.scripted.append(Reply(text="OK"))
    headers = await claim_page_key(jp_fetch)
    tested = json.loads(
        (await jp_fetch("ci-jupyterlab", "settings", "test", method="POST", body="{}", headers=headers)).body
    )
    assert tested["ok"], tested
    assert tested["endpoint"] == "notes.example"
    assert tested["models"] == ["notes-small", "notes-large"] and tested["model"] == "notes-small"
    assert tested["capabilities"] == {"tools": True, "images": False, "streaming_usage": False}
    # One question: what it declares was not asked about (no tool probe, no image sent).
    assert len(NotesProvider.received) == 1
    assert not any(isinstance(m["content"], list) for m in NotesProvider.received[0])

    NotesProvider.scripted += [
        Reply(tool_calls=[ToolCall("call-1", "run_cell", json.dumps({"code": "print(6 * 7)"}))]),
        Reply(text="Six times seven is 42."),
    ]
    async with open_chat() as chat:
        messages = await chat.ask("What is six times seven?")
    [done] = [m for m in messages if m["type"] == "cell_done"]
    assert done["status"] == "ok" and "42" in json.dumps(done["outputs"])
    assert messages[-1] == {**messages[-1], "type": "done", "reason": "answered"}
    tool_results = [m for m in NotesProvider.received[-1] if m["role"] == "tool"]
    assert tool_results and "42" in tool_results[0]["content"]
    # Every client came from the one factory, with the provider's base URL and model.
    assert {(b["base_url"], b["model"]) for b in NotesProvider.built} == {("notes://local", "notes-small")}
