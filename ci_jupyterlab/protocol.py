"""Parsing and checking the chat messages that clients send (docs/protocol.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .agent.contract import CONTRACT, PROTOCOL_VERSION, message_types, vocabulary
from .agent.executors import ExecutionResult
from .agent.nesting import MAX_NESTING, too_deep
from .agent.notebook_view import NotebookSnapshot, ViewCell

_MESSAGE_TYPES = message_types("client")
#: Messages about the window rather than one session: they carry no session id.
_WINDOW_MESSAGES = {name for name in _MESSAGE_TYPES if not CONTRACT["client_messages"][name]["session"]}
_INTENTS = set(vocabulary("intents"))
_REVIEW_ACTIONS = set(vocabulary("review_actions"))
_CELL_STATES = set(vocabulary("cell_states"))
#: How the notebook's kernel was lost, and where its Restore state card stands (src/kernel/kernelLoss.ts).
KERNEL_CAUSES = set(vocabulary("kernel_causes"))
KERNEL_CARD_STATES = set(vocabulary("kernel_card_states"))
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
#: How a run the client made can end: all but "no_response", which only the server concludes.
_RESULT_STATUSES = set(vocabulary("execution_statuses"))
#: A request longer than this is almost surely a paste accident.
MAX_REQUEST_CHARS = 100_000
#: Files attached to one request.
MAX_ATTACHMENTS = 20
#: Characters of code the user may send back, edited, in place of a cell's.
MAX_EDITED_CODE_CHARS = 1_000_000
#: Cells of the notebook view; characters of a cell's source and of an output's text in it.
MAX_VIEW_CELLS = 1000
MAX_VIEW_SOURCE_CHARS = 25_000
MAX_VIEW_TEXT_CHARS = 5_000
MAX_VIEW_TRACEBACK = 40


class ProtocolError(ValueError):
    """A client message we cannot act on; the text says why (``code``: a reason clients act on)."""

    def __init__(self, message: str, hint: str = "", session: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.session = session
        self.code = code


#: The ``code`` of the error that refuses a window without the conversation's key (see ``ChatSession.admits``).
NOT_YOUR_CONVERSATION = "not_your_conversation"


@dataclass
class NotebookInfo:
    path: str | None
    kernel_name: str | None
    kernel_language: str | None
    view: NotebookSnapshot | None = None  # the cells as the user has them; None from older clients


@dataclass
class UserMessage:
    session: str
    text: str
    notebook: NotebookInfo
    attachments: list[str] = field(default_factory=list)  # paths relative to the server root
    intent: str = "ask"  # "ask", "fix" or "explain"
    cell_id: str | None = None  # the cell the request is about
    model: str | None = None  # this request's model, instead of the configured one
    key: str | None = None  # the conversation's key, which the window that started it keeps


@dataclass
class ExecutionResultMessage:
    session: str
    call_id: str
    result: ExecutionResult


@dataclass
class StopMessage:
    session: str


@dataclass
class InspectResultMessage:
    session: str
    call_id: str
    stdout: str | None  # None: the snippet did not finish in time


@dataclass
class ApprovalMessage:
    session: str
    request_id: str
    approved: bool
    code: str | None = None  # approved with this edited code, which runs instead of the cell
    always: bool = False  # approved, and the tool it is about (an MCP server's) is not to be asked about again

    @property
    def answer(self) -> bool | str:
        """What the agent loop is told: True, False, or the edited code to run."""
        return self.code if self.approved and self.code is not None else self.approved


@dataclass
class AnswerMessage:
    """The user's answer to the model's ``question``: the index of an option, or their own words."""

    session: str
    request_id: str
    option: int | None
    text: str


@dataclass
class AttachMessage:
    """The window shows this session (after a reload, or in a second tab): send it its events."""

    session: str
    key: str | None = None  # the conversation's key: only a window holding it may attach


@dataclass
class CellStateMessage:
    """A cell or lookup waits behind the user's own running cell, or has started."""

    session: str
    call_id: str
    state: str


@dataclass
class NotebookMovedMessage:
    """The session's notebook was renamed or moved; ``path`` is its new one."""

    session: str
    path: str


@dataclass
class ReviewMessage:
    """The user accepted or reverted one cell a request changed."""

    session: str
    request: int
    cell_id: str
    action: str


@dataclass
class UndoMessage:
    """The user undid a request: cells restored, removed, or kept as they had changed them since."""

    session: str
    request: int
    restored: list[str]
    removed: list[str]
    kept: list[str]


@dataclass
class KernelCardMessage:
    """The card a window shows about its notebook's kernel (lost; Restore state's progress), to keep."""

    session: str
    card: dict  # {id, cause, state, ran, total, failure}


@dataclass
class OpenNotebooksMessage:
    """The notebooks open in the window, each with the session its conversation shows (all of them, each time)."""

    notebooks: dict[str, str]  # path -> session id


@dataclass
class NotebookDescriptionMessage:
    """The answer to ``describe_notebook``: the notebook as the window has it (None: not open there)."""

    call_id: str
    notebook: NotebookInfo | None


ClientMessage = (
    UserMessage
    | ExecutionResultMessage
    | StopMessage
    | InspectResultMessage
    | ApprovalMessage
    | AnswerMessage
    | AttachMessage
    | CellStateMessage
    | NotebookMovedMessage
    | ReviewMessage
    | UndoMessage
    | OpenNotebooksMessage
    | NotebookDescriptionMessage
    | KernelCardMessage
)


def _field(message: dict, name: str, kind: type | tuple[type, ...], session: str | None = None):
    value = message.get(name)
    if not isinstance(value, kind):
        raise ProtocolError(f"'{message.get('type')}' needs a '{name}' field.", session=session)
    return value


def _optional_str(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _outputs_or_none(value) -> list[dict] | None:
    """A list of nbformat output dicts, or None for anything else."""
    return value if isinstance(value, list) and all(isinstance(o, dict) for o in value) else None


def _int_or_none(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value, limit: int) -> str:
    """A string field of the view, cut to ``limit`` (the client cuts first; this bounds a bad one)."""
    return value[:limit] if isinstance(value, str) else ""


def _view_output(output) -> dict | None:
    if not isinstance(output, dict) or not isinstance(output.get("output_type"), str):
        return None
    kept = {"output_type": output["output_type"]}
    for name in ("name", "text", "ename", "evalue"):
        if isinstance(output.get(name), str):
            kept[name] = _text(output[name], MAX_VIEW_TEXT_CHARS)
    traceback = output.get("traceback")
    if isinstance(traceback, list):  # the cell a fix is about shows its user frames
        kept["traceback"] = [_text(line, MAX_VIEW_TEXT_CHARS) for line in traceback[-MAX_VIEW_TRACEBACK:]]
    image = output.get("image")
    if isinstance(image, dict):
        kept["image"] = {k: v for k, v in image.items() if k in ("mime", "bytes", "width", "height")}
    return kept


def _notebook_view(notebook: dict, session: str) -> NotebookSnapshot | None:
    """The notebook view a ``user_message`` carries, checked; None if it has none."""
    cells = notebook.get("cells")
    if cells is None:
        return None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise ProtocolError("'notebook.cells' must be a list of cells.", session=session)
    if len(cells) > MAX_VIEW_CELLS:
        raise ProtocolError(
            f"The notebook view has {len(cells):,} cells; the limit is {MAX_VIEW_CELLS:,}.", session=session
        )
    view = [
        ViewCell(
            id=_text(cell.get("id"), 128),
            cell_type=cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown", "raw") else "code",
            source=_text(cell.get("source"), MAX_VIEW_SOURCE_CHARS),
            execution_count=cell.get("execution_count") if isinstance(cell.get("execution_count"), int) else None,
            outputs=[kept for kept in map(_view_output, cell.get("outputs") or []) if kept],
            tag=cell.get("tag") if isinstance(cell.get("tag"), dict) else None,
        )
        for cell in cells
    ]
    active = notebook.get("active")
    selected = notebook.get("selected") or []
    in_range = range(len(view))
    return NotebookSnapshot(
        view,
        active if isinstance(active, int) and active in in_range else None,
        frozenset(i for i in selected if isinstance(i, int) and i in in_range)
        if isinstance(selected, list)
        else frozenset(),
    )


def _notebook_info(notebook: dict, session: str | None) -> NotebookInfo:
    return NotebookInfo(
        _optional_str(notebook.get("path")),
        _optional_str(notebook.get("kernel_name")),
        _optional_str(notebook.get("kernel_language")),
        _notebook_view(notebook, session),
    )


def _window_message(message: dict) -> OpenNotebooksMessage | NotebookDescriptionMessage:
    if message["type"] == "notebook_description":
        notebook = message.get("notebook")
        if notebook is not None and not isinstance(notebook, dict):
            raise ProtocolError("'notebook' must be the notebook as a user_message carries it, or null.")
        info = _notebook_info(notebook, None) if notebook is not None else None
        return NotebookDescriptionMessage(_field(message, "call_id", str), info)
    notebooks = message.get("notebooks")
    if not isinstance(notebooks, list) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("session"), str)
        and _SESSION_ID.match(entry["session"])
        for entry in notebooks
    ):
        raise ProtocolError("'open_notebooks' lists {path, session} for each open notebook.")
    return OpenNotebooksMessage({entry["path"]: entry["session"] for entry in notebooks})


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Check one websocket frame and turn it into a message object."""
    try:
        message = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProtocolError("The message is not valid JSON.") from None
    except RecursionError:
        raise ProtocolError("The message is nested too deeply.") from None
    if too_deep(message):  # within json's limit, but past what the session record may hold
        raise ProtocolError(f"The message is nested too deeply (more than {MAX_NESTING} levels).")
    if not isinstance(message, dict):
        raise ProtocolError("The message must be a JSON object.")
    kind = message.get("type")
    version = message.get("protocol")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"Protocol version {version!r} is not supported; this server speaks {PROTOCOL_VERSION}.",
            "Reload the page so the panel and the server extension match.",
        )
    if kind not in _MESSAGE_TYPES:
        raise ProtocolError(f"Unknown message type {kind!r}.", f"Known types: {', '.join(sorted(_MESSAGE_TYPES))}.")
    if kind in _WINDOW_MESSAGES:
        return _window_message(message)
    session = message.get("session")
    if not isinstance(session, str) or not _SESSION_ID.match(session):
        raise ProtocolError(f"'{kind}' needs a 'session' id (1-128 of A-Z a-z 0-9 _ . : -).")
    if kind == "user_message":
        text = _field(message, "text", str, session).strip()
        if not text:
            raise ProtocolError("The request is empty.", "Type what you want done.", session)
        if len(text) > MAX_REQUEST_CHARS:
            raise ProtocolError(
                f"The request is {len(text):,} characters long; the limit is {MAX_REQUEST_CHARS:,}.",
                "Put large data in a file next to the notebook and refer to it by name.",
                session,
            )
        notebook = message.get("notebook") if isinstance(message.get("notebook"), dict) else {}
        attachments = message.get("attachments") or []
        if not isinstance(attachments, list) or not all(isinstance(a, str) and a for a in attachments):
            raise ProtocolError("'attachments' must be a list of file paths.", session=session)
        if len(attachments) > MAX_ATTACHMENTS:
            raise ProtocolError(
                f"{len(attachments)} files are attached; the limit is {MAX_ATTACHMENTS}.",
                "Put them in a zip file, or a folder the code can read.",
                session,
            )
        intent = message.get("intent", "ask")
        if intent not in _INTENTS:
            raise ProtocolError(f"Unknown intent {intent!r}.", f"Known: {', '.join(sorted(_INTENTS))}.", session)
        cell_id = _optional_str(message.get("cell_id"))
        if intent != "ask" and cell_id is None:
            raise ProtocolError(f"A '{intent}' request needs the 'cell_id' of its cell.", session=session)
        return UserMessage(
            session,
            text,
            _notebook_info(notebook, session),
            attachments,
            intent,
            cell_id,
            _optional_str(message.get("model")),
            _optional_str(message.get("key")),
        )
    if kind == "execution_result":
        status = _field(message, "status", str, session)
        if status not in _RESULT_STATUSES:
            raise ProtocolError(f"Unknown execution status '{status}'.", session=session)
        outputs = message.get("outputs") or []
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            raise ProtocolError("'outputs' must be a list of nbformat outputs.", session=session)
        count = message.get("execution_count")
        duration = message.get("duration_ms")
        return ExecutionResultMessage(
            session,
            _field(message, "call_id", str, session),
            ExecutionResult(
                status=status,
                outputs=outputs,
                execution_count=count if isinstance(count, int) else None,
                duration_ms=float(duration) if isinstance(duration, (int, float)) else 0.0,
                cell_id=_optional_str(message.get("cell_id")),
                before=message.get("before") if isinstance(message.get("before"), str) else None,
                before_outputs=_outputs_or_none(message.get("before_outputs")),
                before_execution_count=_int_or_none(message.get("before_execution_count")),
            ),
        )
    if kind == "inspect_result":
        stdout = message.get("stdout")
        return InspectResultMessage(
            session, _field(message, "call_id", str, session), stdout if isinstance(stdout, str) else None
        )
    if kind == "approval":
        code = message.get("code")
        if code is not None:
            if not isinstance(code, str) or not code.strip():
                raise ProtocolError("'code' must be the edited code to run.", session=session)
            if len(code) > MAX_EDITED_CODE_CHARS:
                raise ProtocolError(
                    f"The edited code is {len(code):,} characters long; the limit is {MAX_EDITED_CODE_CHARS:,}.",
                    "Put large data in a file next to the notebook and read it from the code.",
                    session,
                )
        return ApprovalMessage(
            session,
            _field(message, "request_id", str, session),
            _field(message, "approved", bool, session),
            code,
            message.get("always") is True,
        )
    if kind == "answer":
        option, text = message.get("option"), message.get("text")
        if option is not None and (not isinstance(option, int) or isinstance(option, bool) or option < 0):
            raise ProtocolError("'option' must be the index of the chosen option.", session=session)
        if text is not None and not isinstance(text, str):
            raise ProtocolError("'text' must be the answer in the user's words.", session=session)
        if option is None and not (text or "").strip():
            raise ProtocolError("The answer is empty.", "Choose an option or write an answer.", session)
        if len(text or "") > MAX_REQUEST_CHARS:
            raise ProtocolError(f"The answer is longer than {MAX_REQUEST_CHARS:,} characters.", session=session)
        return AnswerMessage(session, _field(message, "request_id", str, session), option, text or "")
    if kind == "cell_state":
        state = _field(message, "state", str, session)
        if state not in _CELL_STATES:
            raise ProtocolError(f"Unknown cell state '{state}'.", session=session)
        return CellStateMessage(session, _field(message, "call_id", str, session), state)
    if kind == "notebook_moved":
        return NotebookMovedMessage(session, _field(message, "path", str, session))
    if kind == "attach":
        return AttachMessage(session, _optional_str(message.get("key")))
    if kind == "review":
        action = _field(message, "action", str, session)
        if action not in _REVIEW_ACTIONS:
            raise ProtocolError(f"Unknown review action '{action}'.", session=session)
        return ReviewMessage(
            session, _field(message, "request", int, session), _field(message, "cell_id", str, session), action
        )
    if kind == "undo":
        lists = [message.get(name) or [] for name in ("restored", "removed", "kept")]
        if not all(isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in lists):
            raise ProtocolError("'undo' lists cell ids in 'restored', 'removed' and 'kept'.", session=session)
        return UndoMessage(session, _field(message, "request", int, session), *lists)
    if kind == "kernel_card":
        return KernelCardMessage(session, _kernel_card(message, session))
    return StopMessage(session)


def _kernel_card(message: dict, session: str) -> dict:
    card = {
        "id": _field(message, "id", str, session)[:64],
        "cause": _field(message, "cause", str, session),
        "state": _field(message, "state", str, session),
        "ran": _field(message, "ran", int, session),
        "total": _field(message, "total", int, session),
        "failure": message.get("failure") if isinstance(message.get("failure"), str) else None,
    }
    if card["cause"] not in KERNEL_CAUSES or card["state"] not in KERNEL_CARD_STATES:
        raise ProtocolError("A kernel card has an unknown cause or state.", session=session)
    if card["failure"] is not None:
        card["failure"] = card["failure"][:2000]
    return card
