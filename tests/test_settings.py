"""Settings from the panel, through the real server: precedence, the key store, administrators' locks,
Test connection, local servers, and what reaches the model (cost, images).

Here the server is configured the way a fresh install is: no base URL, key or
model in its config, so the user sets them; a test that plays the
administrator adds them to the config.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import stat
import struct
import zlib
from pathlib import Path

import pytest
from conftest import answer, claim_page_key, run_cell
from tornado.httpclient import HTTPClientError

from ci_jupyterlab.agent.conversation import IMAGES_DROPPED
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM
from ci_jupyterlab.user_config import SettingsPolicy, UserSettings

USER_KEY = "sk-user-typed-key-0123456789abcdef"


@pytest.fixture
def user_dir(tmp_path):
    return tmp_path / "user-settings"


@pytest.fixture
def jp_server_config(jp_server_config, user_dir, request, monkeypatch):
    """A server whose config sets no model, key or server (the user does), plus what a test's parameter adds
    (to the ``CodeInterpreter`` section; a ``ServerApp`` entry to that section)."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CI_JUPYTERLAB_MODEL"):
        monkeypatch.delenv(name, raising=False)
    config = copy.deepcopy(jp_server_config)
    for name in ("base_url", "api_key", "model"):
        config["CodeInterpreter"].pop(name)
    config["CodeInterpreter"]["user_settings_dir"] = str(user_dir)
    extra = dict(getattr(request, "param", {}))
    config["ServerApp"].update(extra.pop("ServerApp", {}))
    config["CodeInterpreter"].update(extra)
    return config


async def call(jp_fetch, *path, method="GET", body=None, page=True):
    """A settings route called as the panel calls it: with the page's key, unless ``page`` is False."""
    kwargs = {"method": method, "headers": await claim_page_key(jp_fetch) if page else {}}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    elif method in ("PUT", "POST"):
        kwargs["body"] = "{}"
    response = await jp_fetch("ci-jupyterlab", "settings", *path, **kwargs)
    return json.loads(response.body) if response.body else None


async def refused(jp_fetch, *path, method="PUT", body=None, page=True) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await call(jp_fetch, *path, method=method, body=body, page=page)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_a_fresh_server_is_set_up_from_the_panel_and_used_without_a_restart(
    jp_fetch, open_chat, llm_server, user_dir
):
    view = await call(jp_fetch)
    assert view["values"]["base_url"] == {"value": "", "source": "default", "locked": False}
    assert view["key"] == {
        "set": False,
        "last4": "",
        "source": "default",
        "locked": False,
        "endpoint": "api.openai.com",
        "sent": False,
    }
    assert (await jp_fetch("ci-jupyterlab", "config")).body and json.loads(
        (await jp_fetch("ci-jupyterlab", "config")).body
    )["configured"] is False

    view = await call(
        jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "model": "scripted-model"}}
    )
    assert view["values"]["base_url"]["source"] == "user"
    view = await call(jp_fetch, "key", method="PUT", body={"key": USER_KEY})
    assert view["key"] == {
        "set": True,
        "last4": USER_KEY[-4:],
        "source": "user",
        "locked": False,
        "endpoint": llm_server.base_url.split("/")[2],  # kept for the model server then configured
        "sent": True,
    }
    assert USER_KEY not in json.dumps(view)

    async with open_chat() as chat:
        llm_server.enqueue(answer("Working."))
        messages = await chat.ask("Hello?")
    assert messages[-1]["reason"] == "answered"
    assert llm_server.requests[-1]["bearer_token"] == USER_KEY  # the key went to the model server only
    assert USER_KEY not in json.dumps(messages)


async def test_the_key_is_kept_private_and_never_returned(jp_fetch, user_dir):
    await call(jp_fetch, "key", method="PUT", body={"key": USER_KEY})
    key_file = user_dir / "api_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(user_dir.stat().st_mode) == 0o700
    for body in (await call(jp_fetch), await call(jp_fetch, "local-servers")):
        assert USER_KEY not in json.dumps(body)
    assert USER_KEY not in (await jp_fetch("ci-jupyterlab", "config")).body.decode()

    view = await call(jp_fetch, "key", method="DELETE")
    assert view["key"]["set"] is False and not key_file.exists()


def test_the_user_store_ignores_what_it_cannot_use(tmp_path):
    store = UserSettings(tmp_path)
    store.save_values({"model": "m", "max_attempts": 4})
    (tmp_path / "settings.json").write_text(
        json.dumps({"model": "m", "max_attempts": "many", "secret": 1, "approval": True})
    )
    assert store.values() == {"model": "m"}
    (tmp_path / "settings.json").write_text("{not json")
    assert store.values() == {}


async def test_a_bad_value_changes_nothing(jp_fetch):
    code, problem = await refused(jp_fetch, body={"values": {"model": "ok-model", "approval": "sometimes"}})
    assert code == 400 and problem["message"] == "Not a valid value for Approval: 'sometimes'."
    assert problem["field"] == "approval"
    assert (await call(jp_fetch))["values"]["model"]["value"] == ""  # the valid one was not kept either
    code, problem = await refused(jp_fetch, body={"values": {"sessions_dir": "/tmp"}})
    assert "not a setting" in problem["message"]


@pytest.mark.parametrize(
    "jp_server_config", [{"model": "admin-model", "allowed_models": ["admin-model", "other"]}], indirect=True
)
async def test_what_the_administrator_set_wins_and_is_shown_read_only(jp_fetch, open_chat, llm_server):
    view = await call(jp_fetch)
    assert view["values"]["model"] == {"value": "admin-model", "source": "admin", "locked": True}
    code, problem = await refused(jp_fetch, body={"values": {"model": "other"}})
    assert code == 403 and "set by the administrator" in problem["message"]

    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    async with open_chat() as chat:
        await chat.send(type="user_message", text="Hi", notebook={"path": "a.ipynb"}, model="forbidden-model")
        error, done = await chat.next(), await chat.next()
        assert error["type"] == "error" and "'forbidden-model' is not allowed" in error["message"]
        assert done["reason"] == "error"
        llm_server.enqueue(answer("Hi from other."))
        messages = await chat.ask("Hi", model="other")
    assert messages[-1]["reason"] == "answered", messages
    assert llm_server.chat_requests[-1]["model"] == "other"


@pytest.mark.parametrize("jp_server_config", [{"allowed_base_urls": ["http://127.0.0.1:1/v1"]}], indirect=True)
async def test_a_model_server_the_administrator_did_not_allow_is_refused(jp_fetch, llm_server):
    code, problem = await refused(jp_fetch, body={"values": {"base_url": llm_server.base_url}})
    assert code == 403 and "is not allowed on this server" in problem["message"]
    code, _ = await refused(jp_fetch, "test", method="POST", body={"base_url": llm_server.base_url})
    assert code == 403


@pytest.mark.parametrize("jp_server_config", [{"allow_user_settings": False}], indirect=True)
async def test_an_administrator_can_keep_every_setting_to_themselves(jp_fetch):
    view = await call(jp_fetch)
    assert all(entry["locked"] for entry in view["values"].values()) and view["key"]["locked"]
    assert (await refused(jp_fetch, "key", body={"key": USER_KEY}))[0] == 403


async def test_test_connection_lists_models_and_says_whether_tools_work(jp_fetch, llm_server):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    result = await call(jp_fetch, "test", method="POST")
    assert result["ok"] is True and result["models"] == ["scripted-model"] and result["model"] == "scripted-model"
    assert result["capabilities"]["tools"] is True and result["round_trip_ms"] >= 0

    llm_server.reject_tools = True
    assert (await call(jp_fetch, "test", method="POST"))["capabilities"]["tools"] is False

    broken = await call(jp_fetch, "test", method="POST", body={"base_url": "http://127.0.0.1:1/v1"})
    assert broken["ok"] is False and "Base URL in the Code Interpreter's settings" in broken["error"]["hint"]


async def test_test_connection_finds_what_the_model_can_do_and_later_requests_know_it(
    jp_fetch, open_chat, llm_server, user_dir
):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    llm_server.reject_images = True
    result = await call(jp_fetch, "test", method="POST")
    assert result["ok"] is True
    assert result["capabilities"] == {"tools": True, "images": False, "streaming_usage": True}
    kept = json.loads((user_dir / "capabilities.json").read_text())
    server = f"127.0.0.1:{llm_server.port}"
    # By name, and as the server's choice: the settings name no model.
    assert kept == {f"{server}|scripted-model": result["capabilities"], f"{server}|": result["capabilities"]}

    # A request knows it from the start: the cell's image is not sent, and nothing is refused.
    llm_server.reset()
    code = f"from IPython.display import display\ndisplay({{'image/png': '{png(40, 30)}'}}, raw=True)"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell(code), answer("Drawn."))
        messages = await chat.ask("Draw a red rectangle.")
    assert messages[-1]["reason"] == "answered"
    assert len(llm_server.chat_requests) == 2
    assert not any(isinstance(m["content"], list) for body in llm_server.chat_requests for m in body["messages"])


async def test_a_model_that_refuses_images_is_asked_again_without_them(jp_fetch, open_chat, llm_server):
    """Nothing known yet: the image goes with the output ('auto'); refused, it is replaced by a note, the same
    answer is asked for again, and no later turn sends one."""
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    llm_server.reject_images = True
    code = f"from IPython.display import display\ndisplay({{'image/png': '{png(40, 30)}'}}, raw=True)"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell(code), run_cell(code), answer("Two rectangles."))
        messages = await chat.ask("Draw a red rectangle twice.")
    assert messages[-1]["reason"] == "answered" and not [m for m in messages if m["type"] == "error"]
    requests = llm_server.chat_requests
    with_images = [body for body in requests if any(isinstance(m["content"], list) for m in body["messages"])]
    assert len(with_images) == 1  # the first image, refused once; never again
    assert len(requests) == 4  # the call, the refused one, its retry without the image, the last one
    assert IMAGES_DROPPED in json.dumps(requests[2]["messages"])


async def test_local_servers_are_found_on_loopback_only(jp_fetch, extension, llm_server):
    with ScriptedLLM(models=("llama3.2",)) as local:
        extension.interpreter.local_servers = {
            "Local": local.base_url,
            "Nothing here": "http://127.0.0.1:1/v1",
            "Not loopback": "http://192.0.2.1:11434/v1",  # TEST-NET: must not even be tried
        }
        found = (await call(jp_fetch, "local-servers"))["servers"]
        assert found == [{"name": "Local", "base_url": local.base_url, "models": ["llama3.2"]}]


def png(width: int, height: int) -> str:
    """A real PNG of one colour, base64."""
    row = b"\x00" + b"\xff\x00\x00" * width

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("mode, sent", [("on", True), ("off", False)])
async def test_images_reach_a_model_that_reads_them(jp_fetch, open_chat, llm_server, mode, sent):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "send_images": mode}})
    code = f"from IPython.display import display\ndisplay({{'image/png': '{png(1200, 800)}'}}, raw=True)"
    async with open_chat() as chat:
        llm_server.enqueue(run_cell(code), answer("It is red."))
        await chat.ask("Show a red picture.")
    parts = [
        part
        for message in llm_server.chat_requests[1]["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
    ]
    images = [part for part in parts if part["type"] == "image_url"]
    assert bool(images) is sent
    if sent:
        assert images[0]["image_url"]["url"].startswith("data:image/png;base64,")
        assert images[0]["image_url"]["detail"] == "low"
        head = base64.b64decode(images[0]["image_url"]["url"].split(",", 1)[1])[16:24]
        assert struct.unpack(">II", head) == (512, 341)  # downscaled to 512 pixels on its longer side


async def test_the_cost_of_each_request_is_shown(jp_fetch, open_chat, llm_server, extension):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "model": "priced"}})
    extension.interpreter.prices = {"priced": {"input": 10.0, "output": 30.0}}
    llm_server.models = ["priced"]
    extension.settings_changed()
    async with open_chat() as chat:
        llm_server.enqueue({**answer("Hi."), "usage": {"prompt_tokens": 1000, "completion_tokens": 100}})
        messages = await chat.ask("Hi")
    [usage] = [m for m in messages if m["type"] == "usage"]
    assert usage["cost"] == pytest.approx((1000 * 10 + 100 * 30) / 1e6)
    assert os.environ.get("OPENAI_API_KEY") is None


async def test_test_connection_tries_a_key_typed_but_not_saved_and_keeps_nothing(jp_fetch, llm_server):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    typed = "sk-typed-not-saved-0123456789abcdef"
    response = await jp_fetch("ci-jupyterlab", "settings", "test", method="POST", body=json.dumps({"api_key": typed}))
    assert json.loads(response.body)["ok"] is True
    assert typed not in response.body.decode()
    assert {r["bearer_token"] for r in llm_server.requests} == {typed}  # the test used the typed key
    view = await call(jp_fetch)
    assert view["key"]["set"] is False  # and did not keep it


async def test_a_key_set_from_the_panel_is_not_in_a_kernels_environment(jp_fetch, jp_serverapp):
    await call(jp_fetch, "key", method="PUT", body={"key": USER_KEY})
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3")
    try:
        pid = manager.get_kernel(kernel_id).provisioner.process.pid
        environment = Path(f"/proc/{pid}/environ").read_bytes()
        assert USER_KEY.encode() not in environment
    finally:
        await manager.shutdown_kernel(kernel_id, now=True)


async def test_the_quick_check_spends_no_tokens_and_names_a_model_the_server_does_not_list(jp_fetch, llm_server):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "model": "scripted-model"}})
    quick = await call(jp_fetch, "test", method="POST", body={"quick": True})
    assert quick["ok"] is True and quick["model"] == "scripted-model"
    assert not [r for r in llm_server.requests if r["path"].endswith("/chat/completions")]

    await call(jp_fetch, method="PUT", body={"values": {"model": "gone-model"}})
    quick = await call(jp_fetch, "test", method="POST", body={"quick": True})
    assert quick["ok"] is False
    assert "does not list the model 'gone-model'" in quick["error"]["message"]
    assert "settings" in quick["error"]["hint"]


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("max_attempts", float("nan"), "Attempts must be a whole number from 1 to 50; nan is not."),
        ("max_attempts", 0, "Attempts must be from 1 to 50; 0 is out of range."),
        ("max_rounds", 2.5, "Model calls per request must be a whole number from 1 to 500; 2.5 is not."),
        ("max_cost_per_request", float("inf"), "Cost limit per request ($) must be a number from 0 to 10,000; inf"),
        ("max_cost_per_request", -5, "Cost limit per request ($) must be from 0 to 10,000; -5 is out of range."),
        ("prompt_budget", "24000", "Prompt budget (tokens) must be a whole number from 1,000 to 10,000,000"),
    ],
)
async def test_a_number_out_of_range_is_refused_by_name_and_the_panel_keeps_its_input(
    jp_fetch, llm_server, name, value, says
):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "model": "scripted-model"}})
    # What a browser's JSON cannot say (NaN, Infinity), Python's json reads: sent as raw text.
    body = json.dumps({"values": {name: value}}, allow_nan=True)
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("ci-jupyterlab", "settings", method="PUT", body=body)
    problem = json.loads(caught.value.response.body)
    assert caught.value.code == 400 and problem["field"] == name and problem["message"].startswith(says)
    config = json.loads((await jp_fetch("ci-jupyterlab", "config")).body)
    assert config["problem"] is None and config["configured"] is True  # the panel still takes requests


def test_a_bad_number_in_the_users_settings_file_is_ignored(tmp_path, caplog):
    from ci_jupyterlab.agent.settings import CodeInterpreter

    (tmp_path / "settings.json").write_text('{"max_attempts": 0, "cell_timeout": NaN, "max_rounds": 7}')
    settings = CodeInterpreter(user_settings_dir=str(tmp_path))
    SettingsPolicy(settings).apply()
    assert (settings.max_attempts, settings.cell_timeout, settings.max_rounds) == (3, 120.0, 7)
    assert settings.problem() is None or "max_attempts" not in settings.problem().message
    assert "Attempts must be from 1 to 50" in caplog.text
