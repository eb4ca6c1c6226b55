"""Turn a cell's outputs into the compact text the model reads.

``feedback_for_model`` is the one door through which outputs reach the model:
everything passes its truncation. Secrets are removed by the agent, at the one
choke point of everything model-bound (``Agent._for_model``).
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterable, Sequence

from .executors import ExecutionResult
from .text import joined

#: Characters of one stream or result kept (head and tail together).
STREAM_LIMIT = 3000
#: Characters of the whole feedback text.
TOTAL_LIMIT = 8000
#: Lines of one stream or result kept (head and tail together).
MAX_LINES = 60

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_USER_FRAME = re.compile(r"^(Cell In\s*\[|Input In\s*\[|File <ipython-input-|<ipython-input-)")
_LIBRARY_PATH = re.compile(r"(site-packages|dist-packages|/lib/python\d|\\lib\\)")
_MARKED_LINE = re.compile(r"^-*>\s*\d+ ?(.*)$", re.MULTILINE)

_STATUS_LINES = {
    "ok": "The cell ran without error.",
    "error": "The cell raised an error.",
    "kernel_dead": "The kernel died while the cell ran; its variables are lost.",
    "kernel_restarted": "The kernel restarted while the cell ran; its variables are lost.",
    "notebook_closed": "The notebook was closed while the cell ran.",
    "notebook_deleted": "The notebook was deleted while the assistant worked in it.",
    "no_response": "The notebook never reported the cell's result.",
}


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor codes."""
    return _ANSI.sub("", text)


def truncate_middle(text: str, limit: int, max_lines: int = MAX_LINES) -> str:
    """Keep the head and the tail of ``text``, saying what was left out.

    At most ``limit`` characters and ``max_lines`` lines survive; cuts fall on
    line boundaries where possible so that tables stay readable.
    """
    lines = text.splitlines(keepends=True)
    if len(text) <= limit and len(lines) <= max_lines:
        return text
    keep_chars, keep_lines = max(limit, 40) // 2, max(max_lines, 2) // 2
    head = "".join(lines[:keep_lines])[:keep_chars]
    tail = "".join(lines[-keep_lines:])[-keep_chars:]
    if "\n" in head[keep_chars // 2 :]:
        head = head[: head.rindex("\n") + 1]
    if "\n" in tail[: keep_chars // 2]:
        tail = tail[tail.index("\n") + 1 :]
    omitted = text[len(head) : len(text) - len(tail)]
    marker = f"… [{len(omitted):,} characters, {omitted.count(chr(10)):,} lines omitted] …\n"
    return head + ("" if head.endswith("\n") else "\n") + marker + tail


def _frames(traceback: list[str]) -> list[str]:
    """The frames of the last exception in IPython's traceback list.

    Earlier exceptions of a chain, banner lines and separators are dropped.
    """
    entries = [strip_ansi(entry).strip("\n") for entry in traceback]
    headers = [i for i, entry in enumerate(entries) if "Traceback (most recent call last)" in entry]
    if headers:
        entries = entries[headers[-1] + 1 :]
    return [entry for entry in entries if entry.strip() and not set(entry.strip()) <= {"-"}]


def _is_user_frame(frame: str) -> bool:
    """Frames of notebook cells and of the user's own .py files."""
    first = frame.lstrip().splitlines()[0]
    if _USER_FRAME.match(first):
        return True
    if first.startswith("File "):
        path = first[5:].split(":")[0].split(",")[0]
        return path.endswith(".py") and not _LIBRARY_PATH.search(path)
    return False


def trim_traceback(traceback: list[str], ename: str) -> str:
    """The user's own frames of a traceback, library frames counted, not shown."""
    frames = _frames(traceback)
    if frames and frames[-1].lstrip().startswith(ename):
        frames = frames[:-1]  # the "ename: evalue" line, which we state first anyway
    kept: list[str] = []
    skipped = 0
    for frame in frames:
        if _is_user_frame(frame):
            if skipped:
                kept.append(f"  … {skipped} library frame(s) omitted …")
                skipped = 0
            kept.append(frame)
        else:
            skipped += 1
    if skipped:
        kept.append(f"  … {skipped} library frame(s) omitted …")
    return "\n".join(kept)


def failing_line(traceback: list[str]) -> str:
    """The source line marked ``---->`` in the innermost user frame, or ""."""
    for frame in reversed(_frames(traceback)):
        if _is_user_frame(frame):
            marked = _MARKED_LINE.search(frame)
            return marked.group(1).strip() if marked else ""
    return ""


def _image_size(mime: str, data: str) -> str:
    """Width×height of a base64 PNG or GIF, read from its header, if cheap to."""
    try:
        header = base64.b64decode(data[:64] + "=" * (-len(data[:64]) % 4))
    except (ValueError, TypeError):
        return ""
    if mime == "image/png" and header[:8] == b"\x89PNG\r\n\x1a\n" and len(header) >= 24:
        width, height = struct.unpack(">II", header[16:24])
        return f" {width}×{height}"
    if mime == "image/gif" and header[:3] == b"GIF" and len(header) >= 10:
        width, height = struct.unpack("<HH", header[6:10])
        return f" {width}×{height}"
    return ""


def describe_data(data: dict) -> str:
    """One displayed value: its text, or a short placeholder for rich media."""
    for mime in data:
        if mime.startswith("image/"):
            payload = data[mime] if isinstance(data[mime], str) else ""
            return f"[{mime} image{_image_size(mime, payload)} shown to the user]"
    if "text/plain" in data:
        text = data["text/plain"]
        return "".join(text) if isinstance(text, list) else str(text)
    if data:
        kinds = ", ".join(sorted(data))
        return f"[{kinds} output shown to the user]"
    return ""


def describe_outputs(outputs: Iterable[dict]) -> list[str]:
    """Each output as a labelled, truncated block of text, in order."""
    blocks: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text = strip_ansi(joined(output.get("text")))
            blocks.append(f"[{output.get('name', 'stdout')}]\n{truncate_middle(text, STREAM_LIMIT)}")
        elif kind in ("execute_result", "display_data"):
            label = "Out" if kind == "execute_result" else "Display"
            text = describe_data(output.get("data", {}))
            blocks.append(f"[{label}]\n{truncate_middle(text, STREAM_LIMIT)}")
        elif kind == "error":
            ename, evalue = output.get("ename", ""), strip_ansi(output.get("evalue", ""))
            trace = trim_traceback(output.get("traceback", []), ename)
            block = f"[error]\n{ename}: {evalue}"
            if trace:
                block += f"\nTraceback (user code):\n{truncate_middle(trace, STREAM_LIMIT)}"
            blocks.append(block)
    return blocks


def status_line(result: ExecutionResult, timeout: float = 0.0) -> str:
    """One sentence on how the run ended."""
    if result.status == "timeout":
        return f"The cell was interrupted after running for {timeout:g} seconds (timeout)."
    if result.status == "cancelled":
        seconds = result.duration_ms / 1000
        return f"The user stopped the cell: it was interrupted after {seconds:.1f} s; its partial outputs:"
    return _STATUS_LINES.get(result.status, f"The run ended with status {result.status}.")


def feedback_for_model(
    result: ExecutionResult, *, timeout: float = 0.0, hint: str = "", checks: Sequence[str] = ()
) -> str:
    """The text the model is sent about one run: status, outputs, error.

    ``hint`` (from ``enrich.error_hint``) and the ``[check]`` lines of a cell
    that ran but looks wrong (``checks.py``) come last, so the tail that
    truncation keeps holds them.
    """
    status = status_line(result, timeout)
    blocks = describe_outputs(result.outputs) or ["(no output)"]
    if result.files:
        written = ", ".join(f"{f['path']} ({f['change']}, {f['size']:,} bytes)" for f in result.files[:20])
        blocks.append(f"[files written]\n{written}")
    if hint:
        blocks.append(f"[hint]\n{truncate_middle(hint, STREAM_LIMIT)}")
    blocks += [f"[check] {line}" for line in checks]
    return truncate_middle("\n".join([status, *blocks]), TOTAL_LIMIT, max_lines=4 * MAX_LINES)
