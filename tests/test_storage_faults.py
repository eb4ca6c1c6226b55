"""Storage under faults: session files that collide, lie or leak, and exports asked for what is not theirs.

Real files in tmp_path and a real Jupyter server (the conftest fixtures): the
session store must survive malformed files and odd ids, keep its files private,
redact secrets as data (so a secret JSON would escape is still found), and the
export endpoint must stay inside the server's root without naming it.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import stat
import time

import nbformat
import pytest
from conftest import CANARY_KEY
from nbformat.v4 import new_code_cell, new_notebook
from tornado.httpclient import HTTPClientError

from ci_jupyterlab.agent.conversation import Conversation
from ci_jupyterlab.agent.files import write_atomically
from ci_jupyterlab.agent.record import Attempt, RequestRecord, SessionRecord, Step
from ci_jupyterlab.export import export_notebook
from ci_jupyterlab.session_files import INDEX_NAME, SavedSession, SessionFiles

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
SK_KEY = "sk-" + "Ab3" * 13 + "x"  # 40 characters after the prefix
AWS_KEY = "AKIA" + "ABCDEFGH12345678"
#: A secret JSON escapes: text-level redaction of the serialised JSON would not find it.
QUOTED = 'pa"ss\\word-123'
SECRETS = (CANARY_KEY, SK_KEY, AWS_KEY, QUOTED)


def session(session_id: str, notebook: str = "a.ipynb", updated: float = 1.0, record: SessionRecord | None = None):
    return SavedSession(
        session_id, notebook, record or SessionRecord([RequestRecord("Hi", notebook)]), Conversation(), updated
    )


def strings(value):
    """Every string in JSON-like data, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_no_secret(data) -> None:
    leaked = [secret for secret in SECRETS for text in strings(data) if secret in text]
    assert not leaked, leaked


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


# Session storage


def test_a_session_named_index_does_not_overwrite_the_index(tmp_path):
    files = SessionFiles(tmp_path)
    files.save(session("index", "a.ipynb", 2.0))
    files.save(session("s-1", "a.ipynb", 1.0))

    assert files.load("index").notebook_path == "a.ipynb" and files.load("s-1") is not None
    assert [s["id"] for s in SessionFiles(tmp_path).summaries("a.ipynb")] == ["index", "s-1"]
    assert set(json.loads((tmp_path / INDEX_NAME).read_text())) == {"index", "s-1"}


@pytest.mark.parametrize("bad_id", ["../x", "", "a" * 200, "a/b", "../../etc/passwd"])
def test_an_invalid_session_id_is_never_saved_nor_loaded(tmp_path, bad_id):
    files = SessionFiles(tmp_path / "sessions")
    with pytest.raises(ValueError):
        files.save(session(bad_id))
    assert files.load(bad_id) is None
    assert not (tmp_path / "sessions").exists() and list(tmp_path.iterdir()) == []


MALFORMED_SESSIONS = {
    "not-json": "{this is not json",
    "a-list": "[1, 2, 3]",
    "wrong-types": json.dumps({"id": "wrong-types", "notebook_path": "a.ipynb", "updated": "yesterday", "record": []}),
    "wrong-record": json.dumps(
        {"id": "wrong-record", "notebook_path": "a.ipynb", "updated": 3.0, "record": {"requests": 5}}
    ),
}


def write_malformed_sessions(directory) -> None:
    for session_id, text in MALFORMED_SESSIONS.items():
        (directory / f"{session_id}.session.json").write_text(text)


def test_a_malformed_session_file_is_skipped_with_a_warning(tmp_path, caplog):
    files = SessionFiles(tmp_path)
    files.save(session("good"))
    write_malformed_sessions(tmp_path)
    (tmp_path / INDEX_NAME).unlink()  # rebuilt from every file, the malformed ones included

    with caplog.at_level(logging.WARNING, logger="ci_jupyterlab.session_files"):
        assert [s["id"] for s in files.summaries("a.ipynb")] == ["good"]
        for session_id in MALFORMED_SESSIONS:
            assert files.load(session_id) is None
    assert files.load("good").record.requests[0].text == "Hi"
    warned = " ".join(record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)
    for session_id in MALFORMED_SESSIONS:
        assert f"{session_id}.session.json" in warned


def test_a_malformed_index_is_rebuilt_from_the_session_files(tmp_path, caplog):
    files = SessionFiles(tmp_path)
    files.save(session("s-1", "a.ipynb", 2.0))
    files.save(session("s-2", "b.ipynb", 1.0))
    expected = [
        {"id": "s-1", "notebook_path": "a.ipynb", "updated": 2.0, "requests": 1},
        {"id": "s-2", "notebook_path": "b.ipynb", "updated": 1.0, "requests": 1},
    ]
    for broken in ("[1]", '{"x": 5}', '{"s-1": {"notebook_path": 3}}', "not json"):
        (tmp_path / INDEX_NAME).write_text(broken)
        with caplog.at_level(logging.WARNING, logger="ci_jupyterlab.session_files"):
            assert files.summaries() == expected, broken
        assert "index" in caplog.text
        caplog.clear()
        assert json.loads((tmp_path / INDEX_NAME).read_text()) == {
            e["id"]: {k: v for k, v in e.items() if k != "id"} for e in expected
        }


async def test_malformed_session_files_never_give_a_500(jp_fetch, sessions_dir):
    SessionFiles(sessions_dir).save(session("good", "a.ipynb"))
    write_malformed_sessions(sessions_dir)
    (sessions_dir / INDEX_NAME).write_text('{"x": 5}')

    listing = json.loads((await jp_fetch("ci-jupyterlab", "sessions", params={"notebook": "a.ipynb"})).body)
    assert [s["id"] for s in listing["sessions"]] == ["good"]
    everything = json.loads((await jp_fetch("ci-jupyterlab", "sessions")).body)
    assert [s["id"] for s in everything["sessions"]] == ["good"]
    for session_id in MALFORMED_SESSIONS:
        with pytest.raises(HTTPClientError) as unreadable:
            await jp_fetch("ci-jupyterlab", "sessions", session_id)
        assert unreadable.value.code == 422, session_id  # there, and cannot be read: said, not a 500
        said = json.loads(unreadable.value.response.body)
        assert said["message"].startswith("The saved conversation of this notebook could not be read: ")
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("ci-jupyterlab", "sessions", "never-saved")
    assert missing.value.code == 404
    good = json.loads((await jp_fetch("ci-jupyterlab", "sessions", "good")).body)
    assert good["record"]["requests"][0]["text"] == "Hi"


def nested(depth: int) -> dict:
    """A session file whose one event holds lists nested ``depth`` levels deep."""
    data = session("deep").to_dict()
    data["record"]["events"] = [{"type": "text_delta", "text": json.loads("[" * depth + "]" * depth)}]
    return data


def deep_json(depth: int) -> str:
    """That file's text, written without recursion (json.dumps cannot write it)."""
    data = nested(1)
    data["record"]["events"][0]["text"] = "@@"
    return json.dumps(data).replace('"@@"', "[" * depth + "]" * depth)


@pytest.mark.parametrize("depth", [150, 100_000])
async def test_a_deeply_nested_session_file_is_a_clear_error_never_a_500(jp_fetch, sessions_dir, depth):
    SessionFiles(sessions_dir).save(session("good", "a.ipynb", 1.0))
    (sessions_dir / "deep.session.json").write_text(deep_json(depth))
    (sessions_dir / INDEX_NAME).unlink()  # rebuilt from every file, the deep one included

    listing = json.loads((await jp_fetch("ci-jupyterlab", "sessions", params={"notebook": "a.ipynb"})).body)
    assert [s["id"] for s in listing["sessions"]] == ["good"]
    with pytest.raises(HTTPClientError) as unreadable:
        await jp_fetch("ci-jupyterlab", "sessions", "deep")
    said = json.loads(unreadable.value.response.body)
    assert unreadable.value.code == 422
    assert said["message"] == (
        "The saved conversation of this notebook could not be read: "
        "it nests lists and objects more than 100 levels deep."
    )
    assert "A new conversation starts" in said["hint"]


async def test_a_session_that_cannot_be_saved_says_so_once(open_chat, llm_server, extension, sessions_dir):
    from conftest import answer

    sessions_dir.parent.mkdir(parents=True, exist_ok=True)
    sessions_dir.write_text("a file where the sessions folder should be: every save fails")
    async with open_chat() as chat:
        llm_server.enqueue(answer("One."), answer("Two."))
        first = await chat.ask("First?")
        second = await chat.ask("Second?")
        await extension.sessions.flush()
    errors = [m for m in first + second if m["type"] == "error"]
    assert len(errors) == 1 and errors[0]["message"].startswith("This conversation could not be saved (")
    assert first[-1]["reason"] == "answered" and second[-1]["reason"] == "answered"


# File modes


def test_session_files_and_index_are_private_and_their_folder_too(tmp_path, umask_022):
    directory = tmp_path / "sessions"
    files = SessionFiles(directory)
    files.save(session("s-1"))

    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(files.path_of("s-1")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory / INDEX_NAME).st_mode) == 0o600
    (directory / INDEX_NAME).unlink()
    files.summaries()  # rebuilt
    assert stat.S_IMODE(os.stat(directory / INDEX_NAME).st_mode) == 0o600


def test_write_atomically_shares_files_as_usual_by_default(tmp_path, umask_022):
    write_atomically(tmp_path / "analysis-export.ipynb", "{}")
    assert stat.S_IMODE(os.stat(tmp_path / "analysis-export.ipynb").st_mode) == 0o644

    write_atomically(tmp_path / "private.json", "{}", mode=0o600)
    assert stat.S_IMODE(os.stat(tmp_path / "private.json").st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis-export.ipynb", "private.json"]  # no temporary left


# Redaction as data


def leaky_outputs() -> list[dict]:
    """Outputs holding every secret, nested in dicts and lists."""
    return [
        {"output_type": "stream", "name": "stdout", "text": f"key={CANARY_KEY}\npassword={QUOTED}\n"},
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "application/json": {"config": {"keys": [SK_KEY, {"aws": f"id={AWS_KEY} end"}], "db": [[QUOTED]]}},
                "text/plain": f"{{'api_key': '{CANARY_KEY}'}}",
            },
        },
    ]


async def test_secrets_are_redacted_as_data_on_disk_over_rest_and_in_the_export(
    jp_fetch, jp_root_dir, extension, monkeypatch
):
    monkeypatch.setenv("DB_PASSWORD", QUOTED)  # a secret-looking variable: its value is a secret too
    code = "show_config()"
    attempt = Attempt("c1", code, "ok", leaky_outputs(), 1, 5.0)
    request = RequestRecord(
        "Show the config.",
        "a.ipynb",
        steps=[Step(1, [attempt])],
        answer=f"The password is {QUOTED}.",
        done_reason="answered",
    )
    live = extension.sessions.get("s-1")  # in memory the record holds outputs as they came
    live.notebook_path, live.record = "a.ipynb", SessionRecord([request])
    extension.sessions.save_soon(live)
    await extension.sessions.flush()

    on_disk = extension.sessions.files.path_of("s-1").read_text()
    assert_no_secret(json.loads(on_disk))
    assert "[redacted]" in on_disk

    served = (await jp_fetch("ci-jupyterlab", "sessions", "s-1")).body.decode()
    assert_no_secret(json.loads(served))
    assert json.loads(served)["record"]["requests"][0]["answer"] == "The password is [redacted]."

    notebook = new_notebook(metadata={"kernelspec": KERNELSPEC})
    cell = new_code_cell(
        code, execution_count=1, metadata={"ci_jupyterlab": {"session": "s-1", "step": 1, "call_id": "c1"}}
    )
    cell.outputs = [nbformat.from_dict(output) for output in leaky_outputs()]
    notebook.cells.append(cell)
    nbformat.write(notebook, jp_root_dir / "a.ipynb")
    body = json.dumps({"path": "a.ipynb", "verify": False})
    written = json.loads((await jp_fetch("ci-jupyterlab", "export", method="POST", body=body)).body)["path"]
    exported = nbformat.read(jp_root_dir / written, as_version=4)
    assert_no_secret(exported)
    [exported_cell] = [cell for cell in exported.cells if cell.cell_type == "code"]
    assert exported_cell.source == code and "[redacted]" in json.dumps(exported_cell.outputs)


# Export confinement


async def refusal(jp_fetch, jp_root_dir, path: str) -> tuple[int, str]:
    """The export endpoint's refusal of ``path``: status and message, which never names the root."""
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("ci-jupyterlab", "export", method="POST", body=json.dumps({"path": path, "verify": False}))
    body = refused.value.response.body.decode()
    assert str(jp_root_dir) not in body and str(jp_root_dir.resolve()) not in body, body
    return refused.value.code, json.loads(body)["message"]


def write_notebook(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")], metadata={"kernelspec": KERNELSPEC}), path)


async def test_hidden_notebooks_and_symlinks_to_them_are_not_exported(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / ".secret" / "a.ipynb")
    write_notebook(jp_root_dir / ".a.ipynb")
    (jp_root_dir / "b.ipynb").symlink_to(jp_root_dir / ".secret" / "a.ipynb")

    for path in (".secret/a.ipynb", ".a.ipynb", "b.ipynb"):
        code, message = await refusal(jp_fetch, jp_root_dir, path)
        assert (code, "hidden" in message) == (403, True), (path, message)
    assert sorted(p.name for p in jp_root_dir.rglob("*export*")) == []


async def test_notebooks_outside_the_root_are_refused_by_name_and_by_symlink(jp_fetch, jp_root_dir):
    outside = jp_root_dir.parent / "outside.ipynb"
    write_notebook(outside)
    write_notebook(jp_root_dir / "a.ipynb")
    (jp_root_dir / "link.ipynb").symlink_to(outside)
    (jp_root_dir.parent / "root_link").symlink_to(jp_root_dir)  # named from outside the root, leads back in

    for path in ("../outside.ipynb", "sub/../../outside.ipynb", "link.ipynb", "../root_link/a.ipynb"):
        code, message = await refusal(jp_fetch, jp_root_dir, path)
        assert code == 403 and "inside the server's root" in message, (path, message)
    code, message = await refusal(jp_fetch, jp_root_dir, "missing.ipynb")
    assert (code, message) == (404, "No such notebook: missing.ipynb")
    assert not list(jp_root_dir.parent.glob("outside-export*"))


@pytest.mark.timeout(30)
async def test_a_fifo_named_like_a_notebook_is_refused_at_once(jp_fetch, jp_root_dir):
    os.mkfifo(jp_root_dir / "x.ipynb")

    started = time.monotonic()
    code, message = await refusal(jp_fetch, jp_root_dir, "x.ipynb")
    assert time.monotonic() - started < 10
    assert code == 400 and message == "x.ipynb is not a regular file."


@pytest.mark.asyncio
async def test_verification_copies_no_symlink_that_leads_out_of_the_folder(tmp_path):
    folder, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("not the notebook's")
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "outside_file.txt").symlink_to(elsewhere / "secret.txt")
    (folder / "outside_dir").symlink_to(elsewhere, target_is_directory=True)
    (folder / "inside_link.csv").symlink_to(folder / "data.csv")
    notebook = new_notebook(
        cells=[new_code_cell("import os; print(sorted(os.listdir('.')))")], metadata={"kernelspec": KERNELSPEC}
    )
    nbformat.write(notebook, folder / "analysis.ipynb")

    export = await export_notebook(
        folder / "analysis.ipynb", lambda _session: None, run_verification=True, cell_timeout=60
    )

    assert export.verification.problem is None
    listed = ast.literal_eval(export.notebook.cells[-1].outputs[0]["text"])  # the fresh run's output: a list of names
    assert "data.csv" in listed and "inside_link.csv" in listed and "analysis.ipynb" in listed
    assert "outside_file.txt" not in listed and "outside_dir" not in listed
