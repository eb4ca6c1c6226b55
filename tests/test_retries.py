"""Retries of a model request that failed for now: ours, around the openai client, each wait shown."""

from __future__ import annotations

import email.utils
import time

import httpx
import openai
import pytest
from conftest import answer

from ci_jupyterlab.agent.model_client import LLMError, Reply, Retrying
from ci_jupyterlab.agent.retries import Backoff, retryable


async def items_of(client) -> list:
    return [item async for item in client.stream([{"role": "user", "content": "Hi"}], tools=None)]


@pytest.mark.asyncio
async def test_the_wait_a_server_asks_for_is_shown_and_kept(llm_server, llm):
    llm_server.enqueue(
        {"error": {"status": 503, "message": "busy", "headers": {"retry-after-ms": "1000"}}}, answer("Back.")
    )
    started = time.perf_counter()
    items = await items_of(llm)
    [waiting] = [item for item in items if isinstance(item, Retrying)]
    assert waiting.seconds == 1.0 and "retrying in about 1 s (retry 1 of 2)" in waiting.message
    assert time.perf_counter() - started >= 1.0
    assert isinstance(items[-1], Reply) and items[-1].text == "Back."
    assert len(llm_server.chat_requests) == 2


@pytest.mark.asyncio
async def test_a_request_the_server_refuses_for_good_is_not_sent_again(llm_server, llm):
    llm_server.enqueue({"error": {"status": 400, "message": "bad request"}}, answer("never asked"))
    with pytest.raises(LLMError):
        await items_of(llm)
    assert len(llm_server.chat_requests) == 1


@pytest.mark.asyncio
async def test_the_retries_end_with_the_failure_named(llm_server, llm):
    llm_server.enqueue({"error": {"status": 429, "message": "slow down"}, "repeat": 3}, answer("never asked"))
    with pytest.raises(LLMError) as caught:
        await items_of(llm)
    assert "rate-limiting requests (429); gave up after 2 retries" in caught.value.message
    assert len(llm_server.chat_requests) == 3


def failure(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://model.test/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("failed", response=response, body=None)


def test_which_failures_are_worth_another_try():
    assert [retryable(failure(status)) for status in (400, 401, 404, 408, 409, 429, 500, 503)] == [
        False, False, False, True, True, True, True, True,
    ]  # fmt: skip
    assert retryable(failure(400, {"x-should-retry": "true"})) and not retryable(
        failure(503, {"x-should-retry": "false"})
    )
    assert retryable(openai.APIConnectionError(request=httpx.Request("GET", "http://model.test")))


def test_backoff_doubles_to_its_cap_and_takes_the_servers_word_within_a_minute():
    backoff = Backoff(retries=5)
    waits = [backoff.wait(retry) for retry in range(6)]
    assert all(0.75 * min(8.0, 0.5 * 2**i) <= wait <= min(8.0, 0.5 * 2**i) for i, wait in enumerate(waits))
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= backoff.wait(0, httpx.Headers({"retry-after": later})) <= 30
    assert backoff.wait(0, httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert backoff.wait(0, httpx.Headers({"retry-after": "3600"})) <= 0.5  # over a minute: our own backoff
