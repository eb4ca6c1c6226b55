"""What code holding the server's token can and cannot do to the settings, where the stored key may go,
and who may call the settings routes: through the real server, with real kernels.

The server is configured as a fresh install (test_settings.py's fixture): the
user sets the model server and the key from the panel, which holds the page's
key (claimed when the page loads, before any kernel runs a cell).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import answer, claim_page_key, run_in_a_server_kernel
from jupyter_server.auth.authorizer import Authorizer
from test_settings import USER_KEY, call, jp_server_config, refused, user_dir  # noqa: F401 (fixtures)

from ci_jupyterlab.agent.settings import PLACEHOLDER_KEY
from ci_jupyterlab.testing.scripted_llm import ScriptedLLM

#: The cell of the audit: it reads the server's token from Jupyter's runtime files and calls the
#: settings routes with it, as the panel would. It prints each answer's HTTP status.
ATTACK = """
import glob, json, os, urllib.error, urllib.request
from jupyter_core.paths import jupyter_runtime_dir

[info] = [json.load(open(path)) for path in glob.glob(os.path.join(jupyter_runtime_dir(), "jpserver-*.json"))]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def call(method, path, body=None):
    request = urllib.request.Request(
        info["url"] + "ci-jupyterlab/settings" + path,
        method=method,
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": "token " + info["token"], "Content-Type": "application/json"},
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code

print(json.dumps({
    "approval": call("PUT", "", {"values": {"approval": "never"}}),
    "base_url": call("PUT", "", {"values": {"base_url": LISTENER}}),
    "both": call("PUT", "", {"values": {"approval": "never", "base_url": LISTENER, "max_rounds": 50}}),
    "set_key": call("PUT", "/key", {"key": "sk-attacker-0123456789abcdefgh"}),
    "forget_key": call("DELETE", "/key"),
    "mcp_server": call("PUT", "", {"values": {"mcp_servers": {"x": {"command": "sh", "args": ["-c", "id"]}}}}),
    "always_allow": call("PUT", "", {"values": {"mcp_always_allow": ["files/write_file"]}}),
    "claim": call("POST", "/page-key"),
    "limits": call("PUT", "", {"values": {"max_attempts": 4}}),
}))
"""


async def test_a_cell_holding_the_servers_token_cannot_weaken_approval_or_move_the_key(
    jp_fetch, jp_serverapp, open_chat, llm_server, tmp_path
):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url, "model": "scripted-model"}})
    await call(jp_fetch, "key", method="PUT", body={"key": USER_KEY})

    with ScriptedLLM() as listener:
        code = f"LISTENER = {listener.base_url!r}\n{ATTACK}"
        statuses = json.loads(await run_in_a_server_kernel(jp_fetch, jp_serverapp, code))

        # The token works (a limit changed), but approval, the model server and the key did not.
        assert statuses == {
            "approval": 403,
            "base_url": 403,
            "both": 403,
            "set_key": 403,
            "forget_key": 403,
            "mcp_server": 403,
            "always_allow": 403,
            "claim": 409,
            "limits": 200,
        }
        view = await call(jp_fetch)
        assert view["values"]["approval"]["value"] == "risky"
        assert view["values"]["base_url"]["value"] == llm_server.base_url
        assert view["values"]["max_rounds"]["value"] == 12  # a refused change changes nothing
        assert view["key"]["last4"] == USER_KEY[-4:]
        assert view["values"]["mcp_servers"]["value"] == {} and view["values"]["mcp_always_allow"]["value"] == []
        saved = json.loads((tmp_path / "user-settings" / "settings.json").read_text())
        assert saved == {"base_url": llm_server.base_url, "model": "scripted-model", "max_attempts": 4}

        # The next request goes where the user said, with the user's key; cells still wait for approval.
        async with open_chat() as chat:
            llm_server.enqueue({"tool_calls": [{"name": "run_cell", "arguments": {"code": "!ls"}}]}, answer("OK."))
            messages = await chat.ask("List the files.")
        assert [m for m in messages if m["type"] == "approval_request"]
        assert listener.requests == []
    assert {r["bearer_token"] for r in llm_server.requests} == {USER_KEY}


async def test_the_panel_turns_approval_up_without_the_page_key_only(jp_fetch):
    """Turning approval up needs no proof; down, back to the default, or the model server, does."""
    assert (await call(jp_fetch, method="PUT", body={"values": {"approval": "always"}}, page=False))["values"][
        "approval"
    ]["value"] == "always"
    for change in ({"approval": "risky"}, {"approval": None}, {"base_url": "http://127.0.0.1:9/v1"}):
        code, problem = await refused(jp_fetch, body={"values": change}, page=False)
        assert code == 403 and "Only the Code Interpreter panel" in problem["message"]
        assert problem["reason"] == "page_key"
    assert (await call(jp_fetch, method="PUT", body={"values": {"approval": "never"}}))["values"]["approval"][
        "value"
    ] == "never"


async def test_the_page_key_goes_to_the_first_page_only(jp_fetch):
    first = await claim_page_key(jp_fetch)
    assert await claim_page_key(jp_fetch) == first  # the page that holds it may confirm it
    code, problem = await refused(jp_fetch, "page-key", method="POST", page=False)
    assert code == 409 and "Another page holds" in problem["message"]


async def test_the_stored_key_goes_only_to_the_server_it_was_kept_for(jp_fetch, llm_server):
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    await call(jp_fetch, "key", method="PUT", body={"key": USER_KEY})
    assert (await call(jp_fetch, "test", method="POST"))["ok"] is True
    assert {r["bearer_token"] for r in llm_server.requests} == {USER_KEY}  # its home gets it
    with ScriptedLLM() as elsewhere:
        # Test connection with another base URL: the stored key stays home.
        result = await call(jp_fetch, "test", method="POST", body={"base_url": elsewhere.base_url})
        assert result["ok"] is True
        assert {r["bearer_token"] for r in elsewhere.requests} == {PLACEHOLDER_KEY}
        # A key typed for the test goes with the test.
        typed = "sk-typed-for-elsewhere-0123456789"
        await call(jp_fetch, "test", method="POST", body={"base_url": elsewhere.base_url, "api_key": typed})
        assert typed in {r["bearer_token"] for r in elsewhere.requests}
        # Moving the model server from the panel does not move the key: it says so.
        view = await call(jp_fetch, method="PUT", body={"values": {"base_url": elsewhere.base_url}})
        assert view["key"]["sent"] is False and view["key"]["endpoint"] == llm_server.base_url.split("/")[2]
        elsewhere.reset()
        await call(jp_fetch, "test", method="POST")
        assert elsewhere.requests and USER_KEY not in {r["bearer_token"] for r in elsewhere.requests}
    # A server that wants a key says so, and the test says why none was sent.
    refused = await call(jp_fetch, "test", method="POST", body={"base_url": "http://127.0.0.1:1/v1"})
    assert refused["ok"] is False
    assert refused["error"]["hint"].startswith(f"The saved key goes only to {llm_server.base_url.split('/')[2]}")


@pytest.mark.parametrize(
    "jp_server_config",
    [{"api_key": "sk-administrators-key-0123456789", "allow_user_settings": False}],
    indirect=True,
)
async def test_the_administrators_key_never_goes_where_a_caller_points_it(jp_fetch):
    with ScriptedLLM() as listener:
        await call(jp_fetch, "test", method="POST", body={"base_url": listener.base_url}, page=False)
        assert listener.requests and {r["bearer_token"] for r in listener.requests} == {PLACEHOLDER_KEY}


async def test_a_server_the_administrator_allows_gets_the_key(jp_fetch, extension):
    with ScriptedLLM() as allowed:
        # As c.CodeInterpreter.allowed_base_urls and api_key would set them (the port is known only now).
        extension.interpreter.allowed_base_urls = [allowed.base_url]
        extension.interpreter.api_key = "sk-administrators-key-0123456789"
        await call(jp_fetch, "test", method="POST", body={"base_url": allowed.base_url})
        assert {r["bearer_token"] for r in allowed.requests} == {"sk-administrators-key-0123456789"}


class _Teapot(BaseHTTPRequestHandler):
    """A service on a loopback port that is not a model server, with something private to say."""

    def do_GET(self):
        self.send_response(418)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": {"message": "INTERNAL-ONLY: db password hunter2"}}')

    def log_message(self, *args):
        pass


async def test_test_connection_never_echoes_what_another_service_answered(jp_fetch):
    service = ThreadingHTTPServer(("127.0.0.1", 0), _Teapot)
    threading.Thread(target=service.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{service.server_port}/v1"
        result = await call(jp_fetch, "test", method="POST", body={"base_url": url})
    finally:
        service.shutdown()
    assert result["ok"] is False
    assert result["error"]["message"] == f"No OpenAI-compatible server answered at 127.0.0.1:{service.server_port}."
    assert "INTERNAL-ONLY" not in json.dumps(result) and "hunter2" not in json.dumps(result)


class WriteButNotExecute(Authorizer):
    """A user whose role may read and write files, but not run code."""

    def is_authorized(self, handler, user, action, resource):
        return action != "execute"


@pytest.mark.parametrize(
    "jp_server_config",
    [{"ServerApp": {"authorizer_class": "test_settings_guard.WriteButNotExecute"}}],
    indirect=True,
)
async def test_changing_or_testing_the_settings_needs_the_right_to_execute(jp_fetch, jp_serverapp):
    assert isinstance(jp_serverapp.authorizer, WriteButNotExecute)
    assert (await call(jp_fetch, page=False))["values"]["approval"]["value"] == "risky"  # reading is fine
    for path, method, body in (
        ((), "PUT", {"values": {"max_attempts": 4}}),
        (("key",), "PUT", {"key": USER_KEY}),
        (("key",), "DELETE", None),
        (("test",), "POST", {"base_url": "http://127.0.0.1:9/v1"}),
        (("local-servers",), "GET", None),
        (("page-key",), "POST", None),
    ):
        with pytest.raises(Exception) as caught:
            await call(jp_fetch, *path, method=method, body=body, page=False)
        assert getattr(caught.value, "code", None) == 403, (path, method)


@pytest.mark.parametrize("jp_server_config", [{"model": "admin-model"}], indirect=True)
async def test_a_request_cannot_choose_another_model_than_the_administrators(jp_fetch, open_chat, llm_server):
    """No allowed_models: the administrator's model is the only one, on every path a request takes."""
    llm_server.models = ["admin-model", "expensive-model"]
    await call(jp_fetch, method="PUT", body={"values": {"base_url": llm_server.base_url}})
    async with open_chat() as chat:
        notebook = {"path": "work/a.ipynb", "kernel_language": "python"}
        await chat.send(type="user_message", text="Hi", notebook=notebook, model="expensive-model")
        error, done = await chat.next(), await chat.next()
        assert error["type"] == "error" and "'expensive-model' is not allowed" in error["message"]
        assert "admin-model" in error["hint"] and done["reason"] == "error"
        code, problem = await refused(jp_fetch, "test", method="POST", body={"model": "expensive-model"})
        assert code == 403 and "'expensive-model' is not allowed" in problem["message"]
        assert llm_server.chat_requests == []

        llm_server.enqueue(answer("Hi from the administrator's model."))
        messages = await chat.ask("Hi", model="admin-model")  # naming the administrator's own is fine
    assert messages[-1]["reason"] == "answered"
    assert [r["model"] for r in llm_server.chat_requests] == ["admin-model"]
