"""JupyterHub: a real hub on loopback, its real proxy (configurable-http-proxy from npm), two users.

The hub spawns each user's single-user server with SimpleLocalProcessSpawner
(same OS user, its own HOME, so its own Jupyter data dir and sessions) and
DummyAuthenticator; every request below goes through the proxy, under
``/user/NAME/``, with the hub's auth: a user's API token (OAuth-checked by the
single-user server) or, in the browser, the hub's login and OAuth cookies.
The model is configured through the servers' environment, as a
zero-to-jupyterhub deployment would (``singleuser.extraEnv``).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import BROKEN, FIXED, model_env, run_cell
from services import BIN, ROOT, Service, free_port
from tornado.httpclient import HTTPClientError

from ci_jupyterlab.testing.panel_client import PanelChat, ServerAPI

ADMIN_TOKEN = "deploy-hub-admin-token-0123456789"
USERS = ("alice", "bob")
PROXY = ROOT / "deploy-tests" / "node_modules" / ".bin" / "configurable-http-proxy"

HUB_CONFIG = """
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = {public!r}
c.JupyterHub.hub_bind_url = {hub!r}
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = {db!r}
c.JupyterHub.cookie_secret_file = {secret!r}
c.JupyterHub.pid_file = {pid!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.allow_all = True
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = [
    "--allow-root",                                   # these machines run as root
    "--LabApp.expose_app_in_browser=True",            # the browser test reads the notebook through the app
    "--KernelSpecManager.allowed_kernelspecs=python3",
]
c.Spawner.environment = {environment!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.services = [{{"name": "deploy-tests", "api_token": {admin!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "deploy-tests", "services": ["deploy-tests"],
      "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]}},
]
"""


class Hub:
    def __init__(self, url: str, service: Service, homes: Path):
        self.url, self.service, self.homes = url, service, homes
        self.admin = ServerAPI(url + "hub/", ADMIN_TOKEN)
        self.tokens: dict[str, str] = {}

    async def start_server(self, user: str) -> None:
        await self.admin.request("POST", f"api/users/{user}")
        await self.admin.request("POST", f"api/users/{user}/server")
        for _ in range(240):
            model = await self.admin.request("GET", f"api/users/{user}")
            if model["servers"].get("", {}).get("ready"):
                break
            await asyncio.sleep(0.5)
        else:
            raise TimeoutError(f"{user}'s server did not start:\n{self.service.log()}")
        token = await self.admin.request(
            "POST", f"api/users/{user}/tokens", {"note": "deploy tests", "scopes": [f"access:servers!user={user}"]}
        )
        self.tokens[user] = token["token"]

    def api(self, user: str, as_user: str | None = None) -> ServerAPI:
        """``user``'s server, through the proxy, with the token of ``as_user`` (default: the same user)."""
        return ServerAPI(f"{self.url}user/{user}/", self.tokens[as_user or user])


@pytest.fixture(scope="module")
async def hub(llm, work):
    public, hub_port, proxy_api = free_port(), free_port(), free_port()
    homes = work / "homes"
    homes.mkdir()
    config = work / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            public=f"http://127.0.0.1:{public}",
            hub=f"http://127.0.0.1:{hub_port}",
            proxy_api=f"http://127.0.0.1:{proxy_api}",
            proxy=str(PROXY),
            db=f"sqlite:///{work / 'hub.sqlite'}",
            secret=str(work / "cookie_secret"),
            pid=str(work / "proxy.pid"),
            homes=str(homes),
            singleuser=str(BIN / "jupyterhub-singleuser"),
            environment=model_env(llm),
            admin=ADMIN_TOKEN,
        )
    )
    # The hub finds node for the proxy on PATH.
    service = Service("jupyterhub", [str(BIN / "jupyterhub"), "-f", str(config)], work, cwd=work)
    url = f"http://127.0.0.1:{public}/"
    try:
        service.wait_for(url + "hub/api/", timeout=120)
        hub = Hub(url, service, homes)
        for user in USERS:
            await hub.start_server(user)
        yield hub
    finally:
        service.stop(grace=20)


def sessions_of(hub: Hub, user: str) -> Path:
    return hub.homes / user / ".local" / "share" / "jupyter" / "ci_jupyterlab" / "sessions"


async def chat_as(hub: Hub, user: str, llm, notebook="fix.ipynb") -> tuple[PanelChat, list[dict]]:
    llm.reset()
    llm.enqueue(run_cell(BROKEN), run_cell(FIXED), {"text": "It is 4."})
    chat = await PanelChat.open(hub.api(user), notebook, session=f"{user}-session")
    messages = await chat.ask("What is the square root of 16?")
    return chat, messages


async def test_each_users_chat_runs_under_the_hub_prefix_and_saves_in_their_own_data_dir(hub, llm):
    for user in USERS:
        chat, messages = await chat_as(hub, user, llm)
        await chat.close()
        assert [m["status"] for m in messages if m["type"] == "cell_done"] == ["error", "ok"]
        assert messages[-1]["reason"] == "answered"
        config = await hub.api(user).request("GET", "ci-jupyterlab/config")
        assert config["configured"] and config["model"] == "scripted-model"

    for user in USERS:
        listing = await hub.api(user).request("GET", "ci-jupyterlab/sessions")
        assert [s["id"] for s in listing["sessions"]] == [f"{user}-session"]
        saved = sessions_of(hub, user) / f"{user}-session.session.json"
        for _ in range(50):  # written off the loop, just after "done"
            if saved.exists():
                break
            await asyncio.sleep(0.1)
        assert json.loads(saved.read_text())["notebook_path"] == "fix.ipynb"
        other = USERS[1] if user == USERS[0] else USERS[0]
        assert not (sessions_of(hub, user) / f"{other}-session.session.json").exists()


async def test_a_user_cannot_list_read_stop_or_export_another_users_sessions(hub, llm):
    if not (sessions_of(hub, "alice") / "alice-session.session.json").exists():
        chat, _ = await chat_as(hub, "alice", llm)
        await chat.close()
    as_bob = hub.api("alice", as_user="bob")
    # REST on alice's server with bob's token: refused by alice's server (the hub's OAuth check).
    assert await as_bob.status("GET", "ci-jupyterlab/sessions") == 403
    assert await as_bob.status("GET", "ci-jupyterlab/sessions/alice-session") == 403
    assert await as_bob.status("POST", "ci-jupyterlab/export", {"path": "fix.ipynb"}) == 403
    assert await as_bob.status("GET", "api/contents/fix.ipynb") == 403
    # The chat websocket (from which a session is attached, stopped or answered): refused too.
    with pytest.raises(HTTPClientError) as refused:
        await as_bob.websocket("ci-jupyterlab/chat")
    assert refused.value.code == 403
    # Bob's own server does not know alice's session.
    assert await hub.api("bob").status("GET", "ci-jupyterlab/sessions/alice-session") == 404
    # And alice's token still works there.
    assert await hub.api("alice").status("GET", "ci-jupyterlab/sessions/alice-session") == 200


def test_the_fix_loop_in_chromium_for_each_user_through_the_hub(hub, llm, work):
    """The panel in JupyterLab, logged in through the hub's login page, for alice then bob."""
    env = {
        **os.environ,
        "CI_HUB_URL": hub.url,
        "CI_HUB_USERS": ",".join(USERS),
        "CI_LLM_URL": llm.url,
        "PLAYWRIGHT_HTML_REPORT": str(work / "playwright-hub"),
    }
    done = subprocess.run(
        [str(BIN / "jlpm"), "playwright", "test", "-c", "playwright.deploy.config.js", "deploy/hub.spec.ts"],
        cwd=ROOT / "ui-tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert f"{len(USERS)} passed" in done.stdout, done.stdout[-3000:]
