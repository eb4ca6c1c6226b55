"""The panel's settings view: a first run set up from the panel in Chromium, and what administrators lock.

The first server has no model in its config or environment, so nothing locks
the settings (the Galata server configures its model, which locks them). The
user sets the model and key up from the panel (ui-tests/deploy/settings.spec.ts)
and asks at once. Then, on disk: the key is in the server's data dir, mode
0600, and in no other file; the model saw it only as the Authorization header.
The second server's administrator allows one model: the settings and the chat
refuse another.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import CANARY_KEY, model_env
from services import BIN, ROOT, Service, free_port
from tornado.httpclient import HTTPClientError

from ci_jupyterlab.agent.settings import PLACEHOLDER_KEY
from ci_jupyterlab.testing.panel_client import PanelChat, ServerAPI

EMPTY_NOTEBOOK = {
    "cells": [],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
#: Where a server could learn a model, a key or another Lab settings folder from the environment.
INHERITED = ("CI_JUPYTERLAB_MODEL", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")
ADMIN_TOKEN = "settings-admin-token"


def start_server(name: str, work: Path, config: dict, env: dict | None = None, app: str = "lab") -> tuple[Service, str]:
    """``jupyter <app>`` with this config, its own data and config dirs, and nothing of ours in its environment."""
    (work / f"{name}-root").mkdir()
    (work / f"{name}-root" / f"{name}.ipynb").write_text(json.dumps(EMPTY_NOTEBOOK))
    config_file = work / f"{name}_config.json"
    config_file.write_text(
        json.dumps(
            {
                "ServerApp": {"root_dir": str(work / f"{name}-root"), "allow_root": True, "open_browser": False},
                "KernelSpecManager": {"allowed_kernelspecs": ["python3"]},
                **config,
            }
        )
    )
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:  # Service passes os.environ on: drop the model's variables
        for variable in list(os.environ):
            if variable.startswith("OPENAI_") or variable in INHERITED:
                patch.delenv(variable)
        service = Service(
            f"jupyter-{name}",
            [str(BIN / "jupyter"), app, f"--config={config_file}", "--ServerApp.ip=127.0.0.1", f"--port={port}"],
            work,
            env={
                "JUPYTER_DATA_DIR": str(work / f"{name}-data"),
                "JUPYTER_CONFIG_DIR": str(work / f"{name}-config"),
                # Its kernels' input history of its own: Lab asks for it, and the machine's
                # shared one holds other tests' cells (the gateway's probes name the canary key).
                "IPYTHONDIR": str(work / f"{name}-ipython"),
                **(env or {}),
            },
        )
    url = f"http://127.0.0.1:{port}/"
    service.wait_for(url + "api/status")
    return service, url


@pytest.fixture(scope="module")
def first_run_lab(llm, work):
    """JupyterLab with no model configured; the scripted model is the one local server it may find."""
    service, url = start_server(
        "settings",
        work,
        {
            "IdentityProvider": {"token": ""},
            "LabApp": {
                "expose_app_in_browser": True,
                "news_url": None,
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            },
            "CodeInterpreter": {"local_servers": {"Scripted": llm.base_url}},
        },
    )
    try:
        yield url, service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def admin_server(llm, work):
    """A server whose administrator allows one model; the model itself comes from the environment."""
    service, url = start_server(
        "admin",
        work,
        {
            "IdentityProvider": {"token": ADMIN_TOKEN},
            "CodeInterpreter": {"allowed_models": ["scripted-model"]},
        },
        env=model_env(llm),
        app="server",
    )
    try:
        yield url
    finally:
        service.stop()


def files_holding(folder: Path, text: str) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()]


def test_first_run_from_the_settings_view(first_run_lab, llm, work):
    url, service = first_run_lab
    env = {
        **os.environ,
        "CI_LAB_URL": url,
        "CI_LLM_URL": llm.url,
        "CI_CANARY_KEY": CANARY_KEY,
        "PLAYWRIGHT_HTML_REPORT": str(work / "playwright-settings"),
    }
    done = subprocess.run(
        [str(BIN / "jlpm"), "playwright", "test", "-c", "playwright.deploy.config.js", "deploy/settings.spec.ts"],
        cwd=ROOT / "ui-tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:] + service.log()
    assert "2 passed" in done.stdout, done.stdout[-3000:]

    # The key is kept by the server, readable by the user only, next to the other settings.
    data, config = work / "settings-data", work / "settings-config"
    key_file = data / "ci_jupyterlab" / "api_key"
    assert key_file.read_text() == CANARY_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    saved = json.loads((data / "ci_jupyterlab" / "settings.json").read_text())
    assert saved == {"base_url": llm.base_url, "model": "scripted-model"}

    # Nowhere else: not in Lab's settings (<config dir>/lab/user-settings), the sessions, the notebook, the log.
    lab_settings = subprocess.run(
        [str(BIN / "python"), "-c", "from jupyterlab.commands import get_user_settings_dir as d; print(d())"],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(config)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(lab_settings).is_relative_to(config)
    assert files_holding(config, CANARY_KEY) == []
    assert files_holding(data, CANARY_KEY) == [key_file]
    assert files_holding(work / "settings-root", CANARY_KEY) == []
    assert CANARY_KEY not in service.log()

    # The model saw the key only as the bearer token of the requests sent after Save.
    requests = llm.requests
    chats = [r for r in requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 3  # the fix loop: broken cell, fix, answer
    assert all(r["bearer_token"] == CANARY_KEY for r in chats)
    assert all(r["bearer_token"] in (CANARY_KEY, PLACEHOLDER_KEY, None) for r in requests)
    for r in requests:
        assert CANARY_KEY not in json.dumps(r["body"])
        assert CANARY_KEY not in json.dumps(r["headers"])


async def test_the_administrators_models_only(admin_server, llm):
    api = ServerAPI(admin_server, ADMIN_TOKEN)
    view = await api.request("GET", "ci-jupyterlab/settings")
    assert view["allowed_models"] == ["scripted-model"]
    assert view["values"]["model"] == {"value": "scripted-model", "source": "environment", "locked": False}

    with pytest.raises(HTTPClientError) as refused:
        await api.request("PUT", "ci-jupyterlab/settings", {"values": {"model": "other-model"}})
    assert refused.value.code == 403
    answer = json.loads(refused.value.response.body)
    assert "other-model" in answer["message"]
    assert "scripted-model" in answer["hint"]
    assert (await api.request("GET", "ci-jupyterlab/settings"))["values"]["model"]["value"] == "scripted-model"
    assert await api.status("POST", "ci-jupyterlab/settings/test", {"model": "other-model"}) == 403

    llm.reset()
    chat = await PanelChat.open(api, "admin.ipynb")
    try:
        notebook = {"path": "admin.ipynb", "kernel_name": "python3", "kernel_language": "python"}
        await chat.send(type="user_message", text="Hello.", notebook=notebook, model="other-model")
        messages = []
        while (message := await chat.next(timeout=30))["type"] != "done":
            messages.append(message)
        errors = [m for m in messages if m["type"] == "error"]
        assert len(errors) == 1, messages
        assert "other-model" in errors[0]["message"]
        assert "scripted-model" in errors[0]["hint"]
    finally:
        await chat.close()
    assert llm.chat_requests == []
