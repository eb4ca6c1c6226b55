"""The MCP server inside a real Jupyter server, through a client we did not write: the SDK's ClientSession.

Headless here (no Lab window has the notebooks open): the code runs in the
kernel the Jupyter server keeps for the notebook, the cells go into its file.
"""

from __future__ import annotations

import json

import httpx2
import nbformat
import pytest
from conftest import CANARY_KEY, answer, connected, run_cell, text_of


@pytest.fixture
def notebook(jp_root_dir):
    """A notebook with one cell the user ran, under the server's root."""
    folder = jp_root_dir / "work"
    folder.mkdir()
    cell = nbformat.v4.new_code_cell("sales = {'north': 10, 'south': 32}")
    cell.id = "user-cell"
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "sales.ipynb")
    return "work/sales.ipynb"


async def test_tools_are_listed_with_schemas(mcp_url, token):
    async with connected(mcp_url, token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == {
        "list_notebooks",
        "notebook_view",
        "kernel_state",
        "run_cell",
        "edit_cell",
        "ask",
        "export_verified",
    }
    assert tools["run_cell"].input_schema["required"] == ["path", "code"]
    assert "approval" in tools["run_cell"].description
    assert tools["edit_cell"].input_schema["properties"]["cell"]["description"].startswith("The cell's reference")


async def test_run_cell_with_an_error_returns_the_hint_and_lands_in_the_notebook(
    mcp_url, token, notebook, jp_root_dir, extension
):
    async with connected(mcp_url, token) as session:
        listed = await session.call_tool("list_notebooks", {})
        assert listed.structured_content == {"notebooks": [{"path": notebook, "open_in_lab": False}]}

        made = await session.call_tool(
            "run_cell",
            {"path": notebook, "code": "import pandas as pd\ndf = pd.DataFrame({'north': [10], 'south': [32]})"},
        )
        assert made.structured_content["status"] == "ok" and not made.is_error
        failed = await session.call_tool("run_cell", {"path": notebook, "code": "df['west'].sum()"})
        assert failed.structured_content["status"] == "error"
        feedback = text_of(failed)
        assert "KeyError: 'west'" in feedback and "[hint]" in feedback and "'north'" in feedback

        state = await session.call_tool("kernel_state", {"path": notebook})
        assert "df" in text_of(state) and "north" in text_of(state)

        fixed = await session.call_tool(
            "edit_cell", {"path": notebook, "cell": failed.structured_content["cell_id"], "code": "df['north'].sum()"}
        )
        assert fixed.structured_content["status"] == "ok" and "10" in text_of(fixed)

        view = await session.call_tool("notebook_view", {"path": notebook})
        assert "df['north'].sum()" in text_of(view) and "#3" in text_of(view)

    saved = nbformat.read(jp_root_dir / notebook, as_version=4)
    sources = [cell.source for cell in saved.cells]
    assert sources[0] == "sales = {'north': 10, 'south': 32}" and sources[2] == "df['north'].sum()"
    assert "10" in saved.cells[2].outputs[0]["data"]["text/plain"]
    record = extension.sessions.find(saved.cells[2].metadata["ci_jupyterlab"]["session"]).record
    assert [request.client for request in record.requests] == ["pytest-agent"] * 3
    assert [request.text for request in record.requests][-1].startswith("Edit cell ")
    assert record.requests[2].changes[0]["kind"] == "edited"
    assert record.requests[2].changes[0]["before"] == "df['west'].sum()"


async def test_ask_reports_progress_and_answers_with_its_steps(mcp_url, token, notebook, llm_server):
    llm_server.enqueue(
        run_cell("total = sum([10, 32])\nprint(totl)"),
        run_cell("total = sum([10, 32])\nprint(total)"),
        answer("The total is **42**."),
    )
    heard: list[str] = []

    async def progress(value, total, message):
        heard.append(message)

    async with connected(mcp_url, token) as session:
        result = await session.call_tool(
            "ask", {"path": notebook, "request": "Add up the sales"}, progress_callback=progress
        )
    assert not result.is_error
    assert result.structured_content["answer"] == "The total is **42**."
    steps = result.structured_content["steps"]
    assert [(step["step"], step["status"]) for step in steps] == [(1, "ok")]
    assert "print(total)" in steps[0]["code"] and steps[0]["cell_id"]
    assert any(line.startswith("Step 1: running") for line in heard)
    assert any(line.startswith("Step 1 (attempt 2)") for line in heard)
    assert any("NameError" in line for line in heard)
    # The model got the request and the notebook view, with the hint on its first error, never the key.
    assert "Add up the sales" in llm_server.chat_requests[0]["messages"][-1]["content"]
    assert "[hint]" in llm_server.chat_requests[1]["messages"][-1]["content"]
    assert CANARY_KEY not in json.dumps(llm_server.chat_requests)


async def test_a_risky_cell_is_declined_with_the_reason_when_no_window_can_ask(mcp_url, token, notebook, jp_root_dir):
    outside = jp_root_dir.parent / "outside.txt"
    code = f"import os\nos.remove({str(outside)!r})"
    outside.write_text("keep me")
    async with connected(mcp_url, token) as session:
        result = await session.call_tool("run_cell", {"path": notebook, "code": code})
    assert result.is_error
    assert "Not run: the user did not approve" in text_of(result) and "outside the notebook's folder" in text_of(result)
    assert outside.read_text() == "keep me"


async def test_export_verified_reports_each_cell(mcp_url, token, notebook, jp_root_dir):
    async with connected(mcp_url, token) as session:
        await session.call_tool("run_cell", {"path": notebook, "code": "x = 6 * 7\nprint(x)"})
        result = await session.call_tool("export_verified", {"path": notebook})
    assert not result.is_error, text_of(result)
    assert result.structured_content["path"] == "work/sales-export.ipynb"
    assert (jp_root_dir / "work" / "sales-export.ipynb").is_file()
    cells = result.structured_content["verification"]["cells"]
    assert cells and all(cell["status"] in ("reproduced", "ran") for cell in cells)
    assert "reproduced in a fresh kernel" in text_of(result)


async def test_refused_without_a_token_and_from_a_foreign_origin(mcp_url, token):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream"}
    async with httpx2.AsyncClient(timeout=20) as http:
        anonymous = await http.post(mcp_url, json=body, headers=accept)
        foreign = await http.post(
            mcp_url, json=body, headers={**accept, "Authorization": f"Bearer {token}", "Origin": "http://evil.example"}
        )
        rebound = await http.post(
            mcp_url, json=body, headers={**accept, "Authorization": f"Bearer {token}", "Host": "evil.example"}
        )
    assert anonymous.status_code == 403
    assert foreign.status_code == 403 and "origin" in foreign.text
    assert rebound.status_code == 403
    # The server's own origin (JupyterLab's pages) is let through.
    async with connected(mcp_url, token, Origin=mcp_url.split("/a%40b")[0]) as session:
        assert len((await session.list_tools()).tools) == 7
