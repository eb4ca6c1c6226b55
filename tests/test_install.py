"""Installing packages with %pip into the kernel's own environment."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import answer, collect, run_cell

from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.install import checked_installs, failed_install, install_code

PACKAGE = "ci_jupyterlab_test_pkg"


def build_wheel(folder) -> str:
    """A minimal pure-Python wheel, built by hand: no build backend, no network."""
    dist_info = f"{PACKAGE}-0.1.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": "VALUE = 42\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 0.1\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist_info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{dist_info}/RECORD"])
    path = folder / f"{PACKAGE}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return str(path)


async def install_packages(kernel, packages):
    """Install as the loop does: the one %pip line, then pip's exit code read silently."""
    result = await kernel.run(RunCell("install", install_code(packages), 0, 1, None, 600))
    return await failed_install(kernel, result, 5)


@pytest.fixture
def uninstall_afterwards():
    yield
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", PACKAGE], check=False)


@pytest.mark.asyncio
async def test_a_local_wheel_installs_into_the_kernel_and_imports(kernel, tmp_path, uninstall_afterwards):
    result = await install_packages(kernel, [build_wheel(tmp_path)])
    assert result.status == "ok", result.outputs
    imported = await kernel.run(RunCell("c", f"import {PACKAGE}\nprint({PACKAGE}.VALUE)", 1, 1, None, 30))
    assert imported.outputs[-1]["text"] == "42\n"


@pytest.mark.asyncio
async def test_a_failing_install_is_reported_as_an_error(kernel, tmp_path):
    result = await install_packages(kernel, [str(tmp_path / "no-such-package.whl")])
    assert result.status == "error"
    assert "pip install failed with exit code" in result.error_summary()["evalue"]


def test_only_requirements_and_paths_reach_the_magic():
    assert install_code(["scikit-learn==1.3.2", "pandas>=2,<3"]) == "%pip install scikit-learn==1.3.2 'pandas>=2,<3'"
    for bad in ["pkg; rm -rf ~", "{__import__('os')}", "$HOME", "a\nb"]:
        with pytest.raises(ValueError, match="not a package requirement"):
            install_code([bad])
    with pytest.raises(ValueError):
        install_code([])
    assert install_code(["-r requirements.txt"]) == "%pip install -r requirements.txt"


@pytest.mark.asyncio
async def test_the_model_is_told_to_ask_before_installing(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("import ci_jupyterlab_absent"), answer("Shall I install it?"))
    await collect(make_agent(settings, kernel), "Fit a linear model.")
    feedback = [m["content"] for m in llm_server.chat_requests[-1]["messages"] if m["role"] == "tool"][-1]
    assert "pip package is 'ci_jupyterlab_absent'" in feedback and "ask the user" in feedback


def test_whole_line_installs_in_every_spelling_become_one_checked_install():
    code = "%pip install -q scikit-learn 'pandas>=2'\n!pip3 install seaborn\n!{sys.executable} -m pip install tqdm\nimport sklearn"
    assert checked_installs(code) == (
        install_code(["scikit-learn", "pandas>=2", "seaborn", "tqdm"]) + "\nimport sklearn",
        ("scikit-learn", "pandas>=2", "seaborn", "tqdm"),
    )
    for as_written in [
        "x = 1  # pip install nothing",
        "%%capture\n%pip install x",  # the cell magic must stay first
        "import subprocess\nsubprocess.run(['pip', 'install', 'x'])",
        "!pip install {name}",
    ]:
        assert checked_installs(as_written) == (as_written, ())


@pytest.mark.asyncio
async def test_an_approved_install_runs_visibly_and_is_recorded_pinned(
    llm_server, settings, kernel, make_agent, tmp_path, uninstall_afterwards
):
    from ci_jupyterlab.agent.events import ApprovalRequest, CellDone

    asked = []

    async def approve(request):
        asked.append(request.packages)
        return True

    wheel = build_wheel(tmp_path)
    llm_server.enqueue(
        run_cell(f"%pip install {wheel}\nimport {PACKAGE}\nprint({PACKAGE}.VALUE)"), answer("Installed.")
    )
    agent = make_agent(settings, kernel, approve=approve)
    events = await collect(agent, "Use the test package.")

    assert asked == [[wheel]]
    assert [e.packages for e in events if isinstance(e, ApprovalRequest)] == [[wheel]]
    [cell] = [e for e in events if isinstance(e, RunCell)]
    assert cell.code == f"%pip install {wheel}\nimport {PACKAGE}\nprint({PACKAGE}.VALUE)"  # no bookkeeping
    assert [e.status for e in events if isinstance(e, CellDone)] == ["ok"]
    assert agent.record.requests[0].packages == [wheel]  # a path has no version to pin
    assert "42" in llm_server.chat_requests[1]["messages"][-1]["content"]


@pytest.mark.asyncio
async def test_a_declined_install_runs_nothing_and_tells_the_model(llm_server, settings, kernel, make_agent):
    async def decline(request):
        return False

    llm_server.enqueue(run_cell("%pip install scikit-learn\nimport sklearn"), answer("I will use numpy instead."))
    events = await collect(make_agent(settings, kernel, approve=decline), "Fit a model.")
    assert not [e for e in events if isinstance(e, RunCell)]
    told = llm_server.chat_requests[1]["messages"][-1]["content"]
    assert "did not approve: It installs scikit-learn with %pip." in told


@pytest.mark.asyncio
async def test_without_a_way_to_ask_installs_are_declined(llm_server, settings, kernel, make_agent):
    llm_server.enqueue(run_cell("!pip install seaborn"), answer("ok"))
    events = await collect(make_agent(settings, kernel), "Plot.")
    assert not [e for e in events if isinstance(e, RunCell)]
    assert "did not approve: It installs seaborn with !pip." in llm_server.chat_requests[1]["messages"][-1]["content"]
