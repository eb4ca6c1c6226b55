"""Chat Completions requests and responses as the scripted model reads and writes them: JSON and SSE."""

from __future__ import annotations

import http
import itertools
import json
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

from .script import (
    ERROR_DEFAULTS,
    OWNED_BY,
    RETRYABLE_ERROR_HEADERS,
    STREAM_PIECE_CHARS,
)


def error_body(message: str, type_: str = "invalid_request_error", param: str | None = None, code: Any = None) -> dict:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def scripted_error(error: dict) -> tuple[int, dict, dict]:
    """Turn an item's ``error`` object into (status, body, headers)."""
    status = error.get("status", 500)
    fallback_type = "server_error" if status >= 500 else "invalid_request_error"
    message, type_, code = ERROR_DEFAULTS.get(status, (http.HTTPStatus(status).phrase, fallback_type, None))
    headers = dict(RETRYABLE_ERROR_HEADERS) if status == 429 or status >= 500 else {}
    headers.update(error.get("headers", {}))
    body = error_body(
        error.get("message", message),
        error.get("type", type_),
        error.get("param"),
        error.get("code", code),
    )
    return status, body, headers


def validate_chat_request(body: Any) -> dict | None:
    """Return an error body if ``body`` is not a usable chat request, else None."""
    if not isinstance(body, dict):
        return error_body("We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error_body("you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list):
        return error_body("'messages' is a required property", param="messages")
    if not messages:
        return error_body("[] is too short - 'messages'", param="messages")
    return None


def sends_images(body: dict) -> bool:
    """Whether a message of the request has an image part."""
    return any(
        isinstance(message, dict)
        and isinstance(message.get("content"), list)
        and any(isinstance(part, dict) and part.get("type") == "image_url" for part in message["content"])
        for message in body.get("messages", [])
    )


def wants_tools(body: dict) -> bool:
    """Whether the request offers the model any tools."""
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0


def estimate_tokens(text: str) -> int:
    """Rough token count: one token per four characters, at least one."""
    return max(1, math.ceil(len(text) / 4))


def message_text(message: Any) -> str:
    """The text content of one request message (string or list of parts)."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def build_usage(request: dict, text: str, tool_calls: list[dict], override: dict) -> dict:
    """Token usage for an answer: estimated, then overridden by the script."""
    prompt = "".join(message_text(m) for m in request.get("messages", []))
    answer = text + "".join(c["function"]["name"] + c["function"]["arguments"] for c in tool_calls)
    usage = {"prompt_tokens": estimate_tokens(prompt), "completion_tokens": estimate_tokens(answer)}
    usage.update({k: v for k, v in override.items() if k != "total_tokens"})
    usage["total_tokens"] = override.get("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
    return usage


def completion_id() -> str:
    """A fresh completion id shaped like OpenAI's."""
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def finish_reason(tool_calls: list[dict]) -> str:
    """``tool_calls`` when the model called tools, else ``stop``."""
    return "tool_calls" if tool_calls else "stop"


def chat_completion(request: dict, text: str | None, tool_calls: list[dict], usage: dict) -> dict:
    """A complete (non-streamed) ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason(tool_calls)}],
        "usage": usage,
    }


def split_text(text: str, size: int = STREAM_PIECE_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``size`` characters."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def stream_deltas(text: str, tool_calls: list[dict]) -> Iterator[dict]:
    """The ``delta`` objects of a streamed answer, in OpenAI's order."""
    yield {"role": "assistant", "content": ""}
    for piece in split_text(text):
        yield {"content": piece}
    for index, call in enumerate(tool_calls):
        # The first delta of a call names it; later ones only add argument text.
        head = {"index": index, "id": call["id"], "type": "function"}
        yield {"tool_calls": [{**head, "function": {"name": call["function"]["name"], "arguments": ""}}]}
        for piece in split_text(call["function"]["arguments"]):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}


def stream_chunks(request: dict, text: str, tool_calls: list[dict], usage: dict) -> Iterator[dict]:
    """All ``chat.completion.chunk`` objects of a streamed answer."""
    include_usage = (request.get("stream_options") or {}).get("include_usage") is True
    base: dict[str, Any] = {
        "id": completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request["model"],
    }
    if include_usage:
        base["usage"] = None  # OpenAI sends an explicit null until the last chunk

    def chunk(delta: dict, reason: str | None) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}]}

    for delta in stream_deltas(text, tool_calls):
        yield chunk(delta, None)
    yield chunk({}, finish_reason(tool_calls))
    if include_usage:
        yield {**base, "choices": [], "usage": usage}


def stream_events(
    item: dict, request: dict, text: str, tool_calls: list[dict], usage: dict
) -> tuple[Iterator[str], str]:
    """The ``data`` of each event of a streamed answer, and how the stream ends.

    The ending is ``"done"`` normally, ``"drop"`` for ``cut_after`` and
    ``"early"`` for ``end_early_after`` (see ``ScriptedHandler._stream``).
    """
    chunks = (json.dumps(chunk) for chunk in stream_chunks(request, text, tool_calls, usage))
    if "cut_after" in item:
        return itertools.islice(chunks, item["cut_after"]), "drop"
    if "end_early_after" in item:
        return itertools.islice(chunks, item["end_early_after"]), "early"
    if "garbage" in item:
        answered = "text" in item or "tool_calls" in item
        return itertools.chain(chunks if answered else (), [item["garbage"]]), "done"
    return chunks, "done"


def sse_event(data: str) -> bytes:
    """One Server-Sent Event carrying ``data``."""
    return f"data: {data}\n\n".encode()


def model_object(model_id: str) -> dict:
    """A ``model`` object as listed by ``GET /v1/models``."""
    return {"id": model_id, "object": "model", "created": 0, "owned_by": OWNED_BY}


def parse_json(raw: bytes) -> tuple[bool, Any]:
    """Decode a JSON request body: (ok, value); an empty body is not JSON."""
    try:
        return True, json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False, None


def log_headers(headers: Any) -> tuple[dict, bool, str | None]:
    """Lower-cased request headers with the credential redacted.

    Returns (headers, has_authorization, bearer_token); the token is kept
    apart so tests can check which key was sent without it leaking into dumps.
    """
    result: dict[str, str] = {}
    for name, value in headers.items():
        name = name.lower()
        result[name] = f"{result[name]}, {value}" if name in result else value
    auth = result.get("authorization")
    token = None
    if auth is not None:
        result["authorization"] = "<redacted>"
        scheme, _, credential = auth.partition(" ")
        token = credential.strip() if scheme.lower() == "bearer" else None
    return result, auth is not None, token
