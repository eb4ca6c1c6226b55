"""MCP servers as users configure them (``c.CodeInterpreter.mcp_servers``): checked, allowed, masked.

The shape is the one MCP clients already write: ``{"name": {"command":
"npx", "args": [...], "env": {...}}}`` for a program spoken to over stdio,
``{"name": {"url": "https://...", "headers": {...}}}`` for streamable HTTP.
"""

from __future__ import annotations

import re

#: What the settings view shows instead of an environment value or a header (they may hold tokens).
MASK = "********"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _strings(value) -> bool:
    """A mapping of names to strings (an environment, headers)."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def server_problem(name, spec) -> str | None:
    """Why ``spec`` is not a usable MCP server, if it is not."""
    if not isinstance(name, str) or not _NAME.match(name):
        return f"The MCP server name {name!r} must be 1-32 letters, digits, '_' or '-'."
    if not isinstance(spec, dict):
        return f"The MCP server {name} must be an object with a command or a url."
    if "url" in spec:
        if not isinstance(spec["url"], str) or not spec["url"].startswith(("http://", "https://")):
            return f"The MCP server {name}: 'url' must be an http(s) URL."
        if not _strings(spec.get("headers", {})):
            return f"The MCP server {name}: 'headers' must map names to strings."
        return None
    if not isinstance(spec.get("command"), str) or not spec["command"].strip():
        return f"The MCP server {name} needs a 'command' (stdio) or a 'url' (HTTP)."
    args = spec.get("args", [])
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        return f"The MCP server {name}: 'args' must be a list of strings."
    if not _strings(spec.get("env", {})):
        return f"The MCP server {name}: 'env' must map names to strings."
    return None


def allowed(spec: dict, allowlist: list[str]) -> bool:
    """Whether the administrator's list allows this server: its URL, or the start of its command line."""
    if not allowlist:
        return True
    if "url" in spec:
        return spec["url"] in allowlist
    line = " ".join([spec["command"], *spec.get("args", [])])
    return any(line == entry or line.startswith(entry + " ") for entry in allowlist)


def masked(servers: dict) -> dict:
    """The servers as the browser may see them: environment values and headers hidden."""
    shown = {}
    for name, spec in servers.items():
        spec = dict(spec)
        for secret in ("env", "headers"):
            if isinstance(spec.get(secret), dict):
                spec[secret] = dict.fromkeys(spec[secret], MASK)
        shown[name] = spec
    return shown


def unmasked(servers: dict, before: dict) -> dict:
    """Servers sent back from the settings view: a value still masked keeps the one it hid."""
    kept = {}
    for name, spec in servers.items():
        spec = dict(spec) if isinstance(spec, dict) else spec
        for secret in ("env", "headers"):
            values = spec.get(secret) if isinstance(spec, dict) else None
            if isinstance(values, dict):
                old = (before.get(name) or {}).get(secret) or {}
                spec[secret] = {k: old.get(k, v) if v == MASK else v for k, v in values.items()}
        kept[name] = spec
    return kept
