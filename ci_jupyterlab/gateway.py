"""Kernels on a Jupyter Kernel Gateway or Enterprise Gateway, for the commands that start kernels themselves.

A Jupyter server started with ``--gateway-url`` already runs the notebooks'
kernels on the gateway: jupyter_server swaps its kernel managers for gateway
ones, and the panel's cells and silent lookups go there through the browser's
kernel connection. ``jupyter ci run`` and ``jupyter ci export`` start kernels
of their own (the run's kernel, the verification's); with ``--gateway-url``
(or ``JUPYTER_GATEWAY_URL``) they start them on the gateway too, through the
same jupyter_server classes, with two changes:

- the kernel's name is the one asked for (the gateway manager reads it only
  from the ``start_kernel`` call, so nbclient's ``kernel_name`` was lost);
- the channel queues wait without spinning (jupyter_server's poll the queue
  with ``asyncio.sleep(0)``, a busy loop that holds a core while a cell runs).

The key: a gateway manager sends the kernel the variables of *this* process
whose names start with ``KERNEL_`` or are listed in
``GatewayClient.allowed_envs``, whatever ``env`` it is given, so a variable
cannot be removed from what is sent, only overridden. ``remote_key_env`` gives
the overrides that blank every variable holding the key.
"""

from __future__ import annotations

import asyncio
import os
from queue import Empty
from time import monotonic

from jupyter_server.gateway.gateway_client import GatewayClient
from jupyter_server.gateway.managers import ChannelQueue, GatewayKernelClient, GatewayKernelManager, HBChannelQueue

from .kernel_env import key_variables

#: How often a waiting channel looks for a message (seconds): often enough to add no latency that matters.
POLL = 0.002


def use_gateway(url: str | None) -> bool:
    """Point this process's gateway client at ``url`` (if given); whether kernels go to a gateway."""
    client = GatewayClient.instance()
    if url:
        client.url = url
    return client.gateway_enabled


def remote_key_env(key: str) -> dict[str, str]:
    """Overrides that send the gateway an empty value for every variable of ours that holds the key."""
    return dict.fromkeys(key_variables(dict(os.environ), key), "")


class _PoliteQueue(ChannelQueue):
    """A channel queue that sleeps between looks instead of spinning."""

    async def _async_get(self, timeout=None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            try:
                return self.get(block=False)
            except Empty:
                if self.response_router_finished:
                    raise RuntimeError("Response router had finished") from None
                if deadline is not None and monotonic() > deadline:
                    raise
                await asyncio.sleep(POLL)


class _PoliteHBQueue(HBChannelQueue, _PoliteQueue):
    pass


class RemoteKernelClient(GatewayKernelClient):
    """jupyter_server's gateway kernel client, with queues that do not spin."""

    def _queue(self, name: str, kind: type = _PoliteQueue) -> ChannelQueue:
        attribute = f"_{name}_channel"
        if getattr(self, attribute) is None:
            queue = kind(name, self.channel_socket, self.log)
            setattr(self, attribute, queue)
            self._channel_queues[name] = queue
        return getattr(self, attribute)

    shell_channel = property(lambda self: self._queue("shell"))
    iopub_channel = property(lambda self: self._queue("iopub"))
    stdin_channel = property(lambda self: self._queue("stdin"))
    control_channel = property(lambda self: self._queue("control"))
    hb_channel = property(lambda self: self._queue("hb", _PoliteHBQueue))


def remote_kernel_manager_class(key: str = "") -> type[GatewayKernelManager]:
    """A kernel manager class (for ``KernelExecutor`` and nbclient) whose kernels start on the gateway.

    Their environment gets none of the variables that hold ``key``.
    """

    class RemoteKernelManager(GatewayKernelManager):
        client_factory = RemoteKernelClient

        async def start_kernel(self, **kwargs):
            kwargs.setdefault("kernel_name", self.kernel_name)
            kwargs["env"] = {**(kwargs.get("env") or {}), **remote_key_env(key)}
            return await super().start_kernel(**kwargs)

    return RemoteKernelManager
