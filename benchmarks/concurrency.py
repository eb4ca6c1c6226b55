"""One server, many chats: N concurrent chat sessions on one Jupyter server, each with its own notebook and kernel.

Everything is real and over the wire: a ``jupyter server`` process with the
extension, the scripted model in a process of its own streaming at a
realistic pace, and in this process N ``PanelChat`` clients (what the panel
does: the chat websocket, the notebook's kernel through the server's kernel
websocket, run_cell, silent lookups, results back). Each request streams a
short text, asks for one cell, then streams the answer.

Measured:

- token latency: each streamed chunk carries the time the model wrote it
  (``"stamp": true``); latency is its arrival in the client's ``text_delta``
  minus that time (same machine, same clock); p50 / p99 / max over all chunks;
- the server's event-loop stalls: benchmarks/loop_monitor.py, a server
  extension of this benchmark, records how late a 5 ms timer runs, and which
  part of each stall the server process spent running (its own work) rather
  than waiting for a core (the machine's load);
- memory per session: the server's RSS growth, and the kernels' RSS, over N;
- this client's own loop lateness, which is part of the latency measured.

``--blockers`` also measures, on an idle server, the longest stall while the
server does things that read or hash big files: an export whose code names a
100 MB input file, a cell in a folder of 5,000 files, saving and reading a
session whose steps printed 2 MB each.

Each round's requests start at random within ``--stagger`` seconds (1 by
default; 0 starts them all at once, so that every session's chunks arrive in
step: the worst case).

Run: ``python benchmarks/concurrency.py [--sessions 10 25 50] [--rounds 3] [--stagger 1] [--blockers]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ci_jupyterlab.testing.panel_client import PanelChat, ServerAPI

HERE = Path(__file__).resolve().parent
TOKEN = "concurrency-benchmark"
CODE = "import statistics\nvalues = list(range(10_000))\nprint(statistics.mean(values))"
PIECE = "§tok en "  # one streamed chunk: 8 characters, about 2 tokens; § becomes the send time
STAMP = re.compile(r"@(\d+\.\d+)@")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class ClientLoopWatch:
    """This process's own loop lateness (part of what the latency measures)."""

    def __init__(self):
        self.worst = 0.0
        self._task = asyncio.ensure_future(self._watch())

    async def _watch(self):
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - asked - 0.005)

    def stop(self):
        self._task.cancel()


class Bench:
    def __init__(self, work: Path, tokens_per_second: float, answer_tokens: int, stagger: float = 0.0):
        self.work = work
        self.stagger = stagger  # each request starts after a random delay below this (users are not in step)
        self.root = work / "root"
        self.root.mkdir()
        self.chunk_delay = 2 / tokens_per_second  # each chunk is about 2 tokens
        self.pieces = max(1, answer_tokens // 2)
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        llm_port, server_port = free_port(), free_port()
        self.llm_url = f"http://127.0.0.1:{llm_port}"
        logs = open(self.work / "processes.log", "w")  # open as long as the processes
        llm = subprocess.Popen(
            [sys.executable, "-m", "ci_jupyterlab.testing.scripted_llm", "--port", str(llm_port)],
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(llm)
        wait_for(f"{self.llm_url}/v1/models", llm)
        config = self.work / "config.json"
        config.write_text(
            json.dumps(
                {
                    "ServerApp": {
                        "jpserver_extensions": {"ci_jupyterlab": True, "loop_monitor": True},
                        "root_dir": str(self.root),
                        "token": TOKEN,
                        "allow_root": True,
                        "open_browser": False,
                        "log_level": "WARN",
                    },
                    "CodeInterpreter": {
                        "base_url": f"{self.llm_url}/v1",
                        "api_key": "bench-key",
                        "model": "scripted-model",
                        "sessions_dir": str(self.work / "sessions"),
                        "cell_timeout": 60,
                    },
                }
            )
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
            "JUPYTER_CONFIG_DIR": str(self.work / "jupyter-config"),
            "JUPYTER_DATA_DIR": str(self.work / "jupyter-data"),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--config={config}", f"--port={server_port}", "--ip=127.0.0.1"],
            stdout=logs,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.processes.append(server)
        self.server = server
        wait_for(f"http://127.0.0.1:{server_port}/api/status?token={TOKEN}", server)
        self.api = ServerAPI(f"http://127.0.0.1:{server_port}/", TOKEN)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()

    def text(self) -> str:
        return PIECE * self.pieces

    def script(self, sessions: int) -> None:
        """Each of ``sessions`` requests: text and a cell, then text. All first calls come before any second."""
        post(f"{self.llm_url}/_reset", {})
        pace = {"stamp": True, "chunk_delay": self.chunk_delay, "repeat": sessions}
        cell = {"tool_calls": [{"name": "run_cell", "arguments": {"code": CODE}}]}
        post(
            f"{self.llm_url}/_script",
            {"responses": [{"text": self.text(), **cell, **pace}, {"text": self.text(), **pace}]},
        )

    async def loop_stats(self, reset: bool = False) -> dict:
        if reset:
            await self.api.request("POST", "loop-monitor")
            return {}
        return await self.api.request("GET", "loop-monitor")

    async def run(self, sessions: int, rounds: int) -> dict:
        base_rss = rss_mb(self.server.pid)
        folder = f"n{sessions}"
        await self.api.request("PUT", f"api/contents/{folder}", {"type": "directory"})
        chats: list[PanelChat] = []
        for index in range(sessions):  # one folder each, as users' notebooks are
            await self.api.request("PUT", f"api/contents/{folder}/s{index}", {"type": "directory"})
            chats.append(await PanelChat.open(self.api, f"{folder}/s{index}/analysis.ipynb"))
        latencies: list[float] = []
        durations: list[float] = []
        failures = 0

        async def ask(chat: PanelChat, measured: bool) -> None:
            nonlocal failures
            await asyncio.sleep(random.uniform(0, self.stagger))
            started = time.perf_counter()
            messages = await chat.ask("Work on it.")
            if measured:
                durations.append(time.perf_counter() - started)
            if messages[-1].get("reason") != "answered":
                failures += 1

        def collect(chat: PanelChat):
            def on_message(message: dict) -> None:
                if message["type"] == "text_delta":
                    arrived = time.time()
                    latencies.extend(arrived - float(sent) for sent in STAMP.findall(message["text"]))

            chat.on_message = on_message

        # A warm-up round (imports in each kernel, first requests), not measured.
        self.script(sessions)
        await asyncio.gather(*(ask(chat, False) for chat in chats))
        for chat in chats:
            collect(chat)
        watch = ClientLoopWatch()
        await self.loop_stats(reset=True)
        for _ in range(rounds):
            self.script(sessions)
            await asyncio.gather(*(ask(chat, True) for chat in chats))
        loop = await self.loop_stats()
        watch.stop()
        server_rss = rss_mb(self.server.pid)
        kernels = [pid for pid in children(self.server.pid)]
        kernel_rss = [rss_mb(pid) for pid in kernels]
        for chat in chats:
            await chat.close()
        for session in await self.api.request("GET", "api/sessions"):
            await self.api.request("DELETE", f"api/sessions/{session['id']}")
        return {
            "sessions": sessions,
            "requests": len(durations),
            "failed": failures,
            "chunks": len(latencies),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "max_ms": max(latencies) * 1000,
            "request_s": statistics.median(durations),
            "loop_max_ms": loop["max_ms"],
            "loop_p99_ms": loop["p99_ms"],
            "loop_over_20ms": loop["over_20ms"],
            "busy_max_ms": loop["busy_max_ms"],
            "busy_over_20ms": loop["busy_over_20ms"],
            "gc_max_ms": loop["gc_max_ms"],
            "client_loop_max_ms": watch.worst * 1000,
            "server_mb_per_session": (server_rss - base_rss) / sessions,
            "kernel_mb": statistics.median(kernel_rss) if kernel_rss else None,
        }

    async def blockers(self) -> list[tuple[str, str]]:
        """The longest stall while the server does each heavy thing alone."""
        results = []
        folder = self.root / "heavy"
        folder.mkdir()
        big = folder / "big.csv"
        with open(big, "wb") as out:
            row = b"2024-01-01,north,12.5,some text to make the row longer\n"
            out.write(row * (100 * 1024 * 1024 // len(row)))
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "source": "size = len(open('big.csv', 'rb').read(10))\nprint(size)",
                    "metadata": {},
                    "execution_count": 1,
                    "outputs": [{"output_type": "stream", "name": "stdout", "text": "10\n"}],
                }
            ],
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (folder / "report.ipynb").write_text(json.dumps(notebook))
        await self.loop_stats(reset=True)
        await self.api.request("POST", "ci-jupyterlab/export", {"path": "heavy/report.ipynb", "verify": False})
        results.append(("export of a notebook naming a 100 MB input file (no verification)", await self._worst()))

        many = self.root / "many"
        many.mkdir()
        for index in range(5000):
            (many / f"part-{index:04d}.txt").write_text("x")
        chat = await PanelChat.open(self.api, "many/analysis.ipynb")
        post(f"{self.llm_url}/_reset", {})
        post(
            f"{self.llm_url}/_script",
            {"responses": [{"tool_calls": [{"name": "run_cell", "arguments": {"code": "x = 1"}}]}, {"text": "ok"}]},
        )
        await chat.ask("warm up")
        post(
            f"{self.llm_url}/_script",
            {"responses": [{"tool_calls": [{"name": "run_cell", "arguments": {"code": "x = 2"}}]}, {"text": "ok"}]},
        )
        await self.loop_stats(reset=True)
        await chat.ask("A cell next to 5,000 files.")
        results.append(("a chat request whose cell runs in a folder of 5,000 files", await self._worst()))
        await chat.close()

        await self.api.request("PUT", "api/contents/big-outputs", {"type": "directory"})
        chat = await PanelChat.open(self.api, "big-outputs/analysis.ipynb")
        printer = "print('y' * 1_900_000)"
        post(f"{self.llm_url}/_reset", {})
        steps = [{"tool_calls": [{"name": "run_cell", "arguments": {"code": printer}}]}] * 8
        post(f"{self.llm_url}/_script", {"responses": [*steps, {"text": "ok"}]})
        await self.loop_stats(reset=True)
        await chat.ask("Print a lot, eight times.")
        await asyncio.sleep(1)  # the last save, off the loop
        results.append(("a request of 8 steps printing 1.9 MB each (saved after each step)", await self._worst()))
        await self.loop_stats(reset=True)
        await self.api.request("GET", f"ci-jupyterlab/sessions/{chat.session}")
        results.append(("reading that session back (GET sessions/ID, 15 MB)", await self._worst()))
        await chat.close()
        return results

    async def _worst(self) -> str:
        await asyncio.sleep(0.05)
        stats = await self.loop_stats()
        return f"{stats['max_ms']:.1f} | {stats['busy_max_ms']:.1f}"


def table(results: list[dict]) -> str:
    columns = [
        ("sessions", "sessions", "{}"),
        ("requests", "requests", "{}"),
        ("failed", "not answered", "{}"),
        ("chunks", "chunks", "{}"),
        ("p50_ms", "token p50 ms", "{:.1f}"),
        ("p99_ms", "token p99 ms", "{:.1f}"),
        ("max_ms", "token max ms", "{:.1f}"),
        ("loop_max_ms", "server loop stall max ms", "{:.1f}"),
        ("loop_p99_ms", "loop lateness p99 ms", "{:.1f}"),
        ("loop_over_20ms", "stalls > 20 ms", "{}"),
        ("busy_max_ms", "of it the server's own, max ms", "{:.1f}"),
        ("busy_over_20ms", "own stalls > 20 ms", "{}"),
        ("gc_max_ms", "longest full GC ms", "{:.1f}"),
        ("client_loop_max_ms", "client loop max ms", "{:.1f}"),
        ("request_s", "request s (median)", "{:.2f}"),
        ("server_mb_per_session", "server MB / session", "{:.1f}"),
        ("kernel_mb", "kernel MB (median)", "{:.0f}"),
    ]
    lines = ["| " + " | ".join(title for _, title, _ in columns) + " |", "|" + "---:|" * len(columns)]
    for r in results:
        lines.append("| " + " | ".join(form.format(r[key]) for key, _, form in columns) + " |")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="ci-concurrency-"))
    random.seed(12)
    bench = Bench(work, args.tokens_per_second, args.answer_tokens, args.stagger)
    try:
        bench.start()
        results = []
        for sessions in args.sessions:
            result = await bench.run(sessions, args.rounds)
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
        print(
            f"{args.rounds} measured rounds of one request per session; "
            f"{args.tokens_per_second:g} tokens/s, {bench.pieces} chunks of 8 characters per answer; "
            f"requests started within {args.stagger:g} s of each other\n"
        )
        print(table(results))
        if args.blockers:
            print("\n| on an idle server | longest loop stall ms | of it the server's own ms |\n|---|---:|---:|")
            for name, worst in await bench.blockers():
                print(f"| {name} | {worst} |")
    finally:
        bench.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--rounds", type=int, default=3, help="measured requests per session (after one warm-up)")
    parser.add_argument("--tokens-per-second", type=float, default=30)
    parser.add_argument("--answer-tokens", type=int, default=60, help="tokens in each streamed text")
    parser.add_argument(
        "--stagger",
        type=float,
        default=1.0,
        help="seconds over which each round's requests start, at random (0: all at once, in step)",
    )
    parser.add_argument("--blockers", action="store_true", help="also time the heavy operations on an idle server")
    asyncio.run(main(parser.parse_args()))
