"""What the model is told about outputs, and how code is read from its answers."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from ci_jupyterlab.agent.actions import BadArguments, code_from_arguments, fenced_code
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors import ExecutionResult
from ci_jupyterlab.agent.feedback import feedback_for_model, truncate_middle
from ci_jupyterlab.agent.redaction import redact
from ci_jupyterlab.protocol import ExecutionResultMessage, ProtocolError, UserMessage, parse_client_message


def png(width: int, height: int) -> str:
    """A real, minimal PNG of the given size, base64-encoded as in notebooks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")).decode()


async def run(kernel, code: str) -> ExecutionResult:
    return await kernel.run(RunCell("c", code, 1, 1, None, 30))


@pytest.mark.asyncio
async def test_long_output_keeps_head_and_tail_with_a_marker(kernel):
    result = await run(kernel, "for i in range(20000): print(f'row {i}')")
    text = feedback_for_model(result)
    assert "row 0\n" in text and "row 19999" in text
    assert "row 10000" not in text
    assert "lines omitted" in text and "characters" in text
    assert len(text) < 4000


@pytest.mark.asyncio
async def test_error_feedback_is_trimmed_to_user_frames(kernel):
    code = "import pandas as pd\nframe = pd.DataFrame({'revenue': [1]})\ndef total(df):\n    return df['Revenue'].sum()\ntotal(frame)"
    text = feedback_for_model(await run(kernel, code))
    assert text.startswith("The cell raised an error.")
    assert "KeyError: 'Revenue'" in text
    assert "Cell In[1], line 5" in text and "Cell In[1], line 4, in total" in text
    assert "site-packages" not in text and "library frame(s) omitted" in text
    assert "\x1b[" not in text
    assert "The above exception" not in text  # the chained pandas-internal exception is dropped


@pytest.mark.asyncio
async def test_execute_result_and_stderr_are_labelled(kernel):
    text = feedback_for_model(await run(kernel, "import sys\nprint('warn', file=sys.stderr)\n{'a': 1}"))
    assert "[stderr]\nwarn" in text and "[Out]\n{'a': 1}" in text


def test_images_become_a_placeholder_with_their_size():
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": png(640, 480), "text/plain": "<Figure size 640x480 with 1 Axes>"},
        }
    ]
    text = feedback_for_model(ExecutionResult("ok", outputs))
    assert "[image/png image 640×480 shown to the user]" in text
    assert "iVBOR" not in text  # no base64 reaches the model


def test_html_only_output_is_named_not_dumped():
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"text/html": "<b>" * 5000}}]
    text = feedback_for_model(ExecutionResult("ok", outputs))
    assert "[text/html output shown to the user]" in text and "<b>" not in text


def test_no_output_is_said():
    assert feedback_for_model(ExecutionResult("ok", [])) == "The cell ran without error.\n(no output)"


def test_truncate_middle_leaves_short_text_alone():
    assert truncate_middle("short\ntext", 100) == "short\ntext"


def test_redact_replaces_every_occurrence_of_a_secret():
    assert redact("key=abcdefgh12 and abcdefgh12", ["abcdefgh12", "short"]) == "key=[redacted] and [redacted]"


@pytest.mark.parametrize(
    "text, code",
    [
        ("Try:\n```python\nprint(1)\n```\nthen\n```\nprint(2)\n```", "print(1)\n\nprint(2)"),
        ("```py\nx = 1\n```", "x = 1"),
        ("```bash\nls\n```\n```text\noutput\n```", None),
        ("No code here.", None),
        ("```python\n\n```", None),
    ],
)
def test_fenced_code(text, code):
    assert fenced_code(text) == code


def test_code_from_arguments():
    assert code_from_arguments('{"code": "print(1)"}') == "print(1)"
    for raw, reason in [('{"code": ', "not valid JSON"), ('{"src": "x"}', '{"code"'), ('{"code": "  "}', "empty")]:
        with pytest.raises(BadArguments, match=reason):
            code_from_arguments(raw)


def test_protocol_parses_requests_and_results():
    message = parse_client_message(
        json.dumps(
            {
                "type": "user_message",
                "protocol": 3,
                "session": "nb:1",
                "text": " Plot it ",
                "notebook": {"path": "a.ipynb", "kernel_name": "python3", "kernel_language": "python"},
            }
        )
    )
    assert isinstance(message, UserMessage) and message.text == "Plot it"
    assert message.notebook.kernel_language == "python"
    result = parse_client_message(
        json.dumps(
            {
                "type": "execution_result",
                "protocol": 3,
                "session": "nb:1",
                "call_id": "c1",
                "status": "timeout",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                "execution_count": 3,
            }
        )
    )
    assert isinstance(result, ExecutionResultMessage)
    assert (result.result.status, result.result.execution_count) == ("timeout", 3)


def test_protocol_refuses_huge_requests():
    with pytest.raises(ProtocolError, match="limit"):
        parse_client_message(json.dumps({"type": "user_message", "protocol": 3, "session": "s", "text": "x" * 200_000}))


def test_settings_load_from_the_server_config_file_and_environment(tmp_path, monkeypatch):
    from ci_jupyterlab.user_config import load_settings

    (tmp_path / "jupyter_server_config.py").write_text(
        "c.CodeInterpreter.base_url = 'http://127.0.0.1:1234/v1'\nc.CodeInterpreter.max_attempts = 5\n"
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-environment-123")
    monkeypatch.setenv("CI_JUPYTERLAB_MODEL", "env-model")
    settings = load_settings(model="override-model", max_attempts=None)
    assert settings.base_url == "http://127.0.0.1:1234/v1" and settings.max_attempts == 5
    assert settings.api_key == "sk-from-environment-123"
    assert settings.model == "override-model"
    assert "sk-from-environment-123" not in json.dumps(settings.public_view())


@pytest.mark.asyncio
async def test_updated_displays_keep_their_last_value(kernel):
    import nbformat
    from nbformat.v4 import new_code_cell

    code = "from IPython.display import display\nh = display('draft', display_id=True)\nprint('working')\nh.update('final')"
    result = await run(kernel, code)
    displays = [o for o in result.outputs if o["output_type"] == "display_data"]
    assert [d["data"]["text/plain"] for d in displays] == ["'final'"]
    cell = new_code_cell(code)
    cell.outputs = [nbformat.from_dict(o) for o in result.outputs]
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))
