"""The MCP tools, on the official ``mcp`` SDK: what each one takes and does, and what it answers.

Every tool names a notebook by its path under the server's root (as
``list_notebooks`` gives it). Everything answered passes the redaction of
model-bound text: the callers are models too.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ImageContent, TextContent
from pydantic import Field

from ..agent import Agent, CodeInterpreter
from ..agent.images import image_parts
from ..agent.notebook_view import render_view
from ..agent.redaction import Redactor
from ..export import ExportError
from .notebooks import Notebooks, ToolError
from .progress import Progress

SERVER_NAME = "ci-jupyterlab"
INSTRUCTIONS = (
    "A code interpreter in the user's JupyterLab. It runs code as cells in the user's own notebooks and kernels, "
    "reads errors back with hints for the fix, asks the user before risky code runs, and exports notebooks "
    "verified by a re-run in a fresh kernel. Start with list_notebooks, then notebook_view of the notebook to "
    "work in. run_cell adds and runs a cell; edit_cell changes one; ask hands a whole task to the code "
    "interpreter's own assistant. Cells that install packages, run shell commands or change files outside the "
    "notebook's folder wait for the user's approval in JupyterLab, or are declined when nobody can be asked."
)
#: What a call is shown as, in the notebook's history, when the client gives no name.
UNNAMED_CLIENT = "an MCP client"

Path = Annotated[str, Field(description="The notebook's path under the server's root, as list_notebooks gives it.")]
Code = Annotated[str, Field(description="The cell's complete Python source.")]


def client_name(ctx: Context) -> str:
    """The client's name as it introduced itself (clientInfo), to show whose request it was."""
    params = getattr(ctx.session, "client_params", None)
    info = getattr(params, "client_info", None)
    name = (getattr(info, "title", None) or getattr(info, "name", None) or "").strip()
    return name[:80] or UNNAMED_CLIENT


def build_server(notebooks: Notebooks, settings: CodeInterpreter) -> MCPServer:
    """The MCP server of the code interpreter: its tools act on ``notebooks``."""
    server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, version=_version(), log_level="WARNING")

    def redactor() -> Redactor:
        return Redactor(settings.secrets())

    def redacted(text: str) -> str:
        return redactor().text(text)

    def failure(text: str) -> CallToolResult:
        return CallToolResult(content=[TextContent(text=redacted(text))], is_error=True)

    async def progress_of(ctx: Context, work):
        """``work(client, observe)``, awaited while its events go to the caller as progress, with a keepalive."""

        async def report(count: float, line: str) -> None:
            await ctx.report_progress(count, None, redacted(line))

        progress = Progress(report)
        return await progress.follow(work(client_name(ctx), progress.observe))

    @server.tool(
        description="List the notebooks: those open in the user's JupyterLab first (open_in_lab: true; work there "
        "shows live to the user), then the other .ipynb files under the server's root.",
    )
    async def list_notebooks() -> CallToolResult:
        found = await notebooks.listing()
        lines = [f"{entry['path']}{'  (open in JupyterLab)' if entry['open_in_lab'] else ''}" for entry in found]
        text = "\n".join(lines) if lines else "No notebooks under the server's root."
        return CallToolResult(content=[TextContent(text=text)], structured_content={"notebooks": found})

    @server.tool(
        description="The notebook's cells as the user has them (with unsaved changes when it is open in JupyterLab): "
        "each cell with its reference #n, source and compact outputs, errors in full, long cells shortened to fit "
        "a budget. Use the #n references with edit_cell.",
    )
    async def notebook_view(path: Path) -> CallToolResult:
        try:
            view, live = await notebooks.view(path)
        except ToolError as exc:
            return failure(str(exc))
        where = "open in JupyterLab" if live else "read from its file (not open in JupyterLab)"
        text = f"{path} ({where}):\n\n{render_view(view, settings.notebook_view_budget)}"
        return CallToolResult(content=[TextContent(text=redacted(text))])

    @server.tool(
        description="The variables living in the notebook's kernel: names, types, and for data frames their shape, "
        "columns and dtypes. Nothing runs in the notebook.",
    )
    async def kernel_state(path: Path) -> CallToolResult:
        try:
            state = await notebooks.kernel_state(path)
        except ToolError as exc:
            return failure(str(exc))
        if state is None:
            text = "No kernel runs for this notebook yet; run_cell starts one."
        else:
            text = state or "The kernel has no variables of the user's yet."
        return CallToolResult(content=[TextContent(text=redacted(text))])

    async def run(ctx: Context, path: str, code: str, cell: str | None, request: str) -> CallToolResult:
        if not code.strip():
            return failure("The code is empty.")

        def work(client, observe):
            return notebooks.run_code(path, code, client=client, request=request, cell=cell, observe=observe)

        try:
            agent = await progress_of(ctx, work)
        except ToolError as exc:
            return failure(str(exc))
        return _code_result(agent)

    @server.tool(
        description="Add a code cell to the notebook (after the cells added before) and run it in the notebook's "
        "live kernel; variables persist between cells. Returns the outputs as the code interpreter's own model "
        "reads them: bounded, errors with the user's frames and a hint for the fix (the real column names on a "
        "KeyError, similar names on a NameError, files present on a FileNotFoundError...), images as images. "
        "Code that installs packages, runs shell commands or changes files outside the notebook's folder waits "
        "for the user's approval in JupyterLab; without anyone to ask it is not run, and the reason comes back.",
    )
    async def run_cell(path: Path, code: Code, ctx: Context) -> CallToolResult:
        return await run(ctx, path, code, None, "Run a cell")

    @server.tool(
        description="Replace the whole source of an existing cell, named by its reference from notebook_view "
        "(#3) or its id, and run it there. Returns what run_cell returns; the user can review and undo the "
        "change in JupyterLab.",
    )
    async def edit_cell(
        path: Path,
        cell: Annotated[str, Field(description="The cell's reference from notebook_view, e.g. #3, or its id.")],
        code: Code,
        ctx: Context,
    ) -> CallToolResult:
        return await run(ctx, path, code, cell, f"Edit cell {cell}")

    @server.tool(
        description="Hand a task in plain words to the code interpreter's own assistant, which works in the "
        "notebook: writes cells, runs them, reads errors and fixes its own mistakes, and answers. Reports "
        "progress for each step. Returns the answer, and each step's cell and how it ended.",
    )
    async def ask(
        path: Path,
        request: Annotated[str, Field(description="What to do or find out, in plain words.")],
        ctx: Context,
    ) -> CallToolResult:
        if not request.strip():
            return failure("The request is empty.")

        def work(client, observe):
            return notebooks.ask(path, request.strip(), client=client, observe=observe)

        try:
            agent = await progress_of(ctx, work)
        except ToolError as exc:
            return failure(str(exc))
        return _ask_result(agent, redactor())

    @server.tool(
        description="Export the notebook as a clean, reproducible notebook next to it (<name>-export.ipynb): the "
        "work without failed attempts, re-run from the top in a fresh kernel. Returns the export's path and, for "
        "each code cell, whether it reproduced (and if not, why).",
    )
    async def export_verified(path: Path, ctx: Context) -> CallToolResult:
        try:
            result = await progress_of(ctx, lambda _client, _observe: notebooks.export(path))
        except ToolError as exc:
            return failure(str(exc))
        except ExportError as exc:
            return failure(f"{exc.message} {exc.hint}".strip())
        verification = result["verification"] or {}
        lines = [f"Exported to {result['path']}.", verification.get("summary", "Not verified.")]
        for check in verification.get("cells", []):
            cause = f": {check['cause']}" if check.get("cause") else ""
            lines.append(f"cell [{check['execution_count']}]: {check['status']}{cause}")
        return CallToolResult(content=[TextContent(text=redacted("\n".join(lines)))], structured_content=result)

    return server


def _code_result(agent: Agent) -> CallToolResult:
    """What a run_cell or edit_cell call answers: the feedback (redacted by the agent), the images, where it ran."""
    outcome = agent.code_run
    result = outcome.result
    if result is None:  # declined, or a cell that is not there
        return CallToolResult(content=[TextContent(text=outcome.feedback)], is_error=True)
    images = []
    for part in image_parts(result.outputs):
        header, data = part["image_url"]["url"].split(",", 1)
        images.append(ImageContent(data=data, mime_type=header.removeprefix("data:").removesuffix(";base64")))
    structured = {"status": result.status, "cell_id": result.cell_id, "execution_count": result.execution_count}
    return CallToolResult(content=[TextContent(text=outcome.feedback), *images], structured_content=structured)


def _ask_result(agent: Agent, redactor: Redactor) -> CallToolResult:
    """What ``ask`` answers: the answer, then each step's cell and how its last attempt ended."""
    request = agent.current
    steps = []
    for step in request.steps:
        final = step.final
        error = final.error_output
        change = next((c for c in request.changes if c["call_id"] == final.call_id), None)
        steps.append(
            {
                "step": step.number,
                "cell_id": change["cell_id"] if change else None,
                "status": final.status,
                "error": f"{error.get('ename')}: {error.get('evalue')}" if error else None,
                "code": final.code,
            }
        )
    lines = [request.answer or f"No answer: the request ended {request.done_reason}."]
    for step in steps:
        ending = f"{step['status']}" + (f" ({step['error']})" if step["error"] else "")
        lines.append(f"\nStep {step['step']} (cell {step['cell_id'] or '?'}), {ending}:\n{step['code']}")
    structured = {"answer": request.answer, "done_reason": request.done_reason, "steps": steps}
    return CallToolResult(
        content=[TextContent(text=redactor.text("\n".join(lines)))],
        structured_content=redactor.data(structured),
        is_error=request.done_reason not in ("answered",),
    )


def _version() -> str:
    from .._version import __version__

    return __version__
