"""Who may change which setting, and the user's changes applied: the server side of the settings.

The administrator's config (``CodeInterpreter.set_by_admin``) always wins; where it leaves a setting
open and ``allow_user_settings`` is on, the user's value from the panel (kept in ``store.py``) applies,
else the environment's, else the default. Every value a user sends is checked (``setting_rules``)
before anything is kept; a change the administrator's rules refuse (a model or server not allowed,
an MCP server outside ``allowed_mcp_servers``) changes nothing.
"""

from __future__ import annotations

import logging
import os

from traitlets import TraitError

from ..agent.mcp_config import allowed, server_problem, unmasked
from ..agent.setting_rules import FORM_LABELS, value_problem
from ..agent.settings import ENVIRONMENT, CodeInterpreter, Problem
from .store import USER_SETTABLE, UserSettings

log = logging.getLogger(__name__)


class SettingsPolicy:
    """The user's settings on one ``CodeInterpreter``: applied, explained, changed, within the administrator's rules."""

    def __init__(self, settings: CodeInterpreter):
        self.settings = settings

    def store(self) -> UserSettings:
        return UserSettings(self.settings.user_settings_dir)

    def apply(self, store: UserSettings | None = None) -> None:
        """Take the user's settings and key where the administrator left them open; the rest as configured."""
        settings = self.settings
        store = store or self.store()
        values = store.values() if settings.allow_user_settings else {}
        for name in USER_SETTABLE:
            if settings.set_by_admin(name):
                continue
            problem = value_problem(name, values.get(name))
            if problem:  # a value kept before it was checked, or written by hand
                log.warning("Ignoring the code interpreter's user setting %s: %s", name, problem)
                values.pop(name)
            try:
                setattr(settings, name, values[name] if name in values else settings.trait_defaults(name))
            except TraitError as exc:  # a value the user set once, no longer valid
                setattr(settings, name, settings.trait_defaults(name))
                log.warning("Ignoring the code interpreter's user setting %s: %s", name, exc)
        settings.user_chose_base_url = "base_url" in values and not settings.set_by_admin("base_url")
        if not settings.set_by_admin("api_key"):
            stored = store.key() if settings.allow_user_settings else ""
            settings.api_key = stored or settings.trait_defaults("api_key")
            # A key kept before its base URL was kept with it belongs to the base URL it has been used with.
            settings.user_key_home = (store.key_base_url() or settings.base_url) if stored else None

    def source_of(self, name: str, store: UserSettings | None = None) -> str:
        """Where a setting's value comes from: "admin", "user", "environment" or "default"."""
        settings = self.settings
        store = store or self.store()
        if settings.set_by_admin(name):
            return "admin"
        if settings.allow_user_settings and (name == "api_key" and store.key() or name in store.values()):
            return "user"
        if name in ENVIRONMENT and os.environ.get(ENVIRONMENT[name]):
            return "environment"
        return "default"

    def update(self, changes: dict) -> Problem | None:
        """Set and keep what the user changed (a value, or None to go back to the default); or why not.

        Nothing changes if any value is refused: unknown, locked by the
        administrator, of the wrong type, or a model or server not allowed.
        """
        settings = self.settings
        store = self.store()
        for name, value in changes.items():
            if name not in USER_SETTABLE:
                return Problem(f"'{name}' is not a setting of the Code Interpreter.", "")
            if settings.locked(name):
                return Problem(f"'{name}' is set by the administrator.", "Ask them to change it.")
            problem = value_problem(name, value)
            if problem:
                return Problem(problem, "Nothing was saved; correct it and save again.", field=name)
        if isinstance(changes.get("mcp_servers"), dict):
            changes = {**changes, "mcp_servers": unmasked(changes["mcp_servers"], settings.mcp_servers)}
        values = {**store.values(), **changes}
        values = {name: value for name, value in values.items() if value is not None}
        before = {name: getattr(settings, name) for name in USER_SETTABLE}
        problem = None
        for name in changes:
            try:
                setattr(settings, name, values[name] if name in values else settings.trait_defaults(name))
            except TraitError:
                shown = FORM_LABELS.get(name, name)
                problem = Problem(f"Not a valid value for {shown}: {values[name]!r}.", "", field=name)
                break
        problem = problem or settings.not_allowed() or self.mcp_problem()
        if problem is not None:
            for name, value in before.items():
                setattr(settings, name, value)
            return problem
        store.save_values(values)
        if "base_url" in changes:
            settings.user_chose_base_url = "base_url" in values
        return None

    def set_key(self, key: str | None) -> Problem | None:
        """Keep the key the user typed (None: forget it), on the server only; or why not."""
        settings = self.settings
        if settings.locked("api_key"):
            return Problem("The key is set by the administrator.", "Ask them to change it.")
        store = self.store()
        if key:
            store.save_key(key, settings.base_url)
        else:
            store.forget_key()
        settings.api_key = store.key() or settings.trait_defaults("api_key")
        settings.user_key_home = settings.base_url if key else None
        return None

    def mcp_problem(self) -> Problem | None:
        """Why the MCP servers set cannot be used, if so (a malformed one, or one the administrator does not allow)."""
        settings = self.settings
        for name, spec in settings.mcp_servers.items():
            problem = server_problem(name, spec)
            if problem is not None:
                return Problem(problem, "Write it as MCP clients do: {command, args, env} or {url, headers}.")
            if not settings.set_by_admin("mcp_servers") and not allowed(spec, settings.allowed_mcp_servers):
                return Problem(
                    f"The MCP server {name} is not allowed on this server.",
                    f"Allowed: {', '.join(settings.allowed_mcp_servers)} (set by the administrator).",
                )
        return None
