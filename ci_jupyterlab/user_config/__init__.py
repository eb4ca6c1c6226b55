"""The settings a user changes from the panel, on the server's side of the agent's config.

``agent/settings.py`` is the configuration every front end reads (``CodeInterpreter``); here is what
only the server and its front ends need: where the user's values and key are kept (``store.py``), who
may change what and how a change is applied (``policy.py``), what the settings view is sent
(``view.py``), and the settings loaded outside the server (``loading.py``).
"""

from .loading import load_settings
from .policy import SettingsPolicy
from .store import USER_SETTABLE, UserSettings, key_summary
from .view import settings_view

__all__ = ["USER_SETTABLE", "SettingsPolicy", "UserSettings", "key_summary", "load_settings", "settings_view"]
