"""JupyterLab server configuration of the Galata UI tests with jupyter-collaboration.

The same as jupyter_server_test_config.py, on ports of its own (Lab on 8889,
the scripted LLM on 8766, unless CI_COLLAB_*_PORT say otherwise: playwright.collab.config.js
passes them), run from the
virtualenv that has jupyter-collaboration (.venv-collab, `make test-ui-collab`).
"""

from tempfile import mkdtemp

load_subconfig("jupyter_server_test_config.py")  # noqa: F821


# The collaboration stores (document history, file ids) of each test server
# live in a temporary folder, never in the checkout or the user's data dir.
_stores = mkdtemp(prefix="ci-collab-stores-")
c.SQLiteYStore.db_path = f"{_stores}/ystore.db"  # noqa: F821
c.BaseFileIdManager.db_path = f"{_stores}/file_id_manager.db"  # noqa: F821
