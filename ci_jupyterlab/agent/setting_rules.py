"""What each setting is called where users set it, and the values it may take.

Users set the model, the key and the limits in the panel's settings form, so
messages name a setting as the form labels it ("Base URL"), not as a config
file spells it ("c.CodeInterpreter.base_url"); a setting the form does not show
is named by its config name. The labels are the form's own words
(``src/settings/settingsFields.ts``).

``value_problem`` is the one check of a value a user gives, made by the server
before anything is kept: a number that is not finite (NaN, infinity) or out of
its range would otherwise leave every request failing, or the panel without
its input box.
"""

from __future__ import annotations

import math

#: The settings form's label of each setting it shows.
FORM_LABELS = {
    "base_url": "Base URL",
    "model": "Model",
    "api_key": "API key",
    "approval": "Approval",
    "max_attempts": "Attempts",
    "max_rounds": "Model calls per request",
    "cell_timeout": "Cell timeout (s)",
    "prompt_budget": "Prompt budget (tokens)",
    "send_images": "Send images",
    "max_cost_per_request": "Cost limit per request ($)",
    "mcp_servers": "MCP servers",
    "mcp_always_allow": "Tools that run without asking",
}

#: The inclusive range of each numeric setting: (lowest, highest, whole numbers only).
#: (A cell timeout past 24.8 days would overflow the browser's timers and fire at once.)
RANGES: dict[str, tuple[float, float, bool]] = {
    "max_attempts": (1, 50, True),
    "max_rounds": (1, 500, True),
    "cell_timeout": (1, 7 * 24 * 3600, False),
    "prompt_budget": (1000, 10_000_000, True),
    "max_cost_per_request": (0, 10_000, False),
    "request_timeout": (1, 24 * 3600, False),
    "max_retries": (0, 20, True),
}


def setting_name(name: str) -> str:
    """How a message names a setting: "Base URL in the Code Interpreter's settings", or by its config name."""
    label = FORM_LABELS.get(name)
    if label:
        return f"{label} in the Code Interpreter's settings"
    return f"c.CodeInterpreter.{name} in the server's configuration"


def value_problem(name: str, value) -> str | None:
    """Why ``value`` cannot be the value of setting ``name``, in the form's words; None if it can."""
    if name not in RANGES or value is None:
        return None
    low, high, whole = RANGES[name]
    label = FORM_LABELS.get(name, name)
    span = f"from {_number(low)} to {_number(high)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"{label} must be {'a whole number' if whole else 'a number'} {span}; {_shown(value)} is not."
    if whole and value != int(value):
        return f"{label} must be a whole number {span}; {_number(value)} is not."
    if not low <= value <= high:
        return f"{label} must be {span}; {_number(value)} is out of range."
    return None


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _shown(value) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value[:40]}'"
    return text if len(text) <= 40 else text[:37] + "..."
