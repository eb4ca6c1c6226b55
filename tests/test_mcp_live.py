"""An outside agent's request about a notebook open in a Lab window runs in that window, live.

The window is played by the chat socket and a real kernel (tests/chat_client.py),
the agent by the SDK's ClientSession over streamable HTTP.
"""

from __future__ import annotations

import asyncio

import nbformat
from chat_client import Chat
from conftest import connected, text_of


def open_in_lab(jp_root_dir) -> dict:
    """The notebook the window has open (the same cells on disk, for the path check)."""
    cell = nbformat.v4.new_code_cell("rows = [1, 2, 3]")
    cell.id = "first"
    notebook = nbformat.v4.new_notebook(cells=[cell])
    (jp_root_dir / "work").mkdir(exist_ok=True)
    nbformat.write(notebook, jp_root_dir / "work" / "a.ipynb")
    return nbformat.from_dict(notebook)


async def test_a_cell_runs_in_the_window_and_shows_whose_request_it_was(
    open_chat, mcp_url, token, jp_root_dir, extension
):
    async with open_chat() as chat:
        chat.notebook = open_in_lab(jp_root_dir)
        await chat.send(type="open_notebooks", notebooks=[{"path": "work/a.ipynb", "session": "s-1"}])
        await chat.run_user_cells()
        async with connected(mcp_url, token) as session:
            listed = await session.call_tool("list_notebooks", {})
            assert listed.structured_content["notebooks"] == [{"path": "work/a.ipynb", "open_in_lab": True}]
            call = asyncio.ensure_future(session.call_tool("run_cell", {"path": "work/a.ipynb", "code": "sum(rows)"}))
            shown = await chat.follow()
            result = await call
    assert result.structured_content["status"] == "ok" and "6" in text_of(result)
    assert shown[0]["type"] == "describe_notebook" and shown[0]["path"] == "work/a.ipynb"
    assert shown[1] == {
        "type": "user_message",
        "text": "Run a cell",
        "attachments": [],
        "client": "pytest-agent",
        "session": "s-1",
    }
    assert [m["type"] for m in shown if m["type"] in ("run_cell", "cell_done", "notebook_changes")] == [
        "run_cell",
        "cell_done",
        "notebook_changes",
    ]
    # The window's notebook got the cell (the panel saves it); the record names the client.
    assert [cell["source"] for cell in chat.notebook["cells"]] == ["rows = [1, 2, 3]", "sum(rows)"]
    assert extension.sessions.find("s-1").record.requests[-1].client == "pytest-agent"


async def test_a_risky_cell_waits_for_the_users_answer_in_the_window(open_chat, mcp_url, token, jp_root_dir):
    async with open_chat() as chat:
        chat.notebook = open_in_lab(jp_root_dir)
        await chat.send(type="open_notebooks", notebooks=[{"path": "work/a.ipynb", "session": "s-1"}])
        chat.approve = True
        async with connected(mcp_url, token) as session:
            code = (
                "import subprocess\nprint(subprocess.run(['echo', 'approved'], capture_output=True, text=True).stdout)"
            )
            call = asyncio.ensure_future(session.call_tool("run_cell", {"path": "work/a.ipynb", "code": code}))
            shown = await chat.follow()
            result = await call
    approvals = [m for m in shown if m["type"] == "approval_request"]
    assert len(approvals) == 1 and approvals[0]["kind"] == "risky"
    assert "approved" in text_of(result) and not result.is_error


async def test_a_window_cannot_name_another_windows_conversation_to_run_in_it(
    open_chat, mcp_url, token, jp_root_dir, jp_ws_fetch, llm_server, extension
):
    """A stranger that says it shows the panel's conversation is not where an outside agent's cell runs:
    it could approve that cell (issue 16.8). Without a window that may act there, the cell is declined."""
    outside = jp_root_dir.parent / "outside.txt"
    outside.write_text("keep me")
    async with open_chat() as chat:
        chat.notebook = open_in_lab(jp_root_dir)
        llm_server.enqueue({"text": "Hello."})
        await chat.ask("Hi")  # s-1 is this window's conversation now (its key)
        # Without s-1's key; it would describe the notebook, approve and run whatever it is sent.
        stranger = Chat(await jp_ws_fetch("ci-jupyterlab", "chat"), chat.kernel, "s-1", notebook=chat.notebook)
        stranger.approve = True
        await stranger.next()  # hello
        await stranger.send(type="open_notebooks", notebooks=[{"path": "work/a.ipynb", "session": "s-1"}])
        while "work/a.ipynb" not in extension.windows.open_paths():
            await asyncio.sleep(0.05)
        following = asyncio.ensure_future(stranger.follow())
        code = f"import os\nos.remove({str(outside)!r})"
        async with connected(mcp_url, token) as session:
            result = await session.call_tool("run_cell", {"path": "work/a.ipynb", "code": code})
        following.cancel()
        stranger.ws.close()
    assert result.is_error and "Not run: the user did not approve" in text_of(result)
    assert outside.read_text() == "keep me"
    assert not [m for m in stranger.received if m["type"] in ("describe_notebook", "approval_request", "run_cell")]
