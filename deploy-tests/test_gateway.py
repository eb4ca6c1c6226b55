"""Remote kernels: a Jupyter server started with --gateway-url, its kernels on a real Jupyter Kernel Gateway.

Enterprise Gateway speaks the same REST and websocket API. The gateway here
runs on loopback in the server's root folder (as a gateway with the user's
storage mounted at the same path would), and gives its kernels ``CI_WHERE=gateway``
from its own environment, so a cell can tell where it ran; it is also told to
pass ``OPENAI_API_KEY`` through from the kernel start request, and the server
to send it (``allowed_envs``): a deployment that got that wrong, where only our
own guard keeps the key out of the kernels.

The panel's side is played by ``PanelChat``: the chat websocket, and the
notebook's kernel through the server's kernel websocket, as the browser does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

import pytest
from conftest import BROKEN, CANARY_KEY, FIXED, model_env, run_cell
from services import BIN, Service, free_port

from ci_jupyterlab.testing.panel_client import KernelSocket, PanelChat, ServerAPI

TOKEN = "deploy-gateway-token"
WHERE = "import os\nprint(os.environ.get('CI_WHERE', 'local'), os.getppid())"


@pytest.fixture(scope="module")
def gateway(work):
    root = work / "root"
    root.mkdir()
    port = free_port()
    service = Service(
        "kernel-gateway",
        [str(BIN / "jupyter"), "kernelgateway", "--KernelGatewayApp.ip=127.0.0.1", f"--KernelGatewayApp.port={port}"],
        work,
        cwd=root,
        env={
            "CI_WHERE": "gateway",
            "KG_ENV_PROCESS_WHITELIST": "CI_WHERE",
            "KG_ENV_WHITELIST": "OPENAI_API_KEY",
            "KG_LIST_KERNELS": "True",
            "OPENAI_API_KEY": "",
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        service.wait_for(f"{url}/api/kernelspecs")
        yield url, service, root
    finally:
        service.stop()


@pytest.fixture(scope="module")
def server(gateway, llm, work):
    url, _, root = gateway
    port = free_port()
    config = work / "server_config.json"
    config.write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {"ci_jupyterlab": True},
                    "root_dir": str(root),
                    "token": TOKEN,
                    "allow_root": True,
                    "open_browser": False,
                },
                "GatewayClient": {"url": url, "allowed_envs": "OPENAI_API_KEY,KERNEL_CI_SECRET"},
                "CodeInterpreter": {"cell_timeout": 4, "max_retries": 0},
            }
        )
    )
    service = Service(
        "jupyter-server-on-gateway",
        [str(BIN / "jupyter"), "server", f"--config={config}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}"],
        work,
        env={
            **model_env(llm),
            "KERNEL_CI_SECRET": CANARY_KEY,  # a KERNEL_ variable holding the key: sent to gateways by default
            "JUPYTER_DATA_DIR": str(work / "data"),
            "JUPYTER_CONFIG_DIR": str(work / "config"),
        },
    )
    try:
        service.wait_for(f"http://127.0.0.1:{port}/api/status?token={TOKEN}")
        yield ServerAPI(f"http://127.0.0.1:{port}/", TOKEN), service
    finally:
        service.stop()


@pytest.fixture
async def chat(server, llm):
    api, _ = server
    llm.reset()
    chat = await PanelChat.open(api, f"g-{os.urandom(3).hex()}.ipynb")
    yield chat
    await chat.close()


def cell_done(messages):
    return [m for m in messages if m["type"] == "cell_done"]


async def test_the_fix_loop_runs_its_cells_and_lookups_on_the_gateway_kernel(chat, gateway, llm):
    url, kernel_gateway, _ = gateway
    llm.enqueue(run_cell(BROKEN), run_cell(FIXED + "\n" + WHERE), {"text": "It is 4."})

    messages = await chat.ask("What is the square root of 16?")

    assert [m["status"] for m in cell_done(messages)] == ["error", "ok"]
    assert messages[-1]["reason"] == "answered"
    # The cells ran in a kernel the gateway started: its parent is the gateway's process.
    text = "".join(o.get("text", "") for o in cell_done(messages)[-1]["outputs"])
    assert f"4.0\ngateway {kernel_gateway.pid}" in text
    gateway_kernels = await ServerAPI(url).request("GET", "api/kernels")
    assert chat.kernel.kernel_id in [k["id"] for k in gateway_kernels]
    # The silent lookups ran there too: the live context reached the model, then the hint for the fix.
    assert any(m["type"] == "inspect" for _, m in chat.received)
    first, second = llm.chat_requests[0], llm.chat_requests[1]
    assert "Python" in json.dumps(first["messages"])  # the kernel's live state (its Python version)
    assert "'math' is probably a missing import" in json.dumps(second["messages"])
    # The silent lookups left no trace in the kernel's history: only the two cells counted.
    assert cell_done(messages)[-1]["execution_count"] == 2


async def test_a_cell_past_its_timeout_is_interrupted_on_the_gateway(chat, llm):
    llm.enqueue(run_cell("import time\ntime.sleep(60)"), run_cell("print('after')"), {"text": "Done."})

    messages = await chat.ask("Sleep, then print.")

    statuses = [m["status"] for m in cell_done(messages)]
    assert statuses == ["timeout", "ok"], statuses
    first = cell_done(messages)[0]
    assert first["duration_ms"] < 20000  # interrupted after 4 s, not 60
    assert "after" in json.dumps(cell_done(messages)[1]["outputs"])
    assert "timeout" in json.dumps(llm.chat_requests[1]["messages"]).lower()


async def test_stop_interrupts_the_cell_on_the_gateway_and_the_next_request_works(chat, llm):
    llm.enqueue(run_cell("import time\nprint('sleeping', flush=True)\ntime.sleep(60)"), {"text": "Not reached."})

    async def stop_soon(_message):
        await asyncio.sleep(1.5)
        await chat.stop()

    started = time.monotonic()
    messages = await chat.ask("Sleep for a minute.", during_cell=stop_soon)

    assert time.monotonic() - started < 30  # interrupted, not slept out
    assert [m["status"] for m in cell_done(messages)] == ["cancelled"]
    assert messages[-1]["reason"] == "stopped"
    assert "sleeping" in json.dumps(cell_done(messages)[0]["outputs"])  # its partial output is kept
    llm.reset()  # the stopped request's answer was never asked for
    llm.enqueue(run_cell("print('awake')"), {"text": "Awake."})
    messages = await chat.ask("Are you there?")
    assert [m["status"] for m in cell_done(messages)] == ["ok"]


async def test_a_restart_of_the_gateway_kernel_ends_the_cell_and_the_next_request_works(chat, llm):
    llm.enqueue(run_cell("x = 1"), {"text": "Set."})
    await chat.ask("Set x.")
    llm.enqueue(run_cell("import time\ntime.sleep(30)"))

    async def restart_soon(_message):
        await chat.kernel.restart()

    messages = await chat.ask("Wait a while.", during_cell=restart_soon)
    assert [m["status"] for m in cell_done(messages)] == ["kernel_restarted"]
    assert messages[-1]["reason"] == "kernel"

    llm.enqueue(run_cell("print('x' in globals())"), {"text": "Checked."})
    messages = await chat.ask("Is x still there?")
    assert cell_done(messages), messages
    assert cell_done(messages)[0]["status"] == "ok"
    assert "False" in json.dumps(cell_done(messages)[0]["outputs"])


async def test_the_key_never_reaches_a_gateway_kernel_though_the_gateway_would_pass_it(chat, gateway, llm):
    url, _, _ = gateway
    probe = "import os\nprint([k for k, v in os.environ.items() if v == %r], os.environ.get('OPENAI_API_KEY'))"
    llm.enqueue(run_cell(probe % CANARY_KEY), {"text": "Checked."})
    await chat.ask("Look at the environment.")
    status, run = await chat.kernel.execute(probe % CANARY_KEY, timeout=20)  # read the kernel as it is, unredacted
    assert status == "ok"
    assert run.outputs[0]["text"] in ("[] None\n", "[] \n")  # no variable holds it; OPENAI_API_KEY empty or unset

    # The control: this gateway does give the key to a kernel whose start request carries it.
    direct = ServerAPI(url)
    kernel = await direct.request("POST", "api/kernels", {"name": "python3", "env": {"OPENAI_API_KEY": CANARY_KEY}})
    socket = await KernelSocket.connect(direct, kernel["id"])
    try:
        status, run = await socket.execute("import os\nprint(os.environ.get('OPENAI_API_KEY'))", timeout=30)
        assert run.outputs[0]["text"].strip() == CANARY_KEY
    finally:
        await socket.close()
        await direct.request("DELETE", f"api/kernels/{kernel['id']}")


async def test_the_panels_export_is_verified_on_the_gateway(server, gateway):
    api, _ = server
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": "import os\nprint(os.environ.get('CI_WHERE', 'local'))",
                "metadata": {},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "gateway\n"}],
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    await api.request("PUT", "api/contents/where.ipynb", {"type": "notebook", "content": notebook})

    result = await api.request("POST", "ci-jupyterlab/export", {"path": "where.ipynb"})

    assert result["verification"]["reproduced"] == 1, result
    assert result["verification"]["total"] == 1


def test_jupyter_ci_run_and_export_take_the_gateway_url(gateway, llm, work):
    url, _, _ = gateway
    llm.reset()
    probe = f"import os\nprint(os.environ.get('CI_WHERE', 'local'), [k for k, v in os.environ.items() if v == {CANARY_KEY!r}])"
    llm.enqueue(run_cell(probe), {"text": "Ran where it should."})
    workdir = work / "cli"
    workdir.mkdir()
    env = {
        **os.environ,
        **model_env(llm),
        "KERNEL_CI_SECRET": CANARY_KEY,
        "JUPYTER_CONFIG_DIR": str(work / "cli-config"),
    }
    env.pop("JUPYTER_GATEWAY_URL", None)
    run = subprocess.run(
        [str(BIN / "jupyter"), "ci", "run", "Where do you run?", "-o", "where.ipynb", "--gateway-url", url],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    written = json.loads((workdir / "where.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for cell in written["cells"] for o in cell.get("outputs", []))
    assert "gateway []" in text  # on the gateway, without the key

    export = subprocess.run(
        [str(BIN / "jupyter"), "ci", "export", "where.ipynb", "--gateway-url", url],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert export.returncode == 0, export.stderr
    # The verifying kernel printed "gateway []" too: it ran on the gateway.
    assert "Verification: 1 of 1 code cells reproduced" in export.stdout, export.stdout
