"""Kernels do not inherit the key the server uses for the model.

The model's code runs in the user's kernels; a key in their environment is
one ``print(os.environ)`` (or a reversed print, past any redaction) away from
the notebook and the model. So every kernel this server starts gets the
server's environment minus ``OPENAI_API_KEY`` and any variable whose value
holds the configured key (``HTTP_AUTH_HEADER="Bearer <key>"`` too).
``c.CodeInterpreter.share_key_with_kernels = True`` is the escape hatch for
users who want ``%%ci`` to find the key in its kernel.

With ``--gateway-url`` the kernels run on a Kernel or Enterprise Gateway, and
what they get of this server's environment is decided by jupyter_server's
gateway manager: the variables whose names start with ``KERNEL_`` or are in
``GatewayClient.allowed_envs``, read from this process whatever ``env`` says.
A variable cannot be left out of that, only overridden, so for a gateway the
variables holding the key are sent empty (``remote=True``). The gateway's own
environment, where the kernel really starts, has no key of ours at all.

This is defence in depth, not a wall: code in a kernel runs with the user's
rights and could still read the server's files or process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from .agent.redaction import MIN_SECRET_LENGTH

#: The variable the openai client, and so our configuration, reads the key from.
KEY_VARIABLE = "OPENAI_API_KEY"


def key_variables(environ: dict[str, str], key: str) -> set[str]:
    """The key variable, and any variable whose value holds the key (``Bearer <key>``), or the key reversed."""
    return {KEY_VARIABLE} | {name for name, value in environ.items() if key and _holds(value, key)}


def _holds(value: str, key: str) -> bool:
    if len(key) < MIN_SECRET_LENGTH:  # too short to look for inside other values: only the value itself
        return value == key
    return key in value or key[::-1] in value


def without_key(environ: dict[str, str], key: str) -> dict[str, str]:
    """``environ`` minus the variables that hold the key."""
    hidden = key_variables(environ, key)
    return {name: value for name, value in environ.items() if name not in hidden}


def verification_env(settings) -> dict[str, str] | None:
    """The environment of an export's verification kernel: ours without the key (None: ours as it is).

    nbclient starts that kernel itself, past the server's kernel manager, so it
    gets the same treatment here; ``settings`` is a ``CodeInterpreter``.
    """
    if settings.share_key_with_kernels:
        return None
    return without_key(dict(os.environ), settings.api_key)


def with_key_blanked(environ: dict[str, str], key: str) -> dict[str, str]:
    """``environ`` with every variable that holds the key, here or in this process, set empty."""
    return {**environ, **dict.fromkeys(key_variables({**os.environ, **environ}, key), "")}


def keep_key_out_of_kernels(kernel_manager, key: Callable[[], str], *, remote: bool = False) -> None:
    """Make ``kernel_manager`` start (and so restart) every kernel without the key in its environment.

    The server starts kernels with ``env`` from the session's request, or its
    own environment when none is given (jupyter_client's provisioner); either
    way it passes through here first. ``remote``: the kernels start on a
    gateway, which re-reads this process's environment (see above).
    """
    start_kernel = kernel_manager.start_kernel

    @functools.wraps(start_kernel)
    async def start_kernel_without_key(*args, **kwargs):
        if remote:
            kwargs["env"] = with_key_blanked(kwargs.get("env") or {}, key())
        else:
            kwargs["env"] = without_key(kwargs.get("env") or dict(os.environ), key())
        return await start_kernel(*args, **kwargs)

    kernel_manager.start_kernel = start_kernel_without_key
