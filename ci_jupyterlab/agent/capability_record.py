"""What each model was found able to do, kept so that every later client of it starts knowing.

Test connection probes a model (tool calls, images, token counts in the stream) and a request
learns the rest as it goes (``ModelClient.capabilities``); both are kept here, by the server's
endpoint and the model, in ``<user settings dir>/capabilities.json``. Nothing secret: no key, no
prompt. A file that cannot be read is taken as empty: the capabilities are then learned again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .files import write_atomically
from .model_client import Capabilities

log = logging.getLogger(__name__)

FILE_NAME = "capabilities.json"
FLAGS = tuple(Capabilities.__dataclass_fields__)


def _key(endpoint: str, model: str | None) -> str:
    return f"{endpoint}|{model or ''}"


class CapabilityRecord:
    """The capabilities found so far, by endpoint and model."""

    def __init__(self, directory: str | Path):
        self.path = Path(directory) / FILE_NAME

    def _read(self) -> dict:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Code interpreter: ignoring %s (%s); capabilities will be probed again", self.path, exc)
            return {}
        return found if isinstance(found, dict) else {}

    def known(self, endpoint: str, model: str | None) -> Capabilities:
        """What was found of ``model`` at ``endpoint`` (each None where nothing was)."""
        return _capabilities(self._read().get(_key(endpoint, model)))

    def keep(self, endpoint: str, model: str | None, capabilities: Capabilities) -> None:
        """Keep what is known now of ``model`` at ``endpoint`` (what is not known leaves the record as it was).

        ``model`` "": the server's own choice (a server whose default model changes is probed again by
        Test connection, and a refusal is learned at the next request)."""
        record = self._read()
        key = _key(endpoint, model)
        before = _capabilities(record.get(key))
        now = capabilities.merged(before)
        if now == before:
            return
        record[key] = now.to_dict()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(record, indent=1, sort_keys=True))
        except OSError as exc:  # only a cost: the next client finds out again
            log.warning("Code interpreter: could not keep the model's capabilities in %s (%s)", self.path, exc)


def _capabilities(entry) -> Capabilities:
    """An entry of the file as ``Capabilities``; anything but true or false is not known."""
    if not isinstance(entry, dict):
        return Capabilities()
    return Capabilities(**{name: value for name, value in entry.items() if name in FLAGS and isinstance(value, bool)})
