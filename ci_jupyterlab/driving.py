"""How a request runs in a session, whoever sent it: the panel's user, or an outside agent over MCP.

``drive`` shows each event of the agent to the session's windows (and logs it
for the history), saves the session after each step and at the end, and ends
the request in words when it is cut short: stopped by the user, interrupted
because its window went away, or broken by a bug of ours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from .agent import Agent, CellDone, Event
from .agent.events import ending
from .agent.request_state import STOPPED_MESSAGE
from .sessions import ChatSession, SessionStore

log = logging.getLogger(__name__)


async def drive(
    session: ChatSession,
    store: SessionStore,
    agent: Agent,
    events: AsyncIterator[Event],
    observe: Callable[[Event], None] | None = None,
) -> None:
    """Run the request whose ``events`` the agent yields; ``observe`` sees each one too (as shown)."""
    session.cancelled_because = None
    session.agent = agent
    try:
        store.save_soon(session)
        async for event in events:
            session.emit(event.to_message())
            if observe is not None:
                observe(event)
            if isinstance(event, CellDone):
                store.save_soon(session)
    except asyncio.CancelledError:
        if session.cancelled_because is not None:
            if agent.current is not None:
                agent.current.done_reason = "interrupted"
            _end(session, ending("interrupted", session.cancelled_because), observe)
        else:
            _end(session, ending("stopped", STOPPED_MESSAGE), observe)
    except Exception:  # a bug of ours: tell the user rather than go silent
        log.exception("The code interpreter failed in session %s", session.id)
        _end(session, ending("error", "The code interpreter hit an internal error.", "See the server log."), observe)
    finally:
        # Written in the background: a new request may start as soon as "done" is shown.
        session.agent = None
        store.save_soon(session)


def _end(session: ChatSession, events: list[Event], observe: Callable[[Event], None] | None) -> None:
    for event in events:
        session.emit(event.to_message())
        if observe is not None:
            observe(event)
