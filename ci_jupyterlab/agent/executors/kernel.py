"""Run cells in a kernel of our own, through jupyter_client.

Used by the headless runner, the tests and the benchmarks. Outputs are built
with nbformat from the kernel's iopub messages, exactly as a notebook records
them.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import output_from_msg

from ..events import RunCell
from .base import ExecutionResult, append_output

#: How long an interrupted cell may take to wind down before we give up on it.
INTERRUPT_GRACE = 10.0
#: How often to check, while waiting for output, whether the kernel is alive.
LIVENESS_POLL = 1.0

_OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error"}


class KernelExecutor:
    """An ``Executor`` backed by a kernel that this object starts and owns, or one it is ``attached`` to.

    ``manager_class``: another jupyter_client kernel manager class, such as
    one whose kernels start on a gateway (``ci_jupyterlab.gateway``); its
    client's ``start_channels`` may be a coroutine.
    """

    def __init__(
        self,
        kernel_name: str = "python3",
        cwd: str | Path | None = None,
        env: dict[str, str | None] | None = None,
        manager_class: type = AsyncKernelManager,
        *,
        manager=None,
    ):
        self.kernel_name = kernel_name
        self.cwd = str(cwd) if cwd else None
        self.env = env  # set over this process's environment for the kernel; None removes a variable
        self.owns_kernel = manager is None
        self.manager = manager_class(kernel_name=kernel_name) if manager is None else manager
        self.client = None
        self.language: str | None = None

    @classmethod
    async def attached(cls, manager) -> KernelExecutor:
        """An executor on a running kernel that someone else started and keeps (a Jupyter server's ``manager``):
        shutting the executor down leaves the kernel running."""
        executor = cls(manager.kernel_name, manager=manager)
        await executor._connect()
        return executor

    async def start(self) -> KernelExecutor:
        # start_kernel takes env as the kernel's whole environment, so merge ours over it
        merged = {**os.environ, **(self.env or {})}
        options = {"env": {name: value for name, value in merged.items() if value is not None}} if self.env else {}
        await self.manager.start_kernel(cwd=self.cwd, **options)
        await self._connect()
        return self

    async def _connect(self) -> None:
        self.client = self.manager.client()
        started = self.client.start_channels()
        if inspect.isawaitable(started):
            await started
        await self.client.wait_for_ready(timeout=60)
        self.language = await self._language()

    async def _language(self) -> str | None:
        """The kernel's language: from its local kernel spec, else from the kernel itself (a remote kernel)."""
        try:
            spec = self.manager.kernel_spec
        except Exception:  # no such spec here: the kernel runs elsewhere
            spec = None
        if spec is not None:
            return spec.language
        reply = await self.client.kernel_info(reply=True, timeout=10)
        return reply["content"].get("language_info", {}).get("name")

    async def shutdown(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
        if self.owns_kernel and await self.manager.is_alive():
            await self.manager.shutdown_kernel(now=True)

    async def __aenter__(self) -> KernelExecutor:
        return await self.start()

    async def __aexit__(self, *exc_info) -> None:
        await self.shutdown()

    async def run(self, cell: RunCell) -> ExecutionResult:
        """Execute ``cell.code``; interrupt it after ``cell.timeout`` seconds."""
        started = time.perf_counter()
        msg_id = self.client.execute(cell.code, store_history=True, allow_stdin=False)
        outputs: list[dict] = []
        status = "ok"
        try:
            idle = await self._collect(msg_id, outputs, deadline=started + cell.timeout)
            if not idle:
                status = "timeout" if await self.manager.is_alive() else "kernel_dead"
                if status == "timeout":
                    await self.manager.interrupt_kernel()
                    await self._collect(msg_id, outputs, deadline=time.perf_counter() + INTERRUPT_GRACE)
        except asyncio.CancelledError:
            # The user stopped the request: do not leave the kernel busy.
            if await self.manager.is_alive():
                await self.manager.interrupt_kernel()
            raise
        for output in outputs:
            output.pop("transient", None)  # only needed while updates can arrive
        if status == "ok" and any(o["output_type"] == "error" for o in outputs):
            status = "error"
        return ExecutionResult(
            status=status,
            outputs=outputs,
            execution_count=await self._execution_count(msg_id),
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    async def inspect(self, code: str, timeout: float) -> str | None:
        """Run ``code`` out of sight and return what it printed; None if it took too long.

        Silent: no execution count, no history, no output in any notebook.
        """
        msg_id = self.client.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
        outputs: list[dict] = []
        if not await self._collect(msg_id, outputs, deadline=time.perf_counter() + timeout):
            if await self.manager.is_alive():  # still running our snippet: free the kernel
                await self.manager.interrupt_kernel()
                await self._collect(msg_id, [], deadline=time.perf_counter() + INTERRUPT_GRACE)
            return None
        return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")

    async def _collect(self, msg_id: str, outputs: list[dict], *, deadline: float) -> bool:
        """Gather outputs of ``msg_id`` until the kernel is idle (True) or time runs out."""
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            try:
                message = await self.client.get_iopub_msg(timeout=min(remaining, LIVENESS_POLL))
            except Exception:  # queue.Empty: no message within the poll interval
                if not await self.manager.is_alive():
                    return False
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "status" and message["content"]["execution_state"] == "idle":
                return True
            if kind == "clear_output":
                outputs.clear()
            elif kind == "update_display_data":
                _update_display(outputs, message["content"])
            elif kind in _OUTPUT_MESSAGES:
                append_output(outputs, _with_display_id(output_from_msg(message), message["content"]))

    async def _execution_count(self, msg_id: str) -> int | None:
        """The execution count from the shell reply, if it came."""
        try:
            while True:
                reply = await self.client.get_shell_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"].get("execution_count")
        except Exception:  # queue.Empty: no reply (kernel died or was interrupted hard)
            return None


def _with_display_id(output, content: dict) -> dict:
    """Remember a display's id (kept out of the saved output) so updates can find it."""
    output = dict(output)
    display_id = content.get("transient", {}).get("display_id")
    if display_id:
        output["transient"] = {"display_id": display_id}
    return output


def _update_display(outputs: list[dict], content: dict) -> None:
    """Apply ``update_display_data`` to every earlier output of that display, as notebooks do."""
    display_id = content.get("transient", {}).get("display_id")
    for output in outputs:
        if display_id and output.get("transient", {}).get("display_id") == display_id:
            output["data"], output["metadata"] = content["data"], content.get("metadata", {})
