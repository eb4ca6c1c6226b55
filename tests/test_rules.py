"""The project's rules (AGENTS.md, .ci-jupyterlab/rules.md) reach the model, and front ends say which."""

from __future__ import annotations

import pytest
from conftest import answer, collect, of_type, run_cell

from ci_jupyterlab.agent.events import RulesUsed
from ci_jupyterlab.agent.rules import CUT_MARKER, find_rules
from ci_jupyterlab.agent.tokens import count_tokens


@pytest.fixture
def project(tmp_path):
    """root/AGENTS.md, root/team/.ci-jupyterlab/rules.md, root/team/nb/AGENTS.md; and one above the root."""
    (tmp_path / "AGENTS.md").write_text("Outside the root: never read.")
    root = tmp_path / "root"
    (root / "team" / ".ci-jupyterlab").mkdir(parents=True)
    (root / "team" / "nb").mkdir()
    (root / "AGENTS.md").write_text("Plots: use seaborn's colorblind palette.")
    (root / "team" / ".ci-jupyterlab" / "rules.md").write_text("Amounts are in euro cents: divide by 100.")
    (root / "team" / "nb" / "AGENTS.md").write_text("Never drop rows with missing region.")
    return root


def test_rules_are_read_from_the_folder_up_to_the_root_outermost_first(project):
    rules = find_rules(project / "team" / "nb", project)
    assert rules.shown == ["AGENTS.md", "team/.ci-jupyterlab/rules.md", "team/nb/AGENTS.md"]
    text = rules.prompt_text()
    assert text.index("colorblind") < text.index("euro cents") < text.index("missing region")
    assert "never read" not in text


def test_the_nearest_rules_get_the_budget_first(project):
    (project / "AGENTS.md").write_text("general advice " * 400)
    rules = find_rules(project / "team" / "nb", project, budget=150)
    assert "missing region" in rules.prompt_text() and "euro cents" in rules.prompt_text()
    outer = rules.files[0]
    assert outer.shown == "AGENTS.md" and outer.cut and outer.text.endswith(CUT_MARKER)
    assert sum(count_tokens(file.text) for file in rules.files) <= 150


def test_no_rules_no_budget(project):
    assert not find_rules(project / "team" / "nb", project, budget=0)
    assert not find_rules(project.parent / "nowhere", project)


@pytest.mark.asyncio
async def test_the_rules_reach_the_model_in_its_system_message_redacted(
    project, llm_server, settings, kernel, make_agent
):
    (project / "team" / "nb" / "AGENTS.md").write_text("Use the token sk-proj-0123456789abcdefghijklmnopq for the API.")
    llm_server.enqueue(run_cell("print(1)"), answer("Done."))
    rules = find_rules(project / "team" / "nb", project)
    events = [event async for event in make_agent(settings, kernel).run("Go", rules=rules)]
    assert of_type(events, RulesUsed) == [RulesUsed(["AGENTS.md", "team/.ci-jupyterlab/rules.md", "team/nb/AGENTS.md"])]
    for request in llm_server.chat_requests:  # every model call of the request has them
        system = request["messages"][0]
        assert system["role"] == "system" and "euro cents" in system["content"]
        assert "sk-proj-0123456789" not in system["content"] and "[redacted]" in system["content"]


async def test_the_panel_is_told_which_rules_files_were_read_and_the_data_is_profiled(
    open_chat, llm_server, jp_root_dir
):
    (jp_root_dir / "AGENTS.md").write_text("Answer in one sentence.")
    (jp_root_dir / "work" / ".ci-jupyterlab").mkdir(parents=True)
    (jp_root_dir / "work" / ".ci-jupyterlab" / "rules.md").write_text("Prices are in cents.")
    (jp_root_dir / "work" / "prices.csv").write_text("item,cents\npen,120\n")
    async with open_chat() as chat:
        llm_server.enqueue(answer("One sentence."))
        messages = await chat.ask("Hello")  # the notebook is work/a.ipynb
    assert [m["files"] for m in messages if m["type"] == "rules"] == [["AGENTS.md", "work/.ci-jupyterlab/rules.md"]]
    first = llm_server.chat_requests[0]["messages"]
    assert "Prices are in cents." in first[0]["content"]
    # profiled in the server's worker process
    assert "- prices.csv (CSV, " in first[1]["content"] and "cents: int, e.g. 120" in first[1]["content"]


def test_the_cli_reads_the_rules_and_profiles_the_data_of_its_working_directory(project, llm_server, run_ci):
    workdir = project / "team" / "nb"
    (workdir / "sales.csv").write_text("region,revenue\nNorth,10\n")
    llm_server.enqueue(answer("Noted."))
    done = run_ci("run", "Say hi", "--workdir", str(workdir), "--output", str(workdir / "out.ipynb"))
    assert done.returncode == 0, done.stderr
    assert "Rules: " in done.stderr and "team/nb/AGENTS.md" in done.stderr
    system = llm_server.chat_requests[0]["messages"][0]["content"]
    # up to the filesystem's root: the CLI has no server root
    assert "missing region" in system and "colorblind" in system and "Outside the root" in system
    told = llm_server.chat_requests[0]["messages"][1]["content"]
    assert "- sales.csv (CSV, " in told and "1 row, 2 columns)" in told and "revenue: int, e.g. 10" in told


@pytest.mark.asyncio
async def test_collect_still_works_without_rules(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(answer("Hi."))
    events = await collect(make_agent(settings, kernel), "Hi")
    assert not of_type(events, RulesUsed)
    assert "project's rules" not in llm_server.chat_requests[0]["messages"][0]["content"]
