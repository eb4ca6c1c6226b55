"""`make lab`'s start command (scripts/start_lab.sh) on a machine like CI's: as root, no browser, a clean environment.

Jupyter refuses to run as root unless told, and on a machine without a
browser the URL to open must be easy to find: the script passes
--allow-root (and says so) and prints the URL with its token last.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "scripts" / "start_lab.sh"
OPEN_LINE = "JupyterLab is running; open: "


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="the case is root's (CI, containers); this user is not root")
def test_the_start_command_runs_as_root_without_a_browser_and_ends_with_the_url(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # A clean environment: this package's virtualenv and the system's programs, a fresh home, no display.
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    lab = subprocess.Popen(
        ["bash", str(START), f"--port={free_port()}", f"--ServerApp.root_dir={tmp_path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, ended below
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(lab.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(line.startswith(OPEN_LINE) for line in lines):
            assert lab.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "no URL within 120 s:\n" + "".join(lines)
            time.sleep(0.2)
        output = "".join(lines)
        assert "Running as root: starting JupyterLab with --allow-root." in output
        said = next(number for number, line in enumerate(lines) if line.startswith(OPEN_LINE))
        banner = next(number for number, line in enumerate(lines) if "Control-C to stop this server" in line)
        assert said > banner  # after everything Jupyter says when it starts
        url = lines[said][len(OPEN_LINE) :].strip()
        assert "/lab?token=" in url
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200
            assert "<title>JupyterLab</title>" in page.read().decode()
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(30)
