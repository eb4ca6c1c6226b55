"""The chat protocol's one contract with the panel, read from ``contract.json``.

Both languages take their shared words from that file: the protocol version,
the vocabularies (run statuses, phases, the ways a request ends...), the
message types and their fields, the settings a user may set and the output
bounds. Python reads it here; ``src/server/contract.ts`` is generated from it
(``python scripts/generate_contract.py``); ``tests/test_contract.py`` fails
when the Python or the TypeScript side says something the file does not.
"""

from __future__ import annotations

import json
from pathlib import Path

CONTRACT: dict = json.loads((Path(__file__).with_name("contract.json")).read_text(encoding="utf-8"))

PROTOCOL_VERSION: int = CONTRACT["protocol_version"]
#: Limits of what a step's outputs keep, shared by the chat (src/notebook/outputBounds.ts) and the server.
OUTPUT_BOUNDS: dict[str, int] = CONTRACT["output_bounds"]


def vocabulary(name: str) -> tuple[str, ...]:
    """The words of one vocabulary, in order (e.g. ``vocabulary("phases")``)."""
    return tuple(CONTRACT["vocabularies"][name])


def message_types(direction: str) -> frozenset[str]:
    """The message types one side sends: ``"client"`` (the panel) or ``"server"``."""
    return frozenset(CONTRACT[f"{direction}_messages"])


def fields(direction: str, message_type: str) -> dict[str, str]:
    """A message's own fields (``session`` and ``watch`` aside): name (``?`` if it may be absent) to type."""
    return dict(CONTRACT[f"{direction}_messages"][message_type]["fields"])
