"""Shared fixtures of the deployment tests: the scripted model and a folder for each service's log."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

#: The key the servers are given: it must never reach a kernel.
CANARY_KEY = "sk-canary-deploy-0123456789abcdefghij"
BROKEN = "print(math.sqrt(16))"
FIXED = "import math\nprint(math.sqrt(16))"


def run_cell(code: str, **extra) -> dict:
    return {"tool_calls": [{"name": "run_cell", "arguments": {"code": code}}], **extra}


@pytest.fixture(scope="module")
def llm():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deploy")


def model_env(llm) -> dict:
    """How a deployment gives the server its model: the environment (as zero-to-jupyterhub's extraEnv)."""
    return {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": CANARY_KEY, "CI_JUPYTERLAB_MODEL": "scripted-model"}
