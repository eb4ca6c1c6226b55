"""The MCP server through a client we did not write and do not run in Python: the MCP Inspector's CLI (npm).

``tests/npm`` pins it (``npm ci`` there; ``make test-python`` does it).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat
import pytest
from conftest import answer, run_cell

INSPECTOR = Path(__file__).parent / "npm" / "node_modules" / ".bin" / "mcp-inspector"

pytestmark = pytest.mark.skipif(not INSPECTOR.exists(), reason="run `npm ci` in tests/npm (make test-python does)")


async def inspector(url: str, *args: str, token: str | None = None) -> tuple[int, str, str]:
    """Run the Inspector's CLI against ``url`` (on this loop's server, so without blocking it)."""
    auth = ["--header", f"Authorization: Bearer {token}"] if token else []
    process = await asyncio.create_subprocess_exec(
        str(INSPECTOR),
        "--cli",
        url,
        "--transport",
        "http",
        *auth,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def notebook(jp_root_dir):
    nbformat.write(nbformat.v4.new_notebook(), jp_root_dir / "inspected.ipynb")
    return "inspected.ipynb"


def call(tool: str, **arguments: str) -> list[str]:
    pairs = [f"{name}={value}" for name, value in arguments.items()]
    return ["--method", "tools/call", "--tool-name", tool, "--tool-arg", *pairs]


async def test_the_inspector_lists_runs_asks_and_exports(mcp_url, token, notebook, llm_server):
    code, out, err = await inspector(mcp_url, "--method", "tools/list", token=token)
    assert code == 0, err
    names = {tool["name"] for tool in json.loads(out)["tools"]}
    assert names == {
        "list_notebooks",
        "notebook_view",
        "kernel_state",
        "run_cell",
        "edit_cell",
        "ask",
        "export_verified",
    }

    code, out, err = await inspector(
        mcp_url, *call("run_cell", path=notebook, code="prices = [3, 4]\nprices.mean()"), token=token
    )
    assert code == 0, err
    result = json.loads(out)
    text = result["content"][0]["text"]
    assert "AttributeError" in text and "[hint]" in text and result["structuredContent"]["status"] == "error"

    llm_server.enqueue(run_cell("print(sum(prices) / len(prices))"), answer("The mean is 3.5."))
    code, out, err = await inspector(mcp_url, *call("ask", path=notebook, request="Mean of the prices?"), token=token)
    assert code == 0, err
    assert json.loads(out)["structuredContent"]["answer"] == "The mean is 3.5."

    code, out, err = await inspector(mcp_url, *call("export_verified", path=notebook), token=token)
    assert code == 0, err
    exported = json.loads(out)["structuredContent"]
    assert exported["path"] == "inspected-export.ipynb" and exported["verification"]["total"] >= 1


async def test_the_inspector_is_refused_without_a_token_and_from_a_foreign_origin(mcp_url, token):
    code, out, err = await inspector(mcp_url, "--method", "tools/list")
    assert code != 0 and "403" in out + err
    code, out, err = await inspector(
        mcp_url, "--method", "tools/list", "--header", "Origin: http://evil.example", token=token
    )
    assert code != 0 and "403" in out + err
