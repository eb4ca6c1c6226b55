"""Proof that a change to the settings that guard the user comes from the panel's page, not from a kernel.

Code in a kernel runs as the user: it can read the server's token from
Jupyter's runtime files (``jpserver-<pid>.json``) and call every route the page
calls, so the token alone cannot tell the page from a cell. What a cell cannot
reach is the browser. So the server makes one secret when it starts, keeps it
in memory only (no file, no log), and hands it out exactly once: to the first
caller of ``POST ci-jupyterlab/settings/page-key``, which is the Lab page, since
the panel asks the moment the page loads, before any of the assistant's code can
have run. The page keeps it in the browser's ``localStorage`` (every tab of that
browser shares it; a reload keeps it), and sends it in the ``X-CI-Page-Key``
header with every change of a guarded setting. After that first claim the
server never gives it out again, to anyone, until it restarts.

Guarded (``GUARDED``): what turns approval down, what moves the key to another
server, what gives the model new tools, and the key itself: ``approval`` made
weaker, ``base_url``, ``mcp_servers`` (a server is a program the assistant
starts, or a URL its calls go to), tools added to ``mcp_always_allow`` (they
then run unasked), setting or forgetting the key. Other settings (the limits,
the model within what the administrator allows) need the token only. A route
that changes guarded state calls ``require_page_key`` with the settings it
changes. ("Always allow" on an approval card goes over the chat socket, which
only a window holding the conversation's key may use: see ``ChatSession.admits``.)

This is defence in depth, not a wall: a cell that writes Jupyter's config files
changes what the next server start reads, and a cell whose output runs
JavaScript in the page acts as the page. The approval gate asks about both
(writes outside the notebook's folder; reading Jupyter's runtime files, calling
the server's API), and README's Security section says what is left.
"""

from __future__ import annotations

import hmac
import secrets

from .agent.settings import Problem

#: The header that carries the page's key.
HEADER = "X-CI-Page-Key"
#: Settings whose change needs the page's key (``api_key``: set or forgotten through ``settings/key``).
GUARDED = frozenset({"approval", "base_url", "api_key", "mcp_servers", "mcp_always_allow"})
#: Approval modes from the weakest: turning approval up needs no proof, turning it down does.
APPROVAL_STRENGTH = ("never", "risky", "always")

NOT_FROM_THE_PAGE = Problem(
    "Only the Code Interpreter panel can change the approval mode, the model server, the key or the MCP tools.",
    "Change it in the panel's settings (the gear in its header) in JupyterLab. Code running in a kernel, "
    "or a script with the server's token, cannot.",
)
ALREADY_CLAIMED = Problem(
    "Another page holds this server's settings key since the server started.",
    "Change the approval mode, the model server or the key from the browser that opened the panel "
    "first, or restart the Jupyter server and open the panel before anything else.",
)


class PageKey:
    """The one secret of this server process that proves a request comes from the panel's page."""

    def __init__(self):
        self._secret = secrets.token_urlsafe(32)
        self._claimed = False

    def claim(self, presented: str | None) -> str | None:
        """The secret for the first caller, and for a caller that already holds it; None for anyone else."""
        if not self._claimed or self.proves(presented):
            self._claimed = True
            return self._secret
        return None

    def proves(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(presented.encode(), self._secret.encode())


def guarded_changes(current: dict, changes: dict) -> list[str]:
    """The guarded settings ``changes`` would change (``current``: the values in use); approval only if weaker."""
    changed = []
    for name, value in changes.items():
        if name not in GUARDED or value == current.get(name):
            continue
        if name == "approval" and _strength(value) >= _strength(current.get(name)):
            continue
        if name == "mcp_always_allow" and set(value or ()) <= set(current.get(name) or ()):
            continue  # taking tools off the list asks more, not less
        changed.append(name)
    return changed


def _strength(mode) -> int:
    """How much an approval mode asks; None (back to the default) is "risky"; a mode that does not exist is
    left for the settings to refuse as not valid."""
    mode = mode or "risky"
    return APPROVAL_STRENGTH.index(mode) if mode in APPROVAL_STRENGTH else len(APPROVAL_STRENGTH)
