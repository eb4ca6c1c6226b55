"""A server extension of the benchmarks (not of the product): how late the server's event loop runs.

Loaded by benchmarks/concurrency.py with
``--ServerApp.jpserver_extensions={"loop_monitor": True}`` and this folder on
PYTHONPATH. A callback asks to run every ``INTERVAL`` seconds and records how
much later than asked it ran: any code that holds the loop (a blocking read,
a long computation between two awaits) shows up as that lateness.

Lateness has two causes: the server's own work holding the loop (code of
ours or of Jupyter, or another thread of the process holding the GIL), and a
machine too busy to run the server at all (on 2 cores, 50 kernels, the
clients and the model server compete with it). To tell them apart, each look
also records the CPU time the server process used meanwhile: a stall *with*
the process busy for as long (``min(lateness, CPU time)``) is the server's
own; one without is the machine's.

``GET /loop-monitor`` answers ``{"count", "max_ms", "p99_ms", "over_20ms",
"busy_max_ms", "busy_p99_ms", "busy_over_20ms", "gc_full_collections",
"gc_max_ms", "gc_tracked_objects"}`` since the last ``POST /loop-monitor`` (which resets it): the
last two, the full garbage collections and the longest of them, which stop
every thread.

To find what stalls it: ``LOOP_MONITOR_SLOW_MS=20`` turns on asyncio's debug
mode, which logs every callback or task step that ran longer than that;
``LOOP_MONITOR_GC_FREEZE=1`` calls ``gc.freeze()`` once the server has
started, to see how much of the full garbage collections' pause that saves.
"""

from __future__ import annotations

import asyncio
import gc
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
        self.busy: list[float] = []  # the part of each lateness during which this process ran
        self.gc_pauses: list[float] = []  # how long each full (generation 2) garbage collection took
        self._gc_started = 0.0
        self._task: asyncio.Task | None = None

    def _on_gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)

    def start(self) -> None:
        loop = asyncio.get_event_loop()
        slow = os.environ.get("LOOP_MONITOR_SLOW_MS")
        if slow:
            loop.set_debug(True)
            loop.slow_callback_duration = float(slow) / 1000
        gc.callbacks.append(self._on_gc)
        if os.environ.get("LOOP_MONITOR_GC_FREEZE"):
            gc.freeze()  # an experiment: what the server has made by now is never scanned again
        self._task = loop.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            asked, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(INTERVAL)
            late = time.perf_counter() - asked - INTERVAL
            self.lateness.append(late)
            self.busy.append(min(late, time.process_time() - cpu))

    def stats(self) -> dict:
        result = {"count": len(self.lateness)}
        for name, values in (("", self.lateness), ("busy_", self.busy)):
            ordered = sorted(values) or [float("nan")]
            result[f"{name}max_ms"] = ordered[-1] * 1000
            result[f"{name}p99_ms"] = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
            result[f"{name}over_20ms"] = sum(value > 0.020 for value in ordered)
        result["gc_full_collections"] = len(self.gc_pauses)
        result["gc_max_ms"] = max(self.gc_pauses, default=0.0) * 1000
        result["gc_tracked_objects"] = len(gc.get_objects())
        return result


MONITOR = LoopMonitor()


class LoopMonitorHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.finish(json.dumps(MONITOR.stats()))

    @web.authenticated
    def post(self):
        MONITOR.lateness.clear()
        MONITOR.busy.clear()
        MONITOR.gc_pauses.clear()
        self.finish(json.dumps({"reset": True}))


def _jupyter_server_extension_points():
    return [{"module": "loop_monitor"}]


def _load_jupyter_server_extension(serverapp):
    serverapp.web_app.add_handlers(".*$", [(serverapp.base_url + "loop-monitor", LoopMonitorHandler)])
    serverapp.io_loop.add_callback(MONITOR.start)
