"""How deeply JSON-like data nests, measured without recursion.

Data nested thousands of levels deep (an output's ``application/json``, a
session file written by hand or by another tool) breaks whatever walks it
recursively: ``json``, the redactor, ``dataclasses.asdict``, ``str()``. So it
is measured first, with a loop, and refused or dropped with a clear message
before anything recursive touches it.
"""

from __future__ import annotations

#: Levels of lists and objects the chat's messages and session files may have.
MAX_NESTING = 100


def nesting_depth(value, limit: int = MAX_NESTING) -> int:
    """Levels of lists and dicts in ``value`` (a scalar: 0), counted up to ``limit + 1`` at most."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def too_deep(value, limit: int = MAX_NESTING) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` levels."""
    return nesting_depth(value, limit) > limit
