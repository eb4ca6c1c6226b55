"""Faults in the model's streamed answer, through the real openai client over HTTP.

A cut-off answer (dropped connection, stalled or unfinished stream) must be
asked for once more and never taken as complete; a stream that is not the
Chat Completions format must be a clear error naming the server.
"""

from __future__ import annotations

import json

import pytest
from conftest import CANARY_KEY, answer, collect, run_cell

from ci_jupyterlab.agent.events import Done, Error, Status, Usage
from ci_jupyterlab.agent.model_client import CutOff, LLMError, ModelClient, Reply, Retrying

pytestmark = pytest.mark.asyncio

HELLO = [{"role": "user", "content": "Say hello."}]
FIRST = "The first answer, which never gets to the end."
SECOND = "The second answer, whole."
# Both ways an answer can stop short: the connection drops, or the body just ends.
CUTS = [{"cut_after": 3}, {"end_early_after": 3}]


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
    assert "Base URL in the Code Interpreter's settings" in caught.value.hint
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


async def test_a_rate_limited_request_says_it_retries_and_then_answers(llm_server, llm):
    llm_server.enqueue({"error": {"status": 429, "message": "slow down"}}, answer("Hello after the wait."))
    items = await items_of(llm)

    [waiting] = [item for item in items if isinstance(item, Retrying)]
    assert waiting.message.startswith("The model server is rate-limiting requests (429): retrying in about")
    assert "(retry 1 of 2)" in waiting.message
    assert isinstance(items[-1], Reply) and items[-1].text == "Hello after the wait."


async def test_the_loop_shows_the_retry_in_its_status(llm_server, settings, make_agent, kernel):
    llm_server.enqueue({"error": {"status": 503, "message": "busy"}}, answer("Done."))
    events = await collect(make_agent(settings, kernel), "Hi")

    waiting = [e for e in events if isinstance(e, Status) and e.phase == "waiting"]
    assert waiting and "The model server failed (HTTP 503): retrying" in waiting[0].message
    assert isinstance(events[-1], Done) and events[-1].reason == "answered"


async def test_cost_is_counted_from_the_price_table_and_capped(llm_server, settings, make_agent, kernel):
    settings.prices = {"scripted-model": {"input": 10.0, "output": 20.0}}  # dollars per million tokens
    llm_server.enqueue({**answer("Hi."), "usage": {"prompt_tokens": 1000, "completion_tokens": 100}})
    events = await collect(make_agent(settings, kernel), "Hi")
    [usage] = [e for e in events if isinstance(e, Usage)]
    assert usage.cost == pytest.approx((1000 * 10 + 100 * 20) / 1e6)

    settings.max_cost_per_request = 0.5
    llm_server.enqueue(
        {**run_cell("x = 1"), "usage": {"prompt_tokens": 100_000, "completion_tokens": 10}},  # $1 at once
        answer("never asked"),
    )
    events = await collect(make_agent(settings, kernel), "Do a lot.")
    assert events[-1].reason == "max_cost"
    assert "past its limit of $0.5000" in [e for e in events if isinstance(e, Error)][0].message
    assert len(llm_server.chat_requests) == 2  # one per request: the second call of the second was never made


async def test_a_second_request_on_the_same_agent_counts_only_its_own_tokens_and_cost(
    llm_server, settings, make_agent, kernel
):
    settings.prices = {"scripted-model": {"input": 10.0, "output": 20.0}}
    settings.max_cost_per_request = 0.015  # more than either request alone, less than both together
    agent = make_agent(settings, kernel)
    llm_server.enqueue({**answer("First."), "usage": {"prompt_tokens": 1000, "completion_tokens": 100}})
    first = await collect(agent, "First question")
    llm_server.enqueue(
        {**run_cell("x = 1"), "usage": {"prompt_tokens": 500, "completion_tokens": 50}},
        {**answer("Second."), "usage": {"prompt_tokens": 200, "completion_tokens": 10}},
    )
    second = await collect(agent, "Second question")

    assert [e.reason for e in (first[-1], second[-1])] == ["answered", "answered"]  # the cap is per request
    usage = [e for e in second if isinstance(e, Usage)][-1]
    assert (usage.prompt_tokens, usage.completion_tokens) == (700, 60)
    assert usage.cost == pytest.approx((700 * 10 + 60 * 20) / 1e6)
    first_record, second_record = agent.record.requests
    assert (first_record.prompt_tokens, first_record.completion_tokens) == (1000, 100)
    assert (second_record.prompt_tokens, second_record.completion_tokens) == (700, 60)
    assert second_record.cost == pytest.approx(usage.cost)
