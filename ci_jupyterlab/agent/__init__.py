"""The agent: the write-run-fix loop, written once, with no server or IPython imports.

Front ends build requests through ``Assistant`` (settings once, one model
client, agents alike), give each request its ``ContextProvider``s, run it
through an ``Executor`` and render the ``events`` it yields. See
docs/architecture.md.

The public names below are loaded on first use, so that importing one small
module of the package (``conversation``, ``executors.inkernel``) does not load
the whole loop.
"""

from __future__ import annotations

import importlib

#: Public name -> the module of this package that defines it.
_PUBLIC = {
    "Agent": "loop",
    "AnswerCheck": "events",
    "AnswerCutOff": "events",
    "ApprovalMode": "approval",
    "ApprovalRequest": "events",
    "Approve": "approval",
    "Assistant": "assistant",
    "Attachments": "context_providers",
    "CellDone": "events",
    "CodeInterpreter": "settings",
    "ContextProvider": "context_providers",
    "Conversation": "conversation",
    "CutOff": "model_client",
    "DataProfile": "data_profile",
    "Done": "events",
    "Error": "events",
    "Event": "events",
    "ExecutionResult": "executors",
    "Executor": "executors",
    "FilesChanged": "events",
    "Inspector": "executors",
    "KernelEnvironment": "context_providers",
    "LLMError": "model_client",
    "Limits": "limits",
    "LiveKernelState": "context_providers",
    "ModelClient": "model_client",
    "ModelNotAllowed": "assistant",
    "NamespaceSummary": "context_providers",
    "NotebookWarning": "events",
    "Question": "events",
    "Reply": "model_client",
    "RulesUsed": "events",
    "RunCell": "events",
    "SessionRecord": "record",
    "Status": "events",
    "TextDelta": "events",
    "UserAnswer": "questions",
    "Usage": "events",
    "find_rules": "rules",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
