"""JupyterLab server configuration for the Galata UI tests.

The Code Interpreter talks to the scripted LLM that playwright.config.js
starts on port 8765 (CI_LLM_URL names another), so the tests script every
model answer.
"""

import os
from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# CI and our machines run as root.
c.ServerApp.allow_root = True  # noqa: F821

c.CodeInterpreter.base_url = os.environ.get("CI_LLM_URL", "http://127.0.0.1:8765") + "/v1"  # noqa: F821
c.CodeInterpreter.api_key = "test-key"  # noqa: F821
c.CodeInterpreter.model = "scripted-model"  # noqa: F821
c.CodeInterpreter.cell_timeout = 30  # noqa: F821
# A price for the scripted model, so the chat shows costs (US dollars per million tokens).
c.CodeInterpreter.prices = {"scripted-model": {"input": 2.0, "output": 8.0}}  # noqa: F821

# Each test server starts without the saved conversations of earlier runs,
# which the panel would otherwise restore for notebooks of the same path.
c.CodeInterpreter.sessions_dir = mkdtemp(prefix="ci-sessions-")  # noqa: F821
# Settings a spec makes from the panel (or its REST API) stay in the test server.
c.CodeInterpreter.user_settings_dir = mkdtemp(prefix="ci-user-settings-")  # noqa: F821

# Only the default Python kernel, as on a fresh CI machine (a developer's
# environment may hold others, which Galata would pick first).
c.KernelSpecManager.allowed_kernelspecs = {"python3"}  # noqa: F821

# A real MCP server for the assistant's MCP tools (mcp-tools.spec.ts): npm's filesystem server
# (tests/npm, which make test-ui installs), on a folder of its own holding one note.
FILESYSTEM_SERVER = Path(__file__).parents[1] / "tests" / "npm" / "node_modules" / ".bin" / "mcp-server-filesystem"
if FILESYSTEM_SERVER.exists():
    shared = Path(mkdtemp(prefix="ci-mcp-files-"))
    (shared / "note.txt").write_text("The meeting is at noon.\n")
    c.CodeInterpreter.mcp_servers = {"files": {"command": str(FILESYSTEM_SERVER), "args": [str(shared)]}}  # noqa: F821
