"""One ``run_cell`` over MCP against the same cell through the panel's path, on one real Jupyter server.

Everything is real and over the wire: a ``jupyter server`` process with the
extension, the scripted model in a process of its own (answering at once), and
in this process a ``PanelChat`` (what the panel does: the chat websocket, the
notebook's kernel through the server's kernel websocket) and the ``mcp`` SDK's
own client over streamable HTTP. Each round, with the same cell:

- **panel**: a request whose model asks for the cell (``run_cell``) and then
  answers: the user's path, the baseline (two model calls, which the
  scripted model answers at once);
- **MCP, live**: ``run_cell`` over MCP on the notebook the panel has open: the
  server asks the window how it has the notebook, the window runs the cell;
- **MCP, headless**: ``run_cell`` over MCP on a notebook no window has open: the
  server runs it in its own kernel for that notebook and writes the file.

Medians over ``--rounds``, and each MCP path's ratio to the panel's (the issue's
goal: at most 1.3).

Run: ``python benchmarks/mcp_run_cell.py [--rounds 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx2
import nbformat
from concurrency import TOKEN, Bench, post
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from ci_jupyterlab.testing.panel_client import PanelChat

CODE = "import statistics\nvalues = list(range(10_000))\nprint(statistics.mean(values))"


def script(llm_url: str, rounds: int) -> None:
    """Each panel request: the cell, then a one-word answer."""
    post(f"{llm_url}/_reset", {})
    cell = {"tool_calls": [{"name": "run_cell", "arguments": {"code": CODE}}]}
    post(f"{llm_url}/_script", {"responses": [cell, {"text": "Done."}] * rounds})


async def timed(work) -> float:
    started = time.perf_counter()
    await work
    return (time.perf_counter() - started) * 1000


async def measure(bench: Bench, rounds: int) -> dict[str, list[float]]:
    for name in ("live.ipynb", "headless.ipynb"):
        nbformat.write(nbformat.v4.new_notebook(), bench.root / name)
    chat = await PanelChat.open(bench.api, "live.ipynb")
    await chat.announce()
    url = f"{bench.api.base_url}ci-jupyterlab/mcp"
    times: dict[str, list[float]] = {"panel": [], "mcp_live": [], "mcp_headless": []}
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write, client_info=Implementation(name="benchmark", version="1")) as mcp,
    ):
        await mcp.initialize()
        script(bench.llm_url, rounds + 1)
        # One of each first, untimed: kernels started, connections and imports warm.
        await chat.ask("Warm up.")
        await asyncio.gather(mcp.call_tool("run_cell", {"path": "live.ipynb", "code": CODE}), chat.follow())
        await mcp.call_tool("run_cell", {"path": "headless.ipynb", "code": CODE})
        for _ in range(rounds):
            times["panel"].append(await timed(chat.ask("Compute the mean.")))
            live = mcp.call_tool("run_cell", {"path": "live.ipynb", "code": CODE})
            times["mcp_live"].append(await timed(asyncio.gather(live, chat.follow())))
            times["mcp_headless"].append(
                await timed(mcp.call_tool("run_cell", {"path": "headless.ipynb", "code": CODE}))
            )
    await chat.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ci-mcp-bench-"))
    bench = Bench(work, tokens_per_second=1e6, answer_tokens=2)
    bench.start()
    try:
        times = asyncio.run(measure(bench, args.rounds))
    finally:
        bench.stop()
        shutil.rmtree(work, ignore_errors=True)
    panel = statistics.median(times["panel"])
    report = {"rounds": args.rounds, "median_ms": {name: round(statistics.median(v), 1) for name, v in times.items()}}
    report["ratio_to_panel"] = {
        name: round(statistics.median(values) / panel, 2) for name, values in times.items() if name != "panel"
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
