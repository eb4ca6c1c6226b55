"""ci-jupyterlab: a code interpreter that writes, runs and fixes cells in your notebook."""

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "ci-jupyterlab"}]


def _jupyter_server_extension_points():
    from .app import CodeInterpreterApp

    return [{"module": "ci_jupyterlab", "app": CodeInterpreterApp}]


def load_ipython_extension(ipython):
    """``%load_ext ci_jupyterlab``: register the ``%%ci`` magic (safe to call twice)."""
    from .magics import load_ipython_extension

    load_ipython_extension(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension

    unload_ipython_extension(ipython)
