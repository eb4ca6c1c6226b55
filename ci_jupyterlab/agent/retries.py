"""Retries of a model request that failed for now, ours, around the openai client's public API.

A 429, a 408/409, a 5xx, a timeout or a dropped connection before the answer
starts is tried again, with exponential backoff (0.5 s doubling to 8 s, less a
random quarter) or the wait the server asks for (``Retry-After``, up to a
minute). The openai client is built with ``max_retries=0``: doing the retries
here lets each wait be shown ("rate-limited: retrying in about 2 s") without
reaching into the client's private methods.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import openai

from .model_client import Retrying

T = TypeVar("T")

#: Statuses worth sending again: timeout, conflict, rate limit, and the server's own failures.
_RETRY_STATUSES = frozenset({408, 409, 429})
#: The longest wait a server may ask for that is honoured; past it, our own backoff applies.
_LONGEST_ASKED_WAIT = 60.0


@dataclass(frozen=True)
class Backoff:
    """How many times to retry, and how long to wait before each."""

    retries: int
    first: float = 0.5
    longest: float = 8.0

    def wait(self, retry: int, headers=None) -> float:
        """Seconds before retry number ``retry`` (0-based): the server's ``Retry-After``, else exponential."""
        asked = _asked_wait(headers)
        if asked is not None:
            return asked
        return min(self.longest, self.first * 2**retry) * (1 - 0.25 * random.random())


def _asked_wait(headers) -> float | None:
    """The wait a response asks for (``retry-after-ms``, or ``retry-after`` in seconds or as a date)."""
    if headers is None:
        return None
    seconds = None
    try:
        if headers.get("retry-after-ms"):
            seconds = float(headers["retry-after-ms"]) / 1000
        elif headers.get("retry-after"):
            value = headers["retry-after"]
            try:
                seconds = float(value)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if seconds is not None and 0 < seconds <= _LONGEST_ASKED_WAIT else None


def retryable(exc: Exception) -> bool:
    """Whether a failure is worth sending the request again for."""
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        told = exc.response.headers.get("x-should-retry")
        if told in ("true", "false"):
            return told == "true"
        return exc.status_code in _RETRY_STATUSES or exc.status_code >= 500
    return False


def notice(exc: Exception, seconds: float, retry: int, retries: int) -> Retrying:
    """What the user is told while the request waits to be sent again."""
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    if status == 429:
        why = "The model server is rate-limiting requests (429)"
    elif status is not None:
        why = f"The model server failed (HTTP {status})"
    elif isinstance(exc, openai.APITimeoutError):
        why = "The model server did not answer in time"
    else:
        why = "The connection to the model server dropped"
    return Retrying(f"{why}: retrying in about {seconds:.0f} s (retry {retry} of {retries}).", seconds)


async def with_retries(send: Callable[[], Awaitable[T]], backoff: Backoff) -> AsyncIterator[Retrying | T]:
    """Await ``send()``; while it fails for now, yield a ``Retrying``, wait, and send again.

    The last item is what ``send()`` returned; a failure that is not worth
    retrying, or the last one, is raised as the openai client raised it.
    """
    for retry in range(backoff.retries + 1):
        try:
            result = await send()
        except openai.APIError as exc:
            if retry == backoff.retries or not retryable(exc):
                raise
            response = getattr(exc, "response", None)
            seconds = backoff.wait(retry, response.headers if response is not None else None)
            yield notice(exc, seconds, retry + 1, backoff.retries)
            await asyncio.sleep(seconds)
        else:
            yield result
            return


async def retried(send: Callable[[], Awaitable[T]], backoff: Backoff) -> T:
    """``send()``'s result, retried as ``with_retries`` does, its waits not shown."""
    async for item in with_retries(send, backoff):
        result = item
    return result
