"""Secrets on every path out of the server, through the real server, kernels and CLI.

The model is told about the kernel's variables and the attached files on the
panel's path as well as in ``%%ci``; kernels the server starts do not inherit
the key; ``jupyter ci run`` writes no secret and respects the user's umask.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys

import pytest
from conftest import CANARY_KEY, answer, run_cell, run_in_a_server_kernel

from ci_jupyterlab.agent.executors.kernel import KernelExecutor

OPENAI_SHAPED = "sk-proj-" + "Qw7" * 10
GITHUB_SHAPED = "ghp_" + "Zt9k" * 9


async def test_variables_and_attachments_reach_the_model_redacted_on_the_panels_path(
    open_chat, llm_server, jp_root_dir
):
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "keys.csv").write_text(f"service,key\ngithub,{GITHUB_SHAPED}\nours,{CANARY_KEY}\n")
    async with open_chat() as chat:
        await chat.kernel.inspect(f"token = '{OPENAI_SHAPED}'\nconfigured = '{CANARY_KEY}'", 10)
        llm_server.enqueue(answer("Noted."))
        await chat.ask("What is in keys.csv?", attachments=["work/keys.csv"])

    told = json.dumps(llm_server.chat_requests[0]["messages"])
    assert "token" in told and "keys.csv" in told  # the variable and the file were described...
    for secret in (OPENAI_SHAPED, GITHUB_SHAPED, CANARY_KEY):
        assert secret not in told  # ...without their secrets
    assert told.count("[redacted]") >= 4


#: An 88-character secret of no known shape, and one that ``repr`` writes differently (``\\``, a newline).
LONG_SECRET = "Wq7Zp3Lx" * 11
ESCAPED_SECRET = "Vn4\\Kp9\nTr6Yw2Qs"


def pieces_of(secret: str, text: str) -> list[str]:
    """Every 8 characters of ``secret``, or of its ``repr``, that ``text`` holds."""
    found = []
    for form in (secret, repr(secret)[1:-1]):
        found += [form[i : i + 8] for i in range(len(form) - 7) if form[i : i + 8] in text]
    return found


async def test_cut_off_and_escaped_secrets_do_not_reach_the_model(open_chat, llm_server, jp_root_dir, monkeypatch):
    """The variables list cuts a value at 80 characters, the notebook view an output line at 600, the
    attachment preview a table's cell at 40 (each with "…" or "..."); ``repr`` escapes ``\\`` and newlines."""
    monkeypatch.setenv("WAREHOUSE_TOKEN", LONG_SECRET)
    monkeypatch.setenv("WAREHOUSE_PASSWORD", ESCAPED_SECRET)
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "accounts.csv").write_text(f"service,token\nwarehouse,{LONG_SECRET}\n")
    printed = "." * 580 + LONG_SECRET
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": "c1",
                "cell_type": "code",
                "source": "print(banner)",
                "metadata": {},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": printed + "\n"}],
            }
        ],
    }
    async with open_chat() as chat:
        chat.notebook, chat.active = notebook, 0
        await chat.kernel.inspect(f"token = {LONG_SECRET!r}\npassword = {ESCAPED_SECRET!r}", 10)
        llm_server.enqueue(answer("Noted."))
        await chat.ask("What is in accounts.csv?", attachments=["work/accounts.csv"])

    [told] = [m["content"] for m in llm_server.chat_requests[0]["messages"] if m["role"] == "user"]
    assert "- token: str" in told and "- password: str" in told  # the variables were listed,
    assert "accounts.csv" in told and "print(banner)" in told  # the file and the notebook shown...
    assert pieces_of(LONG_SECRET, told) == [] and pieces_of(ESCAPED_SECRET, told) == []  # ...without a piece
    assert told.count("[redacted]") >= 4


async def test_a_variable_that_contains_the_key_is_not_passed_to_kernels(jp_fetch, jp_serverapp, monkeypatch):
    monkeypatch.setenv("HTTP_AUTH_HEADER", f"Bearer {CANARY_KEY}")
    monkeypatch.setenv("REVERSED_ALIAS", f"x{CANARY_KEY[::-1]}")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    names = ["HTTP_AUTH_HEADER", "REVERSED_ALIAS", "HARMLESS_SETTING"]

    seen = await kernel_environment(jp_fetch, jp_serverapp, names)

    assert seen == {"HTTP_AUTH_HEADER": None, "REVERSED_ALIAS": None, "HARMLESS_SETTING": "kept"}


async def kernel_environment(jp_fetch, serverapp, names: list[str]) -> dict:
    """Start a kernel through the server's REST API, as Lab does, and read these variables in it."""
    code = f"import json, os; print(json.dumps({{n: os.environ.get(n) for n in {names!r}}}))"
    return json.loads(await run_in_a_server_kernel(jp_fetch, serverapp, code))


async def test_kernels_the_server_starts_do_not_see_the_key(jp_fetch, jp_serverapp, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("SOME_ALIAS", CANARY_KEY)  # the key under another name
    monkeypatch.setenv("HARMLESS_SETTING", "kept")

    seen = await kernel_environment(jp_fetch, jp_serverapp, ["OPENAI_API_KEY", "SOME_ALIAS", "HARMLESS_SETTING"])

    assert seen == {"OPENAI_API_KEY": None, "SOME_ALIAS": None, "HARMLESS_SETTING": "kept"}


@pytest.fixture
def jp_server_config(jp_server_config, request):
    """The conftest's server, with the ``CodeInterpreter`` settings a test gives as its parameter."""
    config = copy.deepcopy(jp_server_config)
    config["CodeInterpreter"].update(getattr(request, "param", {}))
    return config


@pytest.mark.parametrize("jp_server_config", [{"share_key_with_kernels": True}], indirect=True)
async def test_the_escape_hatch_lets_kernels_see_the_key(jp_fetch, jp_serverapp, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)

    seen = await kernel_environment(jp_fetch, jp_serverapp, ["OPENAI_API_KEY"])

    assert seen == {"OPENAI_API_KEY": CANARY_KEY}


def run_cli(llm_server, workdir, umask: int, *args: str) -> subprocess.CompletedProcess:
    """``jupyter ci run`` as a user with this umask runs it."""
    env = {
        **os.environ,
        "OPENAI_BASE_URL": llm_server.base_url,
        "OPENAI_API_KEY": CANARY_KEY,
        "CI_JUPYTERLAB_MODEL": "scripted-model",
        "JUPYTER_CONFIG_DIR": str(workdir / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "ci_jupyterlab.cli", "run", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )


def test_jupyter_ci_run_writes_no_secret_and_its_kernel_has_no_key(llm_server, tmp_path):
    llm_server.enqueue(
        run_cell(
            "import os\n"
            f"print('{OPENAI_SHAPED}', '{CANARY_KEY}'[::-1])\n"
            "print('in the kernel:', os.environ.get('OPENAI_API_KEY'))"
        ),
        answer("Printed."),
    )
    done = run_cli(llm_server, tmp_path, 0o022, "Print the keys.", "--output", "out.ipynb")

    assert done.returncode == 0, done.stderr
    written = (tmp_path / "out.ipynb").read_text()
    assert "in the kernel: None" in written
    for secret in (OPENAI_SHAPED, CANARY_KEY, CANARY_KEY[::-1]):
        assert secret not in written
    assert "[redacted]" in written


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_jupyter_ci_run_writes_its_notebook_with_the_users_umask(llm_server, tmp_path, umask, mode):
    llm_server.enqueue(answer("Nothing to run."))
    done = run_cli(llm_server, tmp_path, umask, "Say hi.", "--output", "out.ipynb")

    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "out.ipynb").stat().st_mode) == mode


async def test_a_kernel_started_without_the_key_still_runs_code(tmp_path):
    """The runner's own kernel: a variable set to None is removed, the others kept."""
    os.environ["CI_TEST_REMOVED"] = "x"
    try:
        async with KernelExecutor(cwd=tmp_path, env={"CI_TEST_REMOVED": None, "CI_TEST_ADDED": "y"}) as kernel:
            printed = await kernel.inspect(
                "import os; print(os.environ.get('CI_TEST_REMOVED'), os.environ.get('CI_TEST_ADDED'))", 10
            )
    finally:
        del os.environ["CI_TEST_REMOVED"]
    assert printed.strip() == "None y"
