"""The write-run-fix loop against a real kernel and the scripted model over HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import CANARY_KEY, answer, collect, of_type, run_cell

from ci_jupyterlab.agent.events import CellDone, Done, Error, RunCell, Status, TextDelta, Usage

pytestmark = pytest.mark.asyncio


def tool_messages(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


async def test_success_first_time(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("print(6 * 7)", text="Let me compute that."), answer("The answer is **42**."))
    events = await collect(make_agent(settings, kernel), "What is 6 times 7?")

    cells = of_type(events, RunCell)
    assert [c.code for c in cells] == ["print(6 * 7)"]
    assert cells[0].step == 1 and cells[0].attempt == 1 and cells[0].replaces is None
    assert [d.status for d in of_type(events, CellDone)] == ["ok"]
    assert "".join(t.text for t in of_type(events, TextDelta)) == "Let me compute that.The answer is **42**."
    assert events[-1] == Done("answered")
    # The model was told the output of its cell.
    second = llm_server.chat_requests[1]
    assert "42" in tool_messages(second)[0]
    assert "analysis.ipynb" in second["messages"][1]["content"]
    assert second["tools"][0]["function"]["name"] == "run_cell"
    usage = of_type(events, Usage)[-1]
    assert usage.prompt_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_name_error_then_fix_replaces_the_cell(llm_server, settings, kernel, make_agent):
    broken = "df = pd.DataFrame({'x': [1, 2, 3]})\nprint(df['x'].sum())"
    fixed = "import pandas as pd\n" + broken
    llm_server.enqueue(run_cell(broken), run_cell(fixed), answer("The sum is 6."))
    events = await collect(make_agent(settings, kernel), "Sum the column x of a small frame.")

    first, second = of_type(events, RunCell)
    assert (second.step, second.attempt, second.replaces) == (first.step, 2, first.call_id)
    done = of_type(events, CellDone)
    assert done[0].status == "error"
    assert done[0].error == {"ename": "NameError", "evalue": "name 'pd' is not defined"}
    assert done[1].status == "ok"
    assert any(s.phase == "fixing" and (s.attempt, s.max_attempts) == (2, 3) for s in of_type(events, Status))
    feedback = tool_messages(llm_server.chat_requests[1])[0]
    assert "NameError: name 'pd' is not defined" in feedback
    assert "\x1b[" not in feedback  # no terminal colour codes reach the model
    assert "6" in tool_messages(llm_server.chat_requests[2])[1]
    assert events[-1] == Done("answered")


async def test_attempt_cap_stops_after_three_failures(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("1/0"), run_cell("undefined_a"), run_cell("undefined_b"), answer("never sent"))
    events = await collect(make_agent(settings, kernel), "Break things.")

    assert events[-1] == Done("max_attempts")
    assert len(of_type(events, RunCell)) == 3
    assert len(llm_server.chat_requests) == 3  # no fourth model call
    assert "3 failed attempts" in of_type(events, Error)[0].message


async def test_attempt_cap_is_configurable(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("1/0"), run_cell("undefined_a"), answer("never sent"))
    events = await collect(make_agent(settings, kernel, max_attempts=1), "Break things.")
    assert events[-1] == Done("max_attempts")
    assert len(of_type(events, RunCell)) == 1


async def test_model_calls_per_request_are_capped(llm_server, settings, kernel, make_agent):
    llm_server.enqueue({"tool_calls": [{"name": "run_cell", "arguments": {"code": "x = 1"}}], "repeat": 10})
    events = await collect(make_agent(settings, kernel, max_rounds=4), "Keep going.")
    assert events[-1] == Done("max_rounds")
    assert len(llm_server.chat_requests) == 4 and len(of_type(events, RunCell)) == 4
    assert "4 model calls" in of_type(events, Error)[0].message


async def test_failures_are_counted_per_step_not_per_request(llm_server, settings, kernel, make_agent):
    # fail, fix, then a new step that fails twice and is fixed: 4 failures in all, never 3 in a row
    llm_server.enqueue(
        run_cell("a = undefined_1"),
        run_cell("a = 1"),
        run_cell("b = undefined_2"),
        run_cell("b = undefined_3"),
        run_cell("b = 2"),
        answer("a=1, b=2"),
    )
    events = await collect(make_agent(settings, kernel), "Set a and b.")
    assert events[-1] == Done("answered")
    assert [c.step for c in of_type(events, RunCell)] == [1, 1, 2, 2, 2]


async def test_same_error_for_same_code_is_stuck(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("print(missing_name)"), run_cell("print(missing_name) "), answer("never sent"))
    events = await collect(make_agent(settings, kernel, max_attempts=5), "Print it.")

    assert events[-1] == Done("stuck")
    assert len(of_type(events, RunCell)) == 2
    assert "same code failed twice" in of_type(events, Error)[0].message


async def test_fenced_code_when_the_endpoint_rejects_tools(llm_server, settings, kernel, make_agent):
    llm_server.reject_tools = True
    llm_server.enqueue(answer("Here:\n```python\nprint(sum(range(10)))\n```"), answer("The total is 45."))
    agent = make_agent(settings, kernel)
    events = await collect(agent, "Add 0..9.")

    assert [c.code for c in of_type(events, RunCell)] == ["print(sum(range(10)))"]
    assert events[-1] == Done("answered")
    assert agent.conversation.use_tools is False
    # first try had tools and was refused (not consuming a script item); later ones have none
    bodies = llm_server.chat_requests
    assert "tools" in bodies[0] and all("tools" not in b for b in bodies[1:])
    assert "```python" in bodies[1]["messages"][0]["content"]
    assert "45" in bodies[-1]["messages"][-1]["content"]


async def test_fenced_code_from_a_model_that_ignores_tools(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(answer("```py\nx = 5\nprint(x * 2)\n```"), answer("Done: 10."))
    events = await collect(make_agent(settings, kernel), "Double 5.")
    assert [d.status for d in of_type(events, CellDone)] == ["ok"]
    assert "Output of the code:" in llm_server.chat_requests[1]["messages"][-1]["content"]


async def test_bad_api_key_names_the_setting(llm_server, settings, kernel, make_agent):
    llm_server.enqueue({"error": {"status": 401, "message": f"Incorrect API key provided: {CANARY_KEY}"}})
    events = await collect(make_agent(settings, kernel), "Hi")

    error = of_type(events, Error)[0]
    assert "401" in error.message
    # The form's words, not the config file's: most users set the key in the panel's settings.
    assert (
        error.hint
        == "Check API key in the Code Interpreter's settings: paste a key this server accepts, then ask again."
    )
    assert CANARY_KEY not in error.message + error.hint
    assert events[-1] == Done("error")
    assert len(llm_server.chat_requests) == 1  # a 401 is not retried


async def test_rate_limit_is_retried_then_succeeds(llm_server, settings, kernel, make_agent):
    llm_server.enqueue({"error": {"status": 429, "message": "slow down"}}, answer("Hello!"))
    events = await collect(make_agent(settings, kernel), "Hi")
    assert events[-1] == Done("answered")
    assert len(llm_server.chat_requests) == 2


async def test_rate_limit_that_persists_is_reported(llm_server, settings, kernel, make_agent):
    llm_server.enqueue({"error": {"status": 429, "message": "slow down"}, "repeat": 3})
    events = await collect(make_agent(settings, kernel), "Hi")
    error = of_type(events, Error)[0]
    assert "429" in error.message and "2 retries" in error.message
    assert len(llm_server.chat_requests) == 3  # first try + max_retries
    assert events[-1] == Done("error")


async def test_unreachable_server_is_reported(settings, kernel, make_agent):
    settings.base_url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    settings.max_retries = 0
    events = await collect(make_agent(settings, kernel), "Hi")
    error = of_type(events, Error)[0]
    assert "Could not connect" in error.message
    assert error.hint == "Check that it is running and that Base URL in the Code Interpreter's settings points at it."


async def test_malformed_arguments_are_reported_once_then_stop(llm_server, settings, kernel, make_agent):
    bad = {"tool_calls": [{"name": "run_cell", "arguments_raw": '{"code": "print(1)"'}]}
    llm_server.enqueue(bad, bad, answer("never sent"))
    events = await collect(make_agent(settings, kernel), "Print 1.")

    assert not of_type(events, RunCell)
    assert "not valid JSON" in tool_messages(llm_server.chat_requests[1])[0]
    assert events[-1] == Done("error")
    assert len(llm_server.chat_requests) == 2


async def test_malformed_arguments_can_be_recovered_from(llm_server, settings, kernel, make_agent):
    bad = {"tool_calls": [{"name": "run_cell", "arguments_raw": '{"source": "print(1)"}'}]}
    llm_server.enqueue(bad, run_cell("print(1)"), answer("Printed 1."))
    events = await collect(make_agent(settings, kernel), "Print 1.")
    assert events[-1] == Done("answered")
    assert [d.status for d in of_type(events, CellDone)] == ["ok"]


async def test_a_cell_that_never_ends_is_interrupted(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("import time\nwhile True:\n    time.sleep(0.05)"), answer("It hung, so I stopped."))
    events = await collect(make_agent(settings, kernel, cell_timeout=1.5), "Wait forever.")

    assert of_type(events, CellDone)[0].status == "timeout"
    assert "interrupted after running for 1.5 seconds" in tool_messages(llm_server.chat_requests[1])[0]
    assert events[-1] == Done("answered")
    # and the kernel is usable afterwards
    llm_server.enqueue(run_cell("print('alive')"), answer("ok"))
    events = await collect(make_agent(settings, kernel), "Still there?")
    assert of_type(events, CellDone)[0].status == "ok"


async def test_stopping_interrupts_the_kernel_and_keeps_history_valid(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("import time\nfor _ in range(600):\n    time.sleep(0.05)"))
    agent = make_agent(settings, kernel)
    events = []

    async def consume():
        async for event in agent.run("Sleep."):
            events.append(event)

    task = asyncio.create_task(consume())
    while not of_type(events, RunCell):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    # every tool call has an answer, so the next request is a valid conversation
    messages = agent.conversation.messages
    assert messages[-1]["role"] == "tool" and "stopped" in messages[-1]["content"]
    # the kernel was interrupted, not left busy: a new cell runs at once
    llm_server.enqueue(run_cell("print('after stop')"), answer("ok"))
    events = await asyncio.wait_for(collect(make_agent(settings, kernel), "Again."), 15)
    assert of_type(events, CellDone)[0].status == "ok"


async def test_model_defaults_to_the_first_one_listed(llm_server, settings, kernel, make_agent):
    settings.model = ""
    llm_server.enqueue(answer("hi"))
    await collect(make_agent(settings, kernel), "Hi")
    assert llm_server.chat_requests[0]["model"] == "scripted-model"


async def test_the_key_never_reaches_the_model(llm_server, settings, kernel, monkeypatch, make_agent):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890-secret")
    llm_server.enqueue(
        run_cell(f"print('{CANARY_KEY}')\nimport os\nprint(os.environ.get('MY_SERVICE_TOKEN'))"),
        answer("done"),
    )
    await collect(make_agent(settings, kernel), "Print secrets.")
    sent = json.dumps(tool_messages(llm_server.chat_requests[1]))  # what came back from the cell
    assert CANARY_KEY not in sent and "tok-1234567890-secret" not in sent
    assert "[redacted]" in sent
    assert all(r.get("bearer_token") == CANARY_KEY for r in llm_server.requests)


async def test_the_session_record_keeps_every_attempt_and_round_trips(llm_server, settings, kernel, make_agent):
    from ci_jupyterlab.agent.record import SessionRecord

    llm_server.enqueue(run_cell("print(undefined_total)"), run_cell("total = 5\nprint(total)"), answer("Total is 5."))
    agent = make_agent(settings, kernel)
    await collect(agent, "Print a total.")

    request = agent.record.requests[0]
    assert (request.text, request.notebook_path, request.model) == (
        "Print a total.",
        "analysis.ipynb",
        "scripted-model",
    )
    assert request.answer == "Total is 5." and request.done_reason == "answered"
    assert request.prompt_tokens > 0
    [step] = request.steps
    assert [a.status for a in step.attempts] == ["error", "ok"]
    assert step.final.outputs[0]["text"] == "5\n" and step.final.execution_count is not None
    again = SessionRecord.from_dict(json.loads(json.dumps(agent.record.to_dict())))
    assert again == agent.record


async def test_a_snippet_in_the_answer_of_a_tool_calling_model_is_not_run(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(
        run_cell("ratio = 3 / 4"),
        answer("Done. To reuse it:\n```python\nprint(ratio * 100)\n```"),
    )
    events = await collect(make_agent(settings, kernel), "Compute 3/4.")
    assert [c.code for c in of_type(events, RunCell)] == ["ratio = 3 / 4"]
    assert events[-1] == Done("answered")


async def test_an_executor_prepares_each_cell_before_the_front_end_sees_it(llm_server, settings, make_agent):
    from ci_jupyterlab.agent.executors import ExecutionResult

    order = []

    class Preparing:
        async def prepare(self, cell):
            await asyncio.sleep(0.05)  # a slow preparation (a folder scan in a thread) is waited for
            order.append(("prepare", cell.call_id))

        async def run(self, cell):
            order.append(("run", cell.call_id))
            return ExecutionResult(status="ok", outputs=[], execution_count=1, duration_ms=1.0)

    llm_server.enqueue(run_cell("x = 1"), answer("Done."))
    async for event in make_agent(settings, Preparing()).run("Set x."):
        if isinstance(event, RunCell):
            order.append(("shown", event.call_id))
    assert [what for what, _ in order] == ["prepare", "shown", "run"]
    assert len({call_id for _, call_id in order}) == 1
