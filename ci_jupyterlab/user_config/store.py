"""The user's own settings and key, kept on the server in the Jupyter data dir, readable by the user only.

Set from the panel's settings view (``PUT ci-jupyterlab/settings``), they apply
to the next request without a restart. Lab's own settings are stored in plain
files and synced, so the key is never one of them: it is sent once to the
server, kept here in a file of mode 0600, and only "set" and its last four
characters ever go back to the browser.

Precedence, highest first: what the administrator set in the server's config
(shown read-only), what the user set here, the environment (``OPENAI_*``),
the defaults. ``c.CodeInterpreter.allow_user_settings = False`` makes every
setting the administrator's.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

from ..agent.contract import CONTRACT
from ..agent.files import write_atomically

log = logging.getLogger(__name__)

#: Python's types for the contract's setting types.
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "object": dict,
    "string[]": list,
}
#: What the user may set from the panel, and the type each takes (contract.json: "settings").
USER_SETTABLE: dict[str, type | tuple[type, ...]] = {name: _TYPES[kind] for name, kind in CONTRACT["settings"].items()}


def default_directory() -> Path:
    return Path(jupyter_data_dir()) / "ci_jupyterlab"


class UserSettings:
    """``settings.json`` (the values the user set) and ``api_key`` (the key), in ``directory``."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else default_directory()

    @property
    def _settings_file(self) -> Path:
        return self.directory / "settings.json"

    @property
    def _key_file(self) -> Path:
        return self.directory / "api_key"

    @property
    def _key_home_file(self) -> Path:
        return self.directory / "api_key_base_url"

    def values(self) -> dict:
        """The settings the user set; {} if none, or if the file cannot be read (with a warning)."""
        try:
            data = json.loads(self._settings_file.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Ignoring the code interpreter's user settings in %s: %s", self._settings_file, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {name: value for name, value in data.items() if _fits(name, value)}

    def save_values(self, values: dict) -> None:
        """Keep exactly these values (each one checked by the caller)."""
        self._write(self._settings_file, json.dumps(values, indent=1, sort_keys=True))

    def key(self) -> str:
        """The key the user stored; "" if none."""
        try:
            return self._key_file.read_text().strip()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            log.warning("Cannot read the code interpreter's stored key: %s", exc)
            return ""

    def key_base_url(self) -> str | None:
        """The base URL the stored key was kept for (the only server it goes to); None if not recorded."""
        try:
            return self._key_home_file.read_text().strip()
        except FileNotFoundError:
            return None  # a key stored before the base URL was kept with it
        except OSError as exc:
            log.warning("Cannot read the base URL of the code interpreter's stored key: %s", exc)
            return None

    def save_key(self, key: str, base_url: str) -> None:
        """Keep ``key``, for ``base_url`` only."""
        self._write(self._key_home_file, base_url)
        self._write(self._key_file, key.strip())

    def forget_key(self) -> None:
        self._key_file.unlink(missing_ok=True)
        self._key_home_file.unlink(missing_ok=True)

    def _write(self, path: Path, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        write_atomically(path, text, mode=0o600)


def _fits(name: str, value) -> bool:
    kind = USER_SETTABLE.get(name)
    return kind is not None and isinstance(value, kind) and not isinstance(value, bool)


def key_summary(key: str) -> dict:
    """What the browser may know of a key: whether there is one, and its last four characters."""
    return {"set": bool(key), "last4": key[-4:] if len(key) >= 8 else ""}
