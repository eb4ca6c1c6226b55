"""The ask_user tool: the model pauses for the user's choice, and the same request goes on with it."""

from __future__ import annotations

import pytest
from chat_client import Chat
from conftest import answer, collect, of_type, run_cell
from test_chat_faults import NOTEBOOK, until

from ci_jupyterlab.agent.events import CellDone, Question, RunCell, Status
from ci_jupyterlab.agent.questions import UserAnswer

OPTIONS = ["All 12 months", "Only the last quarter", "Only December"]


def ask_user(question: str = "Which months?", options: list[str] = OPTIONS) -> dict:
    """A script item: the model asks the user to choose."""
    return {"tool_calls": [{"name": "ask_user", "arguments": {"question": question, "options": options}}]}


def tool_results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


@pytest.mark.asyncio
async def test_the_answer_continues_the_same_request(llm_server, settings, kernel, make_agent):
    asked = []

    async def ask(question: Question) -> UserAnswer:
        asked.append(question)
        return UserAnswer(1)

    llm_server.enqueue(
        run_cell("months = list(range(1, 13))"),
        ask_user(),
        run_cell("print(months[-3:])"),
        answer("The last quarter: 10, 11, 12."),
    )
    agent = make_agent(settings, kernel, ask=ask)
    events = await collect(agent, "Sum revenue by month.")

    [question] = asked
    assert (question.question, question.options) == ("Which months?", OPTIONS)
    assert of_type(events, Question) == [question]
    assert any(isinstance(e, Status) and e.message == "Waiting for your answer." for e in events)
    assert [e.status for e in of_type(events, CellDone)] == ["ok", "ok"]
    assert [c.step for c in of_type(events, RunCell)] == [1, 2]  # one request, its steps go on
    assert len(agent.record.requests) == 1 and agent.record.requests[0].done_reason == "answered"
    assert tool_results(llm_server.chat_requests[2])[-1] == 'The user chose option 2: "Only the last quarter".'
    assert "ask_user" in [tool["function"]["name"] for tool in llm_server.chat_requests[0]["tools"]]


@pytest.mark.asyncio
async def test_the_users_own_words_reach_the_model(llm_server, settings, kernel, make_agent):
    async def ask(question):
        return UserAnswer(None, "Only weekends, please")

    llm_server.enqueue(ask_user(), answer("ok"))
    await collect(make_agent(settings, kernel, ask=ask), "Plot it.")
    assert (
        tool_results(llm_server.chat_requests[1])[-1] == "The user answered in their own words: Only weekends, please"
    )


@pytest.mark.asyncio
async def test_without_anyone_to_ask_the_first_option_is_taken_and_the_model_says_so(
    llm_server, settings, kernel, make_agent
):
    llm_server.enqueue(ask_user(), answer("Went with all months."))
    await collect(make_agent(settings, kernel), "Plot it.")
    told = tool_results(llm_server.chat_requests[1])[-1]
    assert told.startswith('The user could not be asked; option 1: "All 12 months" was taken')
    assert "Say so in your answer." in told


@pytest.mark.parametrize(
    "arguments, problem",
    [
        ({"question": "Which?", "options": ["only one"]}, "give 2 to 5 options, not 1"),
        ({"question": "Which?", "options": list("abcdef")}, "give 2 to 5 options, not 6"),
        ({"question": "", "options": ["a", "b"]}, 'the arguments must be an object {"question"'),
        ({"question": "Which?", "options": ["a", 2]}, 'the arguments must be an object {"question"'),
    ],
)
@pytest.mark.asyncio
async def test_a_malformed_question_is_answered_with_what_is_wrong(
    llm_server, settings, kernel, make_agent, arguments, problem
):
    llm_server.enqueue({"tool_calls": [{"name": "ask_user", "arguments": arguments}]}, answer("ok"))
    events = await collect(make_agent(settings, kernel), "Do it.")
    assert not of_type(events, Question)
    assert problem in tool_results(llm_server.chat_requests[1])[-1]


async def test_the_panel_answers_by_option_after_a_reload(open_chat, llm_server, jp_ws_fetch):
    async with open_chat() as chat:
        llm_server.enqueue(ask_user(), run_cell("print('chosen')"), answer("Done with December."))
        await chat.send(type="user_message", text="Which months?", notebook=NOTEBOOK)
        question = await until(chat, "question")
        assert (question["question"], question["options"]) == ("Which months?", OPTIONS)
        chat.ws.close()  # the page reloads: the question waits

        reloaded = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), chat.kernel, "s-1", key=chat.key)
        await reloaded.next()  # hello
        await reloaded.send(type="attach")
        assert (await reloaded.next())["busy"] is True
        await reloaded.send(type="answer", request_id=question["request_id"], option=7)
        refused = await until(reloaded, "error")
        assert "there is no option 8; choose 1 to 3" in refused["message"]
        await reloaded.send(type="answer", request_id=question["request_id"], option=2)
        shown = await until(reloaded, "question_answer")
        assert shown == {
            "type": "question_answer",
            "request_id": question["request_id"],
            "option": 2,
            "text": "",
            "session": "s-1",
        }
        cell = await until(reloaded, "run_cell")  # the same request goes on
        result = await reloaded.kernel.run(run_cell_event(cell))
        await reloaded.send(
            type="execution_result", call_id=cell["call_id"], status=result.status, outputs=result.outputs
        )
        done = await until(reloaded, "done")
        assert done["reason"] == "answered"
        assert tool_results(llm_server.chat_requests[1])[-1] == 'The user chose option 3: "Only December".'
        await reloaded.send(type="answer", request_id=question["request_id"], option=0)
        late = await until(reloaded, "error")
        assert "already answered" in late["message"]
        reloaded.ws.close()


async def test_an_empty_answer_is_refused(open_chat, llm_server):
    async with open_chat() as chat:
        llm_server.enqueue(ask_user(), answer("ok"))
        await chat.send(type="user_message", text="Which?", notebook=NOTEBOOK)
        question = await until(chat, "question")
        await chat.send(type="answer", request_id=question["request_id"], text="   ")
        assert (await until(chat, "error"))["message"] == "The answer is empty."
        await chat.send(type="answer", request_id=question["request_id"], text="Weekdays only")
        assert (await until(chat, "question_answer"))["text"] == "Weekdays only"
        assert (await until(chat, "done"))["reason"] == "answered"


def run_cell_event(message: dict) -> RunCell:
    return RunCell(**{k: message[k] for k in ("call_id", "code", "step", "attempt", "replaces", "timeout")})


def test_cli_answers_with_the_first_option_or_the_one_chosen(run_ci, llm_server):
    runs = (
        ((), 'option 1, "All 12 months" (the first, by default'),
        (("--choose", "3"), 'option 3, "Only December" (--choose 3)'),
    )
    for flags, chosen in runs:
        llm_server.enqueue(ask_user(), answer("Done."))
        done = run_ci("run", "Which months?", "--output", f"out{len(flags)}.ipynb", *flags)
        assert done.returncode == 0, done.stderr
        assert (
            "asked: Which months?\n    1. All 12 months\n    2. Only the last quarter\n    3. Only December"
            in done.stderr
        )
        assert f"answered with {chosen}" in done.stderr
    told = [tool_results(request)[-1] for request in llm_server.chat_requests if tool_results(request)]
    assert 'option 3: "Only December" was taken (--choose 3)' in told[-1]
