"""How the model asks for code to run: a ``run_cell`` or ``edit_cell`` tool call, or fenced code."""

from __future__ import annotations

import json
import re

RUN_CELL = "run_cell"
EDIT_CELL = "edit_cell"

RUN_CELL_TOOL = {
    "type": "function",
    "function": {
        "name": RUN_CELL,
        "description": (
            "Run Python code as a cell in the user's notebook, in its live kernel, "
            "and return the cell's outputs or error. Variables persist between cells. "
            "To fix a failed cell, call this again with the complete corrected code."
        ),
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "The cell's full source."}},
            "required": ["code"],
            "additionalProperties": False,
        },
    },
}

EDIT_CELL_TOOL = {
    "type": "function",
    "function": {
        "name": EDIT_CELL,
        "description": (
            "Replace the whole source of an existing cell of the notebook, named by its reference "
            "from the notebook view (e.g. #3), and run it there. Use it to fix or change a cell in place."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "cell": {"type": "string", "description": "The cell's reference, e.g. #3."},
                "code": {"type": "string", "description": "The cell's new full source."},
            },
            "required": ["cell", "code"],
            "additionalProperties": False,
        },
    },
}

# An opening fence with an optional language tag, the body, the closing fence.
_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_PYTHON_TAGS = {"", "python", "python3", "py", "ipython", "ipython3"}


class BadArguments(ValueError):
    """The model's tool-call arguments are not ``{"code": "..."}``."""


def _arguments(raw: str) -> dict:
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise BadArguments(f"the arguments are not valid JSON ({exc.msg} at position {exc.pos})") from None
    return arguments if isinstance(arguments, dict) else {}


def code_from_arguments(raw: str) -> str:
    """The code of a ``run_cell`` call, from its JSON arguments."""
    arguments = _arguments(raw)
    if not isinstance(arguments.get("code"), str):
        raise BadArguments('the arguments must be an object {"code": "<python source>"}')
    if not arguments["code"].strip():
        raise BadArguments("the code is empty")
    return arguments["code"]


def edit_from_arguments(raw: str) -> tuple[str, str]:
    """The cell reference and the new source of an ``edit_cell`` call."""
    arguments = _arguments(raw)
    if not isinstance(arguments.get("cell"), str) or not arguments["cell"].strip():
        raise BadArguments('the arguments must be an object {"cell": "#<n>", "code": "<python source>"}')
    return arguments["cell"], code_from_arguments(raw)


def fenced_code(text: str) -> str | None:
    """The Python code blocks of a plain-text answer, joined into one cell."""
    blocks = [body.rstrip() for tag, body in _FENCE.findall(text) if tag.lower() in _PYTHON_TAGS and body.strip()]
    return "\n\n".join(blocks) if blocks else None
