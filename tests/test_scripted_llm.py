"""Tests for the scripted LLM server, driven by the real openai client over HTTP."""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import openai
import pytest
import pytest_asyncio

from ci_jupyterlab.testing.scripted_llm import EMPTY_QUEUE_TEXT, ScriptedLLM, ScriptError

MODEL = "scripted-model"
HELLO = [{"role": "user", "content": "Say hello, please."}]
RUN_CELL_TOOL = {
    "type": "function",
    "function": {
        "name": "run_cell",
        "description": "Run code in a new cell",
        "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
    },
}
# A direct opener: never route test traffic to 127.0.0.1 through a proxy from the environment.
URL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def llm():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def client(llm):
    with openai.OpenAI(base_url=llm.base_url, api_key="test-key", max_retries=0) as sync_client:
        yield sync_client


@pytest_asyncio.fixture
async def aclient(llm):
    async with openai.AsyncOpenAI(base_url=llm.base_url, api_key="test-key", max_retries=0) as async_client:
        yield async_client


def http_json(url: str, body: object | None = None, raw: bytes | None = None) -> tuple[int, dict]:
    """GET (or POST when a body is given) and return (status, decoded JSON)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with URL_OPENER.open(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


# ---------------------------------------------------------------------------
# Streaming
# ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_streamed_text_arrives_in_several_deltas(llm, aclient):
    text = "Hello! I am a scripted model and I stream in small pieces."
    llm.enqueue({"text": text})

    stream = await aclient.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    chunks = [chunk async for chunk in stream]

    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) >= 5
    assert "".join(deltas) == text
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert {c.model for c in chunks} == {MODEL}
    assert len({c.id for c in chunks}) == 1


@pytest.mark.asyncio
async def test_streamed_tool_calls_reassemble_by_index(llm, aclient):
    code = 'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2, 3]})\ndf.describe()'
    llm.enqueue(
        {
            "text": "Let me run that.",
            "tool_calls": [
                {"name": "run_cell", "arguments": {"code": code}},
                {"name": "run_cell", "arguments": {"code": "print('second')"}},
            ],
        }
    )

    stream = await aclient.chat.completions.create(model=MODEL, messages=HELLO, tools=[RUN_CELL_TOOL], stream=True)
    text, calls, reasons, argument_deltas = "", {}, [], 0
    async for chunk in stream:
        choice = chunk.choices[0]
        text += choice.delta.content or ""
        reasons.append(choice.finish_reason)
        for delta in choice.delta.tool_calls or []:
            call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
            call["id"] = delta.id or call["id"]
            if delta.function and delta.function.name:
                call["name"] += delta.function.name
            if delta.function and delta.function.arguments:
                call["arguments"] += delta.function.arguments
                argument_deltas += 1

    assert text == "Let me run that."
    assert sorted(calls) == [0, 1]
    assert [calls[i]["name"] for i in (0, 1)] == ["run_cell", "run_cell"]
    assert json.loads(calls[0]["arguments"]) == {"code": code}
    assert json.loads(calls[1]["arguments"]) == {"code": "print('second')"}
    assert all(re.fullmatch(r"call_[0-9a-f]+", calls[i]["id"]) for i in (0, 1))
    assert calls[0]["id"] != calls[1]["id"]
    assert argument_deltas > 2  # the arguments really were streamed in pieces
    assert reasons[-1] == "tool_calls"


@pytest.mark.asyncio
async def test_usage_chunk_only_when_requested(llm, aclient):
    llm.enqueue({"text": "12345678"}, {"text": "no usage here"}, {"text": "x", "usage": {"prompt_tokens": 1000}})
    messages = [{"role": "user", "content": "a" * 40}]

    with_usage = await aclient.chat.completions.create(
        model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in with_usage]
    assert chunks[-1].choices == []
    assert chunks[-1].usage.model_dump() == {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 12,
        "completion_tokens_details": None,
        "prompt_tokens_details": None,
    }
    assert all(c.usage is None for c in chunks[:-1])

    without_usage = await aclient.chat.completions.create(model=MODEL, messages=messages, stream=True)
    chunks = [c async for c in without_usage]
    assert all(c.choices and c.usage is None for c in chunks)

    overridden = await aclient.chat.completions.create(
        model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    usage = [c async for c in overridden][-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1000, 1, 1001)


@pytest.mark.asyncio
async def test_stop_mid_stream_leaves_server_healthy(llm, aclient, capsys):
    llm.enqueue({"text": "x" * 400, "chunk_delay": 0.02}, {"text": "still alive"})

    stream = await aclient.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    received = 0
    async for _chunk in stream:
        received += 1
        if received == 3:
            break  # like the user pressing Stop
    await stream.close()
    time.sleep(0.2)  # give the handler time to hit the closed socket

    answer = await aclient.chat.completions.create(model=MODEL, messages=HELLO)
    assert answer.choices[0].message.content == "still alive"
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Stream faults
# ---------------------------------------------------------------------------


def raw_stream(llm: ScriptedLLM) -> tuple[http.client.HTTPResponse, list[str], bool]:
    """POST a streamed chat request; return the response, its events' data, and whether the body ended."""
    connection = http.client.HTTPConnection("127.0.0.1", llm.port, timeout=5)
    body = {"model": MODEL, "messages": HELLO, "stream": True}
    connection.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    try:
        raw, complete = response.read(), True
    except http.client.IncompleteRead as cut:
        raw, complete = cut.partial, False
    connection.close()
    events = [event.removeprefix("data: ") for event in raw.decode().split("\n\n") if event]
    return response, events, complete


def test_cut_after_drops_the_connection_mid_answer(llm, client, capsys):
    llm.enqueue({"text": "x" * 40, "cut_after": 3}, {"text": "still alive"})
    _, events, complete = raw_stream(llm)

    assert not complete
    chunks = [json.loads(data) for data in events]  # no [DONE]
    assert len(chunks) == 3
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, None]
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content == "still alive"
    assert "Traceback" not in capsys.readouterr().err


def test_end_early_after_ends_the_body_cleanly_but_unfinished(llm):
    llm.enqueue({"text": "x" * 40, "end_early_after": 2})
    response, events, complete = raw_stream(llm)

    assert complete and response.status == 200
    chunks = [json.loads(data) for data in events]  # no [DONE]
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None]
    assert chunks[1]["choices"][0]["delta"]["content"] == "x" * 8


def test_garbage_is_sent_as_an_event(llm):
    llm.enqueue({"garbage": "not json"}, {"text": "Hi", "garbage": "{oops"})
    assert raw_stream(llm)[1] == ["not json", "[DONE]"]

    _, events, _ = raw_stream(llm)
    assert events[-2:] == ["{oops", "[DONE]"]
    assert "".join(json.loads(data)["choices"][0]["delta"].get("content", "") for data in events[:-2]) == "Hi"


def test_body_is_sent_as_is(llm):
    page = "<html><body>Please log in</body></html>"
    llm.enqueue({"body": page}, {"body": "{}", "content_type": "application/json"})

    response, events, complete = raw_stream(llm)
    assert (response.status, response.getheader("content-type")) == (200, "text/html; charset=utf-8")
    assert complete and events == [page]
    assert raw_stream(llm)[0].getheader("content-type") == "application/json"


@pytest.mark.parametrize(
    "item",
    [
        {"cut_after": 2},
        {"text": "x", "cut_after": -1},
        {"text": "x", "end_early_after": True},
        {"text": "x", "cut_after": 1, "end_early_after": 1},
        {"text": "x", "cut_after": 1, "garbage": "no"},
        {"error": {"status": 500}, "garbage": "no"},
        {"garbage": 42},
        {"body": "<html>", "text": "x"},
        {"text": "x", "content_type": "text/html"},
    ],
)
def test_bad_fault_items_are_refused(llm, item):
    with pytest.raises(ScriptError):
        llm.enqueue(item)
    assert llm.pending == 0


# ---------------------------------------------------------------------------
# Non-streamed answers
# ---------------------------------------------------------------------------


def test_non_streamed_text(llm, client):
    llm.enqueue({"text": "Hello there"})
    completion = client.chat.completions.create(model=MODEL, messages=HELLO)

    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hello there"
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    prompt_tokens = math.ceil(len(HELLO[0]["content"]) / 4)
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (prompt_tokens, 3)
    assert completion.usage.total_tokens == prompt_tokens + 3


def test_non_streamed_tool_calls_including_raw_arguments(llm, client):
    llm.enqueue(
        {
            "tool_calls": [
                {"name": "run_cell", "arguments": {"code": "1 + 1"}},
                {"name": "run_cell", "arguments_raw": '{"code": "broken'},
            ]
        }
    )
    completion = client.chat.completions.create(model=MODEL, messages=HELLO, tools=[RUN_CELL_TOOL])
    message = completion.choices[0].message

    assert message.content is None
    assert completion.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in message.tool_calls] == ["run_cell", "run_cell"]
    assert json.loads(message.tool_calls[0].function.arguments) == {"code": "1 + 1"}
    assert message.tool_calls[1].function.arguments == '{"code": "broken'
    assert all(c.type == "function" and c.id.startswith("call_") for c in message.tool_calls)


def test_empty_queue_and_repeat(llm, client):
    llm.enqueue({"text": "again", "repeat": 2})
    assert llm.pending == 2

    answers = [client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content for _ in range(3)]
    assert answers == ["again", "again", EMPTY_QUEUE_TEXT]
    assert llm.pending == 0


def test_delay_holds_the_answer(llm, client):
    llm.enqueue({"text": "late", "delay": 0.3})
    start = time.monotonic()
    completion = client.chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "late"
    assert time.monotonic() - start >= 0.3


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_rate_limit_is_retried_quickly(llm):
    llm.enqueue({"error": {"status": 429, "message": "Rate limit reached"}}, {"text": "made it"})
    with openai.OpenAI(base_url=llm.base_url, api_key="test-key", max_retries=2) as retrying:
        start = time.monotonic()
        completion = retrying.chat.completions.create(model=MODEL, messages=HELLO)
        elapsed = time.monotonic() - start

    assert completion.choices[0].message.content == "made it"
    log = llm.requests
    assert len(log) == 2
    assert [r["headers"].get("x-stainless-retry-count") for r in log] == ["0", "1"]
    # The client's own backoff starts at >= 0.375 s; retry-after-ms: 10 must have been honoured.
    assert elapsed < 0.3


def test_rate_limit_error_surfaces_when_retries_run_out(llm, client):
    llm.enqueue({"error": {"status": 429, "type": "rate_limit_error", "headers": {"x-custom": "yes"}}})
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert caught.value.status_code == 429
    assert caught.value.body["type"] == "rate_limit_error"
    assert caught.value.response.headers["retry-after-ms"] == "10"
    assert caught.value.response.headers["x-custom"] == "yes"


def test_unauthorized_raises_authentication_error(llm):
    llm.enqueue({"error": {"status": 401}}, {"text": "never reached"})
    with openai.OpenAI(base_url=llm.base_url, api_key="wrong", max_retries=2) as retrying:
        with pytest.raises(openai.AuthenticationError) as caught:
            retrying.chat.completions.create(model=MODEL, messages=HELLO, stream=True)

    assert "Incorrect API key provided" in str(caught.value)
    assert len(llm.requests) == 1  # 401 is not retried
    assert llm.pending == 1


def test_reject_tools_gives_bad_request(llm, client):
    llm.reject_tools = True
    llm.enqueue({"text": "plain answer"})

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=HELLO, tools=[RUN_CELL_TOOL])
    assert "tools are not supported" in str(caught.value)
    assert caught.value.body["param"] == "tools"
    assert llm.pending == 1  # the refusal did not eat the script

    completion = client.chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "plain answer"


def test_reject_images_gives_bad_request(llm, client):
    llm.reject_images = True
    llm.enqueue({"text": "plain answer"})
    picture = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    looking = [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, picture]}]

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=looking)
    assert "image input is not supported" in str(caught.value)
    assert llm.pending == 1  # the refusal did not eat the script
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content == "plain answer"

    llm.reset()
    assert llm.reject_images is False


def test_invalid_requests_get_openai_style_errors(llm):
    chat = llm.base_url + "/chat/completions"

    status, body = http_json(chat, raw=b"{not json")
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] is None

    status, body = http_json(chat, {"messages": HELLO})
    assert status == 400 and body["error"]["param"] == "model"

    status, body = http_json(chat, {"model": MODEL})
    assert status == 400 and body["error"]["param"] == "messages"

    status, body = http_json(llm.base_url + "/embeddingz", {"model": MODEL})
    assert status == 404 and "Invalid URL" in body["error"]["message"]

    assert [r["body"] for r in llm.requests][:1] == [None]  # unparseable bodies are logged as null
    assert len(llm.requests) == 4


def test_bad_script_items_are_refused(llm):
    with pytest.raises(ScriptError):
        llm.enqueue({"txt": "typo"})
    with pytest.raises(ScriptError):
        llm.enqueue({"tool_calls": [{"arguments": {}}]})
    status, body = http_json(llm.url + "/_script", {"responses": [{"error": {"status": 200}}]})
    assert status == 400 and "status" in body["error"]["message"]
    assert llm.pending == 0


def test_only_loopback_hosts_are_allowed():
    with pytest.raises(ValueError):
        ScriptedLLM(host="0.0.0.0")
    with pytest.raises(ValueError):
        ScriptedLLM(host="example.com")


# ---------------------------------------------------------------------------
# Models, log, admin API
# ---------------------------------------------------------------------------


def test_models_list(client):
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL]
    assert models.data[0].owned_by == "ci-jupyterlab"
    assert client.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nope")


def test_request_log_records_messages_and_bearer_token(llm, client):
    llm.enqueue({"text": "ok"})
    client.chat.completions.create(model=MODEL, messages=HELLO, temperature=0)

    [entry] = llm.requests
    assert entry["method"] == "POST" and entry["path"] == "/v1/chat/completions"
    assert entry["body"]["messages"] == HELLO
    assert entry["body"]["temperature"] == 0
    assert entry["has_authorization"] is True
    assert entry["bearer_token"] == "test-key"
    assert entry["headers"]["authorization"] == "<redacted>"
    assert "test-key" not in json.dumps(entry["headers"])
    assert isinstance(entry["time"], float)
    assert llm.chat_requests == [entry["body"]]

    entry["body"]["messages"].clear()  # the log handed out is a copy
    assert llm.chat_requests[0]["messages"] == HELLO


def test_admin_endpoints_over_http(llm, client):
    status, body = http_json(llm.url + "/_script", {"responses": [{"text": "one"}, {"text": "two"}]})
    assert (status, body) == (200, {"queued": 2})

    status, body = http_json(llm.url + "/_config", {"models": ["m1", "m2"], "reject_tools": True})
    assert status == 200 and body == {"models": ["m1", "m2"], "reject_tools": True, "reject_images": False}
    assert [m.id for m in client.models.list().data] == ["m1", "m2"]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m1", messages=HELLO, tools=[RUN_CELL_TOOL])

    assert client.chat.completions.create(model="m1", messages=HELLO).choices[0].message.content == "one"
    status, body = http_json(llm.url + "/_requests")
    assert status == 200
    assert [r["path"] for r in body["requests"]] == ["/v1/models", "/v1/chat/completions", "/v1/chat/completions"]
    assert body["requests"][-1]["bearer_token"] == "test-key"

    status, body = http_json(llm.url + "/_reset", {})
    assert status == 200
    assert llm.requests == [] and llm.pending == 0
    assert llm.reject_tools is False and llm.models == [MODEL]
    assert http_json(llm.url + "/_requests") == (200, {"requests": []})


def test_concurrent_requests_each_get_one_item(llm):
    llm.enqueue(*({"text": f"answer {i}"} for i in range(8)))
    answers: list[str] = []

    def ask() -> None:
        with openai.OpenAI(base_url=llm.base_url, api_key="k", max_retries=0) as c:
            answers.append(c.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(answers) == sorted(f"answer {i}" for i in range(8))
    assert len(llm.chat_requests) == 8


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_and_stops_cleanly(stop_signal):
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ci_jupyterlab.testing.scripted_llm", "--port", "0", "--model", "cli-model"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # the server prints and flushes this once it accepts connections
        match = re.fullmatch(r"scripted-llm listening on (http://127\.0\.0\.1:(\d+)/v1)\n", line)
        assert match, line
        base_url = match.group(1)
        assert int(match.group(2)) > 0

        status, body = http_json(base_url + "/models")
        assert status == 200 and [m["id"] for m in body["data"]] == ["cli-model"]

        proc.send_signal(stop_signal)
        assert proc.wait(timeout=5) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_stamped_text_carries_the_time_each_chunk_was_written(llm, client):
    llm.enqueue({"text": "§abcdef " * 4, "stamp": True, "chunk_delay": 0.05})
    before = time.time()
    pieces = []
    for chunk in client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append((time.time(), chunk.choices[0].delta.content))
    stamps = [(arrived, float(re.fullmatch(r"@(\d+\.\d+)@abcdef ", text).group(1))) for arrived, text in pieces]
    assert len(stamps) == 4
    assert all(before <= sent <= arrived for arrived, sent in stamps)
    assert stamps[-1][1] - stamps[0][1] >= 0.14  # stamped when written, after each chunk_delay


def test_stamp_must_be_a_boolean(llm):
    with pytest.raises(ScriptError, match="'stamp' must be true or false"):
        llm.enqueue({"text": "x", "stamp": "yes"})
