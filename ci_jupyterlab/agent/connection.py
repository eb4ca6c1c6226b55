"""Test connection, and the local model servers found on this machine, for the panel's settings view.

``check_connection`` asks the configured server for its models, asks the
chosen model a one-word question, and finds out what the provider does not
declare: whether the model takes tool calls (if not, code goes through fenced
blocks), reads images, and reports token counts as it streams; each failure
says which setting to fix. ``find_local_servers`` probes the usual
OpenAI-compatible servers on loopback (Ollama, LM Studio, llama.cpp, vLLM) with
short timeouts, so a user with nothing configured can pick one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
import urllib.request
from urllib.parse import urlparse

from .actions import RUN_CELL_TOOL
from .model_client import LLMError, ModelClient, Reply, ToolsRejected
from .setting_rules import setting_name

#: The local servers looked for, by name: their usual OpenAI-compatible base URLs.
LOCAL_SERVERS = {
    "Ollama": "http://127.0.0.1:11434/v1",
    "LM Studio": "http://127.0.0.1:1234/v1",
    "llama.cpp": "http://127.0.0.1:8080/v1",
    "vLLM": "http://127.0.0.1:8000/v1",
}
#: Seconds each local server has to answer.
PROBE_TIMEOUT = 0.5
QUESTION = [{"role": "user", "content": "Reply with the single word OK."}]
#: A 4x4 red PNG: does the model take an image?
RED_SQUARE = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg=="
IMAGE_QUESTION = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "Reply with the single word OK."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{RED_SQUARE}", "detail": "low"}},
        ],
    }
]
#: What a test says of a server that answered, but not as an OpenAI-compatible one: never what it sent.
NO_SERVER = "No OpenAI-compatible server answered at {endpoint}."


async def _answer(client: ModelClient, tools: list[dict] | None, question: list[dict] = QUESTION) -> Reply:
    reply = None
    async for item in client.stream(question, tools=tools):
        if isinstance(item, Reply):
            reply = item
    return reply


async def check_connection(client: ModelClient, *, quick: bool = False) -> dict:
    """What the model server behind ``client`` can do, and how fast.

    ``quick``: only whether it answers and lists the chosen model, which spends
    no tokens (the panel checks so each time it opens). A failure never quotes
    what the server sent: the base URL may be any port of this machine.
    """
    started = time.perf_counter()
    result: dict = {"ok": False, "endpoint": client.endpoint, "models": [], "model": None}
    try:
        result["models"] = await client.list_models()
        result["model"] = await client.model()
        if quick:
            _check_listed(result)
        else:
            await _check_answers(client, result)
        result["ok"] = True
    except LLMError as exc:
        message = NO_SERVER.format(endpoint=client.endpoint) if exc.quotes_server else exc.message
        result["error"] = {"message": message, "hint": exc.hint}
    result["capabilities"] = client.capabilities.to_dict()
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    return result


async def _check_answers(client: ModelClient, result: dict) -> None:
    """The model answers (how fast); then what the provider does not declare is tried (the client learns
    it from the answers: a refusal, usage in the stream)."""
    answered = time.perf_counter()
    await _answer(client, None)
    result["round_trip_ms"] = round((time.perf_counter() - answered) * 1000)
    if client.capabilities.tools is None:
        try:
            await _answer(client, [RUN_CELL_TOOL])
        except ToolsRejected:
            pass  # the client took note: code will come as fenced blocks
    if client.capabilities.images is None:
        try:
            await _answer(client, None, IMAGE_QUESTION)
        except LLMError:
            pass  # refused (the client took note), or failed otherwise: not known, tried again when it matters


def _check_listed(result: dict) -> None:
    """The chosen model must be one the server lists (a server that lists none is taken at its word)."""
    if result["models"] and result["model"] not in result["models"]:
        raise LLMError(
            f"The model server at {result['endpoint']} does not list the model '{result['model']}'.",
            f"Choose one of its models in {setting_name('model')}.",
        )


def _is_loopback(base_url: str) -> bool:
    host = urlparse(base_url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _probe(base_url: str, timeout: float) -> list[str] | None:
    """The model ids a server lists at ``base_url``/models, or None if nothing answers like one."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    try:
        with opener.open(f"{base_url.rstrip('/')}/models", timeout=timeout) as response:
            body = json.loads(response.read(1_000_000))
    except (OSError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    return [model["id"] for model in data if isinstance(model, dict) and isinstance(model.get("id"), str)]


async def find_local_servers(candidates: dict[str, str] | None = None, timeout: float = PROBE_TIMEOUT) -> list[dict]:
    """The loopback servers of ``candidates`` that answer, with their models; others are never asked."""
    candidates = {name: url for name, url in (candidates or LOCAL_SERVERS).items() if _is_loopback(url)}
    found = await asyncio.gather(*(asyncio.to_thread(_probe, url, timeout) for url in candidates.values()))
    return [
        {"name": name, "base_url": url, "models": models}
        for (name, url), models in zip(candidates.items(), found, strict=True)
        if models is not None
    ]
