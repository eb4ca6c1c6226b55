"""Chat sessions on disk, so they survive a page reload and a server restart.

Each session is one JSON file, ``<directory>/<id>.json``::

    {"id", "notebook_path", "updated", "record", "conversation"}

written atomically after each request. ``index.json`` maps every session id to
``{notebook_path, updated, requests}`` so that a notebook's sessions are found
without reading every file; it is only a cache, rebuilt from the session files
when it is missing or unreadable. Secret values are replaced before anything
is written, so a key printed by some cell never reaches the disk through us.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from urllib.parse import quote

from .agent.redaction import redact
from .agent.loop import Conversation
from .agent.record import SessionRecord
from .files import write_atomically

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
_CONVERSATION_FIELDS = {f.name for f in fields(Conversation)}


@dataclass
class SavedSession:
    id: str
    notebook_path: str | None  # relative to the server's root, as the panel names it
    record: SessionRecord
    conversation: Conversation
    updated: float = field(default_factory=time.time)

    def index_entry(self) -> dict:
        return {"notebook_path": self.notebook_path, "updated": self.updated, "requests": len(self.record.requests)}

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "notebook_path": self.notebook_path,
            "updated": self.updated,
            "record": self.record.to_dict(),
            "conversation": asdict(self.conversation),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SavedSession:
        conversation = data.get("conversation") or {}
        return cls(
            id=data["id"],
            notebook_path=data.get("notebook_path"),
            record=SessionRecord.from_dict(data.get("record") or {}),
            # Fields a newer version added are left out rather than refused.
            conversation=Conversation(**{k: v for k, v in conversation.items() if k in _CONVERSATION_FIELDS}),
            updated=data.get("updated", 0.0),
        )


class SessionFiles:
    """The sessions kept in one directory.

    ``secrets`` gives the values to redact at the moment of writing (the
    configured key can change while the server runs).
    """

    def __init__(self, directory: str | Path, secrets: Callable[[], Iterable[str]] = tuple):
        self.directory = Path(directory)
        self.secrets = secrets

    def path_of(self, session_id: str) -> Path:
        # Quoted so that any id is one plain file name (":" is not allowed on Windows).
        return self.directory / f"{quote(session_id, safe='')}.json"

    def save(self, session: SavedSession) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        text = redact(json.dumps(session.to_dict(), ensure_ascii=False), self.secrets())
        write_atomically(self.path_of(session.id), text)
        index = self._read_index()
        index[session.id] = session.index_entry()
        self._write_index(index)

    def load(self, session_id: str) -> SavedSession | None:
        """The saved session, or None if there is none (or it cannot be read: logged)."""
        path = self.path_of(session_id)
        try:
            return SavedSession.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Ignoring the unreadable session file %s: %s", path, exc)
            return None

    def summaries(self, notebook_path: str | None = None) -> list[dict]:
        """``{id, notebook_path, updated, requests}`` of the saved sessions, newest first."""
        found = [
            {"id": session_id, **entry}
            for session_id, entry in self._read_index().items()
            if notebook_path is None or entry.get("notebook_path") == notebook_path
        ]
        return sorted(found, key=lambda entry: entry.get("updated", 0.0), reverse=True)

    def _read_index(self) -> dict[str, dict]:
        try:
            index = json.loads((self.directory / INDEX_NAME).read_text(encoding="utf-8"))
            if isinstance(index, dict):
                return index
        except FileNotFoundError:
            if not self.directory.is_dir():
                return {}
        except (OSError, ValueError):
            pass
        return self._rebuild_index()

    def _rebuild_index(self) -> dict[str, dict]:
        index = {}
        for path in self.directory.glob("*.json"):
            if path.name == INDEX_NAME:
                continue
            try:
                session = SavedSession.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            index[session.id] = session.index_entry()
        if index:
            self._write_index(index)
        return index

    def _write_index(self, index: dict[str, dict]) -> None:
        write_atomically(self.directory / INDEX_NAME, json.dumps(index, indent=1, ensure_ascii=False))
