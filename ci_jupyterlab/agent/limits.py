"""The limits of one request, taken once from the settings by every front end."""

from __future__ import annotations

from dataclasses import dataclass

from .budget import DEFAULT_PROMPT_BUDGET
from .notebook_view import DEFAULT_VIEW_BUDGET


@dataclass(frozen=True)
class Limits:
    """How far a request may go, and what it must never show.

    ``max_attempts``: failing runs in a row before the request gives up;
    ``max_rounds``: model calls per request; ``prompt_budget``: tokens per
    model call; ``cell_timeout``: seconds per cell; ``secrets``: values to
    redact from everything model-bound (on top of the redactor's own);
    ``view_budget``: tokens of the prompt the notebook view may take.
    """

    max_attempts: int = 3
    max_rounds: int = 12
    prompt_budget: int = DEFAULT_PROMPT_BUDGET
    cell_timeout: float = 120.0
    secrets: tuple[str, ...] = ()
    view_budget: int = DEFAULT_VIEW_BUDGET
