"""Chat sessions driven over the protocol of docs/protocol.md.

No tornado here: a ``ChatConnection`` is given a ``send`` function and fed raw
frames, so it can be tested without a server. Conversations live in a
``SessionStore`` that outlives connections, so a reloaded page continues them,
and that saves each one to disk after every request, so a restarted server
continues them too.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .agent.events import Done, Error, RunCell, Status
from .agent.executor import ExecutionResult
from .agent.file_watch import FileWatchingExecutor
from .agent.llm import LLMClient
from .agent.loop import Agent, Conversation
from .agent.kernel_context import kernel_context
from .agent.previews import describe_attachments
from .agent.record import SessionRecord
from .agent.settings import CodeInterpreter
from .protocol import (
    PROTOCOL_VERSION,
    ApprovalMessage,
    ExecutionResultMessage,
    InspectResultMessage,
    ProtocolError,
    StopMessage,
    UserMessage,
    parse_client_message,
)
from .session_files import SavedSession, SessionFiles

log = logging.getLogger(__name__)

#: Extra seconds to wait for the browser beyond the cell timeout before giving up.
RESPONSE_GRACE = 60.0

Send = Callable[[dict], None]


class PendingReplies:
    """Answers the client owes us, by id: a cell's result, an inspection, an approval.

    The request goes out as a message first; ``wait`` is called right after,
    before the event loop can deliver a reply, so no reply is missed.
    """

    def __init__(self):
        self._futures: dict[str, asyncio.Future] = {}

    async def wait(self, reply_id: str, timeout: float | None):
        """The reply, or None when it did not come in time."""
        future = asyncio.get_running_loop().create_future()
        self._futures[reply_id] = future
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._futures.pop(reply_id, None)

    def deliver(self, reply_id: str, value) -> bool:
        """Hand a reply to whoever waits for it; False if nobody does (stale or stopped)."""
        future = self._futures.get(reply_id)
        if future is None or future.done():
            return False
        future.set_result(value)
        return True


class BrowserExecutor:
    """Runs cells in the user's notebook: the client runs each ``run_cell`` and answers.

    The ``run_cell`` message itself is the event the loop yields just before
    calling ``run``; ``run`` only waits for the matching ``execution_result``.
    ``inspect`` sends its own message: the client runs the snippet silently in
    the notebook's kernel and answers with what it printed.
    """

    def __init__(self, grace: float = RESPONSE_GRACE):
        self.grace = grace
        self.replies = PendingReplies()
        self.send: Callable[[dict], None] | None = None  # set by the connection driving a request

    async def run(self, cell: RunCell) -> ExecutionResult:
        result = await self.replies.wait(cell.call_id, cell.timeout + self.grace)
        return result if result is not None else ExecutionResult(status="no_response")

    async def inspect(self, code: str, timeout: float) -> str | None:
        if self.send is None:
            return None
        call_id = f"inspect-{uuid.uuid4().hex[:12]}"
        self.send({"type": "inspect", "call_id": call_id, "code": code, "timeout": timeout})
        return await self.replies.wait(call_id, timeout + 1.0)


@dataclass
class ChatSession:
    """One conversation: its model history and the request running in it."""

    id: str
    notebook_path: str | None = None  # relative to the server's root
    conversation: Conversation = field(default_factory=Conversation)
    record: SessionRecord = field(default_factory=SessionRecord)
    executor: BrowserExecutor = field(default_factory=BrowserExecutor)
    approvals: PendingReplies = field(default_factory=PendingReplies)
    task: asyncio.Task | None = None

    async def approve_install(self, request_id: str, packages: list[str]) -> bool:
        """The user's answer to the approval_request just sent (no answer: no)."""
        return bool(await self.approvals.wait(request_id, None))

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()


class SessionStore:
    """Every conversation this server knows, by session id, kept in ``files`` if given.

    Sessions are read from disk the first time they are asked for.
    """

    def __init__(self, files: SessionFiles | None = None):
        self.files = files
        self._sessions: dict[str, ChatSession] = {}

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
                self._sessions[session_id] = ChatSession(
                    saved.id, saved.notebook_path, saved.conversation, saved.record
                )
        return self._sessions.get(session_id)

    def record_of(self, session_id: str) -> SessionRecord | None:
        session = self.find(session_id)
        return session.record if session is not None else None

    def save(self, session: ChatSession) -> None:
        """Write the session to disk; a failure is logged, the conversation goes on."""
        if self.files is None:
            return
        try:
            self.files.save(SavedSession(session.id, session.notebook_path, session.record, session.conversation))
        except (OSError, TypeError, ValueError):
            log.exception("Could not save the code interpreter session %s", session.id)

    def summaries(self, notebook_path: str | None = None) -> list[dict]:
        """The saved sessions (of one notebook, if given), newest first."""
        return self.files.summaries(notebook_path) if self.files is not None else []


class ChatConnection:
    """One client: routes its frames to sessions and sends back the agent's events."""

    def __init__(
        self,
        settings: CodeInterpreter,
        store: SessionStore,
        llm: Callable[[], LLMClient],
        send: Send,
        root: Path,
    ):
        self.root = root  # the server's root folder: notebook and attachment paths are relative to it
        self.settings = settings
        self.store = store
        self.llm = llm
        self.send = send
        self._tasks: set[asyncio.Task] = set()

    def hello(self) -> dict:
        view = self.settings.public_view()
        return {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "configured": view["configured"],
            "model": view["model"],
            "problem": view["problem"],
        }

    def receive(self, raw: str | bytes) -> None:
        """Act on one frame from the client; problems are answered, never raised."""
        try:
            message = parse_client_message(raw)
            if isinstance(message, UserMessage):
                self._start(message)
            elif isinstance(message, ExecutionResultMessage):
                self._deliver(self.store.get(message.session).executor.replies, message.call_id, message.result)
            elif isinstance(message, InspectResultMessage):
                self._deliver(self.store.get(message.session).executor.replies, message.call_id, message.stdout)
            elif isinstance(message, ApprovalMessage):
                self._deliver(self.store.get(message.session).approvals, message.request_id, message.approved)
            elif isinstance(message, StopMessage):
                self._stop(message.session)
        except ProtocolError as exc:
            self._send_error(exc.session, exc.message, exc.hint)

    @staticmethod
    def _deliver(replies: PendingReplies, reply_id: str, value) -> None:
        if not replies.deliver(reply_id, value):
            log.debug("Ignoring a reply for %s: nothing waits for it.", reply_id)

    def close(self) -> None:
        """The client went away: nobody can run its cells any more."""
        for task in list(self._tasks):
            task.cancel()

    def _start(self, message: UserMessage) -> None:
        session = self.store.get(message.session)
        if session.busy:
            raise ProtocolError(
                "A request is already running in this conversation.",
                "Wait for it to finish, or press Stop.",
                message.session,
            )
        problem = self.settings.problem()
        if problem is not None:
            self._send_error(message.session, problem.message, problem.hint)
            self._send(message.session, Done("error").to_message())
            return
        session.conversation.language = message.notebook.kernel_language
        session.notebook_path = message.notebook.path or session.notebook_path
        session.task = asyncio.create_task(self._drive(session, message))
        self._tasks.add(session.task)
        session.task.add_done_callback(self._tasks.discard)

    def _stop(self, session_id: str) -> None:
        session = self.store.get(session_id)
        if session.busy:
            session.task.cancel()
        else:
            self._send(session_id, Status("stopped").to_message())
            self._send(session_id, Done("stopped").to_message())

    async def _drive(self, session: ChatSession, message: UserMessage) -> None:
        agent = Agent(
            self.llm(),
            self._watching(session.executor, message.notebook.path),
            session.conversation,
            max_attempts=self.settings.max_attempts,
            max_rounds=self.settings.max_rounds,
            prompt_budget=self.settings.prompt_budget,
            cell_timeout=self.settings.cell_timeout,
            secrets=(self.settings.api_key,),
            record=session.record,
            approve_install=session.approve_install,
        )
        try:
            session.executor.send = lambda out: self._send(session.id, out)
            live = await kernel_context(agent.executor, message.notebook.kernel_language)
            context = "\n\n".join(
                part for part in (describe_attachments(self.root, message.attachments), live) if part
            )
            async for event in agent.run(message.text, notebook_path=message.notebook.path, context=context):
                self._send(session.id, event.to_message())
        except asyncio.CancelledError:
            self._send(session.id, Status("stopped", message="Stopped by the user.").to_message())
            self._send(session.id, Done("stopped").to_message())
        except Exception:  # a bug of ours: tell the user rather than go silent
            log.exception("The code interpreter failed in session %s", session.id)
            self._send_error(session.id, "The code interpreter hit an internal error.", "See the server log.")
            self._send(session.id, Done("error").to_message())
        finally:
            self.store.save(session)

    def _watching(self, executor: BrowserExecutor, notebook_path: str | None):
        """Report the files each step writes next to the notebook (not the notebook itself)."""
        if not notebook_path:
            return executor
        notebook = self.root / notebook_path
        return FileWatchingExecutor(executor, notebook.parent, self.root, ignore={notebook.name})

    def _send(self, session_id: str | None, message: dict) -> None:
        self.send({**message, "session": session_id} if session_id else message)

    def _send_error(self, session_id: str | None, message: str, hint: str) -> None:
        self._send(session_id, Error(message, hint).to_message())
