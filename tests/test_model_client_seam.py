"""The model-client seam on a real server: ``c.CodeInterpreter.model_client_class`` picks the class
every request uses, and the server closes its client when it stops."""

from __future__ import annotations

import pytest
from conftest import answer

from ci_jupyterlab.agent.openai_client import OpenAICompatibleClient


class RecordingClient(OpenAICompatibleClient):
    """The OpenAI-compatible client, remembering each instance and whether it was closed."""

    made: list[RecordingClient] = []

    def __init__(self, **settings):
        super().__init__(**settings)
        self.closed = False
        RecordingClient.made.append(self)

    async def close(self) -> None:
        self.closed = True
        await super().close()


@pytest.fixture
def jp_server_config(jp_server_config):
    RecordingClient.made.clear()
    jp_server_config["CodeInterpreter"]["model_client_class"] = f"{__name__}.RecordingClient"
    return jp_server_config


async def test_the_configured_client_class_serves_requests_and_is_closed_when_the_server_stops(
    open_chat, llm_server, extension
):
    async with open_chat() as chat:
        llm_server.enqueue(answer("From the chosen client."))
        messages = await chat.ask("Hello?")
    assert messages[-1]["reason"] == "answered"
    assert RecordingClient.made, "the configured class was never built"
    assert not any(client.closed for client in RecordingClient.made)

    await extension.stop_extension()

    assert all(client.closed for client in RecordingClient.made)
