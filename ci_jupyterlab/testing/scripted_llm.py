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
  (seconds between streamed chunks), ``"repeat"`` (answer that many requests),
  ``"usage"`` (override the estimated token counts) and ``"stamp": true``
  (each ``§`` of the streamed text becomes ``@<Unix time>@`` as its chunk is
  written: a client can tell how long each token took to reach it).
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from typing import Any

from .http_server import ScriptedServer, loopback_address
from .script import CHAT_PATH, DEFAULT_MODELS, EMPTY_QUEUE_TEXT, ScriptError
from .state import ScriptState, parse_config

__all__ = ["EMPTY_QUEUE_TEXT", "ScriptError", "ScriptedLLM", "main"]


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

    def start(self) -> ScriptedLLM:
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

    def __enter__(self) -> ScriptedLLM:
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
    def reject_images(self) -> bool:
        """Whether requests with an image part are refused with a 400 (a model that reads no images)."""
        return self._state.reject_images

    @reject_images.setter
    def reject_images(self, value: bool) -> None:
        self._state.configure(reject_images=bool(value))

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
