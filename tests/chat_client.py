"""A minimal client of the chat protocol for the tests, backed by a real kernel that plays the browser."""

from __future__ import annotations

import json

from ci_jupyterlab.agent.events import RunCell


class Chat:
    """A minimal client of the chat protocol, backed by a real kernel."""

    def __init__(self, ws, kernel=None, session="s-1"):
        self.ws, self.kernel, self.session = ws, kernel, session
        self.approve = False  # the answer to approval requests
        self.received: list[dict] = []

    async def send(self, **message):
        message.setdefault("protocol", 2)
        message.setdefault("session", self.session)
        await self.ws.write_message(json.dumps(message))

    async def next(self) -> dict:
        message = json.loads(await self.ws.read_message())
        self.received.append(message)
        return message

    async def ask(self, text: str, **fields) -> list[dict]:
        """Send a request, run its cells in the kernel, return every message until done."""
        start = len(self.received)
        await self.send(
            type="user_message", text=text, notebook={"path": "work/a.ipynb", "kernel_language": "python"}, **fields
        )
        while (message := await self.next())["type"] != "done":
            if message["type"] == "inspect":
                stdout = await self.kernel.inspect(message["code"], message["timeout"])
                await self.send(type="inspect_result", call_id=message["call_id"], stdout=stdout)
            elif message["type"] == "approval_request":
                await self.send(type="approval", request_id=message["request_id"], approved=self.approve)
            elif message["type"] == "run_cell":
                fields = {k: message[k] for k in ("call_id", "code", "step", "attempt", "replaces", "timeout")}
                result = await self.kernel.run(RunCell(**fields))
                await self.send(
                    type="execution_result",
                    call_id=message["call_id"],
                    status=result.status,
                    outputs=result.outputs,
                    execution_count=result.execution_count,
                )
        return self.received[start:]
