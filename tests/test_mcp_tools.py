"""The assistant's MCP tools, against a real MCP server process from npm (the filesystem server, tests/npm).

Each call is a step of its own: shown, approved by the user unless they
always allow that tool, its result redacted and told to the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CANARY_KEY, answer

FILESYSTEM = Path(__file__).parent / "npm" / "node_modules" / ".bin" / "mcp-server-filesystem"

pytestmark = pytest.mark.skipif(not FILESYSTEM.exists(), reason="run `npm ci` in tests/npm (make test-python does)")


@pytest.fixture
def shared(tmp_path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "note.txt").write_text(f"The meeting is at noon. key={CANARY_KEY}\n")
    return folder


@pytest.fixture
def jp_server_config(jp_server_config, shared):
    config = dict(jp_server_config)
    config["CodeInterpreter"] = {
        **config["CodeInterpreter"],
        "mcp_servers": {"files": {"command": str(FILESYSTEM), "args": [str(shared)]}},
    }
    return config


def read_note(shared: Path) -> dict:
    arguments = {"path": str(shared / "note.txt")}
    return {"tool_calls": [{"name": "files__read_text_file", "arguments": arguments}]}


async def test_a_tool_call_waits_for_approval_and_its_result_reaches_the_model_redacted(open_chat, llm_server, shared):
    async with open_chat() as chat:
        chat.approve = True
        llm_server.enqueue(read_note(shared), answer("At noon."))
        messages = await chat.ask("When is the meeting?")

    offered = {tool["function"]["name"] for tool in llm_server.chat_requests[0]["tools"]}
    assert {"run_cell", "files__read_text_file", "files__list_directory"} <= offered
    kinds = [m["type"] for m in messages]
    assert kinds.index("tool_call") < kinds.index("approval_request") < kinds.index("tool_result")
    call = next(m for m in messages if m["type"] == "tool_call")
    assert call["tool"] == "files/read_text_file" and "note.txt" in call["arguments"]
    approval = next(m for m in messages if m["type"] == "approval_request")
    assert approval["kind"] == "tool" and approval["tool"] == "files/read_text_file"
    result = next(m for m in messages if m["type"] == "tool_result")
    assert result["status"] == "ok" and "The meeting is at noon." in result["text"]
    told = llm_server.chat_requests[1]["messages"][-1]
    assert told["role"] == "tool" and "The meeting is at noon." in told["content"]
    assert CANARY_KEY not in json.dumps(llm_server.chat_requests) and CANARY_KEY not in json.dumps(messages)


async def test_declined_nothing_is_called_and_always_allow_stops_the_asking(open_chat, llm_server, shared, extension):
    async with open_chat() as chat:
        llm_server.enqueue(read_note(shared), answer("I could not read it."))
        declined = await chat.ask("Read the note.")
        assert next(m for m in declined if m["type"] == "tool_result")["status"] == "declined"
        assert "did not approve" in llm_server.chat_requests[1]["messages"][-1]["content"]

        chat.approve, chat.always = True, True
        llm_server.enqueue(read_note(shared), answer("Read."), read_note(shared), answer("Read again."))
        await chat.ask("Read the note.")
        assert extension.interpreter.mcp_always_allow == ["files/read_text_file"]
        again = await chat.ask("Read it again.")
    assert not any(m["type"] == "approval_request" for m in again)
    assert next(m for m in again if m["type"] == "tool_result")["status"] == "ok"


def test_users_set_mcp_servers_within_the_allowlist_and_their_secrets_stay_on_the_server(tmp_path):
    from traitlets.config import Config

    from ci_jupyterlab.agent import CodeInterpreter
    from ci_jupyterlab.user_config import SettingsPolicy, settings_view

    config = Config()
    config.CodeInterpreter.allowed_mcp_servers = ["npx -y @modelcontextprotocol/server-filesystem"]
    settings = CodeInterpreter(config=config, user_settings_dir=str(tmp_path))
    policy = SettingsPolicy(settings)
    allowed = {
        "files": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
            "env": {"TOKEN": "s3cret-value"},
        }
    }
    other = {"shell": {"command": "bash", "args": ["-c", "serve"]}}
    refused = policy.update({"mcp_servers": other})
    assert refused is not None and "not allowed" in refused.message and settings.mcp_servers == {}
    assert policy.update({"mcp_servers": {"bad name!": {"command": "x"}}}) is not None
    assert policy.update({"mcp_servers": allowed}) is None

    shown = settings_view(policy)["values"]["mcp_servers"]["value"]
    assert shown["files"]["env"] == {"TOKEN": "********"} and "s3cret-value" not in str(settings_view(policy))
    # Sent back as shown (masked) with another change: the secret is kept.
    shown["files"]["args"][-1] = "/other"
    assert policy.update({"mcp_servers": shown}) is None
    assert settings.mcp_servers["files"] == {
        **allowed["files"],
        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/other"],
    }
