"""Replay the DSEval problem sets through the runner's agent loop.

For every set, in a fresh kernel whose working directory holds a copy of the
set's inputs: context cells (no question) run first, as they come; each
question is sent to the agent loop, and the scripted model answers it with the
reference code, then a short text. The outputs the loop recorded are compared
with the outputs DSEval expects (stdout, the result's text/plain, the error
name). The same cells also run through raw jupyter_client in another fresh
kernel, to measure what a question costs through the loop against a bare
execute round trip.

Needs the "dseval" kernel (benchmarks/setup_dseval_kernel.sh): the expected
outputs were computed with pinned pandas/numpy versions.

Run: python benchmarks/dseval_replay.py [--limit N] [--kernel NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dseval_data import dseval_dir

from ci_jupyterlab.agent import Assistant, CodeInterpreter, ExecutionResult, RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

DSEVAL = dseval_dir()


@dataclass
class Outcome:
    split: str
    deterministic: bool
    has_output: bool
    matched: bool  # the loop's outputs equal DSEval's expected ones
    loop_ms: float
    observed: dict
    raw_ms: float = 0.0
    same_as_raw: bool = False  # ... equal a raw replay's on this machine


def observed(result: ExecutionResult) -> dict:
    """What DSEval records of a cell: stdout, the result's text/plain, the error name."""
    stdout = "".join(o["text"] for o in result.outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    results = [o for o in result.outputs if o["output_type"] == "execute_result"]
    text = results[-1]["data"].get("text/plain") if results else None
    error = result.error_output
    return {"stdout": stdout, "result_text_plain": text, "error": error["ename"] if error else None}


def cell(code: str) -> RunCell:
    return RunCell("replay", code, 0, 1, None, 120.0)


async def replay_through_loop(
    task: dict, kernel: KernelExecutor, server: ScriptedLLM, assistant: Assistant
) -> list[Outcome]:
    agent = assistant.agent(kernel, language="python")
    outcomes = []
    for item in task["cells"]:
        if item["question"] is None:
            await kernel.run(cell(item["code"]))
            continue
        server.enqueue({"tool_calls": [{"name": "run_cell", "arguments": {"code": item["code"]}}]}, {"text": "Done."})
        started = time.perf_counter()
        async for _event in agent.run(item["question"]):
            pass
        elapsed = (time.perf_counter() - started) * 1000
        steps = agent.record.requests[-1].steps
        got = observed(ExecutionResult(steps[-1].final.status, steps[-1].final.outputs)) if steps else {}
        expected = item["expected"]
        outcomes.append(
            Outcome(
                task["split"],
                item["deterministic"],
                bool(expected["stdout"] or expected["result_text_plain"]),
                got == expected,
                elapsed,
                got,
            )
        )
    return outcomes


async def raw_questions(task: dict, kernel: KernelExecutor) -> list[tuple[float, dict]]:
    """Bare execute round trips of the question cells, and what they showed (context cells run too)."""
    runs = []
    for item in task["cells"]:
        started = time.perf_counter()
        result = await kernel.run(cell(item["code"]))
        if item["question"] is not None:
            runs.append(((time.perf_counter() - started) * 1000, observed(result)))
    return runs


async def replay(tasks: list[dict], kernel_name: str) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with ScriptedLLM() as server, tempfile.TemporaryDirectory() as scratch:
        settings = CodeInterpreter(
            base_url=server.base_url, api_key="bench", model="scripted-model", cell_timeout=120.0
        )
        assistant = Assistant.from_settings(settings)
        for number, task in enumerate(tasks, 1):
            workdir = Path(scratch) / f"set-{number}"
            shutil.copytree(DSEVAL / "inputs", workdir / "inputs")
            async with KernelExecutor(kernel_name, cwd=workdir) as kernel:
                task_outcomes = await replay_through_loop(task, kernel, server, assistant)
            async with KernelExecutor(kernel_name, cwd=workdir) as kernel:
                for outcome, (raw_ms, raw_observed) in zip(
                    task_outcomes, await raw_questions(task, kernel), strict=True
                ):
                    outcome.raw_ms = raw_ms
                    outcome.same_as_raw = outcome.observed == raw_observed
            outcomes += task_outcomes
            if number % 25 == 0:
                print(f"  {number}/{len(tasks)} sets", flush=True)
        await assistant.close()
    return outcomes


def report(outcomes: list[Outcome]) -> None:
    print(f"\nDSEval replay through the agent loop: {len(outcomes)} question cells")
    print(f"{'split':<10}{'deterministic':>15}{'matched':>10}{'share':>9}{'with output':>13}{'matched':>9}")
    for split in sorted({o.split for o in outcomes}) + ["all"]:
        chosen = [o for o in outcomes if o.deterministic and split in ("all", o.split)]
        shown = [o for o in chosen if o.has_output]
        matched = sum(o.matched for o in chosen)
        print(
            f"{split:<10}{len(chosen):>15}{matched:>10}{matched / len(chosen):>9.1%}"
            f"{len(shown):>13}{sum(o.matched for o in shown):>9}"
        )
    misses = Counter(o.split for o in outcomes if o.deterministic and not o.matched)
    if misses:
        print(f"mismatches by split: {dict(misses)}")
    same = sum(o.same_as_raw for o in outcomes if o.deterministic)
    deterministic = sum(o.deterministic for o in outcomes)
    print(
        f"same outputs as a raw jupyter_client replay on this machine: {same} of {deterministic} "
        f"({same / deterministic:.1%}); a mismatch with DSEval that the raw replay shares comes "
        "from this machine (e.g. the order of ties in sorting), not from the loop"
    )
    loop = statistics.median(o.loop_ms for o in outcomes)
    raw = statistics.median(o.raw_ms for o in outcomes)
    print("\nPer question cell, medians (ms)")
    print(f"{'raw jupyter_client execute':<34}{raw:>8.2f}")
    print(f"{'through the agent loop':<34}{loop:>8.2f}")
    print(f"{'overhead (2 model calls + loop)':<34}{loop - raw:>8.2f}   ratio {loop / raw:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="replay only the first N sets")
    parser.add_argument("--kernel", default="dseval", help="kernel name (default: dseval)")
    args = parser.parse_args()
    tasks = [json.loads(line) for line in (DSEVAL / "tasks.jsonl").read_text().splitlines() if line.strip()]
    outcomes = asyncio.run(replay(tasks[: args.limit], args.kernel))
    report(outcomes)


if __name__ == "__main__":
    main()
