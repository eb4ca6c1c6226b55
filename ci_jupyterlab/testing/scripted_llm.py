"""A scripted, OpenAI-compatible HTTP server that stands in for the LLM in tests.

The server speaks the real Chat Completions wire protocol (JSON and Server-Sent
Events over HTTP/1.1), so the unmodified ``openai`` client can talk to it.
Instead of thinking, it answers each chat request with the next item of a FIFO
script that the test supplied.

In-process use (pytest)::

    with ScriptedLLM() as llm:
        llm.enqueue({"text": "Hello"}, {"tool_calls": [{"name": "run_cell", "arguments": {"code": "1+1"}}]})
        client = openai.OpenAI(base_url=llm.base_url, api_key="test-key")
        ...
        assert llm.chat_requests[0]["messages"][0]["content"] == "hi"

Out-of-process use (e.g. Playwright)::

    python -m ci_jupyterlab.testing.scripted_llm --port 8765

then drive it through the admin endpoints ``POST /_script``, ``POST /_reset``,
``POST /_config`` and ``GET /_requests``.

Script items (JSON objects):

* ``{"text": "..."}`` -- an assistant message.
* ``{"tool_calls": [{"name": ..., "arguments": {...}}], "text": "..."}`` --
  tool calls, optionally preceded by text; ``"arguments_raw": "<str>"`` sends
  the arguments verbatim instead of JSON-encoding ``arguments``.
* ``{"error": {"status": 429, "message": ..., "type": ..., "headers": {...}}}``
  -- an HTTP error with an OpenAI-style body.
* ``{"text": "...", "cut_after": N}`` -- a streamed answer that stops after
  its first N chunks (the first carries only the role) by dropping the
  connection mid-body, as a crashed server or a broken network would.
* ``{"text": "...", "end_early_after": N}`` -- a streamed answer whose body
  ends cleanly after N chunks, without the finishing chunk or ``[DONE]``.
* ``{"garbage": "not json"}`` -- a streamed event ``data: not json`` (after
  the answer's chunks, if the item has ``text`` or ``tool_calls``).
* ``{"body": "<html>...</html>", "content_type": "text/html"}`` -- a 200
  response with this body as-is, as from a proxy that answers in the model's
  place (``content_type`` defaults to ``text/html; charset=utf-8``).
* Any item may add ``"delay"`` (seconds before answering), ``"chunk_delay"``
  (seconds between streamed chunks), ``"repeat"`` (answer that many requests)
  and ``"usage"`` (override the estimated token counts).
"""

from __future__ import annotations

import argparse
import collections
import copy
import http
import ipaddress
import itertools
import json
import math
import signal
import socket
import socketserver
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

DEFAULT_MODELS = ("scripted-model",)
EMPTY_QUEUE_TEXT = "[scripted-llm] no scripted response left"
STREAM_PIECE_CHARS = 8  # small enough that a short answer still arrives as several deltas
OWNED_BY = "ci-jupyterlab"

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
ADMIN_PATHS = ("/_script", "/_reset", "/_config", "/_requests")

# Errors that only mean "the client went away"; never worth a traceback.
DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

ITEM_KEYS = {"text", "tool_calls", "error", "delay", "chunk_delay", "repeat", "usage"}
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


# ---------------------------------------------------------------------------
# Script items
# ---------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    """Raise ScriptError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ScriptError(message)


def _check_seconds(item: dict, key: str) -> None:
    """Check that ``item[key]``, if present, is a non-negative number of seconds."""
    if key in item:
        value = item[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        _require(ok, f"{key!r} must be a non-negative number of seconds")


def _check_tool_call(call: Any) -> None:
    """Check one entry of an item's ``tool_calls`` list."""
    _require(isinstance(call, dict), "each tool call must be an object")
    _require(not set(call) - TOOL_CALL_KEYS, f"unknown tool call keys: {sorted(set(call) - TOOL_CALL_KEYS)}")
    _require(isinstance(call.get("name"), str) and call["name"] != "", "a tool call needs a 'name'")
    _require(not ("arguments" in call and "arguments_raw" in call), "give 'arguments' or 'arguments_raw', not both")
    if "arguments_raw" in call:
        _require(isinstance(call["arguments_raw"], str), "'arguments_raw' must be a string")
    if "id" in call:
        _require(isinstance(call["id"], str), "a tool call 'id' must be a string")


def _check_error(error: Any) -> None:
    """Check an item's ``error`` object."""
    _require(isinstance(error, dict), "'error' must be an object")
    _require(not set(error) - ERROR_KEYS, f"unknown error keys: {sorted(set(error) - ERROR_KEYS)}")
    status = error.get("status", 500)
    _require(isinstance(status, int) and 400 <= status <= 599, "'error.status' must be an HTTP status 400-599")
    headers = error.get("headers", {})
    _require(
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()),
        "'error.headers' must map header names to strings",
    )


def _check_faults(item: dict) -> None:
    """Check the keys that break a streamed answer (or replace it with a raw body)."""
    endings = [key for key in ("cut_after", "end_early_after", "garbage") if key in item]
    _require(len(endings) <= 1, f"give only one of {endings}")
    for key in ("cut_after", "end_early_after"):
        if key in item:
            count = item[key]
            ok = isinstance(count, int) and not isinstance(count, bool) and count >= 0
            _require(ok, f"{key!r} must be an int >= 0 (chunks to send)")
            _require("text" in item or "tool_calls" in item, f"{key!r} needs 'text' or 'tool_calls' to cut")
    if "garbage" in item:
        _require(isinstance(item["garbage"], str), "'garbage' must be a string")
    if "body" in item:
        _require(isinstance(item["body"], str), "'body' must be a string")
        _require(not set(item) & {"text", "tool_calls", "error"}, "'body' cannot be combined with an answer")
        _require(not endings, "'body' replaces the stream; it cannot be combined with " + ", ".join(endings))
    if "content_type" in item:
        _require("body" in item, "'content_type' only goes with 'body'")
        _require(isinstance(item["content_type"], str), "'content_type' must be a string")


def validate_item(item: Any) -> dict:
    """Check a script item and return a private deep copy of it.

    Validating at enqueue time makes a typo in a test fail loudly where it was
    written, instead of as a puzzling answer much later.
    """
    _require(isinstance(item, dict), "a script item must be an object")
    unknown = set(item) - ITEM_KEYS - FAULT_KEYS
    _require(not unknown, f"unknown script item keys: {sorted(unknown)}")
    _require(
        any(key in item for key in ("text", "tool_calls", "error", "garbage", "body")),
        "a script item needs 'text', 'tool_calls', 'error', 'garbage' or 'body'",
    )
    if "error" in item:
        others = sorted(set(item) & {"text", "tool_calls", "cut_after", "end_early_after", "garbage"})
        _require(not others, f"'error' cannot be combined with an answer ({others})")
        _check_error(item["error"])
    _check_faults(item)
    if "text" in item:
        _require(isinstance(item["text"], str), "'text' must be a string")
    if "tool_calls" in item:
        calls = item["tool_calls"]
        _require(isinstance(calls, list) and calls, "'tool_calls' must be a non-empty list")
        for call in calls:
            _check_tool_call(call)
    _check_seconds(item, "delay")
    _check_seconds(item, "chunk_delay")
    repeat = item.get("repeat", 1)
    repeat_ok = isinstance(repeat, int) and not isinstance(repeat, bool) and repeat >= 1
    _require(repeat_ok, "'repeat' must be an int >= 1")
    usage = item.get("usage", {})
    _require(
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


# ---------------------------------------------------------------------------
# Requests and responses in the Chat Completions format
# ---------------------------------------------------------------------------


def error_body(
    message: str, type_: str = "invalid_request_error", param: str | None = None, code: Any = None
) -> dict:
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
        return error_body(
            "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload."
        )
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error_body("you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list):
        return error_body("'messages' is a required property", param="messages")
    if not messages:
        return error_body("[] is too short - 'messages'", param="messages")
    return None


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


# ---------------------------------------------------------------------------
# Shared state
# ---------------------------------------------------------------------------


class ScriptState:
    """The script queue, request log and config shared by all handler threads."""

    def __init__(self, models: tuple[str, ...], reject_tools: bool):
        self._lock = threading.Lock()
        self._initial = (tuple(models), bool(reject_tools))
        self._queue: collections.deque[list] = collections.deque()  # entries: [item, answers left]
        self._log: list[dict] = []
        self.models, self.reject_tools = list(models), bool(reject_tools)
        self.stopping = threading.Event()  # set on shutdown; wakes sleeping handlers

    def enqueue(self, items: list) -> int:
        """Validate and append script items; return the queue length."""
        checked = [validate_item(item) for item in items]  # all or nothing
        with self._lock:
            self._queue.extend([item, item.get("repeat", 1)] for item in checked)
            return len(self._queue)

    def next_item(self) -> dict | None:
        """Consume one answer from the head of the queue (None when empty)."""
        with self._lock:
            if not self._queue:
                return None
            entry = self._queue[0]
            entry[1] -= 1
            if entry[1] == 0:
                self._queue.popleft()
            return entry[0]

    def pending(self) -> int:
        """How many answers are left, counting repeats."""
        with self._lock:
            return sum(left for _, left in self._queue)

    def record(self, entry: dict) -> None:
        """Append one request to the log."""
        with self._lock:
            self._log.append(entry)

    def log(self) -> list[dict]:
        """A deep copy of the request log."""
        with self._lock:
            return copy.deepcopy(self._log)

    def configure(self, reject_tools: bool | None = None, models: list[str] | None = None) -> dict:
        """Change the config; return it."""
        with self._lock:
            if reject_tools is not None:
                self.reject_tools = reject_tools
            if models is not None:
                self.models = list(models)
            return {"reject_tools": self.reject_tools, "models": list(self.models)}

    def config(self) -> tuple[list[str], bool]:
        """(models, reject_tools) as of now."""
        with self._lock:
            return list(self.models), self.reject_tools

    def reset(self) -> None:
        """Forget the script, the log and any config changes."""
        with self._lock:
            self._queue.clear()
            self._log.clear()
            self.models, self.reject_tools = list(self._initial[0]), self._initial[1]


def parse_config(body: Any) -> dict:
    """Check a ``POST /_config`` body; return keyword arguments for configure()."""
    _require(isinstance(body, dict), "the config must be a JSON object")
    unknown = set(body) - {"reject_tools", "models"}
    _require(not unknown, f"unknown config keys: {sorted(unknown)}")
    if "reject_tools" in body:
        _require(isinstance(body["reject_tools"], bool), "'reject_tools' must be a boolean")
    if "models" in body:
        models = body["models"]
        ok = isinstance(models, list) and models and all(isinstance(m, str) and m for m in models)
        _require(bool(ok), "'models' must be a non-empty list of names")
    return body


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class ScriptedHandler(BaseHTTPRequestHandler):
    """Routes one HTTP request to the model API or the admin API."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, as the real API
    disable_nagle_algorithm = True  # stream chunks leave at once instead of being batched
    _chunked = True  # whether the current streamed body uses chunked transfer encoding
    server: "ScriptedServer"

    # -- plumbing ----------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    # Other methods get an OpenAI-style 404 JSON body rather than the stock 501 HTML page.
    do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Access log on stderr only when asked for (keeps test output clean)."""
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        """The raw request body (Content-Length or chunked)."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        """Decode a chunked request body."""
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def _send_json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        """Send a complete JSON response."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _wait(self, seconds: float) -> bool:
        """Sleep, but wake early on shutdown; return False if shutting down."""
        if seconds > 0:
            self.server.state.stopping.wait(seconds)
        return not self.server.state.stopping.is_set()

    def _dispatch(self) -> None:
        """Read the request, then route it; a vanished client ends quietly."""
        try:
            raw = self._read_body()
            path = self.path.split("?", 1)[0]
            if path in ADMIN_PATHS:
                self._admin(path, raw)
            else:
                self._api(path, raw)
        except DISCONNECT_ERRORS:
            self.close_connection = True

    # -- model API -----------------------------------------------------------

    def _api(self, path: str, raw: bytes) -> None:
        """Log a model API request and answer it."""
        ok, body = parse_json(raw) if raw else (False, None)
        headers, has_auth, token = log_headers(self.headers)
        self.server.state.record(
            {
                "method": self.command,
                "path": path,
                "headers": headers,
                "has_authorization": has_auth,
                "bearer_token": token,
                "body": body if ok else None,
                "time": time.time(),
            }
        )
        if self.command == "POST" and path == CHAT_PATH:
            self._chat(body if ok else None)
        elif self.command == "GET" and path == MODELS_PATH:
            models, _ = self.server.state.config()
            self._send_json(200, {"object": "list", "data": [model_object(m) for m in models]})
        elif self.command == "GET" and path.startswith(MODELS_PATH + "/"):
            self._model(path[len(MODELS_PATH) + 1 :])
        else:
            self._send_json(404, error_body(f"Invalid URL ({self.command} {path})"))

    def _model(self, model_id: str) -> None:
        """Answer ``GET /v1/models/{id}``."""
        models, _ = self.server.state.config()
        if model_id in models:
            self._send_json(200, model_object(model_id))
        else:
            message = f"The model '{model_id}' does not exist"
            self._send_json(404, error_body(message, param="model", code="model_not_found"))

    def _chat(self, body: Any) -> None:
        """Answer a chat completion request with the next scripted item."""
        problem = validate_chat_request(body)
        if problem is not None:
            self._send_json(400, problem)
            return
        _, reject_tools = self.server.state.config()
        if reject_tools and wants_tools(body):
            self._send_json(400, error_body("tools are not supported by this model", param="tools"))
            return
        item = self.server.state.next_item() or {"text": EMPTY_QUEUE_TEXT}
        if not self._wait(item.get("delay", 0)):
            self.close_connection = True
            return
        if "error" in item:
            status, payload, headers = scripted_error(item["error"])
            self._send_json(status, payload, headers)
            return
        if "body" in item:
            self._send_raw(item["body"], item.get("content_type", DEFAULT_BODY_TYPE))
            return
        text = item.get("text", "")
        tool_calls = resolve_tool_calls(item)
        usage = build_usage(body, text, tool_calls, item.get("usage", {}))
        if body.get("stream") is True:
            self._stream(*stream_events(item, body, text, tool_calls, usage), item.get("chunk_delay", 0))
        else:
            content = text if text or not tool_calls else None  # OpenAI sends null beside tool calls
            self._send_json(200, chat_completion(body, content, tool_calls, usage))

    def _send_raw(self, body: str, content_type: str) -> None:
        """Send a 200 response with ``body`` as-is (not JSON, not a stream)."""
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, events: Iterator[str], ending: str, chunk_delay: float) -> None:
        """Send events (``data`` strings) as Server-Sent Events over a chunked HTTP response.

        ``ending`` is ``"done"`` (``[DONE]``, then the end of the body),
        ``"early"`` (the end of the body only) or ``"drop"`` (no end at all).
        """
        # HTTP/1.0 has no chunked encoding: there the end of the body is the connection's end.
        self._chunked = self.request_version != "HTTP/1.0"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        if self._chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex)
        self.end_headers()
        first = True
        for data in events:
            if not first and not self._wait(chunk_delay):
                self.close_connection = True  # shutting down: cut the stream like a dead server
                return
            first = False
            self._write_chunk(sse_event(data))
        if ending == "drop":
            # Closing with the chunked body unfinished is what the client sees of a
            # dead server. (Over HTTP/1.0 the close is the body's normal end.)
            self.close_connection = True
            return
        if ending == "done":
            self._write_chunk(sse_event("[DONE]"))
        if self._chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        """Write one piece of the streamed body (as an HTTP/1.1 chunk when chunked)."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self._chunked else data)

    # -- admin API -----------------------------------------------------------

    def _admin(self, path: str, raw: bytes) -> None:
        """Answer the admin endpoints (not logged; they are the test's own calls)."""
        if path == "/_requests":
            if self.command != "GET":
                self._send_json(405, error_body(f"use GET {path}"))
                return
            self._send_json(200, {"requests": self.server.state.log()})
            return
        if self.command != "POST":
            self._send_json(405, error_body(f"use POST {path}"))
            return
        ok, body = parse_json(raw) if raw else (True, {})
        try:
            _require(ok, "the body is not valid JSON")
            self._send_json(200, self._admin_post(path, body))
        except ScriptError as exc:
            self._send_json(400, error_body(str(exc)))

    def _admin_post(self, path: str, body: Any) -> dict:
        """Carry out one admin POST and return its answer."""
        state = self.server.state
        if path == "/_script":
            has_list = isinstance(body, dict) and isinstance(body.get("responses"), list)
            _require(has_list, "expected {'responses': [...]}")
            return {"queued": state.enqueue(body["responses"])}
        if path == "/_reset":
            state.reset()
            return {"reset": True}
        return state.configure(**parse_config(body))


class ScriptedServer(ThreadingHTTPServer):
    """A threading HTTP server that can drop its open connections on shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: int, state: ScriptState, verbose: bool = False):
        self.address_family = family  # read by TCPServer.__init__ when it creates the socket
        self.state = state
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, ScriptedHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (slow in sandboxes)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Handle a connection while remembering it, so stop() can close it."""
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alives would block forever)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; report anything else."""
        if isinstance(sys.exc_info()[1], DISCONNECT_ERRORS):
            return
        super().handle_error(request, client_address)


def loopback_address(host: str) -> tuple[str, int]:
    """Check that ``host`` is a loopback address; return (address, socket family).

    The server has no authentication, so it must never listen beyond this machine.
    """
    address = "127.0.0.1" if host == "localhost" else host
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"host must be a loopback IP address, not {host!r}") from None
    if not ip.is_loopback:
        raise ValueError(f"refusing to listen on non-loopback address {host!r}")
    return address, socket.AF_INET6 if ip.version == 6 else socket.AF_INET


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


class ScriptedLLM:
    """A scripted OpenAI-compatible server running in a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
        reject_tools: bool = False,
        verbose: bool = False,
    ):
        self._address, self._family = loopback_address(host)
        self._port = port
        self._verbose = verbose
        self._state = ScriptState(tuple(models), reject_tools)
        self._server: ScriptedServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> "ScriptedLLM":
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("ScriptedLLM is already running")
        self._state.stopping.clear()
        self._server = ScriptedServer((self._address, self._port), self._family, self._state, self._verbose)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll; keep stop() quick
            name="scripted-llm",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._state.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "ScriptedLLM":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0)."""
        if self._server is None:
            raise RuntimeError("ScriptedLLM is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:8765`` (admin endpoints live here)."""
        host = f"[{self._address}]" if self._family == socket.AF_INET6 else self._address
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:8765/v1``."""
        return self.url + "/v1"

    # -- script, log, config ---------------------------------------------------

    def enqueue(self, *items: dict) -> None:
        """Append script items (validated; raises ScriptError on a bad one)."""
        self._state.enqueue(list(items))

    def reset(self) -> None:
        """Clear the script, the request log and config changes."""
        self._state.reset()

    @property
    def pending(self) -> int:
        """Answers left in the script, counting repeats."""
        return self._state.pending()

    @property
    def requests(self) -> list[dict]:
        """A copy of the log of model API requests (as ``GET /_requests``)."""
        return self._state.log()

    @property
    def chat_requests(self) -> list[dict]:
        """The bodies of the ``/v1/chat/completions`` requests, in order."""
        return [r["body"] for r in self._state.log() if r["path"] == CHAT_PATH]

    @property
    def reject_tools(self) -> bool:
        """Whether requests offering tools are refused with a 400."""
        return self._state.config()[1]

    @reject_tools.setter
    def reject_tools(self, value: bool) -> None:
        self._state.configure(reject_tools=bool(value))

    @property
    def models(self) -> list[str]:
        """The model ids listed by ``GET /v1/models``."""
        return self._state.config()[0]

    @models.setter
    def models(self, value: list[str]) -> None:
        self._state.configure(models=list(parse_config({"models": list(value)})["models"]))


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m ci_jupyterlab.testing.scripted_llm",
        description="Scripted OpenAI-compatible server for tests (loopback only).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument("--reject-tools", action="store_true", help="answer 400 to requests that offer tools")
    parser.add_argument(
        "--model", dest="models", action="extend", nargs="+", metavar="NAME", help="model id(s) to list"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT, then exit cleanly."""
    args = parse_args(argv)
    try:
        models = tuple(args.models or DEFAULT_MODELS)
        llm = ScriptedLLM(args.host, args.port, models, args.reject_tools, args.verbose)
        llm.start()
    except (ValueError, OSError) as exc:
        print(f"scripted-llm: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    # Signal handlers run in the main thread, which is only waiting, so just wake it.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    print(f"scripted-llm listening on {llm.base_url}", flush=True)
    try:
        done.wait()
    finally:
        llm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
