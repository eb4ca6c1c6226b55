"""Notebook 7: `jupyter notebook` with the extension; the panel's fix loop and export in Chromium."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import model_env
from services import BIN, ROOT, Service, free_port

EMPTY_NOTEBOOK = {
    "cells": [],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def notebook_server(llm, work):
    root = work / "nb7-root"
    root.mkdir()
    (root / "fix.ipynb").write_text(json.dumps(EMPTY_NOTEBOOK))
    config = work / "notebook_config.json"
    config.write_text(
        json.dumps(
            {
                "ServerApp": {"root_dir": str(root), "allow_root": True, "open_browser": False},
                "IdentityProvider": {"token": ""},
                "JupyterNotebookApp": {"expose_app_in_browser": True},
                "KernelSpecManager": {"allowed_kernelspecs": ["python3"]},
            }
        )
    )
    port = free_port()
    service = Service(
        "jupyter-notebook",
        [str(BIN / "jupyter"), "notebook", f"--config={config}", "--ServerApp.ip=127.0.0.1", f"--port={port}"],
        work,
        env={
            **model_env(llm),
            "JUPYTER_DATA_DIR": str(work / "nb7-data"),
            "JUPYTER_CONFIG_DIR": str(work / "nb7-config"),
        },
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        service.wait_for(url + "api/status")
        yield url, root
    finally:
        service.stop()


def test_the_fix_loop_and_the_export_in_notebook_7(notebook_server, llm, work):
    url, root = notebook_server
    env = {
        **os.environ,
        "CI_NOTEBOOK_URL": url,
        "CI_LLM_URL": llm.url,
        "PLAYWRIGHT_HTML_REPORT": str(work / "playwright-nb7"),
    }
    done = subprocess.run(
        [str(BIN / "jlpm"), "playwright", "test", "-c", "playwright.deploy.config.js", "deploy/notebook7.spec.ts"],
        cwd=ROOT / "ui-tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout, done.stdout[-3000:]
    # What the browser did is on disk: the fixed notebook and its verified export.
    saved = json.loads((root / "fix.ipynb").read_text())
    assert any(cell.get("metadata", {}).get("ci_jupyterlab") for cell in saved["cells"])
    exported = json.loads((root / "fix-export.ipynb").read_text())
    assert exported["metadata"]["ci_jupyterlab_export"]["verification"]["reproduced"] == 1
