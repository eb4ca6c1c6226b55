"""The chat protocol's one contract (ci_jupyterlab/agent/contract.json), and both languages held to it."""

from __future__ import annotations

import copy
import importlib.util
import json

import pytest
from contract_drift import ROOT, python_drift, python_server_messages, python_vocabularies, typescript_drift

from ci_jupyterlab.agent.contract import CONTRACT
from ci_jupyterlab.protocol import PROTOCOL_VERSION, ProtocolError, parse_client_message

GENERATED = ROOT / "src" / "server" / "contract.ts"


def generator():
    spec = importlib.util.spec_from_file_location("generate_contract", ROOT / "scripts" / "generate_contract.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def declared():
    from contract_drift import typescript_messages

    return typescript_messages()


def test_python_says_what_the_contract_says():
    assert python_drift(CONTRACT) == []


def test_typescript_says_what_the_contract_says(declared):
    expected = generator().typescript(CONTRACT)
    assert typescript_drift(CONTRACT, declared, GENERATED.read_text(), expected) == []


def test_a_drift_in_python_is_caught():
    vocabularies = python_vocabularies()
    vocabularies["done_reasons"] = (*vocabularies["done_reasons"], "max_patience")
    messages = python_server_messages()
    messages["status"] = messages["status"] | {"spinner"}
    del messages["usage"]
    problems = python_drift(CONTRACT, vocabularies, messages)
    assert any("done_reasons" in problem for problem in problems)
    assert "Python's 'status' message: 'spinner' is not in the contract" in problems
    assert "Python's server messages: lacks the contract's 'usage'" in problems


def test_a_drift_in_typescript_is_caught(declared, tmp_path):
    """A hand-edited copy of src/server/protocol.ts: a field dropped, one made optional, a message added."""
    source = (ROOT / "src" / "server" / "protocol.ts").read_text()
    drifted = source.replace("  reason: DoneReason;\n", "  reason?: DoneReason;\n", 1)
    drifted = drifted.replace("  total_tokens: number;\n", "", 1)
    drifted = drifted.replace(
        "export type ServerMessage =\n",
        "export interface IBlinkMessage {\n  type: 'blink';\n}\n\nexport type ServerMessage =\n  | IBlinkMessage\n",
    )
    assert drifted.count("IBlinkMessage") == 2 and drifted != source
    copy_of = tmp_path / "protocol.ts"
    copy_of.write_text(drifted)
    from contract_drift import typescript_messages

    expected = generator().typescript(CONTRACT)
    problems = typescript_drift(CONTRACT, typescript_messages(copy_of), GENERATED.read_text(), expected)
    assert "TypeScript's server messages: 'blink' is not in the contract" in problems
    assert "TypeScript's server 'usage': lacks the contract's 'total_tokens'" in problems
    assert "TypeScript's server 'done': 'reason' is optional, the contract says required" in problems


def test_a_contract_changed_without_regenerating_typescript_is_caught(declared):
    changed = copy.deepcopy(CONTRACT)
    changed["vocabularies"]["phases"].append("dreaming")
    expected = generator().typescript(changed)
    problems = typescript_drift(changed, declared, GENERATED.read_text(), expected)
    assert problems == ["src/server/contract.ts is stale: run python scripts/generate_contract.py"]
    assert any("phases" in problem for problem in python_drift(changed))


SAMPLES = {"string": "x", "integer": 1, "number": 1.5, "boolean": True, "object": {}, "any": None}


def sample(kind: str):
    """A valid value of a contract field type."""
    kind = kind.split("|")[0]
    if kind.endswith("[]"):
        return []
    if kind in CONTRACT["vocabularies"]:
        return CONTRACT["vocabularies"][kind][0]
    return SAMPLES[kind]


def indispensable(name: str, kind: str) -> bool:
    """A required field whose absence cannot be read as empty: not nullable, a list, an object or a number."""
    return (
        not name.endswith("?")
        and "|" not in kind
        and kind in ("string", "integer", "boolean", *CONTRACT["vocabularies"])
    )


@pytest.mark.parametrize("kind", sorted(CONTRACT["client_messages"]))
def test_the_server_takes_each_client_message_as_the_contract_writes_it(kind):
    """Built from the contract alone: accepted whole; refused without its session or an indispensable field.

    (The server reads a missing list, object, number or nullable field as empty, as older panels send them.)
    """
    spec = CONTRACT["client_messages"][kind]
    fields = {name.rstrip("?"): sample(of) for name, of in spec["fields"].items()}
    if kind == "user_message":
        fields["notebook"] = {"path": "a.ipynb"}
    if kind == "answer":
        del fields["text"]  # an option, or words: one of the two
    frame = {"type": kind, "protocol": PROTOCOL_VERSION, **({"session": "s-1"} if spec["session"] else {}), **fields}
    parse_client_message(json.dumps(frame))
    needed = [name for name, of in spec["fields"].items() if indispensable(name, of)]
    for name in needed + (["session"] if spec["session"] else []):
        with pytest.raises(ProtocolError):
            parse_client_message(json.dumps({key: value for key, value in frame.items() if key != name}))
