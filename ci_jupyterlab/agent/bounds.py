"""Outputs as the chat and session records keep them: bounded, whatever a cell printed.

The notebook keeps every output whole. What travels over the chat protocol and
what a session file holds are copies cut to size, so a cell that prints 8 MB or
displays a 12 MB image can neither break the websocket nor bloat the record:
long text keeps its head and tail with a marker, an image over the cap becomes
a line saying where the full one is, and past a total the remaining outputs are
counted instead of kept.
"""

from __future__ import annotations

from .contract import OUTPUT_BOUNDS
from .feedback import truncate_middle
from .nesting import too_deep
from .text import joined

# The limits the chat applies too (src/notebook/outputBounds.ts): both read them from contract.json.
#: Characters of one text value (a stream, ``text/plain``, ``text/html``...).
TEXT_LIMIT = OUTPUT_BOUNDS["text_chars"]
#: Lines of one text value.
TEXT_LINES = 2_000
#: Characters of one base64 image (about 750 kB of PNG).
IMAGE_LIMIT = OUTPUT_BOUNDS["image_chars"]
#: Characters of one step's outputs together.
TOTAL_LIMIT = OUTPUT_BOUNDS["step_chars"]
#: Levels of lists and objects of one output's value (``application/json``).
OUTPUT_NESTING = OUTPUT_BOUNDS["output_nesting"]
#: Markup that cannot be cut without breaking it: dropped when too long, its text/plain kept.
_STRUCTURED = ("text/html", "image/svg+xml", "application/", "text/latex", "text/markdown")

NOT_KEPT = "[{what} not kept in the chat; see the notebook]"
#: HTML that plays media or runs a page (an embedded video, a folium map): kept whole up to the image cap.
_RICH_HTML = ("<video", "<audio", "<script", "srcdoc=")


def _bounded_data(data: dict) -> dict:
    kept: dict = {}
    dropped: list[str] = []
    for mime, value in data.items():
        if too_deep(value, OUTPUT_NESTING):  # reading it as text would recurse past Python's limit
            dropped.append(f"{mime} output nested more than {OUTPUT_NESTING} levels deep")
            continue
        text = joined(value)
        if mime.startswith("image/") and mime != "image/svg+xml":
            if len(text) > IMAGE_LIMIT:
                dropped.append(f"{mime} image of {len(text) * 3 // 4:,} bytes")
                continue
            kept[mime] = value
        elif len(text) <= TEXT_LIMIT or (_is_rich_html(mime, text) and len(text) <= IMAGE_LIMIT):
            kept[mime] = value
        elif mime.startswith(_STRUCTURED):
            dropped.append(f"{mime} output of {len(text):,} characters")
        else:
            kept[mime] = truncate_middle(text, TEXT_LIMIT, TEXT_LINES)
    if dropped:
        notes = "\n".join(NOT_KEPT.format(what=what) for what in dropped)
        kept["text/plain"] = f"{joined(kept['text/plain'])}\n{notes}" if "text/plain" in kept else notes
    return kept


def _is_rich_html(mime: str, text: str) -> bool:
    return mime == "text/html" and any(mark in text for mark in _RICH_HTML)


def _bounded(output: dict) -> dict:
    kind = output.get("output_type")
    if kind == "stream":
        return {**output, "text": truncate_middle(joined(output.get("text", "")), TEXT_LIMIT, TEXT_LINES)}
    if kind in ("display_data", "execute_result"):
        return {**output, "data": _bounded_data(output.get("data") or {})}
    if kind == "error":
        traceback = "\n".join(output.get("traceback") or [])
        if len(traceback) > TEXT_LIMIT:
            return {**output, "traceback": truncate_middle(traceback, TEXT_LIMIT, TEXT_LINES).split("\n")}
    return output


def size_of(output: dict) -> int:
    """Characters of an output's payload, roughly what it costs on the wire."""
    if output.get("output_type") == "stream":
        return len(joined(output.get("text", "")))
    if output.get("output_type") == "error":
        return sum(len(line) for line in output.get("traceback") or []) + len(output.get("evalue", ""))
    return sum(len(joined(value)) for value in (output.get("data") or {}).values())


def bounded_outputs(outputs: list[dict]) -> list[dict]:
    """A copy of ``outputs`` cut to the limits above; the originals are not changed."""
    kept: list[dict] = []
    used = 0
    for index, output in enumerate(outputs):
        output = _bounded(output)
        used += size_of(output)
        if used > TOTAL_LIMIT:
            rest = len(outputs) - index
            what = f"{rest:,} more output{'s' if rest > 1 else ''}"
            kept.append({"output_type": "stream", "name": "stdout", "text": NOT_KEPT.format(what=what) + "\n"})
            break
        kept.append(output)
    return kept
