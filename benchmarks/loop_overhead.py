"""What the agent loop costs on top of the model and the kernel, per round.

One round = one streamed model request + one cell execution + the loop's own
work (parsing the answer, building feedback, bookkeeping). Measured in one
process against the scripted model server (answers at once) and one ipykernel:

- raw execute: jupyter_client execute round trip of the same code, to idle;
- raw request: one streamed chat completion with the openai client;
- loop round: time between consecutive run_cell events of a long request.

The loop's overhead is round - (execute + request). Medians of ROUNDS rounds.
Run: python benchmarks/loop_overhead.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import openai

from ci_jupyterlab.agent import Assistant, CodeInterpreter, RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

CODE = "print(sum(range(100)))"
WARMUP = 5


async def raw_execute_ms(kernel: KernelExecutor, rounds: int) -> list[float]:
    client, timings = kernel.client, []
    for _ in range(rounds + WARMUP):
        started = time.perf_counter()
        msg_id = client.execute(CODE)
        while True:
            message = await client.get_iopub_msg(timeout=10)
            if (
                message["parent_header"].get("msg_id") == msg_id
                and message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"
            ):
                break
        await client.get_shell_msg(timeout=10)
        timings.append((time.perf_counter() - started) * 1000)
    return timings[WARMUP:]


async def raw_request_ms(server: ScriptedLLM, rounds: int) -> list[float]:
    item = {"tool_calls": [{"name": "run_cell", "arguments": {"code": CODE}}]}
    server.enqueue({**item, "repeat": rounds + WARMUP})
    timings = []
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="bench") as client:
        for _ in range(rounds + WARMUP):
            started = time.perf_counter()
            stream = await client.chat.completions.create(
                model="scripted-model", messages=[{"role": "user", "content": "go"}], stream=True
            )
            async for _chunk in stream:
                pass
            timings.append((time.perf_counter() - started) * 1000)
    return timings[WARMUP:]


async def loop_round_ms(server: ScriptedLLM, kernel: KernelExecutor, rounds: int) -> list[float]:
    server.enqueue({"tool_calls": [{"name": "run_cell", "arguments": {"code": CODE}}], "repeat": rounds + WARMUP})
    server.enqueue({"text": "done"})
    # max_rounds past the rounds run: the benchmark measures rounds, not the cap.
    settings = CodeInterpreter(
        base_url=server.base_url,
        api_key="bench",
        model="scripted-model",
        cell_timeout=30,
        max_rounds=rounds + WARMUP + 1,
    )
    starts = []
    async with Assistant.from_settings(settings) as assistant:
        async for event in assistant.agent(kernel, language="python").run("benchmark"):
            if isinstance(event, RunCell):
                starts.append(time.perf_counter())
    return [(b - a) * 1000 for a, b in zip(starts, starts[1:], strict=False)][WARMUP:]


async def main(rounds: int) -> None:
    with ScriptedLLM() as server:
        async with KernelExecutor() as kernel:
            execute = statistics.median(await raw_execute_ms(kernel, rounds))
            request = statistics.median(await raw_request_ms(server, rounds))
            loop = statistics.median(await loop_round_ms(server, kernel, rounds))
    floor = execute + request
    print(f"Loop overhead per round, medians of {rounds} rounds (ms)")
    print(f"{'measure':<34}{'ms':>8}{'ratio to floor':>16}")
    for name, value in [
        ("raw jupyter_client execute", execute),
        ("raw streamed model request", request),
        ("floor (execute + request)", floor),
        ("agent loop round", loop),
        ("loop overhead (round - floor)", loop - floor),
    ]:
        print(f"{name:<34}{value:>8.2f}{value / floor:>16.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
