"""The answer check's false positives: answers built from the outputs must never be sent back.

The DSEval replay (benchmarks/dseval_replay.py) runs through the agent loop: for
each question the scripted model sends the reference code, then answers. Here
the answer restates what the cell showed, the way a model writes it: the
output's first numbers (up to six) in prose, integers of four digits or more
with thousands separators ("4,622"), other numbers rounded to two decimals
("7.46"), fractions also as a percentage ("0.4512" as "45.12%"), one of them
in words of scale when it is large ("1.2 million"). The loop's answer check
(agent/answer_check.py) holds each answer against the outputs; an answer it
sends back is a false positive (the scripted model then answers the same
again). A second pass answers with a number that no output shows, to see the
check catch it.

Needs the "dseval" kernel (benchmarks/setup_dseval_kernel.sh) for DSEval's
own outputs; any kernel with pandas runs it (``--kernel python3``).
Run: python benchmarks/answer_check.py [--limit N] [--kernel NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from dseval_data import dseval_dir
from kernels import started_kernel

from ci_jupyterlab.agent import AnswerCheck, Assistant, CodeInterpreter
from ci_jupyterlab.agent.answer_check import numbers_in
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

DSEVAL = dseval_dir()
#: A number no DSEval output shows, stated in the second pass.
INVENTED = "8,675,309"


def stated(value: float, text: str) -> str:
    """One number of an output as a model restates it."""
    if value == int(value) and "." not in text and "e" not in text.lower():
        return f"{int(value):,}"
    if 0 < abs(value) < 1:
        return f"{value:.2f} ({value * 100:.2f}%)"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} million"
    return f"{value:.2f}"


def answer_from(output: str) -> str:
    """An answer that restates the first numbers the output shows."""
    numbers = numbers_in(output)[:6]
    if not numbers:
        return "Done: the result is shown above."
    said = ", ".join(stated(number.value, number.text) for number in numbers)
    return f"The cell shows {said}."


def shown(result) -> str:
    parts = [o.get("text", "") for o in result.outputs if o["output_type"] == "stream"]
    parts += [o["data"].get("text/plain", "") for o in result.outputs if o["output_type"] == "execute_result"]
    return "".join("".join(part) if isinstance(part, list) else part for part in parts)


async def replay_set(task: dict, kernel: KernelExecutor, server: ScriptedLLM, assistant: Assistant, invent: bool):
    """(cell had output, answer sent back) for each question of the set."""
    agent = assistant.agent(kernel, language="python")
    outcomes = []
    for item in task["cells"]:
        if item["question"] is None:
            await kernel.run(RunCell("context", item["code"], 0, 1, None, 120.0))
            continue
        expected = item["expected"]
        output = (expected["stdout"] or "") + (expected["result_text_plain"] or "")
        text = answer_from(output)
        if invent:
            text += f" The total across all of them is {INVENTED}."
        server.enqueue(
            {"tool_calls": [{"name": "run_cell", "arguments": {"code": item["code"]}}]}, {"text": text}, {"text": text}
        )
        checks = [event async for event in agent.run(item["question"]) if isinstance(event, AnswerCheck)]
        server.reset()  # the second answer, if the first was not sent back
        outcomes.append((item["deterministic"], bool(output.strip()), checks))
    return outcomes


async def run(tasks: list[dict], kernel_name: str, invent: bool) -> list[tuple]:
    outcomes = []
    with ScriptedLLM() as server, tempfile.TemporaryDirectory() as scratch:
        settings = CodeInterpreter(base_url=server.base_url, api_key="bench", model="scripted-model")
        # The profile and the rules are not what is measured here.
        settings.data_profile_budget = settings.rules_budget = 0
        async with Assistant.from_settings(settings) as assistant:
            for number, task in enumerate(tasks, 1):
                workdir = Path(scratch) / f"set-{number}"
                shutil.copytree(DSEVAL / "inputs", workdir / "inputs")
                async with started_kernel(kernel_name, workdir) as kernel:
                    outcomes += [(task["split"], *o) for o in await replay_set(task, kernel, server, assistant, invent)]
                if number % 25 == 0:
                    print(f"  {number}/{len(tasks)} sets", flush=True)
    return outcomes


def report(outcomes: list[tuple], invent: bool) -> None:
    title = "with an invented number added" if invent else "answers built from the outputs"
    print(f"\n{title}: {len(outcomes)} question cells")
    for label, chosen in (
        ("deterministic, with output", [o for o in outcomes if o[1] and o[2]]),
        ("deterministic, all", [o for o in outcomes if o[1]]),
    ):
        sent = [o for o in chosen if any(check.stage == "sent_back" for check in o[3])]
        print(f"  {label}: {len(chosen)} cells, sent back {len(sent)} ({len(sent) / max(len(chosen), 1):.1%})")
        if not invent and sent:
            print(
                "    numbers flagged:",
                Counter(n for o in sent for check in o[3] for n in check.numbers).most_common(10),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N sets")
    parser.add_argument("--kernel", default="dseval", help="kernel name (default: dseval)")
    args = parser.parse_args()
    tasks = [json.loads(line) for line in (DSEVAL / "tasks.jsonl").read_text().splitlines() if line.strip()]
    tasks = [task for task in tasks if task["split"] != "leetcode"][: args.limit]  # LeetCode cells show nothing
    for invent in (False, True):
        report(asyncio.run(run(tasks, args.kernel, invent)), invent)


if __name__ == "__main__":
    main()
