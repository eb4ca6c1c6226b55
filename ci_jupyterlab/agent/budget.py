"""Keeping each model request within the prompt budget.

When the history is too long, it gives way oldest first, in three passes that
each stop as soon as the prompt fits:

1. earlier outputs of code (tool results) are replaced by a marker;
2. earlier long messages (requests with their context, answers, code) are cut
   to their head;
3. whole earlier exchanges are dropped, and the first message kept says so.

Never touched: the system prompt, the current request, the latest result (the
error the model must fix) and the message whose code produced it. The input is
not changed: the conversation keeps its full history, and only what is sent
is trimmed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .tokens import message_tokens

#: Prompt tokens per model call when none are configured.
DEFAULT_PROMPT_BUDGET = 24000
#: What stands in for an output that was left out.
OMITTED = "[earlier output omitted to fit the budget]"
#: What the first message kept says when earlier exchanges were dropped.
DROPPED = "[earlier conversation omitted to fit the budget]"
#: Characters kept of an earlier message or cell that is cut short.
KEEP_HEAD = 300


def _protected(messages: list[dict], current_request: int) -> set[int]:
    """System prompt, current request, latest result and the call it answers."""
    keep = {0, current_request}
    last = len(messages) - 1
    if last > current_request:
        keep.add(last)
        for index in range(last, current_request, -1):
            if messages[index]["role"] == "assistant":
                keep.add(index)
                break
    return keep


def _is_output(message: dict, index: int, current_request: int) -> bool:
    # In fenced mode outputs come back as user messages: after the request, every one is an output.
    return message["role"] == "tool" or (message["role"] == "user" and index > current_request)


def _head(text: str) -> str:
    return f"{text[:KEEP_HEAD]}… {OMITTED}"


def _shortened_arguments(arguments: str) -> str:
    """A run_cell call's arguments with the code cut to its head."""
    try:
        code = json.loads(arguments).get("code")
    except (ValueError, AttributeError):
        code = None
    return json.dumps({"code": _head(code) if isinstance(code, str) else f"# {OMITTED}"})


def _shortened(message: dict) -> dict:
    """``message`` with long content and long code cut to their heads."""
    message = dict(message)
    content = message.get("content")
    if isinstance(content, str) and len(content) > 2 * KEEP_HEAD:
        message["content"] = _head(content)
    if message.get("tool_calls"):
        message["tool_calls"] = [
            {**call, "function": {**call["function"], "arguments": _shortened_arguments(call["function"]["arguments"])}}
            if len(call["function"]["arguments"]) > 2 * KEEP_HEAD
            else call
            for call in message["tool_calls"]
        ]
    return message


def fit_to_budget(
    messages: list[dict],
    budget: int,
    *,
    current_request: int,
    count: Callable[[dict], int] = message_tokens,
) -> list[dict]:
    """``messages`` (system prompt first) trimmed to at most ``budget`` tokens if it can be.

    ``current_request`` is the index of the user message that started the
    request being worked on. If even the untouchable messages exceed the
    budget, they are returned anyway: the server will say the prompt is too long.
    """
    kept = list(messages)
    sizes = [count(message) for message in kept]
    if sum(sizes) <= budget:
        return kept
    protected = _protected(kept, current_request)

    def replace(index: int, message: dict) -> bool:
        """Put ``message`` at ``index``; True once everything fits."""
        kept[index], sizes[index] = message, count(message)
        return sum(sizes) <= budget

    for index, message in enumerate(kept):
        if index not in protected and _is_output(message, index, current_request):
            if len(message.get("content") or "") > len(OMITTED) and replace(index, {**message, "content": OMITTED}):
                return kept
    for index, message in enumerate(kept):
        if index not in protected:
            shorter = _shortened(message)
            if shorter != message and replace(index, shorter):
                return kept
    return _drop_earlier_exchanges(kept, sizes, budget - count({"role": "user", "content": DROPPED}), current_request)


def _drop_earlier_exchanges(kept: list[dict], sizes: list[int], budget: int, current_request: int) -> list[dict]:
    """Drop the oldest exchanges, always up to a user message so tool calls keep their results."""
    cut = current_request
    for index in range(2, current_request + 1):
        if kept[index]["role"] == "user" and sizes[0] + sum(sizes[index:]) <= budget:
            cut = index
            break
    if cut <= 1:
        return kept
    first = kept[cut]
    return [kept[0], {**first, "content": f"{DROPPED}\n\n{first.get('content') or ''}"}, *kept[cut + 1 :]]
