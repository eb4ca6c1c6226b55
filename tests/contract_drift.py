"""Where the Python or the TypeScript side of the chat protocol says something its contract does not.

The contract is ``ci_jupyterlab/agent/contract.json``. Each function takes the
contract and what one side says, and returns one line per disagreement (none:
in step), so tests/test_contract.py can feed them hand-made drift too.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import get_args

ROOT = Path(__file__).resolve().parent.parent
#: Fields every session message carries besides its own (docs/protocol.md).
ENVELOPE = {"session", "watch"}


def _name(field: str) -> str:
    return field.rstrip("?")


def _compare(what: str, said: set[str], contract: set[str]) -> list[str]:
    problems = [f"{what}: {name!r} is not in the contract" for name in sorted(said - contract)]
    return problems + [f"{what}: lacks the contract's {name!r}" for name in sorted(contract - said)]


# --- Python ---------------------------------------------------------------------


def python_vocabularies() -> dict[str, tuple[str, ...]]:
    """The vocabularies as the Python side spells them (its Literal types)."""
    from ci_jupyterlab.agent import events
    from ci_jupyterlab.agent.executors import base
    from ci_jupyterlab.agent.notebook_work import INTENTS, ChangeKind
    from ci_jupyterlab.verification import CellStatus

    return {
        "run_statuses": get_args(base.RunStatus),
        "phases": get_args(events.Phase),
        "done_reasons": get_args(events.DoneReason),
        "approval_kinds": get_args(events.ApprovalKind),
        "intents": INTENTS,
        "change_kinds": get_args(ChangeKind),
        "cell_check_statuses": get_args(CellStatus),
    }


def python_server_messages() -> dict[str, set[str]]:
    """Every typed message the server sends (the agent's events and the server's own): type → fields."""
    from ci_jupyterlab import server_messages  # noqa: F401  (defines the server's own Event subclasses)
    from ci_jupyterlab.agent.events import Event

    found: dict[str, set[str]] = {}
    pending = list(Event.__subclasses__())
    while pending:
        kind = pending.pop()
        pending += kind.__subclasses__()
        found[kind.type] = {field.name for field in dataclasses.fields(kind)} - ENVELOPE
    return found


def python_drift(contract: dict, vocabularies: dict | None = None, messages: dict | None = None) -> list[str]:
    """The Python side against the contract: vocabularies, server messages and their fields, settings."""
    from ci_jupyterlab.user_config import USER_SETTABLE

    vocabularies = python_vocabularies() if vocabularies is None else vocabularies
    messages = python_server_messages() if messages is None else messages
    problems = []
    for name, words in vocabularies.items():
        if sorted(words) != sorted(contract["vocabularies"][name]):
            problems.append(f"Python's {name} {sorted(words)} differ from the contract's")
    problems += _compare("Python's server messages", set(messages), set(contract["server_messages"]))
    for kind in set(messages) & set(contract["server_messages"]):
        own = {_name(field) for field in contract["server_messages"][kind]["fields"]}
        problems += _compare(f"Python's {kind!r} message", messages[kind], own)
    problems += _compare("Python's settable settings", set(USER_SETTABLE), set(contract["settings"]))
    return problems


# --- TypeScript -----------------------------------------------------------------


def typescript_messages(protocol_ts: Path = ROOT / "src" / "server" / "protocol.ts") -> dict:
    """The messages src/server/protocol.ts declares, read by TypeScript's own parser (scripts/protocol_messages.js)."""
    script = ROOT / "scripts" / "protocol_messages.js"
    out = subprocess.run(
        ["node", str(script), str(protocol_ts)], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60
    )
    return json.loads(out.stdout)


def typescript_drift(contract: dict, declared: dict, generated: str, expected: str) -> list[str]:
    """The TypeScript side against the contract: every message, its fields and which may be absent.

    ``declared`` is ``typescript_messages()``; ``generated`` is src/server/contract.ts
    as it is, ``expected`` what scripts/generate_contract.py writes for ``contract``.
    """
    problems = (
        [] if generated == expected else ["src/server/contract.ts is stale: run python scripts/generate_contract.py"]
    )
    for direction in ("client", "server"):
        said, agreed = declared[direction], contract[f"{direction}_messages"]
        problems += _compare(f"TypeScript's {direction} messages", set(said), set(agreed))
        for kind in set(said) & set(agreed):
            fields = {name: optional for name, optional in said[kind].items() if name not in ENVELOPE}
            own = {_name(field): field.endswith("?") for field in agreed[kind]["fields"]}
            problems += _compare(f"TypeScript's {direction} {kind!r}", set(fields), set(own))
            problems += [
                f"TypeScript's {direction} {kind!r}: {name!r} is {'optional' if fields[name] else 'required'}, "
                f"the contract says {'optional' if own[name] else 'required'}"
                for name in sorted(set(fields) & set(own))
                if fields[name] != own[name]
            ]
            if agreed[kind]["session"] and "session" not in said[kind]:
                problems.append(f"TypeScript's {direction} {kind!r} lacks its 'session'")
    return problems
