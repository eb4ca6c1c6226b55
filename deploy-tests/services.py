"""Real servers for the deployment tests, each a process of its own on a free loopback port.

Every process gets its own process group and log file; ``stop`` ends that
group only (SIGTERM, then SIGKILL after a grace period), so nothing else on
the machine is touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

#: The virtualenv these tests run in: jupyterhub, notebook 7, the kernel gateway and this package.
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """One server process: started, waited for, stopped."""

    def __init__(self, name: str, command: list[str], log_dir: Path, *, env: dict | None = None, cwd=None):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,  # its own process group, which stop() ends
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for(self, url: str, timeout: float = 90, ok=(200, 302, 401, 403, 405)) -> None:
        """Until ``url`` answers with one of ``ok`` (or the process died: then fail with its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status in ok:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code in ok:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{self.name} did not answer {url} within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self, grace: float = 10) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(grace)
            except ProcessLookupError:
                pass
        self._log.close()
