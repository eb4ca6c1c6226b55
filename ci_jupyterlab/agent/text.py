"""Two small text helpers every view of outputs and records shares."""

from __future__ import annotations


def joined(value) -> str:
    """An nbformat multi-line string (a str, or a list of lines) as one str; None as ""."""
    return "".join(value) if isinstance(value, list) else str(value or "")


def plural(count: int, noun: str) -> str:
    """``1 step``, ``2 steps``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
