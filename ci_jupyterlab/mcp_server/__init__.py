"""The code interpreter as an MCP server, for outside agents (docs/mcp.md).

Another front end of the same ``Assistant``: its tools run cells through the
same approval gate, executor and redaction as the panel's requests, and its
``ask`` runs the whole loop.

- ``tools.py``: the tools (schemas, descriptions, results) on the official ``mcp`` SDK;
- ``notebooks.py``: where a tool acts: in a Lab window that has the notebook open (live), else in
  the notebook's file with a kernel (``headless.py``);
- ``progress.py``: a request's events as MCP progress notifications, with a keepalive;
- ``http.py``: streamable HTTP at ``<base_url>ci-jupyterlab/mcp`` inside the Jupyter server;
- ``stdio.py``: ``jupyter ci mcp``, for clients that only speak stdio.
"""
