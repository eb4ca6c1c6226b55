"""What the scripted model holds between requests: the queue of script items, its settings, what it was sent."""

from __future__ import annotations

import collections
import copy
import threading
from typing import Any

from .script import require, validate_item


class ScriptState:
    """The script queue, request log and config shared by all handler threads."""

    def __init__(self, models: tuple[str, ...], reject_tools: bool):
        self._lock = threading.Lock()
        self._initial = (tuple(models), bool(reject_tools))
        self._queue: collections.deque[list] = collections.deque()  # entries: [item, answers left]
        self._log: list[dict] = []
        self.models, self.reject_tools = list(models), bool(reject_tools)
        self.reject_images = False
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

    def configure(
        self, reject_tools: bool | None = None, models: list[str] | None = None, reject_images: bool | None = None
    ) -> dict:
        """Change the config; return it."""
        with self._lock:
            if reject_tools is not None:
                self.reject_tools = reject_tools
            if reject_images is not None:
                self.reject_images = reject_images
            if models is not None:
                self.models = list(models)
            return {"reject_tools": self.reject_tools, "reject_images": self.reject_images, "models": list(self.models)}

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
            self.reject_images = False


def parse_config(body: Any) -> dict:
    """Check a ``POST /_config`` body; return keyword arguments for configure()."""
    require(isinstance(body, dict), "the config must be a JSON object")
    unknown = set(body) - {"reject_tools", "reject_images", "models"}
    require(not unknown, f"unknown config keys: {sorted(unknown)}")
    for flag in ("reject_tools", "reject_images"):
        if flag in body:
            require(isinstance(body[flag], bool), f"'{flag}' must be a boolean")
    if "models" in body:
        models = body["models"]
        ok = isinstance(models, list) and models and all(isinstance(m, str) and m for m in models)
        require(bool(ok), "'models' must be a non-empty list of names")
    return body
