"""The script of the scripted model: what a test may ask it to answer, checked (see scripted_llm.py)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

DEFAULT_MODELS = ("scripted-model",)
EMPTY_QUEUE_TEXT = "[scripted-llm] no scripted response left"
STREAM_PIECE_CHARS = 8  # small enough that a short answer still arrives as several deltas
OWNED_BY = "ci-jupyterlab"

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
ADMIN_PATHS = ("/_script", "/_reset", "/_config", "/_requests")

# Errors that only mean "the client went away"; never worth a traceback.
DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

ITEM_KEYS = {"text", "tool_calls", "error", "delay", "chunk_delay", "repeat", "usage", "stamp"}
#: In a ``stamp`` item's streamed text, replaced by ``@<Unix time>@`` as its chunk is written.
STAMP_MARK = "\u00a7"
FAULT_KEYS = {"cut_after", "end_early_after", "garbage", "body", "content_type"}
TOOL_CALL_KEYS = {"name", "arguments", "arguments_raw", "id"}
ERROR_KEYS = {"status", "message", "type", "param", "code", "headers"}
USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens"}

# Defaults for scripted errors: (message, type, code), close to what OpenAI sends.
ERROR_DEFAULTS = {
    400: ("Bad request", "invalid_request_error", None),
    401: ("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model", "permission_error", None),
    404: ("The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    408: ("Request timed out", "timeout_error", None),
    409: ("Conflict", "invalid_request_error", None),
    422: ("Unprocessable entity", "invalid_request_error", None),
    429: ("Rate limit reached", "rate_limit_error", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    502: ("Bad gateway", "server_error", None),
    503: ("The engine is currently overloaded, please try again later", "server_error", None),
}
DEFAULT_BODY_TYPE = "text/html; charset=utf-8"
# The openai client retries 429 and 5xx; a tiny retry-after keeps test retries fast.
RETRYABLE_ERROR_HEADERS = {"retry-after-ms": "10"}


class ScriptError(ValueError):
    """A script item (or admin request) is malformed."""


def require(condition: bool, message: str) -> None:
    """Raise ScriptError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ScriptError(message)


def _check_seconds(item: dict, key: str) -> None:
    """Check that ``item[key]``, if present, is a non-negative number of seconds."""
    if key in item:
        value = item[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        require(ok, f"{key!r} must be a non-negative number of seconds")


def _check_tool_call(call: Any) -> None:
    """Check one entry of an item's ``tool_calls`` list."""
    require(isinstance(call, dict), "each tool call must be an object")
    require(not set(call) - TOOL_CALL_KEYS, f"unknown tool call keys: {sorted(set(call) - TOOL_CALL_KEYS)}")
    require(isinstance(call.get("name"), str) and call["name"] != "", "a tool call needs a 'name'")
    require(not ("arguments" in call and "arguments_raw" in call), "give 'arguments' or 'arguments_raw', not both")
    if "arguments_raw" in call:
        require(isinstance(call["arguments_raw"], str), "'arguments_raw' must be a string")
    if "id" in call:
        require(isinstance(call["id"], str), "a tool call 'id' must be a string")


def _check_error(error: Any) -> None:
    """Check an item's ``error`` object."""
    require(isinstance(error, dict), "'error' must be an object")
    require(not set(error) - ERROR_KEYS, f"unknown error keys: {sorted(set(error) - ERROR_KEYS)}")
    status = error.get("status", 500)
    require(isinstance(status, int) and 400 <= status <= 599, "'error.status' must be an HTTP status 400-599")
    headers = error.get("headers", {})
    require(
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()),
        "'error.headers' must map header names to strings",
    )


def _check_faults(item: dict) -> None:
    """Check the keys that break a streamed answer (or replace it with a raw body)."""
    endings = [key for key in ("cut_after", "end_early_after", "garbage") if key in item]
    require(len(endings) <= 1, f"give only one of {endings}")
    for key in ("cut_after", "end_early_after"):
        if key in item:
            count = item[key]
            ok = isinstance(count, int) and not isinstance(count, bool) and count >= 0
            require(ok, f"{key!r} must be an int >= 0 (chunks to send)")
            require("text" in item or "tool_calls" in item, f"{key!r} needs 'text' or 'tool_calls' to cut")
    if "garbage" in item:
        require(isinstance(item["garbage"], str), "'garbage' must be a string")
    if "body" in item:
        require(isinstance(item["body"], str), "'body' must be a string")
        require(not set(item) & {"text", "tool_calls", "error"}, "'body' cannot be combined with an answer")
        require(not endings, "'body' replaces the stream; it cannot be combined with " + ", ".join(endings))
    if "content_type" in item:
        require("body" in item, "'content_type' only goes with 'body'")
        require(isinstance(item["content_type"], str), "'content_type' must be a string")


def validate_item(item: Any) -> dict:
    """Check a script item and return a private deep copy of it.

    Validating at enqueue time makes a typo in a test fail loudly where it was
    written, instead of as a puzzling answer much later.
    """
    require(isinstance(item, dict), "a script item must be an object")
    unknown = set(item) - ITEM_KEYS - FAULT_KEYS
    require(not unknown, f"unknown script item keys: {sorted(unknown)}")
    require(
        any(key in item for key in ("text", "tool_calls", "error", "garbage", "body")),
        "a script item needs 'text', 'tool_calls', 'error', 'garbage' or 'body'",
    )
    if "error" in item:
        others = sorted(set(item) & {"text", "tool_calls", "cut_after", "end_early_after", "garbage"})
        require(not others, f"'error' cannot be combined with an answer ({others})")
        _check_error(item["error"])
    _check_faults(item)
    if "text" in item:
        require(isinstance(item["text"], str), "'text' must be a string")
    if "tool_calls" in item:
        calls = item["tool_calls"]
        require(isinstance(calls, list) and calls, "'tool_calls' must be a non-empty list")
        for call in calls:
            _check_tool_call(call)
    _check_seconds(item, "delay")
    _check_seconds(item, "chunk_delay")
    require(isinstance(item.get("stamp", False), bool), "'stamp' must be true or false")
    repeat = item.get("repeat", 1)
    repeat_ok = isinstance(repeat, int) and not isinstance(repeat, bool) and repeat >= 1
    require(repeat_ok, "'repeat' must be an int >= 1")
    usage = item.get("usage", {})
    require(
        isinstance(usage, dict)
        and not set(usage) - USAGE_KEYS
        and all(isinstance(v, int) and not isinstance(v, bool) for v in usage.values()),
        f"'usage' may only set integer {sorted(USAGE_KEYS)}",
    )
    return copy.deepcopy(item)


def tool_call_arguments(call: dict) -> str:
    """The arguments string the model "produced" for a scripted tool call."""
    if "arguments_raw" in call:
        return call["arguments_raw"]
    return json.dumps(call.get("arguments", {}))


def new_call_id() -> str:
    """A fresh tool call id shaped like OpenAI's (``call_<hex>``)."""
    return "call_" + uuid.uuid4().hex[:24]


def resolve_tool_calls(item: dict) -> list[dict]:
    """The item's tool calls in wire form (``id``, ``type``, ``function``).

    Ids are minted per answer so that a repeated item still yields unique ids.
    """
    return [
        {
            "id": call.get("id") or new_call_id(),
            "type": "function",
            "function": {"name": call["name"], "arguments": tool_call_arguments(call)},
        }
        for call in item.get("tool_calls", [])
    ]
