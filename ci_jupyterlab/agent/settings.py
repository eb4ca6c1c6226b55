"""Configuration of the code interpreter, shared by every front end.

The section is ``CodeInterpreter`` in any Jupyter config file, for example in
``jupyter_server_config.py``::

    c.CodeInterpreter.model = "gpt-4.1-mini"
    c.CodeInterpreter.base_url = "http://localhost:11434/v1"   # Ollama

Values set in a config file win; unset values fall back to the environment
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``CI_JUPYTERLAB_MODEL``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from jupyter_core.paths import jupyter_data_dir
from traitlets import Bool, Enum, Float, Int, Type, Unicode, default
from traitlets.config import Configurable

from .budget import DEFAULT_PROMPT_BUDGET
from .limits import Limits
from .notebook_view import DEFAULT_VIEW_BUDGET
from .redaction import environment_secrets

#: The model used with OpenAI's own endpoint when none is configured.
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"

#: The environment variable that names the model.
MODEL_ENV_VAR = "CI_JUPYTERLAB_MODEL"

#: What the ``openai`` client is given as a key for servers that need none.
PLACEHOLDER_KEY = "no-key-needed"


def is_openai(base_url: str | None) -> bool:
    """True when requests to ``base_url`` go to OpenAI's own API (empty: OpenAI)."""
    return not base_url or urlparse(base_url).hostname == "api.openai.com"


def endpoint_of(base_url: str | None) -> str:
    """The host a model is reached at, for messages (never the key)."""
    if not base_url:
        return "api.openai.com"
    return urlparse(base_url).netloc or base_url


@dataclass(frozen=True)
class Problem:
    """Something the user must fix before the assistant can work."""

    message: str
    hint: str

    def to_dict(self) -> dict:
        return {"message": self.message, "hint": self.hint}


class CodeInterpreter(Configurable):
    """Which model to talk to, and the limits of the write-run-fix loop."""

    model = Unicode(
        help=f"Model name. Empty: {DEFAULT_OPENAI_MODEL} on OpenAI, otherwise the first "
        f"model the server's /v1/models lists. Environment: {MODEL_ENV_VAR}.",
    ).tag(config=True)

    base_url = Unicode(
        help="Base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1 for "
        "Ollama. Empty means OpenAI. Environment: OPENAI_BASE_URL.",
    ).tag(config=True)

    api_key = Unicode(
        help="API key. Stays on the server: never sent to the browser, the notebook or "
        "the model. Environment: OPENAI_API_KEY.",
    ).tag(config=True)

    share_key_with_kernels = Bool(
        False,
        help="Let kernels started by the server see OPENAI_API_KEY (and any variable holding the key). "
        "Off by default: the model's code runs in those kernels and could print it. Turn on only if "
        "%%ci in those kernels must find the key in its environment.",
    ).tag(config=True)

    max_attempts = Int(3, help="Consecutive failing runs allowed per request before the assistant gives up.").tag(
        config=True
    )

    max_rounds = Int(
        12, help="Model calls allowed per request, working or not: a cap on cost and on endless loops."
    ).tag(config=True)

    cell_timeout = Float(120.0, help="Seconds a cell may run before it is interrupted and reported.").tag(config=True)

    request_timeout = Float(120.0, help="Seconds to wait for the model server to answer one request.").tag(config=True)

    max_retries = Int(3, help="Retries, with backoff, of a model request that hit 429, 5xx or a timeout.").tag(
        config=True
    )

    model_client_class = Type(
        default_value="ci_jupyterlab.agent.openai_client.OpenAICompatibleClient",
        help="The class that talks to the model (a ModelClient: model_name, stream, close). It is "
        "built with base_url, api_key, model, timeout (request_timeout) and retries (max_retries).",
    ).tag(config=True)

    approval = Enum(
        ["risky", "always", "never"],
        default_value="risky",
        help="Which of the assistant's cells wait for the user's approval before they run. "
        "'risky' (default): cells that install or uninstall packages, run shell commands, or delete, "
        "move or overwrite files outside the notebook's folder (or at paths known only when the cell "
        "runs); approving an install covers exactly the packages shown, for the rest of the request. "
        "'always': every cell; the user may run it, edit it first, or skip it. "
        "'never': nothing is asked (whole-line %pip installs still fail the cell when pip fails). "
        "%%ci cannot ask, so it skips what would be asked; `jupyter ci run` asks nobody either: "
        "--allow-install approves installs, --yes approves everything.",
    ).tag(config=True)

    sessions_dir = Unicode(
        help="Directory where chat sessions are kept (one JSON file each), so they survive a "
        "server restart. Default: <jupyter data dir>/ci_jupyterlab/sessions.",
    ).tag(config=True)

    @default("sessions_dir")
    def _sessions_dir_default(self) -> str:
        return os.path.join(jupyter_data_dir(), "ci_jupyterlab", "sessions")

    prompt_budget = Int(
        DEFAULT_PROMPT_BUDGET,
        help="Prompt tokens per model call. Longer histories give way oldest first: earlier "
        "outputs, then earlier long messages, then earlier exchanges; never the system prompt, "
        "the current request or the latest error.",
    ).tag(config=True)

    notebook_view_budget = Int(
        DEFAULT_VIEW_BUDGET,
        help="Tokens of each prompt the notebook view may take (every cell, compact; cells near the "
        "active one and cells with errors in full, far ones in one line).",
    ).tag(config=True)

    @default("model")
    def _model_from_env(self) -> str:
        return os.environ.get(MODEL_ENV_VAR, "")

    @default("base_url")
    def _base_url_from_env(self) -> str:
        return os.environ.get("OPENAI_BASE_URL", "")

    @default("api_key")
    def _api_key_from_env(self) -> str:
        return os.environ.get("OPENAI_API_KEY", "")

    @property
    def uses_openai(self) -> bool:
        """True when requests go to OpenAI's own API."""
        return is_openai(self.base_url)

    @property
    def endpoint(self) -> str:
        """The host the model is reached at, for messages (never the key)."""
        return endpoint_of(self.base_url)

    def model_client(self):
        """A new client of the configured model (``model_client_class``); close it when done."""
        return self.model_client_class(
            base_url=self.base_url or None,
            api_key=self.api_key,
            model=self.model,
            timeout=self.request_timeout,
            retries=self.max_retries,
        )

    def limits(self) -> Limits:
        """The limits of every request, as the loop takes them."""
        return Limits(
            max_attempts=self.max_attempts,
            max_rounds=self.max_rounds,
            prompt_budget=self.prompt_budget,
            cell_timeout=self.cell_timeout,
            secrets=(self.api_key,),
            view_budget=self.notebook_view_budget,
        )

    def problem(self) -> Problem | None:
        """Why no request can be sent with this configuration, if so."""
        if self.uses_openai and not self.api_key:
            return Problem(
                "No model is configured.",
                "For OpenAI, set the OPENAI_API_KEY environment variable (or "
                "c.CodeInterpreter.api_key in jupyter_server_config.py). For a local "
                "OpenAI-compatible server such as Ollama, set OPENAI_BASE_URL (or "
                "c.CodeInterpreter.base_url), e.g. http://localhost:11434/v1. "
                "Then restart JupyterLab.",
            )
        for name in ("max_attempts", "max_rounds"):
            if getattr(self, name) < 1:
                return Problem(f"c.CodeInterpreter.{name} is {getattr(self, name)}.", "Set it to 1 or more.")
        return None

    def secrets(self) -> list[str]:
        """Values never to be written to disk or shown: the key and secret-looking environment variables."""
        return [self.api_key, *environment_secrets()]

    def public_view(self) -> dict:
        """What the browser may know about the configuration (no key)."""
        problem = self.problem()
        return {
            "configured": problem is None,
            "model": self.model or (DEFAULT_OPENAI_MODEL if self.uses_openai else None),
            "endpoint": self.endpoint,
            "max_attempts": self.max_attempts,
            "cell_timeout": self.cell_timeout,
            "problem": problem.to_dict() if problem else None,
        }


def load_settings(**overrides) -> CodeInterpreter:
    """The ``CodeInterpreter`` configuration as the server extension would see it.

    For front ends that run outside the server (the ``%%ci`` magic, the
    headless runner): reads ``jupyter_server_config.py``/``.json`` from every
    Jupyter config directory, lowest priority first, then applies the
    environment defaults and ``overrides`` (keyword arguments, e.g. ``model``).
    """
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

    config = Config()
    for directory in reversed(jupyter_config_path()):
        for loader_class, filename in (
            (JSONFileConfigLoader, "jupyter_server_config.json"),
            (PyFileConfigLoader, "jupyter_server_config.py"),
        ):
            try:
                config.merge(loader_class(filename, path=directory).load_config())
            except ConfigFileNotFound:
                continue
    settings = CodeInterpreter(config=config)
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings
