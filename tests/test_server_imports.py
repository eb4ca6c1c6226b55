"""The server extension must load where IPython is not installed (jupyter_server does not need it)."""

from __future__ import annotations

import subprocess
import sys

BLOCK_IPYTHON = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "IPython" or name.startswith("IPython."):
            raise ImportError("IPython is not installed here")
sys.meta_path.insert(0, Block())
import ci_jupyterlab.app, ci_jupyterlab.handlers, ci_jupyterlab.export, ci_jupyterlab.cli
print("loaded")
"""


def test_the_server_extension_loads_without_ipython():
    done = subprocess.run([sys.executable, "-c", BLOCK_IPYTHON], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded"
