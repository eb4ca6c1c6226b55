"""Compact previews of files, so the model knows what the user handed it.

Tables (CSV, TSV, Excel, and those inside a zip) are read with pandas when the
process has it, with a standard-library fallback for delimited text; images,
videos and PDFs are in ``previews_media``, Parquet and SQLite in
``previews_data``. Everything is bounded in time and size so a 1 GB upload
costs no more than a glance.
"""

from __future__ import annotations

import io
import json
import mimetypes
import zipfile
from pathlib import Path

from .previews_data import is_sqlite, parquet_preview, sqlite_preview
from .previews_media import VIDEO_SUFFIXES, image_preview, pdf_preview, video_preview

#: Rows of a table shown to the model.
PREVIEW_ROWS = 5
#: Rows read to infer column types (the shape still counts every line).
SAMPLE_ROWS = 1000
#: Characters of one preview.
PREVIEW_LIMIT = 2000
#: Zip members listed.
ZIP_MEMBERS = 30
#: Table members of a zip previewed, and the largest (uncompressed bytes) read for it.
ZIP_TABLES = 3
ZIP_TABLE_BYTES = 20_000_000
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".xlsx", ".xlsm")


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size:,} bytes"
    value, unit = size / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def describe_attachments(root: Path, paths: list[str]) -> str:
    """What the model is told about the files the user attached (paths under ``root``)."""
    if not paths:
        return ""
    root = root.resolve()
    lines = []
    for name in paths:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            lines.append(f"- {name}: refused (outside the server's root folder)")
        elif not path.is_file():
            lines.append(f"- {name}: not found")
        else:
            lines.append("- " + preview_file(path, name))
    return "The user attached these files:\n" + "\n".join(lines)


def preview_file(path: Path, name: str | None = None) -> str:
    """A few lines on what ``path`` holds, headed by its name and size."""
    name = name or path.name
    try:
        size = path.stat().st_size
        body = _describe(path)
    except Exception as exc:  # a preview must never fail the request
        return f"{name}: could not be read ({type(exc).__name__}: {exc})"
    text = f"{name} ({human_size(size)}): {body}"
    return text if len(text) <= PREVIEW_LIMIT else text[: PREVIEW_LIMIT - 1] + "…"


def _describe(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".tab", ".txt") and _looks_delimited(path):
        return _table_preview(path, "\t" if suffix in (".tsv", ".tab") else None)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _excel_preview(path)
    if suffix == ".json":
        return _json_preview(path)
    if suffix == ".parquet":
        return parquet_preview(path)
    if suffix == ".pdf":
        return pdf_preview(path)
    if suffix in VIDEO_SUFFIXES:
        return video_preview(path)
    if zipfile.is_zipfile(path):
        return _zip_preview(path)
    if is_sqlite(path):
        return sqlite_preview(path)
    image = image_preview(path)
    if image:
        return image
    kind = mimetypes.guess_type(path.name)[0] or "unknown type"
    return f"a file of type {kind}"


def _looks_delimited(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return b"\0" not in head and any(sep in head for sep in (b",", b"\t", b";"))


def _table_preview(path: Path, sep: str | None) -> str:
    rows = _count_lines(path) - 1
    try:
        import pandas as pd
    except ImportError:
        return _plain_table_preview(path, rows, sep)
    return _frame_preview(pd.read_csv(path, sep=sep, engine="python", nrows=SAMPLE_ROWS), rows)


def _frame_preview(frame, rows: int) -> str:
    return (
        f"table, {rows:,} rows × {frame.shape[1]} columns\n"
        f"columns: {_columns(frame)}\n"
        f"first rows:\n{frame.head(PREVIEW_ROWS).to_string(max_colwidth=40)}"
    )


def _plain_table_preview(path: Path, rows: int, sep: str | None) -> str:
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        dialect = csv.Sniffer().sniff(handle.read(4096)) if sep is None else None
        handle.seek(0)
        reader = csv.reader(handle, dialect) if dialect else csv.reader(handle, delimiter=sep)
        lines = [row for _, row in zip(range(PREVIEW_ROWS + 1), reader, strict=False)]
    header, *first = lines or [[]]
    shown = "\n".join(", ".join(row) for row in first)
    return f"table, {rows:,} rows × {len(header)} columns\ncolumns: {', '.join(header)}\nfirst rows:\n{shown}"


def _columns(frame) -> str:
    return ", ".join(f"{name} ({dtype})" for name, dtype in frame.dtypes.items())


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def _excel_preview(path) -> str:
    """Every sheet named with its shape first (a long preview is cut at the end), then each one's columns and rows."""
    try:
        import pandas as pd

        sheets = pd.read_excel(path, sheet_name=None, nrows=SAMPLE_ROWS)
    except ImportError as exc:
        return f"an Excel workbook (no preview: {exc.name or 'a reader'} is not installed on the server)"
    shapes = ", ".join(
        f"{sheet!r} ({frame.shape[0]:,} rows × {frame.shape[1]} columns)" for sheet, frame in sheets.items()
    )
    parts = [f"Excel workbook, {len(sheets)} sheet(s): {shapes} (at most {SAMPLE_ROWS:,} rows read per sheet)"]
    for sheet, frame in sheets.items():
        parts.append(
            f"sheet {sheet!r}: columns: {_columns(frame)}\n"
            f"first rows:\n{frame.head(PREVIEW_ROWS).to_string(max_colwidth=40)}"
        )
    return "\n".join(parts)


def _json_preview(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        data = json.load(handle)
    return f"JSON, {_structure(data)}"


def _structure(value, depth: int = 0) -> str:
    """Top-level structure of a JSON value: keys and types, lists by length."""
    if isinstance(value, dict):
        if depth >= 1:
            return f"object with {len(value)} keys"
        keys = ", ".join(f"{key}: {_structure(item, depth + 1)}" for key, item in list(value.items())[:20])
        more = f", … {len(value) - 20} more" if len(value) > 20 else ""
        return f"object {{{keys}{more}}}"
    if isinstance(value, list):
        inner = f" of {_structure(value[0], depth + 1)}" if value else ""
        return f"list of {len(value)}{inner}"
    return type(value).__name__


def _zip_preview(path: Path) -> str:
    """The members, and a table preview of the first few CSV or Excel members."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        listed = ", ".join(f"{m.filename} ({human_size(m.file_size)})" for m in members[:ZIP_MEMBERS])
        more = f", … {len(members) - ZIP_MEMBERS} more" if len(members) > ZIP_MEMBERS else ""
        parts = [f"zip archive, {len(members)} members: {listed}{more}"]
        tables = [m for m in members if m.filename.lower().endswith(TABLE_SUFFIXES) and not m.is_dir()]
        for member in tables[:ZIP_TABLES]:
            parts.append(f"member {member.filename}: {_zip_table(archive, member)}")
    return "\n".join(parts)


def _zip_table(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    if member.file_size > ZIP_TABLE_BYTES:
        return f"not previewed ({human_size(member.file_size)} uncompressed)"
    try:
        import pandas as pd
    except ImportError:
        return "not previewed (pandas is not installed on the server)"
    data = archive.read(member)
    if member.filename.lower().endswith((".xlsx", ".xlsm")):
        return _excel_preview(io.BytesIO(data))
    sep = "\t" if member.filename.lower().endswith((".tsv", ".tab")) else None
    frame = pd.read_csv(io.BytesIO(data), sep=sep, engine="python", nrows=SAMPLE_ROWS)
    return _frame_preview(frame, data.count(b"\n") - 1)
