"""The settings view's endpoints: thin, authenticated; the key goes in and never comes out.

- ``GET  ci-jupyterlab/settings``: each setting's value, where it comes from, whether it is locked;
  the key only as ``{set, last4}``;
- ``PUT  ci-jupyterlab/settings`` ``{values: {name: value | null}}``: the user's own values (null: back
  to the default), refused (403) where the administrator decides;
- ``PUT  ci-jupyterlab/settings/key`` ``{key}`` / ``DELETE``: keep or forget the user's key, on the server;
- ``POST ci-jupyterlab/settings/test``: Test connection (models, the chosen one answers, tool calls, time),
  with a key typed but not saved yet if one is sent (used for that test only); ``{quick: true}``: only
  whether the server answers and lists the model, no tokens spent (the panel's check when it opens);
- ``GET  ci-jupyterlab/settings/local-servers``: OpenAI-compatible servers answering on this machine.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .agent.connection import check_connection, find_local_servers
from .agent.settings import Problem

AUTH_RESOURCE = "ci_jupyterlab"


class _SettingsBase(ExtensionHandlerMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def interpreter(self):
        return self.extensionapp.interpreter

    def _answer(self, problem: Problem | None) -> None:
        if problem is not None:
            # A value that is wrong (400, naming its field) or one the user may not set (403).
            self.set_status(400 if problem.field else 403)
            self.finish(json.dumps(problem.to_dict()))
            return
        self.extensionapp.settings_changed()
        self.finish(json.dumps(self.interpreter.settings_view()))


class SettingsHandler(_SettingsBase):
    @web.authenticated
    @authorized
    def get(self):
        self.finish(json.dumps(self.interpreter.settings_view()))

    @web.authenticated
    @authorized
    def put(self):
        values = (self.get_json_body() or {}).get("values")
        if not isinstance(values, dict):
            raise web.HTTPError(400, "Send {values: {name: value}}.")
        self._answer(self.interpreter.update_user_settings(values))


class KeyHandler(_SettingsBase):
    @web.authenticated
    @authorized
    def put(self):
        key = (self.get_json_body() or {}).get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 4096:
            raise web.HTTPError(400, "Send {key: '<the API key>'}.")
        self._answer(self.interpreter.set_user_key(key))

    @web.authenticated
    @authorized
    def delete(self):
        self._answer(self.interpreter.set_user_key(None))


class ConnectionTestHandler(_SettingsBase):
    """Test the configured model server, or the ``base_url``/``model``/``api_key`` in the body before they are saved.

    A key in the body is used for this one test: it is neither kept nor sent back.
    """

    @web.authenticated
    @authorized
    async def post(self):
        body = self.get_json_body() or {}
        base_url = body.get("base_url") if isinstance(body.get("base_url"), str) else self.interpreter.base_url
        model = body.get("model") if isinstance(body.get("model"), str) else self.interpreter.chosen_model
        typed_key = body.get("api_key")
        typed = typed_key.strip() if isinstance(typed_key, str) else ""
        key = typed or self.interpreter.api_key
        problem = self.interpreter.not_allowed(model, base_url)
        if problem is not None:
            self.set_status(403)
            self.finish(json.dumps(problem.to_dict()))
            return
        client = self.interpreter.model_client_class(
            base_url=base_url or None,
            api_key=key,
            model=model,
            timeout=min(self.interpreter.request_timeout, 30.0),
            retries=0,
        )
        try:
            self.finish(json.dumps(await check_connection(client, quick=body.get("quick") is True)))
        finally:
            await client.close()


class LocalServersHandler(_SettingsBase):
    @web.authenticated
    @authorized
    async def get(self):
        self.finish(json.dumps({"servers": await find_local_servers(self.interpreter.local_servers)}))
