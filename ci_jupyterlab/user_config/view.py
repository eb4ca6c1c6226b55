"""What the panel's settings view is sent: each setting's value, where it comes from, whether it is
locked; the key only as ``{set, last4}`` and the server it goes to; MCP servers' secrets masked."""

from __future__ import annotations

from ..agent.mcp_config import masked
from ..agent.settings import endpoint_of
from .policy import SettingsPolicy
from .store import USER_SETTABLE, key_summary


def settings_view(policy: SettingsPolicy) -> dict:
    settings = policy.settings
    store = policy.store()
    values = {
        name: {
            "value": getattr(settings, name),
            "source": policy.source_of(name, store),
            "locked": settings.locked(name),
        }
        for name in USER_SETTABLE
    }
    values["mcp_servers"]["value"] = masked(settings.mcp_servers)  # their tokens stay here
    return {
        "values": values,
        "key": {
            **key_summary(settings.api_key),
            "source": policy.source_of("api_key", store),
            "locked": settings.locked("api_key"),
            "endpoint": endpoint_of(settings.key_home()),  # the server it goes to
            "sent": bool(settings.key_for(settings.base_url)),  # whether that is the configured one
        },
        "allowed_models": list(settings.allowed_models),
        "allowed_base_urls": list(settings.allowed_base_urls),
        "allowed_mcp_servers": list(settings.allowed_mcp_servers),
        "allow_user_settings": settings.allow_user_settings,
    }
