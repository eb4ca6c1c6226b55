"""Chat sessions driven over the protocol of docs/protocol.md.

No tornado here: a ``ChatConnection`` is given a ``send`` function and fed raw
frames, so it can be tested without a server. Conversations live in a
``SessionStore`` (sessions.py) that outlives connections.

Who may do what: the connection that sent a request drives it (its browser runs
the cells and answers lookups); other connections attached to the same session
(a second tab, a reloaded page) watch it and may stop it or answer its
approvals, but their cell results are not taken. Only a window holding the
conversation's key may attach or send in it (``ChatSession.admits``). A notebook runs one request at
a time, whichever conversation it comes from.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from .agent import (
    Agent,
    Assistant,
    Attachments,
    CodeInterpreter,
    DataProfile,
    Done,
    Error,
    Event,
    KernelEnvironment,
    LiveKernelState,
    Status,
    find_rules,
)
from .agent.events import ending
from .agent.executors.browser import PendingReplies
from .agent.executors.file_watch import FileWatchingExecutor
from .agent.executors.presence import NotebookPresenceExecutor
from .agent.questions import UserAnswer, checked_answer
from .driving import drive
from .protocol import (
    NOT_YOUR_CONVERSATION,
    PROTOCOL_VERSION,
    AnswerMessage,
    ApprovalMessage,
    AttachMessage,
    CellStateMessage,
    ExecutionResultMessage,
    InspectResultMessage,
    KernelCardMessage,
    NotebookDescriptionMessage,
    NotebookInfo,
    NotebookMovedMessage,
    OpenNotebooksMessage,
    ProtocolError,
    ReviewMessage,
    StopMessage,
    UndoMessage,
    UserMessage,
    parse_client_message,
)
from .server_messages import (
    ApprovalAnswer,
    Attached,
    DescribeNotebook,
    Hello,
    KernelCardShown,
    QuestionAnswer,
    ReviewShown,
    UndoShown,
    UserMessageShown,
)
from .sessions import ChatSession, SessionStore
from .user_config import SettingsPolicy
from .windows import Windows

log = logging.getLogger(__name__)

#: Seconds Stop waits for the running cell's partial outputs before ending the request without them.
STOP_GRACE = 10.0
WAITING_MESSAGE = "Waiting for the kernel: your cell is running."
DISCONNECTED_MESSAGE = "The page was closed or reloaded while the request ran."
NOT_YOURS = (
    "This conversation belongs to another window: it was started in another browser, or by a client that does "
    "not hold its key."
)
NOT_YOURS_HINT = "Its history stays shown here; your next request starts a new conversation."

Send = Callable[[dict], None]


class ChatConnection:
    """One client: routes its frames to sessions and sends back the agent's events."""

    def __init__(
        self,
        settings: CodeInterpreter,
        store: SessionStore,
        assistant: Callable[[], Assistant],
        send: Send,
        root: Path,
        windows: Windows | None = None,
    ):
        self.root = root.resolve()  # the server's root folder: notebook and attachment paths are relative to it
        self.settings = settings
        self.store = store
        self.assistant = assistant
        self.send = send
        self._sessions: set[ChatSession] = set()  # driven or watched by this connection
        #: The notebooks open in this window (path relative to the root) and the session each one shows.
        self.open_notebooks: dict[str, str] = {}
        self._descriptions = PendingReplies()  # answers to describe_notebook
        self.windows = windows
        if windows is not None:
            windows.add(self)

    def hello(self) -> dict:
        view = self.settings.public_view()
        return Hello(PROTOCOL_VERSION, view["configured"], view["model"], view["problem"]).to_message()

    def receive(self, raw: str | bytes) -> None:
        """Act on one frame from the client; problems are answered, never raised."""
        try:
            self._route(parse_client_message(raw))
        except ProtocolError as exc:
            self._send_error(exc.session, exc.message, exc.hint, exc.code)
        except Exception:  # a bug of ours: answer it, keep the socket and the other requests
            log.exception("The code interpreter could not handle a message")
            self._send_error(None, "The code interpreter could not handle that message.", "See the server log.")

    def _route(self, message) -> None:
        if isinstance(message, UserMessage):
            self._start(message)
        elif isinstance(message, OpenNotebooksMessage):
            self.open_notebooks = {
                path: session for path, session in message.notebooks.items() if self._inside_root(path)
            }
        elif isinstance(message, NotebookDescriptionMessage):
            self._descriptions.deliver(message.call_id, message.notebook)
        elif isinstance(message, AttachMessage):
            session = self.store.get(message.session)
            self._admit(session, message.key)
            self._attach(session)
        else:
            session = self.store.find(message.session)
            if session is None or not session.attached(self):
                raise ProtocolError(
                    "This window is not attached to that conversation.",
                    "Reload the page to see the conversation.",
                    message.session,
                )
            self._act(session, message)

    def _act(self, session: ChatSession, message) -> None:
        """A message about a session this connection drives or watches."""
        if isinstance(message, StopMessage):
            self._stop(session)
        elif isinstance(message, ApprovalMessage):
            if message.always and message.approved:
                self._always_allow(session, message.request_id)
            if session.approvals.deliver(message.request_id, message.answer):
                edited = message.answer if isinstance(message.answer, str) else None  # this runs instead
                session.emit(ApprovalAnswer(message.request_id, message.approved, edited).to_message())
        elif isinstance(message, AnswerMessage):
            self._answer(session, message)
        elif isinstance(message, (ReviewMessage, UndoMessage)):
            self._outcome(session, message)
        elif isinstance(message, KernelCardMessage):
            # What the window shows of its kernel, kept for the history (a reload shows it as it was).
            session.record.log(KernelCardShown(**message.card).to_message())
            self.store.save_soon(session)
        elif session.driver is not self:
            log.debug("Ignoring a %s from a window that watches session %s.", type(message).__name__, session.id)
        elif isinstance(message, (ExecutionResultMessage, InspectResultMessage)):
            value = message.result if isinstance(message, ExecutionResultMessage) else message.stdout
            if not session.executor.replies.deliver(message.call_id, value):
                log.debug("Ignoring a reply for %s: nothing waits for it.", message.call_id)
        elif isinstance(message, CellStateMessage):
            self._cell_state(session, message)
        elif isinstance(message, NotebookMovedMessage):
            session.notebook_path = self._confined(message.path, session.id)
            if session.agent is not None and session.agent.request is not None:
                session.agent.request.record.notebook_path = session.notebook_path
                session.agent.request.notebook_dir = self._notebook_dir(session.notebook_path)

    def _answer(self, session: ChatSession, message: AnswerMessage) -> None:
        """The user answered the model's question (from any window): the request goes on with it."""
        question = session.questions.get(message.request_id)
        if question is None:
            raise ProtocolError("That question is already answered, or its request has ended.", session=session.id)
        try:
            answer = checked_answer(UserAnswer(message.option, message.text), question)
        except ValueError as exc:
            raise ProtocolError(f"Not an answer to that question: {exc}.", session=session.id) from None
        if session.approvals.deliver(message.request_id, answer):
            text = answer.text if answer.option is None else ""
            session.emit(QuestionAnswer(message.request_id, answer.option, text).to_message())

    def _always_allow(self, session: ChatSession, request_id: str) -> None:
        """The user lets the MCP tool of this approval run without asking from now on (their setting)."""
        request = next(
            (e for e in session.record.events if e.get("type") == "approval_request" and e["request_id"] == request_id),
            None,
        )
        tool = request.get("tool") if request else None
        if tool and tool not in self.settings.mcp_always_allow:
            problem = SettingsPolicy(self.settings).update(
                {"mcp_always_allow": [*self.settings.mcp_always_allow, tool]}
            )
            if problem is not None:
                self._send_error(session.id, problem.message, problem.hint)

    def _outcome(self, session: ChatSession, message: ReviewMessage | UndoMessage) -> None:
        """The user reviewed or undid a request's changes in the notebook: keep it, show it everywhere."""
        if isinstance(message, ReviewMessage):
            outcomes = {message.cell_id: message.action}
            shown = ReviewShown(message.request, message.cell_id, message.action)
        else:
            outcomes = {
                **dict.fromkeys(message.restored, "undone"),
                **dict.fromkeys(message.removed, "undone"),
                **dict.fromkeys(message.kept, "kept"),
            }
            shown = UndoShown(message.request, message.restored, message.removed, message.kept)
        if not session.record.mark_changes(message.request, outcomes):
            raise ProtocolError("That request changed no such cell.", session=session.id)
        session.emit(shown.to_message())
        self.store.save_soon(session)

    def close(self) -> None:
        """The client went away: its requests end, except one that waits for an approval.

        That one keeps waiting for the next window that attaches (a reload).
        """
        if self.windows is not None:
            self.windows.discard(self)
        self.open_notebooks = {}
        for session in self._sessions:
            session.watchers.discard(self)
            if session.driver is not self:
                continue
            session.driver = None
            if session.busy and not session.awaiting_approval:
                session.cancelled_because = DISCONNECTED_MESSAGE
                session.task.cancel()
        self._sessions.clear()

    def _attach(self, session: ChatSession) -> None:
        """Show this window a session's requests from now on: it drives it if nobody else does."""
        self._sessions.add(session)
        if session.driver is None or session.driver is self:
            session.driver = self
            session.watchers.discard(self)
            role = "driver"
        else:
            session.watchers.add(self)
            role = "watcher"
        self.send(Attached(session.id, role, session.busy).to_message())

    def _admit(self, session: ChatSession, key: str | None) -> None:
        """Refuse a window without the conversation's key: attaching is as restricted as stopping."""
        if not session.admits(key):
            raise ProtocolError(NOT_YOURS, NOT_YOURS_HINT, session.id, NOT_YOUR_CONVERSATION)

    def _start(self, message: UserMessage) -> None:
        session = self.store.get(message.session)
        if not session.admits(message.key):
            self._send_error(session.id, NOT_YOURS, NOT_YOURS_HINT, NOT_YOUR_CONVERSATION)
            self._send(session.id, Done("error").to_message())
            return
        if session.busy:
            if session.driver is self:
                raise ProtocolError(
                    "A request is already running in this conversation.",
                    "Wait for it to finish, or press Stop.",
                    message.session,
                )
            self._attach(session)
            raise ProtocolError(
                "This conversation is running a request from another window.",
                "You can watch it here; send yours when it is done.",
                message.session,
            )
        path = self._confined(message.notebook.path, message.session)
        other = self.store.busy_with(path)
        if other is not None:
            raise ProtocolError(
                "This notebook is busy with a request from another conversation (another tab or window).",
                "Wait for it to finish, or stop it there.",
                message.session,
            )
        problem = self.settings.problem() or self.settings.model_problem(message.model)
        if problem is not None:
            self._send_error(message.session, problem.message, problem.hint)
            self._send(message.session, Done("error").to_message())
            return
        self.drive_here(session)
        session.conversation.language = message.notebook.kernel_language
        session.notebook_path = path or session.notebook_path
        session.task = asyncio.create_task(self._drive(session, message))

    def drive_here(self, session: ChatSession) -> None:
        """This window runs the session's next request."""
        self._sessions.add(session)
        session.driver = self
        session.watchers.discard(self)

    # --- an outside agent's requests (MCP), run in the notebook this window has open ---

    async def describe(self, path: str, timeout: float = 15.0) -> NotebookInfo | None:
        """The notebook as this window has it (its cells, kernel); None if it is not open here or did not answer."""
        call_id = f"describe-{uuid.uuid4().hex[:12]}"
        self.send(DescribeNotebook(call_id, path).to_message())
        return await self._descriptions.wait(call_id, timeout)

    def session_showing(self, path: str) -> ChatSession:
        """The conversation this window shows for ``path`` (which it has open)."""
        return self.store.get(self.open_notebooks[path])

    def start_outside(self, session: ChatSession, path: str, work: Callable[[], Awaitable]) -> asyncio.Task:
        """Run an outside agent's request (``work()``) in the session this window shows for ``path``; its task.

        Refused like a second request of the user's: while the conversation
        or the notebook is busy.
        """
        if session.busy or self.store.busy_with(path) is not None:
            raise ProtocolError(
                f"{path} is busy with another request.", "Wait for it to finish (or stop it in the panel)."
            )
        self.drive_here(session)
        session.notebook_path = path
        session.task = asyncio.create_task(work())
        return session.task

    async def drive_code(
        self,
        session: ChatSession,
        notebook: NotebookInfo,
        code: str,
        *,
        client: str,
        request: str,
        cell: str | None,
        observe: Callable[[Event], None] | None = None,
    ) -> Agent:
        """Run an outside agent's code in this window's notebook (see ``Agent.run_code``); the agent, done."""
        path = session.notebook_path
        session.conversation.language = notebook.kernel_language
        agent = self.assistant().agent(
            self._notebook_executor(session, path),
            session.conversation,
            record=session.record,
            approve=session.approve,
        )
        session.emit(UserMessageShown(request, [], client).to_message())
        events = agent.run_code(
            code,
            request=request,
            client=client,
            cell=cell,
            notebook_path=path,
            notebook_dir=self._notebook_dir(path),
            notebook=notebook.view,
        )
        await drive(session, self.store, agent, events, observe)
        return agent

    async def drive_request(
        self, session: ChatSession, message: UserMessage, client: str, observe: Callable[[Event], None] | None = None
    ) -> Agent:
        """Run an outside agent's request in words in this window's notebook; the agent, done."""
        session.conversation.language = message.notebook.kernel_language
        return await self._drive(session, message, client, observe)

    def _inside_root(self, path: str) -> bool:
        return bool(path) and (self.root / path).resolve().is_relative_to(self.root)

    def _confined(self, path: str | None, session_id: str) -> str | None:
        """A notebook path that stays inside the server's root, or a refusal."""
        if not path:
            return None
        if not (self.root / path).resolve().is_relative_to(self.root):
            raise ProtocolError("The notebook must be inside the server's root folder.", session=session_id)
        return path

    def _stop(self, session: ChatSession) -> None:
        """Stop the request; a running cell is interrupted by the client, and its partial outputs kept."""
        if not session.busy:
            self._emit_all(session, ending("stopped"))
            return
        agent = session.agent
        if agent is None or not agent.running_cell:
            session.task.cancel()
            return
        agent.request_stop()
        task = session.task
        asyncio.get_running_loop().call_later(STOP_GRACE, lambda: task.done() or task.cancel())

    def _cell_state(self, session: ChatSession, message: CellStateMessage) -> None:
        if not session.executor.cell_state(message.call_id, message.state):
            return
        if message.state == "waiting":
            session.emit(Status("waiting", message=WAITING_MESSAGE).to_message())
        elif session.agent is not None and session.agent.running_cell:
            session.emit(Status("running").to_message())

    async def _drive(
        self,
        session: ChatSession,
        message: UserMessage,
        client: str | None = None,
        observe: Callable[[Event], None] | None = None,
    ) -> Agent:
        """Run a request of the user's, or of an outside agent (``client``, its name) whose text it is."""
        agent = self.assistant().agent(
            self._notebook_executor(session, message.notebook.path),
            session.conversation,
            record=session.record,
            approve=session.approve,
            ask=session.ask,
            model=message.model,
        )
        attached = [Path(name).name for name in message.attachments]
        # The user's own words are on their screen already; an outside agent's are not.
        session.emit(UserMessageShown(message.text, attached, client).to_message(), to_driver=client is not None)
        language = message.notebook.kernel_language
        folder = self._notebook_dir(session.notebook_path)
        context = [
            Attachments(self.root, message.attachments),
            KernelEnvironment(language, message.text),
            LiveKernelState(language),
        ]
        if folder is not None:
            budget = self.settings.data_profile_budget
            view = message.notebook.view
            # In a process of its own: the server's event loop serves every window meanwhile.
            profile = DataProfile(Path(folder), self.root, message.text, view, budget, message.attachments, True)
            context.append(profile)
        rules = await asyncio.to_thread(find_rules, Path(folder or self.root), self.root, self.settings.rules_budget)
        events = agent.run(
            message.text,
            notebook_path=session.notebook_path,
            notebook_dir=folder,
            context=context,
            notebook=message.notebook.view,
            intent=message.intent,
            cell_id=message.cell_id,
            client=client,
            rules=rules,
        )
        await drive(session, self.store, agent, events, observe)
        return agent

    def _notebook_dir(self, notebook_path: str | None) -> str | None:
        """The notebook's folder on disk (the kernel's working directory), where cells may change files unasked.

        Unknown (None) for a request without a notebook: then only relative
        paths below the kernel's working directory count as inside.
        """
        return str((self.root / notebook_path).parent) if notebook_path else None

    def _notebook_executor(self, session: ChatSession, notebook_path: str | None):
        """The browser's executor, reporting the files each step writes next to the notebook (not the
        notebook itself), and ending the request if the notebook is deleted (its path followed as it moves)."""
        if not notebook_path:
            return session.executor
        notebook = self.root / notebook_path
        watching = FileWatchingExecutor(session.executor, notebook.parent, self.root, ignore={notebook.name})
        return NotebookPresenceExecutor(
            watching, lambda: self.root / session.notebook_path if session.notebook_path else None
        )

    @staticmethod
    def _emit_all(session: ChatSession, events) -> None:
        for event in events:
            session.emit(event.to_message())

    def _send(self, session_id: str | None, message: dict) -> None:
        self.send({**message, "session": session_id} if session_id else message)

    def _send_error(self, session_id: str | None, message: str, hint: str, code: str | None = None) -> None:
        self._send(session_id, Error(message, hint, code).to_message())
