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
from traitlets import Bool, Dict, Enum, Float, Int, List, Type, Unicode, default
from traitlets.config import Configurable

from .budget import DEFAULT_PROMPT_BUDGET
from .capability_record import CapabilityRecord
from .connection import LOCAL_SERVERS
from .data_profile import DEFAULT_BUDGET as DEFAULT_PROFILE_BUDGET
from .limits import Limits
from .model_client import Capabilities, ModelClient
from .notebook_view import DEFAULT_VIEW_BUDGET
from .redaction import environment_secrets
from .rules import DEFAULT_BUDGET as DEFAULT_RULES_BUDGET
from .setting_rules import RANGES, value_problem

#: The model used with OpenAI's own endpoint when none is configured.
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"

#: The environment variable that names the model.
MODEL_ENV_VAR = "CI_JUPYTERLAB_MODEL"

#: What the ``openai`` client is given as a key for servers that need none.
PLACEHOLDER_KEY = "no-key-needed"

#: List prices in US dollars per million tokens (input, output), OpenAI, 2025; override with
#: ``c.CodeInterpreter.prices``. Models not listed (local ones) have no cost shown.
DEFAULT_PRICES = {
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4.1-nano": {"input": 0.10, "output": 0.40},
    "gpt-4o": {"input": 2.50, "output": 10.00},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
}

#: The environment variable each setting falls back to.
ENVIRONMENT = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL", "model": MODEL_ENV_VAR}


def is_openai(base_url: str | None) -> bool:
    """True when requests to ``base_url`` go to OpenAI's own API (empty: OpenAI)."""
    return not base_url or urlparse(base_url).hostname == "api.openai.com"


def same_server(first: str | None, second: str | None) -> bool:
    """Whether two base URLs name the same model server (OpenAI's, however written; else the same URL)."""
    if is_openai(first) and is_openai(second):
        return True
    return (first or "").strip().rstrip("/") == (second or "").strip().rstrip("/")


def endpoint_of(base_url: str | None) -> str:
    """The host a model is reached at, for messages (never the key)."""
    if not base_url:
        return "api.openai.com"
    return urlparse(base_url).netloc or base_url


@dataclass(frozen=True)
class Problem:
    """Something the user must fix before the assistant can work; ``field``: the setting whose value is wrong."""

    message: str
    hint: str
    field: str | None = None

    def to_dict(self) -> dict:
        return {"message": self.message, "hint": self.hint, **({"field": self.field} if self.field else {})}


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
        klass=object,  # any class that keeps the ModelClient protocol, not only OpenAI-compatible ones
        help="The class that talks to the model (a ModelClient, agent/model_client.py: endpoint, model_name, "
        "capabilities, list_models, model, stream, close). It is built with base_url, api_key, model, timeout "
        "(request_timeout), retries (max_retries) and capabilities (what was found of the model before).",
    ).tag(config=True)

    approval = Enum(
        ["risky", "always", "never"],
        default_value="risky",
        help="Which of the assistant's cells wait for the user's approval before they run. "
        "'risky' (default): cells that install or uninstall packages, run shell commands, delete, "
        "move or overwrite files outside the notebook's folder (or at paths known only when the cell "
        "runs), run code made at run time (eval/exec/__import__ of computed text), reach into the Jupyter "
        "server (its runtime files, its API) or run JavaScript in the page; approving an install covers "
        "exactly the command shown, for the rest of the request. "
        "'always': every cell; the user may run it, edit it first, or skip it. "
        "'never': nothing is asked (whole-line %pip installs still fail the cell when pip fails). "
        "%%ci cannot ask, so it skips what would be asked; `jupyter ci run` asks nobody either: "
        "--allow-install approves installs, --yes approves everything.",
    ).tag(config=True)

    mcp_servers = Dict(
        help="MCP servers whose tools the assistant may call beside run_cell, as MCP clients write them: "
        "{'files': {'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-filesystem', '/data']}} for a "
        "program spoken to over stdio (it gets only the environment given in 'env', beside PATH and HOME), "
        "{'search': {'url': 'https://...', 'headers': {'Authorization': 'Bearer ...'}}} for streamable HTTP. "
        "Each call waits for the user's approval unless they chose 'Always allow' for that tool. Users may set "
        "their own from the settings view, within allowed_mcp_servers.",
    ).tag(config=True)

    allowed_mcp_servers = List(
        Unicode(),
        help="Administrators: the MCP servers users may set from the settings view: URLs, or the start of a "
        "command line (e.g. 'npx -y @modelcontextprotocol/server-filesystem'). Empty: any.",
    ).tag(config=True)

    mcp_always_allow = List(
        Unicode(),
        help="MCP tools ('<server>/<tool>') that run without asking; the user adds one with 'Always allow' on its "
        "approval card, and removes it in the settings view.",
    ).tag(config=True)

    mcp_run_unattended = Bool(
        False,
        help="Administrators: run the cells of outside agents (MCP clients) that would wait for approval when no "
        "JupyterLab window has their notebook open to ask in. Off: they are declined, and the client is told why. "
        "Only the server's configuration can turn it on: neither the panel nor an MCP client can.",
    ).tag(config=True)

    send_images = Enum(
        ["auto", "on", "off"],
        default_value="auto",
        help="Send the images a cell displays (PNG, JPEG; downscaled) to the model with its outputs, so it can "
        "check its own chart. 'auto': unless the model is known not to read images (Test connection finds out, "
        "and so does the first request that sends one: a model that refuses them is asked again without).",
    ).tag(config=True)

    prices = Dict(
        default_value=DEFAULT_PRICES,
        help="US dollars per million tokens, by model: {'model': {'input': 0.4, 'output': 1.6}}. Requests "
        "to models listed show their cost; others (local models) only their tokens.",
    ).tag(config=True)

    max_cost_per_request = Float(
        0.0, help="US dollars one request may cost (by the price table) before it is stopped; 0: no limit."
    ).tag(config=True)

    allowed_models = List(
        Unicode(),
        help="Administrators: the models users may choose (empty: any). Enforced by the server, for the "
        "settings view and for every request.",
    ).tag(config=True)

    allowed_base_urls = List(Unicode(), help="Administrators: the model servers users may choose (empty: any).").tag(
        config=True
    )

    allow_user_settings = Bool(
        True,
        help="Administrators: whether users may change the settings (and the key) from the panel. Values set "
        "in the server's config always win and are shown read-only.",
    ).tag(config=True)

    local_servers = Dict(
        default_value=LOCAL_SERVERS,
        help="The local OpenAI-compatible servers the settings view looks for, by name: base URLs on this "
        "machine (only loopback addresses are probed).",
    ).tag(config=True)

    user_settings_dir = Unicode(
        help="Where the settings and key a user set from the panel are kept (mode 0600). "
        "Default: <jupyter data dir>/ci_jupyterlab.",
    ).tag(config=True)

    #: Where the user's key belongs (set with it from the panel); None: the key is not the user's.
    #: Set by the user's settings (``user_config.SettingsPolicy``), as is the next one.
    user_key_home: str | None = None
    #: Whether the base URL in use is the user's choice (from the panel) rather than the administrator's,
    #: the environment's or the default.
    user_chose_base_url = False

    @default("user_settings_dir")
    def _user_settings_dir_default(self) -> str:
        return os.path.join(jupyter_data_dir(), "ci_jupyterlab")

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

    data_profile_budget = Int(
        DEFAULT_PROFILE_BUDGET,
        help="Tokens of each request the data profile may take: the data files in the notebook's folder (and "
        "those the request or the notebook names), with their columns, types, rows and a few values, read "
        "from a sample and ranked by the request's words. 0: no data profile.",
    ).tag(config=True)

    rules_budget = Int(
        DEFAULT_RULES_BUDGET,
        help="Tokens of the project's rules (AGENTS.md and .ci-jupyterlab/rules.md in the notebook's folder "
        "and the folders above it) the model is given; 0: none are read.",
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

    @property
    def chosen_model(self) -> str:
        """The model requests use: as set, else the administrator's first allowed one, else "" (the server's)."""
        return self.model or (self.allowed_models[0] if self.allowed_models else "")

    def key_home(self) -> str:
        """The base URL the key belongs to: the one a key set from the panel was set for; else the base URL
        the administrator, the environment or the defaults give (not one the user chose since)."""
        if self.user_key_home is not None:
            return self.user_key_home
        return self.trait_defaults("base_url") if self.user_chose_base_url else self.base_url

    def key_for(self, base_url: str | None) -> str:
        """The key to send to the model server at ``base_url``: only the server it belongs to (``key_home``)
        or one the administrator allows (``allowed_base_urls``) gets it; "" for any other."""
        if self.api_key and any(same_server(base_url, home) for home in [self.key_home(), *self.allowed_base_urls]):
            return self.api_key
        return ""

    def model_client(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        capabilities: Capabilities | None = None,
    ) -> ModelClient:
        """A new client (``model_client_class``), of the configured server and model unless told otherwise:
        the one place every client is built (requests, Test connection). Close it when done.

        ``api_key`` None: the stored key if it belongs to that server (``key_for``). ``capabilities`` None:
        what was found of that model before (``capability_record``); ``Capabilities()`` to find out afresh.
        """
        base_url = self.base_url if base_url is None else base_url
        model = model or self.chosen_model
        if capabilities is None:
            capabilities = self.capability_record().known(endpoint_of(base_url), model)
        return self.model_client_class(
            base_url=base_url or None,
            api_key=self.key_for(base_url) if api_key is None else api_key,
            model=model,
            timeout=self.request_timeout if timeout is None else timeout,
            retries=self.max_retries if retries is None else retries,
            capabilities=capabilities,
        )

    def capability_record(self) -> CapabilityRecord:
        return CapabilityRecord(self.user_settings_dir)

    def remember_capabilities(self, client: ModelClient) -> None:
        """Keep what ``client`` found its model can do, for the clients built after it: by its model's name,
        and, where the configured server picks the model, as that server's choice (the name is not known
        before the first request)."""
        record = self.capability_record()
        record.keep(client.endpoint, client.model_name, client.capabilities)
        if not self.chosen_model and client.endpoint == self.endpoint:
            record.keep(client.endpoint, "", client.capabilities)

    # --- what the administrator decides (the user's settings: ci_jupyterlab/user_config) ---

    def set_by_admin(self, name: str) -> bool:
        section = self.config.get("CodeInterpreter") if "CodeInterpreter" in self.config else None
        return bool(section) and name in section

    def locked(self, name: str) -> bool:
        """Whether the user may not change this setting from the panel."""
        return not self.allow_user_settings or self.set_by_admin(name)

    def not_allowed(self, model: str | None = None, base_url: str | None = None) -> Problem | None:
        """Why the administrator does not allow this model or model server, if so."""
        problem = self.model_problem(self.chosen_model if model is None else model)
        if problem is not None:
            return problem
        base_url = self.base_url if base_url is None else base_url
        if self.allowed_base_urls and (base_url or "") not in self.allowed_base_urls:
            shown = base_url or "OpenAI"
            return Problem(
                f"The model server {shown} is not allowed on this server.",
                f"Choose one of: {', '.join(self.allowed_base_urls)} (set by the administrator).",
            )
        return None

    def model_problem(self, model: str | None) -> Problem | None:
        """Why a request may not use ``model`` instead of the configured one (None or "": the configured one).

        The one check of the administrator's ``model`` and ``allowed_models`` on every request path: the
        chat's per-request model, Test connection, ``%%ci --model``, ``jupyter ci run --model``; an MCP
        front end calls it too. ``Assistant.agent`` refuses a model it refuses, as a backstop. With
        ``allowed_models`` the model must be one of them; else, where the administrator chose the model
        (or lets users choose nothing), it must be that one.
        """
        if not model:
            return None
        if self.allowed_models:
            if model in self.allowed_models:
                return None
            hint = f"Choose one of: {', '.join(self.allowed_models)} (set by the administrator)."
        elif self.locked("model") and model != self.chosen_model:
            hint = f"This server uses {self.chosen_model or 'the model it is set up with'} (set by the administrator)."
        else:
            return None
        return Problem(f"The model '{model}' is not allowed on this server.", hint)

    def limits(self) -> Limits:
        """The limits of every request, as the loop takes them."""
        return Limits(
            max_attempts=self.max_attempts,
            max_rounds=self.max_rounds,
            prompt_budget=self.prompt_budget,
            cell_timeout=self.cell_timeout,
            secrets=(self.api_key,),
            view_budget=self.notebook_view_budget,
            prices=dict(self.prices),
            max_cost=self.max_cost_per_request,
            send_images=self.send_images,
        )

    def problem(self) -> Problem | None:
        """Why no request can be sent with this configuration, if so."""
        if self.uses_openai and not self.key_for(self.base_url):
            return Problem(
                "No model is configured.",
                "Open the settings (the gear above the chat): for OpenAI, paste your API key; for a local "
                "OpenAI-compatible server such as Ollama, set Base URL (Find local servers looks for one), "
                "e.g. http://localhost:11434/v1. Administrators: OPENAI_API_KEY or OPENAI_BASE_URL in the "
                "server's environment, or c.CodeInterpreter.api_key / base_url in jupyter_server_config.py.",
            )
        for name in RANGES:
            problem = value_problem(name, getattr(self, name))
            if problem:
                return Problem(problem, f"The administrator sets it: c.CodeInterpreter.{name}.", field=name)
        return self.not_allowed()

    def secrets(self) -> list[str]:
        """Values never to be written to disk or shown: the key and secret-looking environment variables."""
        return [self.api_key, *environment_secrets()]

    def public_view(self) -> dict:
        """What the browser may know about the configuration (no key)."""
        problem = self.problem()
        return {
            "configured": problem is None,
            "model": self.chosen_model or (DEFAULT_OPENAI_MODEL if self.uses_openai else None),
            "endpoint": self.endpoint,
            "max_attempts": self.max_attempts,
            "cell_timeout": self.cell_timeout,
            "problem": problem.to_dict() if problem else None,
        }
