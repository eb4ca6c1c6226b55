"""What a request is told besides the user's words, one small provider per kind.

A provider is called with the request's executor and says its part, or ""
when it has nothing to say. Front ends pass the ones they have:

- ``Attachments``: the files the user attached, with previews (panel, CLI);
- ``LiveKernelState``: the kernel's variables and files, looked up silently
  through the executor (panel, CLI);
- ``KernelEnvironment``: which analysis libraries and OS programs the kernel
  has (asked once per kernel), and a CJK font for charts when the request is
  written in Chinese, Japanese or Korean (panel, CLI, ``%%ci``);
- ``NamespaceSummary``: the variables of the kernel ``%%ci`` runs in, read on
  the kernel's main thread before the request starts.

What they say is redacted with everything else model-bound, by the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .context import describe_namespace
from .environment import kernel_environment
from .executors import Executor
from .kernel_context import kernel_context
from .previews import describe_attachments


class ContextProvider(Protocol):
    async def __call__(self, executor: Executor) -> str: ...


@dataclass(frozen=True)
class Attachments:
    """Files attached to the request: ``names`` relative to ``root``."""

    root: Path
    names: Sequence[str]

    async def __call__(self, executor: Executor) -> str:
        # Previews read the files (an Excel workbook, a big CSV): off the event loop.
        return await asyncio.to_thread(describe_attachments, self.root, list(self.names))


@dataclass(frozen=True)
class LiveKernelState:
    """The kernel's live state, for kernels of this language (only Python is looked into)."""

    language: str | None

    async def __call__(self, executor: Executor) -> str:
        return await kernel_context(executor, self.language)


@dataclass(frozen=True)
class KernelEnvironment:
    """The kernel's libraries and programs, for kernels of this language (only Python is asked)."""

    language: str | None
    request: str = ""  # its script decides the chart font

    async def __call__(self, executor: Executor) -> str:
        return await kernel_environment(executor, self.language, self.request)


@dataclass(frozen=True)
class NamespaceSummary:
    """A summary of variables made beforehand, where they live (``of``)."""

    text: str

    @classmethod
    def of(cls, namespace: dict, budget_chars: int) -> NamespaceSummary:
        return cls(describe_namespace(namespace, budget_chars))

    async def __call__(self, executor: Executor) -> str:
        return f"Variables in the kernel:\n{self.text}"


async def gather_context(providers: Sequence[ContextProvider], executor: Executor) -> str:
    """What the providers say, in order, blank ones left out."""
    parts = [await provider(executor) for provider in providers]
    return "\n\n".join(part for part in parts if part)
