"""The final answer checked against the outputs: numbers no output shows are sent back once, then marked."""

from __future__ import annotations

import pytest
from conftest import answer, collect, of_type, run_cell

from ci_jupyterlab.agent.answer_check import Shown, claims_in, numbers_in, unsupported
from ci_jupyterlab.agent.events import AnswerCheck, Done, TextDelta


def test_numbers_are_read_with_separators_units_and_scale_words():
    values = {
        n.text: (n.value, n.unit, n.percent) for n in numbers_in("$1,234,567.89, 45.2%, 3.1 million, 12k, 1.5e+03")
    }
    assert values == {
        "$1,234,567.89": (1234567.89, 0.01, False),
        "45.2%": (45.2, 0.1, True),
        "3.1 million": (3.1e6, 1e5, False),
        "12k": (12000.0, 1000.0, False),
        "1.5e+03": (1500.0, 100.0, False),
    }


def test_what_is_not_a_claim_about_the_data():
    text = (
        "1. The top 5 rows, see cell #3, step 2 and `df.head(20)`.\n"
        "2. Run on 2024-01-05 at 12:30 with pandas 2.3.3; float64 columns.\n"
        "The total is 4,622."
    )
    assert [claim.text for claim in claims_in(text)] == ["4,622"]


@pytest.mark.parametrize(
    "stated,shown",
    [
        ("4,622", "4622"),
        ("3.14", "3.14159"),
        ("$1.2M", "1234567.0"),
        ("45%", "0.4512"),
        ("45.1%", "45.12"),
        ("-3.5", "3.5"),
        ("1.2 billion", "1.2e+09"),
    ],
)
def test_a_number_matches_one_shown_at_its_precision(stated, shown):
    assert unsupported(f"It is {stated}.", Shown([shown])) == []


def test_a_number_shown_nowhere_is_found():
    shown = Shown(["total    4622\nmean     7.46"])
    assert unsupported("There are 4,622 orders, 1,234 of them large; the mean is 7.46 and 8.1.", shown) == [
        "1,234",
        "8.1",
    ]


@pytest.mark.asyncio
async def test_an_invented_number_is_sent_back_once_then_marked(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(
        run_cell("orders = [120, 80, 40]\nprint(sum(orders))"),
        answer("There were **240** orders worth $9,870 in total."),
        answer("There were **240** orders; their value is $9,870 (from the price list)."),
    )
    events = await collect(make_agent(settings, kernel), "How many orders?")

    checks = of_type(events, AnswerCheck)
    assert [(check.stage, check.numbers) for check in checks] == [("sent_back", ["$9,870"]), ("marked", ["$9,870"])]
    sent = llm_server.chat_requests[2]["messages"][-1]
    assert sent["role"] == "user"
    assert sent["content"].startswith("[check] Your answer states $9,870, but no output shows it.")
    assert len(llm_server.chat_requests) == 3  # sent back once, not again
    # the first answer, the check, then the revised answer
    texts = [i for i, event in enumerate(events) if isinstance(event, TextDelta)]
    assert events.index(checks[0]) < texts[-1] < events.index(checks[1])
    assert events[-1] == Done("answered")


@pytest.mark.asyncio
async def test_a_revised_answer_that_sticks_to_the_outputs_is_not_marked(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(
        run_cell("print(sum([120, 80, 40]))"),
        answer("There were 250 orders."),
        answer("There were 240 orders."),
    )
    agent = make_agent(settings, kernel)
    events = await collect(agent, "How many orders?")
    assert [check.stage for check in of_type(events, AnswerCheck)] == ["sent_back"]
    assert agent.record.requests[-1].answer == "There were 240 orders."


@pytest.mark.asyncio
async def test_an_answer_from_the_outputs_is_not_sent_back(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(
        run_cell("import pandas as pd\ns = pd.Series([1200.5, 800.25, 399.0])\ns.describe()"),
        answer("3 values; mean 799.92, max 1,200.5, min 399 (std about 401)."),
    )
    events = await collect(make_agent(settings, kernel), "Describe them.")
    assert not of_type(events, AnswerCheck) and len(llm_server.chat_requests) == 2
