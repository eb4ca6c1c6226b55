"""The settings as the server extension would see them, for front ends that run outside the server."""

from __future__ import annotations

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

from ..agent.settings import CodeInterpreter
from .policy import SettingsPolicy


def load_settings(**overrides) -> CodeInterpreter:
    """The ``CodeInterpreter`` configuration as the server extension would see it.

    For the ``%%ci`` magic, the headless runner and ``jupyter ci mcp``: reads
    ``jupyter_server_config.py``/``.json`` from every Jupyter config directory,
    lowest priority first, then the user's settings from the panel where the
    administrator allows them, the environment defaults, and ``overrides``
    (keyword arguments, e.g. ``model``; None values are ignored).
    """
    config = Config()
    for directory in reversed(jupyter_config_path()):
        for loader_class, filename in (
            (JSONFileConfigLoader, "jupyter_server_config.json"),
            (PyFileConfigLoader, "jupyter_server_config.py"),
        ):
            try:
                config.merge(loader_class(filename, path=directory).load_config())
            except ConfigFileNotFound:
                continue
    settings = CodeInterpreter(config=config)
    SettingsPolicy(settings).apply()
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings
