"""Faults in the model's streamed answer, through the real openai client over HTTP.

A cut-off answer (dropped connection, stalled or unfinished stream) must be
asked for once more and never taken as complete; a stream that is not the
Chat Completions format must be a clear error naming the server.
"""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from conftest import CANARY_KEY, answer

from ci_jupyterlab.agent.model_client import CutOff, LLMError, ModelClient, Reply

pytestmark = pytest.mark.asyncio

HELLO = [{"role": "user", "content": "Say hello."}]
FIRST = "The first answer, which never gets to the end."
SECOND = "The second answer, whole."
# Both ways an answer can stop short: the connection drops, or the body just ends.
CUTS = [{"cut_after": 3}, {"end_early_after": 3}]


@pytest_asyncio.fixture
async def llm(settings):
    client = settings.model_client()
    yield client
    await client.close()


async def items_of(llm: ModelClient, tools: list[dict] | None = None) -> list:
    """Everything ``stream`` yields for one request."""
    return [item async for item in llm.stream(HELLO, tools=tools)]


def text_after_last_cut(items: list) -> str:
    """The text a front end shows: what came after the last ``CutOff``."""
    cuts = [i for i, item in enumerate(items) if isinstance(item, CutOff)]
    start = cuts[-1] + 1 if cuts else 0
    return "".join(item for item in items[start:] if isinstance(item, str))


@pytest.mark.parametrize("cut", CUTS)
async def test_cut_off_answer_is_asked_for_again(llm_server, llm, cut):
    llm_server.enqueue({"text": FIRST, **cut}, answer(SECOND))
    items = await items_of(llm)

    [cut_off] = [item for item in items if isinstance(item, CutOff)]
    shown_before = "".join(items[: items.index(cut_off)])
    assert shown_before and FIRST.startswith(shown_before) and shown_before != FIRST
    assert "cut off" in cut_off.message and llm.endpoint in cut_off.message
    assert text_after_last_cut(items) == SECOND
    assert items[-1] == Reply(SECOND, [], items[-1].prompt_tokens, items[-1].completion_tokens)
    first, second = llm_server.chat_requests
    assert first == second  # the same question, asked again


@pytest.mark.parametrize("cut", CUTS)
async def test_cut_off_twice_is_an_error_and_never_a_reply(llm_server, llm, cut):
    llm_server.enqueue({"text": FIRST, "repeat": 2, **cut}, answer("never asked for"))
    items = []
    with pytest.raises(LLMError) as caught:
        async for item in llm.stream(HELLO, tools=None):
            items.append(item)

    assert not any(isinstance(item, Reply) for item in items)
    assert sum(isinstance(item, CutOff) for item in items) == 1
    error = caught.value
    assert f"The model's answer from {llm.endpoint} was cut off twice" in error.message
    assert error.hint and CANARY_KEY not in error.message + error.hint
    assert len(llm_server.chat_requests) == 2 and llm_server.pending == 1


async def test_cut_off_tool_call_is_not_merged_into_the_retry(llm_server, llm):
    code = "import pandas as pd\nprint(pd.__version__)"
    call = {"name": "run_cell", "arguments": {"code": code}}
    llm_server.enqueue({"tool_calls": [call], "cut_after": 4}, {"tool_calls": [call]})
    items = await items_of(llm, tools=[{"type": "function", "function": {"name": "run_cell"}}])

    assert sum(isinstance(item, CutOff) for item in items) == 1
    [tool_call] = items[-1].tool_calls
    assert tool_call.name == "run_cell" and json.loads(tool_call.arguments) == {"code": code}


async def test_stalled_stream_is_a_cut_off(llm_server, settings):
    settings.request_timeout = 0.3
    llm_server.enqueue({"text": FIRST, "chunk_delay": 5}, answer(SECOND))
    client = settings.model_client()
    try:
        items = await items_of(client)
    finally:
        await client.close()

    [cut_off] = [item for item in items if isinstance(item, CutOff)]
    assert "no data for 0.3 seconds" in cut_off.message
    assert items[-1].text == SECOND


@pytest.mark.parametrize(
    ("garbage", "detail"),
    [
        ("not json", "an event that is not JSON: 'not json'"),
        ("42", "a JSON event that is not a Chat Completions chunk"),
        ('{"choices": [{"delta": "Hello"}]}', "a JSON event that is not a Chat Completions chunk"),
    ],
)
async def test_garbage_in_the_stream_names_the_server(llm_server, llm, garbage, detail):
    llm_server.enqueue({"text": "Hello", "garbage": garbage}, answer("never asked for"))
    with pytest.raises(LLMError) as caught:
        await items_of(llm)

    where = llm.endpoint
    assert caught.value.message == f"The model server at {where} sent a malformed streamed answer ({detail})."
    assert "base_url" in caught.value.hint
    assert len(llm_server.chat_requests) == 1  # garbage is not worth asking again


async def test_garbage_never_echoes_the_key(llm_server, llm):
    llm_server.enqueue({"garbage": f"Bearer {CANARY_KEY}"})
    with pytest.raises(LLMError) as caught:
        await items_of(llm)
    assert "malformed" in caught.value.message and CANARY_KEY not in caught.value.message


async def test_a_web_page_instead_of_a_stream_is_named(llm_server, llm):
    llm_server.enqueue({"body": "<html><body>Please sign in to the proxy</body></html>"})
    with pytest.raises(LLMError) as caught:
        await items_of(llm)

    where = llm.endpoint
    assert caught.value.message == f"The model server at {where} answered with text/html instead of a streamed answer."
    assert "proxy" in caught.value.hint and "/v1" in caught.value.hint
    assert len(llm_server.chat_requests) == 1
