"""Write src/server/contract.ts from ci_jupyterlab/agent/contract.json, the protocol's one contract.

Run after changing the JSON: ``python scripts/generate_contract.py``.
tests/test_contract.py fails while the TypeScript file is not what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "ci_jupyterlab" / "agent" / "contract.json"
OUTPUT = ROOT / "src" / "server" / "contract.ts"

HEADER = """/**
 * The chat protocol's shared words, generated from
 * ci_jupyterlab/agent/contract.json by scripts/generate_contract.py: do not
 * edit; change the JSON and run `python scripts/generate_contract.py`.
 * tests/test_contract.py checks that this file, src/server/protocol.ts and the
 * Python side all agree with the JSON.
 */
"""


def _list(name: str, words: list[str]) -> str:
    """A const array, one word per line (prettier's layout for long ones)."""
    if not words:
        return f"export const {name} = [] as const;\n"
    lines = ",\n".join(f"  {json.dumps(word)}".replace('"', "'") for word in words)
    return f"export const {name} = [\n{lines}\n] as const;\n"


def typescript(contract: dict) -> str:
    """The text of src/server/contract.ts for this contract."""
    parts = [HEADER, f"export const PROTOCOL_VERSION = {contract['protocol_version']};\n"]
    for name, words in contract["vocabularies"].items():
        parts.append(_list(name.upper(), words))
    parts.append(_list("CLIENT_MESSAGE_TYPES", sorted(contract["client_messages"])))
    parts.append(_list("SERVER_MESSAGE_TYPES", sorted(contract["server_messages"])))
    parts.append(_list("SETTING_NAMES", list(contract["settings"])))
    bounds = ",\n".join(f"  {name}: {value}" for name, value in contract["output_bounds"].items())
    parts.append(f"export const OUTPUT_BOUNDS = {{\n{bounds}\n}} as const;\n")
    return "\n".join(parts)


def main() -> int:
    OUTPUT.write_text(typescript(json.loads(CONTRACT.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
