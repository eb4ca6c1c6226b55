"""The settings view's endpoints: thin, authenticated; the key goes in and never comes out.

- ``GET  ci-jupyterlab/settings``: each setting's value, where it comes from, whether it is locked;
  the key only as ``{set, last4}``;
- ``PUT  ci-jupyterlab/settings`` ``{values: {name: value | null}}``: the user's own values (null: back
  to the default), refused (403) where the administrator decides;
- ``PUT  ci-jupyterlab/settings/key`` ``{key}`` / ``DELETE``: keep or forget the user's key, on the server;
- ``POST ci-jupyterlab/settings/test``: Test connection (models, the chosen one answers, what it can do:
  tool calls, images, token counts; time; what it can do is kept for later clients),
  with a key typed but not saved yet if one is sent (used for that test only); ``{quick: true}``: only
  whether the server answers and lists the model, no tokens spent (the panel's check when it opens);
- ``GET  ci-jupyterlab/settings/local-servers``: OpenAI-compatible servers answering on this machine;
- ``POST ci-jupyterlab/settings/page-key``: the page's key (page_key.py), to the first page that asks.

Reading the settings needs ``read``; everything that changes them, or sends a request to a model server
or probes this machine's ports, needs ``execute``, as the chat does. Changing a guarded setting (approval
turned down, the base URL, the key) also needs the page's key. The stored key goes only to the server it
was kept for (``CodeInterpreter.key_for``): testing another one needs a key typed for the test.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .agent.connection import check_connection, find_local_servers
from .agent.model_client import Capabilities
from .agent.settings import Problem, endpoint_of
from .page_key import ALREADY_CLAIMED, GUARDED, HEADER, NOT_FROM_THE_PAGE, guarded_changes
from .user_config import SettingsPolicy, settings_view

AUTH_RESOURCE = "ci_jupyterlab"


class _SettingsBase(ExtensionHandlerMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def interpreter(self):
        return self.extensionapp.interpreter

    @property
    def policy(self) -> SettingsPolicy:
        return SettingsPolicy(self.interpreter)

    def refuse(self, problem: Problem, status: int = 403, **more) -> None:
        self.set_status(status)
        self.finish(json.dumps({**problem.to_dict(), **more}))

    def require_page_key(self, guarded: list[str]) -> bool:
        """Whether the request may change these guarded settings (none: yes); refused if not.

        The one check of the page's key (page_key.py), for every route that changes guarded state.
        """
        if not guarded or self.extensionapp.page_key.proves(self.request.headers.get(HEADER)):
            return True
        self.log.warning("Code interpreter: refused a change of %s without the panel's page key", ", ".join(guarded))
        self.refuse(NOT_FROM_THE_PAGE, reason="page_key")
        return False

    def _answer(self, problem: Problem | None) -> None:
        if problem is not None:
            # A value that is wrong (400, naming its field) or one the user may not set (403).
            self.refuse(problem, 400 if problem.field else 403)
            return
        self.extensionapp.settings_changed()
        self.finish(json.dumps(settings_view(self.policy)))


class SettingsHandler(_SettingsBase):
    @web.authenticated
    @authorized
    def get(self):
        self.finish(json.dumps(settings_view(self.policy)))

    @web.authenticated
    @authorized("execute")
    def put(self):
        values = (self.get_json_body() or {}).get("values")
        if not isinstance(values, dict):
            raise web.HTTPError(400, "Send {values: {name: value}}.")
        current = {name: getattr(self.interpreter, name) for name in GUARDED & values.keys() - {"api_key"}}
        if self.require_page_key(guarded_changes(current, values)):
            self._answer(self.policy.update(values))


class KeyHandler(_SettingsBase):
    @web.authenticated
    @authorized("execute")
    def put(self):
        key = (self.get_json_body() or {}).get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 4096:
            raise web.HTTPError(400, "Send {key: '<the API key>'}.")
        if self.require_page_key(["api_key"]):
            self._answer(self.policy.set_key(key))

    @web.authenticated
    @authorized("execute")
    def delete(self):
        if self.require_page_key(["api_key"]):
            self._answer(self.policy.set_key(None))


class PageKeyHandler(_SettingsBase):
    """The page's key, to the first page that asks (and again to one that already holds it)."""

    @web.authenticated
    @authorized("execute")
    def post(self):
        key = self.extensionapp.page_key.claim(self.request.headers.get(HEADER))
        if key is None:
            self.refuse(ALREADY_CLAIMED, 409)
            return
        self.finish(json.dumps({"key": key}))


class ConnectionTestHandler(_SettingsBase):
    """Test the configured model server, or the ``base_url``/``model``/``api_key`` in the body before they are saved.

    A key in the body is used for this one test: it is neither kept nor sent back.
    """

    @web.authenticated
    @authorized("execute")
    async def post(self):
        body = self.get_json_body() or {}
        base_url = body.get("base_url") if isinstance(body.get("base_url"), str) else self.interpreter.base_url
        model = body.get("model") if isinstance(body.get("model"), str) else self.interpreter.chosen_model
        typed_key = body.get("api_key")
        typed = typed_key.strip() if isinstance(typed_key, str) else ""
        # The stored key goes only where it belongs: another server is tested with a key typed for it.
        key = typed or self.interpreter.key_for(base_url)
        problem = self.interpreter.not_allowed(model, base_url)
        if problem is not None:
            self.refuse(problem)
            return
        quick = body.get("quick") is True
        client = self.interpreter.model_client(
            model,
            base_url=base_url,
            api_key=key,
            timeout=min(self.interpreter.request_timeout, 30.0),
            retries=0,
            capabilities=None if quick else Capabilities(),  # a full test finds out afresh
        )
        try:
            result = await check_connection(client, quick=quick)
        finally:
            await client.close()
        if result["ok"] and not quick:
            self.interpreter.remember_capabilities(client)
            self.extensionapp.settings_changed()  # the next request's client starts knowing it
        if "error" in result and not key and self.interpreter.api_key:
            home = endpoint_of(self.interpreter.key_home())
            result["error"]["hint"] = (
                f"The saved key goes only to {home}, so this test was sent without one: type this server's key "
                f"to test it. {result['error']['hint'] or ''}"
            ).strip()
        self.finish(json.dumps(result))


class LocalServersHandler(_SettingsBase):
    @web.authenticated
    @authorized("execute")
    async def get(self):
        self.finish(json.dumps({"servers": await find_local_servers(self.interpreter.local_servers)}))
