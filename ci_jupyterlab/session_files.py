"""Chat sessions on disk, so they survive a page reload and a server restart.

Each session is one JSON file, ``<directory>/<quoted id>.session.json``::

    {"id", "notebook_path", "updated", "record", "conversation", "owner"}

written atomically after each request, readable by the user only. ``index.json``
maps every session id to ``{notebook_path, updated, requests}`` so that a
notebook's sessions are found without reading every file; it is only a cache,
rebuilt from the session files when it is missing or malformed. The suffix
keeps session files and the index apart: sessions saved before it, as
``<quoted id>.json``, are still read (and a session named ``index``, which was
then written over the index, is rescued). Secret values are replaced before
anything is written, so a key printed by some cell never reaches the disk
through us. A file that cannot be read is skipped with a warning, never raised.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from urllib.parse import quote

from .agent.conversation import Conversation
from .agent.files import write_atomically
from .agent.nesting import MAX_NESTING, too_deep
from .agent.record import SessionRecord
from .agent.redaction import Redactor

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
SUFFIX = ".session.json"
LEGACY_SUFFIX = ".json"
#: The ids the chat protocol accepts.
SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_CONVERSATION_FIELDS = {f.name for f in fields(Conversation)}
#: What a malformed file raises while it is parsed.
_MALFORMED = (ValueError, KeyError, TypeError, AttributeError)


def valid_id(session_id) -> bool:
    return isinstance(session_id, str) and SESSION_ID.fullmatch(session_id) is not None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class SavedSession:
    id: str
    notebook_path: str | None  # relative to the server's root, as the panel names it
    record: SessionRecord
    conversation: Conversation
    updated: float = field(default_factory=time.time)
    owner: str | None = None  # the digest of the conversation's key (sessions.ChatSession.admits)

    def index_entry(self) -> dict:
        return {"notebook_path": self.notebook_path, "updated": self.updated, "requests": len(self.record.requests)}

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "notebook_path": self.notebook_path,
            "updated": self.updated,
            "record": self.record.to_dict(),
            "conversation": asdict(self.conversation),
            "owner": self.owner,
        }

    @classmethod
    def from_dict(cls, data) -> SavedSession:
        """The session ``data`` holds; ValueError (or another of ``_MALFORMED``) if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        record, conversation = data.get("record") or {}, data.get("conversation") or {}
        if not (
            valid_id(data.get("id"))
            and isinstance(data.get("notebook_path"), (str, type(None)))
            and _is_number(data.get("updated", 0.0))
            and isinstance(record, dict)
            and isinstance(conversation, dict)
            and isinstance(data.get("owner"), (str, type(None)))
        ):
            raise ValueError("not a saved session")
        return cls(
            id=data["id"],
            notebook_path=data.get("notebook_path"),
            record=SessionRecord.from_dict(record),
            # Fields a newer version added are left out rather than refused.
            conversation=Conversation(**{k: v for k, v in conversation.items() if k in _CONVERSATION_FIELDS}),
            updated=data.get("updated", 0.0),
            owner=data.get("owner"),
        )


def _parse(path: Path) -> SavedSession:
    """The session a file holds; FileNotFoundError, or one of ``_MALFORMED`` if it holds none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise DeeplyNested() from None
    if too_deep(data):  # reading it on would recurse past Python's limit (the redactor, asdict)
        raise DeeplyNested()
    return SavedSession.from_dict(data)


class DeeplyNested(ValueError):
    def __init__(self):
        super().__init__(f"it nests lists and objects more than {MAX_NESTING} levels deep")


def _reason(exc: Exception) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def _is_index(data) -> bool:
    return isinstance(data, dict) and all(valid_id(key) and _is_entry(entry) for key, entry in data.items())


def _is_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("notebook_path"), (str, type(None)))
        and _is_number(entry.get("updated"))
        and isinstance(entry.get("requests"), int)
    )


class SessionFiles:
    """The sessions kept in one directory.

    ``secrets`` gives the values to redact at the moment of writing (the
    configured key can change while the server runs).
    """

    def __init__(self, directory: str | Path, secrets: Callable[[], Iterable[str]] = tuple):
        self.directory = Path(directory)
        self.secrets = secrets
        # Sessions are saved from worker threads: one index update at a time, none lost.
        self._index_lock = threading.Lock()

    def path_of(self, session_id: str) -> Path:
        # Quoted so that any id is one plain file name (":" is not allowed on Windows).
        return self.directory / f"{quote(session_id, safe='')}{SUFFIX}"

    def _paths_of(self, session_id: str) -> list[Path]:
        """Where the session may be, in the order it is looked for: its file, then the old naming."""
        legacy = self.directory / f"{quote(session_id, safe='')}{LEGACY_SUFFIX}"
        return [self.path_of(session_id)] + ([legacy] if legacy.name != INDEX_NAME else [])

    def save(self, session: SavedSession) -> None:
        if not valid_id(session.id):
            raise ValueError(f"Not a session id: {session.id!r}")
        self._write(session)
        with self._index_lock:
            index = self._read_index()
            index[session.id] = session.index_entry()
            self._write_index(index)

    def load(self, session_id: str) -> SavedSession | None:
        """The saved session, or None if there is none (or it cannot be read: logged)."""
        if not valid_id(session_id):
            return None
        for path in self._paths_of(session_id):
            session = self._read(path)
            if session is not None and session.id == session_id:
                return session
        return None

    def summaries(self, notebook_path: str | None = None) -> list[dict]:
        """``{id, notebook_path, updated, requests}`` of the saved sessions, newest first."""
        with self._index_lock:
            index = self._read_index()
        found = [
            {"id": session_id, **entry}
            for session_id, entry in index.items()
            if notebook_path is None or entry["notebook_path"] == notebook_path
        ]
        return sorted(found, key=lambda entry: entry["updated"], reverse=True)

    def _write(self, session: SavedSession) -> None:
        # Redacted as data, so a secret is found as it is rather than JSON-escaped.
        data = Redactor(self.secrets()).data(session.to_dict())
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(self.path_of(session.id), json.dumps(data, ensure_ascii=False), mode=0o600)

    def problem_of(self, session_id: str) -> str | None:
        """Why the session's file, if there is one, cannot be read; None if it can (or there is none)."""
        if not valid_id(session_id):
            return None
        for path in self._paths_of(session_id):
            try:
                _parse(path)
            except FileNotFoundError:
                continue
            except (OSError, *_MALFORMED) as exc:
                return _reason(exc)
            return None
        return None

    def _read(self, path: Path) -> SavedSession | None:
        try:
            return _parse(path)
        except FileNotFoundError:
            return None
        except (OSError, *_MALFORMED) as exc:
            log.warning("Ignoring the unreadable session file %s: %s", path, _reason(exc))
            return None

    def _read_index(self) -> dict[str, dict]:
        path = self.directory / INDEX_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return self._rebuild_index() if self.directory.is_dir() else {}
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("Rebuilding the unreadable session index %s: %s", path, type(exc).__name__)
            return self._rebuild_index()
        if _is_index(data):
            return data
        log.warning("Rebuilding the malformed session index %s", path)
        self._rescue_session_named_index(data)
        return self._rebuild_index()

    def _rescue_session_named_index(self, data) -> None:
        """Saved under the old naming, a session named "index" went over the index: keep it."""
        try:
            session = SavedSession.from_dict(data)
        except _MALFORMED:
            return
        if session.id == "index" and not self.path_of(session.id).exists():
            self._write(session)

    def _rebuild_index(self) -> dict[str, dict]:
        """The index from the session files; each id from the file ``load`` would read it from."""
        index: dict[str, dict] = {}
        paths = sorted(self.directory.glob(f"*{LEGACY_SUFFIX}"), key=lambda path: not path.name.endswith(SUFFIX))
        for path in paths:
            session = None if path.name == INDEX_NAME else self._read(path)
            if session is not None and session.id not in index and path in self._paths_of(session.id):
                index[session.id] = session.index_entry()
        try:
            self._write_index(index)
        except OSError as exc:
            log.warning("Could not write the session index in %s: %s", self.directory, exc)
        return index

    def _write_index(self, index: dict[str, dict]) -> None:
        write_atomically(self.directory / INDEX_NAME, json.dumps(index, indent=1, ensure_ascii=False), mode=0o600)
