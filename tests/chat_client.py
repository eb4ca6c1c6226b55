"""A minimal client of the chat protocol for the tests, backed by a real kernel that plays the browser."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict

from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.notebook_file import NotebookFileExecutor
from ci_jupyterlab.agent.notebook_view import snapshot_of
from ci_jupyterlab.testing.panel_client import KEYED_MESSAGES


class Chat:
    """A minimal client of the chat protocol, backed by a real kernel.

    With a ``notebook`` (nbformat v4 as a dict), it also plays the panel's
    notebook: the view goes with each request, and each ``run_cell`` goes into
    that notebook (a new cell, or the cell an edit names) as the panel puts it.
    """

    def __init__(self, ws, kernel=None, session="s-1", notebook: dict | None = None, key: str | None = None):
        self.ws, self.kernel, self.session = ws, kernel, session
        # The conversation's key, as the panel keeps it in the browser: a reloaded page or a second tab
        # of the same browser passes the first window's ``key``.
        self.key = key or uuid.uuid4().hex
        self.approve = False  # the answer to approval requests
        self.always = False  # with it: "Always allow" (a tool of an MCP server)
        self.received: list[dict] = []
        self.notebook = notebook
        self.active: int | None = None

    def view(self) -> dict:
        """The notebook as the panel sends it (``notebook.cells``, ``active``, ``selected``)."""
        snapshot = snapshot_of(self.notebook, self.active)
        return {
            "cells": [asdict(cell) for cell in snapshot.cells],
            "active": self.active,
            "selected": [] if self.active is None else [self.active],
        }

    async def send(self, **message):
        message.setdefault("protocol", 3)
        message.setdefault("session", self.session)
        if message.get("type") in KEYED_MESSAGES:
            message.setdefault("key", self.key)
        await self.ws.write_message(json.dumps(message))

    async def next(self) -> dict:
        message = json.loads(await self.ws.read_message())
        self.received.append(message)
        return message

    async def ask(self, text: str, **fields) -> list[dict]:
        """Send a request, run its cells in the kernel, return every message until done."""
        start = len(self.received)
        await self.send(type="user_message", text=text, notebook=self.description(), **fields)
        await self.follow()
        return self.received[start:]

    def description(self, path: str = "work/a.ipynb") -> dict:
        """The notebook as the panel describes it: its path and kernel, and its view when it has one."""
        notebook = {"path": path, "kernel_language": "python"}
        if self.notebook is not None:
            notebook.update(self.view())
        return notebook

    async def follow(self) -> list[dict]:
        """Play the panel until the running request is done: run its cells, answer its lookups and approvals."""
        start = len(self.received)
        executor = (
            self.kernel if self.notebook is None else NotebookFileExecutor(self.kernel, self.notebook, self.session)
        )
        while (message := await self.next())["type"] != "done":
            if message["type"] == "describe_notebook":
                description = self.description(message["path"])
                await self.send(type="notebook_description", call_id=message["call_id"], notebook=description)
            elif message["type"] == "inspect":
                stdout = await self.kernel.inspect(message["code"], message["timeout"])
                await self.send(type="inspect_result", call_id=message["call_id"], stdout=stdout)
            elif message["type"] == "approval_request":
                await self.send(
                    type="approval", request_id=message["request_id"], approved=self.approve, always=self.always
                )
            elif message["type"] == "run_cell":
                fields = {
                    k: message.get(k) for k in ("call_id", "code", "step", "attempt", "replaces", "timeout", "cell_id")
                }
                result = await executor.run(RunCell(**fields))
                await self.send(
                    type="execution_result",
                    call_id=message["call_id"],
                    status=result.status,
                    outputs=result.outputs,
                    execution_count=result.execution_count,
                    cell_id=result.cell_id,
                    before=result.before,
                    before_outputs=result.before_outputs,
                    before_execution_count=result.before_execution_count,
                )
        return self.received[start:]

    async def run_user_cells(self) -> None:
        """Run the notebook's code cells in the kernel, as the user did before asking."""
        for number, cell in enumerate(self.notebook["cells"], 1):
            if cell["cell_type"] == "code" and cell["source"].strip():
                result = await self.kernel.run(RunCell(f"user-{number}", cell["source"], 0, 1, None, 60))
                cell["outputs"], cell["execution_count"] = result.outputs, result.execution_count
