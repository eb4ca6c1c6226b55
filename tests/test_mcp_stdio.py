"""``jupyter ci mcp`` over stdio, through the SDK's own ClientSession, as an MCP client starts it.

On its own (``--standalone``) it starts a kernel per notebook; pointed at a
running Jupyter server it forwards every call there, with the caller's name
and its progress.
"""

from __future__ import annotations

import contextlib
import sys

import nbformat
import pytest
from conftest import CANARY_KEY, answer, run_cell
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_types import Implementation

CLIENT = Implementation(name="stdio-agent", version="2.0")


def write_notebook(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Sales")])
    nbformat.write(nb, path)


@contextlib.asynccontextmanager
async def over_stdio(tmp_path, *args: str, **env: str):
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ci_jupyterlab.cli", "mcp", *args],
        env={"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=tmp_path,
    )
    with open(tmp_path / "stderr.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write, client_info=CLIENT) as session:
                await session.initialize()
                yield session


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


@pytest.mark.asyncio
async def test_standalone_runs_cells_in_a_kernel_of_its_own(tmp_path, llm_server):
    write_notebook(tmp_path / "work" / "a.ipynb")
    model = {
        "OPENAI_BASE_URL": llm_server.base_url,
        "OPENAI_API_KEY": CANARY_KEY,
        "CI_JUPYTERLAB_MODEL": "scripted-model",
    }
    llm_server.enqueue(run_cell("print(answer)"), run_cell("answer = 42\nprint(answer)"), answer("It is 42."))
    heard = []

    async def progress(value, total, message):
        heard.append(message)

    async with over_stdio(tmp_path, "--standalone", "--root", str(tmp_path / "work"), **model) as session:
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert {"run_cell", "edit_cell", "ask", "export_verified"} <= names
        failed = await session.call_tool("run_cell", {"path": "a.ipynb", "code": "import math\nmath.sqroot(4)"})
        assert "AttributeError" in text_of(failed) and "[hint]" in text_of(failed) and "sqrt" in text_of(failed)
        risky = await session.call_tool("run_cell", {"path": "a.ipynb", "code": "!rm -rf /tmp/nothing-here"})
        assert risky.is_error and "shell commands" in text_of(risky)
        asked = await session.call_tool(
            "ask", {"path": "a.ipynb", "request": "What is the answer?"}, progress_callback=progress
        )
        assert asked.structured_content["answer"] == "It is 42."
    assert any("Step" in line for line in heard)
    cells = nbformat.read(tmp_path / "work" / "a.ipynb", as_version=4).cells
    assert [cell.source for cell in cells] == ["# Sales", "import math\nmath.sqroot(4)", "answer = 42\nprint(answer)"]
    assert cells[2].outputs[0]["text"] == "42\n"


async def test_forwarded_to_a_running_server_with_the_callers_name(
    tmp_path, jp_fetch, jp_http_port, jp_base_url, jp_serverapp, jp_root_dir, extension
):
    write_notebook(jp_root_dir / "b.ipynb")
    url = f"http://localhost:{jp_http_port}{jp_base_url}"
    async with over_stdio(tmp_path, "--url", url, "--token", jp_serverapp.identity_provider.token) as session:
        result = await session.call_tool("run_cell", {"path": "b.ipynb", "code": "print(6 * 7)"})
    assert "42" in text_of(result) and result.structured_content["status"] == "ok"
    cells = nbformat.read(jp_root_dir / "b.ipynb", as_version=4).cells
    session_id = cells[1].metadata["ci_jupyterlab"]["session"]
    assert [request.client for request in extension.sessions.find(session_id).record.requests] == ["stdio-agent"]
