"""Chat sessions: one conversation each, who drives it and who watches, and where it is kept.

A ``ChatSession`` outlives the websocket connections that talk to it: a page
reload attaches a new connection to the same session (continuing a request
that waits for the user's approval), and a second tab on the same notebook
watches the request the first one drives. Everything the session shows is
logged in its record, so a reloaded panel rebuilds exactly what was seen.

The ``SessionStore`` holds the sessions this server knows and writes each one
to disk off the event loop, at the start of a request, after each step and when
it ends, so that a restarted server loses at most the step that was running.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Protocol

from .agent import Agent, Conversation
from .agent.events import ApprovalRequest, Error, Question
from .agent.executors.browser import BrowserExecutor, PendingReplies
from .agent.questions import UserAnswer
from .agent.record import SessionRecord
from .session_files import SavedSession, SessionFiles

log = logging.getLogger(__name__)

#: Messages for the driver's eyes only: nobody else acts on them, and no view is rebuilt from them.
DRIVER_ONLY = frozenset({"inspect"})


class Peer(Protocol):
    """A client connection: something messages can be sent to."""

    def send(self, message: dict) -> None: ...


@dataclass(eq=False)
class ChatSession:
    """One conversation: its model history, its record, the request running in it and its clients."""

    id: str
    notebook_path: str | None = None  # relative to the server's root
    conversation: Conversation = field(default_factory=Conversation)
    record: SessionRecord = field(default_factory=SessionRecord)
    approvals: PendingReplies = field(default_factory=PendingReplies)  # and answers to questions
    questions: dict[str, Question] = field(default_factory=dict)  # asked and not answered yet, by request id
    executor: BrowserExecutor = field(default_factory=BrowserExecutor)
    task: asyncio.Task | None = None
    #: Why the request's task was cancelled, when not by the user's Stop.
    cancelled_because: str | None = None
    agent: Agent | None = None
    driver: Peer | None = None  # the client whose notebook runs the cells
    watchers: set = field(default_factory=set)
    save_failed: bool = False  # the last save failed, and the user was told
    #: The digest of the conversation's key (see ``admits``); None while nobody owns it.
    owner: str | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    @property
    def awaiting_approval(self) -> bool:
        """Whether the running request waits for the user's answer (an approval, a question), and for nothing else."""
        return self.busy and self.approvals.pending

    def admits(self, key: str | None) -> bool:
        """Whether a window presenting ``key`` may attach to this conversation, or send in it.

        The window that starts a conversation makes a key for it and keeps it
        in the browser (a reload, and the browser's other tabs, present it
        again); the first key presented makes the conversation its owner's,
        kept as a digest (with the session, so a server restart keeps it). A
        window without it (another browser, code with the server's token)
        may not attach, and so may not stop the conversation or answer its
        approvals. A conversation nobody owns yet (saved before keys were
        kept) belongs to the first window that presents one.
        """
        if self.owner is None:
            if key:
                self.owner = _digest(key)
            return True
        return bool(key) and hmac.compare_digest(self.owner, _digest(key))

    def attached(self, peer: Peer) -> bool:
        """Whether ``peer`` drives or watches this session (and so may stop it or answer it)."""
        return peer is self.driver or peer in self.watchers

    def emit(self, message: dict, *, to_driver: bool = True) -> None:
        """Show a message to the session's clients, and log it for the history (``inspect`` aside)."""
        kind = message.get("type")
        if kind not in DRIVER_ONLY:
            self.record.log(message)
        payload = {**message, "session": self.id}
        if to_driver and self.driver is not None:
            self.driver.send(payload)
        if kind not in DRIVER_ONLY:
            for watcher in list(self.watchers):
                watcher.send({**payload, "watch": True})

    def to_driver(self, message: dict) -> None:
        """A request only the driver's browser can answer (a silent lookup)."""
        if self.driver is not None:
            self.driver.send({**message, "session": self.id})

    def __post_init__(self):
        self.executor.send = self.to_driver

    def approve(self, request: ApprovalRequest):
        """The user's answer to the approval_request just emitted: True, False or edited code.

        No answer yet: keep waiting, across page reloads.
        """
        return self.approvals.wait(request.request_id, None)

    async def ask(self, question: Question) -> UserAnswer:
        """The user's answer to the question just emitted; it waits, across page reloads."""
        self.questions[question.request_id] = question
        try:
            return await self.approvals.wait(question.request_id, None)
        finally:
            self.questions.pop(question.request_id, None)

    def snapshot(self) -> SavedSession:
        """A copy to write from another thread while the request goes on changing this one."""
        return SavedSession(
            self.id,
            self.notebook_path,
            SessionRecord.from_dict(self.record.to_dict()),
            copy.deepcopy(self.conversation),
            owner=self.owner,
        )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class SessionStore:
    """Every conversation this server knows, by session id, kept in ``files`` if given.

    Sessions are read from disk the first time they are asked for; a request
    that was running when the server stopped comes back ended, "interrupted".
    """

    def __init__(self, files: SessionFiles | None = None):
        self.files = files
        self._sessions: dict[str, ChatSession] = {}
        self._write_locks: dict[str, asyncio.Lock] = {}
        self._writes: set[asyncio.Task] = set()

    def get(self, session_id: str) -> ChatSession:
        """The session, a new one if it was never seen."""
        session = self.find(session_id)
        if session is None:
            session = self._sessions[session_id] = ChatSession(session_id)
        return session

    def find(self, session_id: str) -> ChatSession | None:
        """The session, from memory or disk; None if it was never seen."""
        if session_id not in self._sessions and self.files is not None:
            saved = self.files.load(session_id)
            if saved is not None:
                saved.record.close_interrupted()
                self._sessions[session_id] = ChatSession(
                    saved.id, saved.notebook_path, saved.conversation, saved.record, owner=saved.owner
                )
        return self._sessions.get(session_id)

    def record_of(self, session_id: str) -> SessionRecord | None:
        session = self.find(session_id)
        return session.record if session is not None else None

    def busy_with(self, notebook_path: str | None) -> ChatSession | None:
        """The session running a request in this notebook, if any."""
        if not notebook_path:
            return None
        return next((s for s in self._sessions.values() if s.busy and s.notebook_path == notebook_path), None)

    def save_soon(self, session: ChatSession) -> None:
        """Write the session to disk in the background, in order, off the event loop.

        A save that fails is told to the session's windows (once, until one
        works again) and logged: the chat goes on, kept in memory.
        """
        if self.files is None:
            return
        try:
            snapshot = session.snapshot()
        except Exception as exc:  # its data cannot even be copied
            self._failed(session, exc)
            return
        task = asyncio.get_running_loop().create_task(self._save(session, snapshot))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def flush(self) -> None:
        """Wait for the writes started so far."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def _save(self, session: ChatSession, snapshot: SavedSession) -> None:
        lock = self._write_locks.setdefault(session.id, asyncio.Lock())
        async with lock:  # an older snapshot never lands after a newer one
            try:
                await asyncio.to_thread(self.files.save, snapshot)
            except Exception as exc:
                self._failed(session, exc)
            else:
                session.save_failed = False

    def _failed(self, session: ChatSession, exc: Exception) -> None:
        log.error("Could not save the code interpreter session %s", session.id, exc_info=exc)
        if session.save_failed:
            return
        session.save_failed = True
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        message = f"This conversation could not be saved ({reason}): a reload or a server restart would lose it."
        hint = "The notebook itself is saved as usual; the server log has the details."
        session.emit(Error(message, hint).to_message())

    def problem_of(self, session_id: str) -> str | None:
        """Why a saved session cannot be read, if its file is there and cannot be."""
        return self.files.problem_of(session_id) if self.files is not None else None

    def summaries(self, notebook_path: str | None = None) -> list[dict]:
        """The saved sessions (of one notebook, if given), newest first."""
        return self.files.summaries(notebook_path) if self.files is not None else []
