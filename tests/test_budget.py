"""The prompt budget: what gives way, in which order, and what never does."""

from __future__ import annotations

import json

import pytest

from ci_jupyterlab.agent.budget import DROPPED, OMITTED, fit_to_budget
from ci_jupyterlab.agent.tokens import count_tokens, message_tokens, prompt_tokens


def size(message: dict) -> int:
    """One 'token' per character: budgets in tests are easy to reason about."""
    calls = "".join(call["function"]["arguments"] for call in message.get("tool_calls") or [])
    return len(message.get("content") or "") + len(calls)


def call(call_id: str, code: str) -> dict:
    arguments = json.dumps({"code": code})
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": {"name": "run_cell", "arguments": arguments}}],
    }


def result(call_id: str, text: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


SYSTEM = {"role": "system", "content": "S" * 100}


def history() -> list[dict]:
    """Two earlier requests with long outputs, then the current one with a failure."""
    return [
        SYSTEM,
        {"role": "user", "content": "first request " + "a" * 1000},  # 1
        call("c1", "print('x' * 5000)"),  # 2
        result("c1", "x" * 5000),  # 3
        {"role": "assistant", "content": "First answer " + "b" * 1000},  # 4
        {"role": "user", "content": "second request"},  # 5
        call("c2", "df.describe()"),  # 6
        result("c2", "y" * 3000),  # 7
        {"role": "assistant", "content": "Second answer."},  # 8
        {"role": "user", "content": "current request " + "c" * 500},  # 9
        call("c3", "load()"),  # 10
        result("c3", "z" * 2000),  # 11
        call("c4", "fixed_load() " + "d" * 1000),  # 12
        result("c4", "KeyError: 'revenue' " + "e" * 1500),  # 13
    ]


def total(messages: list[dict]) -> int:
    return sum(size(m) for m in messages)


def untouchable(messages: list[dict]) -> list[dict]:
    return [messages[0], messages[9], messages[12], messages[13]]


def test_a_history_within_budget_is_sent_as_it_is():
    messages = history()
    assert fit_to_budget(messages, 10**6, current_request=9, count=size) == messages


def test_earlier_outputs_go_first_oldest_first():
    messages = history()
    trimmed = fit_to_budget(messages, total(messages) - 4000, current_request=9, count=size)
    assert trimmed[3]["content"] == OMITTED  # the oldest output alone was enough
    assert trimmed[7] == messages[7] and trimmed[11] == messages[11]
    assert total(trimmed) <= total(messages) - 4000


def test_then_earlier_long_messages_are_cut_to_their_head():
    messages = history()
    budget = total(messages) - 5000 - 3000 - 2000 - 500
    trimmed = fit_to_budget(messages, budget, current_request=9, count=size)
    assert [trimmed[i]["content"] for i in (3, 7, 11)] == [OMITTED] * 3
    assert trimmed[1]["content"].startswith("first request a") and trimmed[1]["content"].endswith(OMITTED)
    assert len(trimmed) == len(messages) and total(trimmed) <= budget


def test_then_whole_earlier_exchanges_are_dropped():
    messages = history()
    budget = sum(size(m) for m in untouchable(messages)) + 200
    trimmed = fit_to_budget(messages, budget, current_request=9, count=size)
    assert trimmed[0] == SYSTEM
    assert trimmed[1]["content"].startswith(DROPPED) and trimmed[1]["content"].endswith(messages[9]["content"])
    assert trimmed[-2:] == messages[-2:]  # the latest error and the code that caused it
    assert total(trimmed) <= budget + len(DROPPED) + 2


def test_never_the_system_prompt_the_current_request_or_the_latest_error():
    messages = history()
    trimmed = fit_to_budget(messages, 1, current_request=9, count=size)  # cannot fit: keep what must stay
    assert trimmed[0] == SYSTEM
    assert messages[9]["content"] in trimmed[1]["content"]
    assert trimmed[-2:] == messages[-2:]


def test_tool_calls_keep_their_results_after_trimming():
    messages = history()
    for budget in range(0, total(messages), 500):
        trimmed = fit_to_budget(messages, budget, current_request=9, count=size)
        called = [c["id"] for m in trimmed for c in m.get("tool_calls") or []]
        answered = [m["tool_call_id"] for m in trimmed if m["role"] == "tool"]
        assert called == answered, budget


def test_the_input_is_not_changed():
    messages = history()
    copy = json.loads(json.dumps(messages))
    fit_to_budget(messages, 100, current_request=9, count=size)
    assert messages == copy


def test_earlier_code_is_cut_but_stays_valid_json():
    messages = history()
    messages[2] = call("c1", "print(1)\n" * 200)
    budget = total(messages) - 10000 - 1500  # the outputs, then the first request and this code
    trimmed = fit_to_budget(messages, budget, current_request=9, count=size)
    code = json.loads(trimmed[2]["tool_calls"][0]["function"]["arguments"])["code"]
    assert code.startswith("print(1)\n") and code.endswith(OMITTED)


def test_fenced_outputs_are_outputs_too():
    messages = [
        SYSTEM,
        {"role": "user", "content": "request"},
        {"role": "assistant", "content": "```python\nx\n```"},
        {"role": "user", "content": "Output of the code:\n" + "o" * 3000},
        {"role": "assistant", "content": "```python\ny\n```"},
        {"role": "user", "content": "Output: error"},
    ]
    trimmed = fit_to_budget(messages, 500, current_request=1, count=size)
    assert trimmed[3]["content"] == OMITTED and trimmed[5] == messages[5]


# -- token counting --------------------------------------------------------------


def test_tokens_are_counted_with_the_offline_cl100k_vocabulary():
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1  # user text, not a special token


def test_messages_and_tools_add_to_the_prompt_count():
    message = {"role": "user", "content": "hello world"}
    assert message_tokens(message) == 2 + 3
    with_call = call("c1", "print(1)")
    assert message_tokens(with_call) > 3
    tools = [{"type": "function", "function": {"name": "run_cell"}}]
    assert prompt_tokens([message], tools) > prompt_tokens([message]) == 5 + 3


@pytest.mark.asyncio
async def test_the_loop_sends_a_prompt_within_budget(llm_server, settings, kernel, make_agent):
    from conftest import answer, collect, run_cell

    llm_server.enqueue(run_cell("print(list(range(5000)))"), answer("printed"))  # ~1,900 tokens of feedback
    agent = make_agent(settings, kernel, prompt_budget=1500)
    await collect(agent, "Print a lot.")
    llm_server.enqueue(run_cell("print(undefined_name)"), answer("failed"))
    await collect(agent, "Now use an undefined name.")
    last = llm_server.chat_requests[-1]
    assert prompt_tokens(last["messages"], last.get("tools")) <= 1500
    contents = [m["content"] for m in last["messages"] if m["role"] == "tool"]
    assert contents[0] == OMITTED and "NameError" in contents[-1]
    assert agent.conversation.messages[2]["content"].startswith("The cell ran")  # the history itself keeps it


@pytest.mark.asyncio
async def test_tokens_are_counted_when_the_server_reports_none(llm_server, settings, kernel, make_agent):
    from conftest import collect, of_type

    from ci_jupyterlab.agent.events import Usage

    llm_server.enqueue({"text": "Hello there.", "usage": {"prompt_tokens": 0, "completion_tokens": 0}})
    events = await collect(make_agent(settings, kernel), "Say hello.")
    sent = llm_server.chat_requests[-1]
    usage = of_type(events, Usage)[-1]
    assert usage.prompt_tokens == prompt_tokens(sent["messages"], sent.get("tools"))
    assert usage.completion_tokens == count_tokens("Hello there.") == 3
