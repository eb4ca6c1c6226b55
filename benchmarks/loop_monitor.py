"""A server extension of the benchmarks (not of the product): how late the server's event loop runs.

Loaded by benchmarks/concurrency.py with
``--ServerApp.jpserver_extensions={"loop_monitor": True}`` and this folder on
PYTHONPATH. A callback asks to run every ``INTERVAL`` seconds and records how
much later than asked it ran: any code that holds the loop (a blocking read,
a long computation between two awaits) shows up as that lateness.

``GET /loop-monitor`` answers ``{"count", "max_ms", "p99_ms", "over_20ms"}``
since the last ``POST /loop-monitor`` (which resets it).

To find what stalls it: ``LOOP_MONITOR_SLOW_MS=20`` turns on asyncio's debug
mode, which logs every callback or task step that ran longer than that.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from jupyter_server.base.handlers import APIHandler
from tornado import web

#: Seconds between two looks: short enough to see a stall of a few milliseconds.
INTERVAL = 0.005


class LoopMonitor:
    def __init__(self):
        self.lateness: list[float] = []
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        loop = asyncio.get_event_loop()
        slow = os.environ.get("LOOP_MONITOR_SLOW_MS")
        if slow:
            loop.set_debug(True)
            loop.slow_callback_duration = float(slow) / 1000
        self._task = loop.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(INTERVAL)
            self.lateness.append(time.perf_counter() - asked - INTERVAL)

    def stats(self) -> dict:
        late = sorted(self.lateness)
        if not late:
            return {"count": 0, "max_ms": None, "p99_ms": None, "over_20ms": 0}
        return {
            "count": len(late),
            "max_ms": late[-1] * 1000,
            "p99_ms": late[min(len(late) - 1, int(len(late) * 0.99))] * 1000,
            "over_20ms": sum(value > 0.020 for value in late),
        }


MONITOR = LoopMonitor()


class LoopMonitorHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.finish(json.dumps(MONITOR.stats()))

    @web.authenticated
    def post(self):
        MONITOR.lateness.clear()
        self.finish(json.dumps({"reset": True}))


def _jupyter_server_extension_points():
    return [{"module": "loop_monitor"}]


def _load_jupyter_server_extension(serverapp):
    serverapp.web_app.add_handlers(".*$", [(serverapp.base_url + "loop-monitor", LoopMonitorHandler)])
    serverapp.io_loop.add_callback(MONITOR.start)
