"""The Lab windows connected to this server now, and the notebooks each has open.

Each window's chat connection tells the server which notebooks it has open and
which conversation (session) it shows for each (``open_notebooks``). An
outside agent's request about a notebook (MCP) runs in such a window, so that
the user sees it live and answers its approvals there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chat import ChatConnection


class Windows:
    """The connected windows, newest last."""

    def __init__(self):
        self._windows: list[ChatConnection] = []

    def add(self, window: ChatConnection) -> None:
        self._windows.append(window)

    def discard(self, window: ChatConnection) -> None:
        if window in self._windows:
            self._windows.remove(window)

    def showing(self, path: str) -> ChatConnection | None:
        """A window that has ``path`` open: the one driving its conversation if any, else the newest.

        Only a window that may act in the conversation it names counts: one attached to it, or any
        while nobody owns it (a window cannot name someone else's conversation to drive it).
        """
        having = [window for window in self._windows if path in window.open_notebooks and _may_act(window, path)]
        for window in having:
            session = window.store.find(window.open_notebooks[path])
            if session is not None and session.driver is window:
                return window
        return having[-1] if having else None

    def open_paths(self) -> set[str]:
        """Every notebook open in some window."""
        return {path for window in self._windows for path in window.open_notebooks}


def _may_act(window: ChatConnection, path: str) -> bool:
    session = window.store.find(window.open_notebooks[path])
    return session is None or session.owner is None or session.attached(window)
