"""What one data file holds, read cheaply: columns, types, rows, empty values, a few examples.

Every reader looks at a bounded part of the file: the first ``SAMPLE_BYTES``
of delimited text and JSON lines, Parquet's and Feather's metadata (with
pyarrow, when the server has it), the first rows of an Excel sheet, SQLite's
schema and a few rows. Row counts of text files larger than the sample are
estimated from the bytes per row of the sample. Profiles are kept by
(path, size, modification time), so an unchanged file is read once.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

#: Bytes of a text file read to profile it.
SAMPLE_BYTES = 64 * 1024
#: Rows of a sheet, JSON array or table looked at.
SAMPLE_ROWS = 200
#: Examples shown per column, and their characters.
EXAMPLES = 3
EXAMPLE_CHARS = 30
#: Excel files larger than this are listed, not opened (openpyxl reads all shared strings first).
MAX_EXCEL_BYTES = 50_000_000
#: A JSON document up to this size is read whole.
MAX_JSON_BYTES = 5_000_000
#: Sheets of a workbook and tables of a database described.
MAX_PARTS = 5
#: Profiles kept in memory.
CACHE_SIZE = 512

KINDS = {
    ".csv": "CSV",
    ".tsv": "TSV",
    ".tab": "TSV",
    ".parquet": "Parquet",
    ".pq": "Parquet",
    ".feather": "Feather",
    ".arrow": "Feather",
    ".xlsx": "Excel",
    ".xlsm": "Excel",
    ".json": "JSON",
    ".jsonl": "JSON lines",
    ".ndjson": "JSON lines",
    ".sqlite": "SQLite",
    ".sqlite3": "SQLite",
    ".db": "SQLite",
}
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a"}
_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?|^\d{1,2}/\d{1,2}/\d{2,4}$")
_BOOL = {"true", "false"}


@dataclass
class Column:
    name: str
    dtype: str
    missing: int = 0  # empty values among those looked at
    examples: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One table of a file (the file itself, a sheet, a database table)."""

    name: str
    rows: int | None
    estimated: bool = False  # rows estimated from the sample
    looked_at: int = 0  # rows whose values were looked at (the missing counts are of those)
    columns: list[Column] = field(default_factory=list)


@dataclass
class FileProfile:
    path: Path
    kind: str
    size: int
    tables: list[Table] = field(default_factory=list)
    note: str = ""  # why it was not (fully) read


# --- values -----------------------------------------------------------------------


def _text_type(values: list[str]) -> str:
    """The narrowest type every value fits: int, float, bool, date, or text."""
    if not values:
        return "empty"
    for name, fits in (
        ("int", lambda v: bool(_INT.match(v))),
        ("float", lambda v: bool(_FLOAT.match(v))),
        ("bool", lambda v: v.lower() in _BOOL),
        ("date", lambda v: bool(_DATE.match(v))),
    ):
        if all(fits(value) for value in values):
            return name
    return "text"


def _value_type(values: list) -> str:
    """The type of Python values (Excel, JSON, SQLite)."""
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("bool")
        elif isinstance(value, int):
            kinds.add("int")
        elif isinstance(value, float):
            kinds.add("float")
        elif isinstance(value, (datetime.date, datetime.datetime)):
            kinds.add("date")
        elif isinstance(value, str):
            kinds.add(_text_type([value]) if value.strip() else "text")
        elif isinstance(value, (list, dict)):
            kinds.add("nested")
        else:
            kinds.add(type(value).__name__)
    if not kinds:
        return "empty"
    if kinds <= {"int", "float"}:
        return "float" if "float" in kinds else "int"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _example(value) -> str:
    text = value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _MISSING) or value != value


def _column(name: str, values: list, from_text: bool) -> Column:
    """A column from the values seen: all count for the empty ones, the first ``SAMPLE_ROWS`` give the type."""
    present = [value for value in values if not _is_missing(value)]
    typed = present[:SAMPLE_ROWS]
    dtype = _text_type([str(v).strip() for v in typed]) if from_text else _value_type(typed)
    examples = list(dict.fromkeys(_example(value) for value in typed[: EXAMPLES * 4]))[:EXAMPLES]
    return Column(str(name), dtype, len(values) - len(present), examples)


def _table(name: str, header: list, rows: list[list], total: int | None, estimated: bool, from_text: bool) -> Table:
    columns = [
        _column(
            column if column not in (None, "") else f"column {i + 1}",
            [row[i] if i < len(row) else None for row in rows],
            from_text,
        )
        for i, column in enumerate(header)
    ]
    return Table(name, total, estimated, len(rows), columns)


# --- readers ----------------------------------------------------------------------


def _sample(path: Path) -> tuple[str, bool]:
    """The file's first ``SAMPLE_BYTES`` as text, and whether that is all of it."""
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES + 1)
    whole = len(data) <= SAMPLE_BYTES
    data = data[:SAMPLE_BYTES]
    if not whole:
        data = data[: data.rfind(b"\n") + 1] or data  # complete lines only
    try:
        return data.decode("utf-8-sig"), whole
    except UnicodeDecodeError:
        return data.decode("latin-1"), whole


def _estimate(rows_seen: int, sample: str, size: int, whole: bool) -> tuple[int, bool]:
    if whole or rows_seen == 0:
        return rows_seen, False
    per_row = len(sample.encode("utf-8", "replace")) / rows_seen
    return int(size / per_row), True


def read_delimited(path: Path, size: int) -> list[Table]:
    text, whole = _sample(path)
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        return [Table(path.name, 0)]
    # The separator the header uses most (csv.Sniffer reads more, and is slow on a folder of thousands).
    default = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    delimiter = max(",;\t|", key=lambda candidate: (header_line.count(candidate), candidate == default))
    if header_line.count(delimiter) == 0:
        delimiter = default
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, rows = records[0], records[1:]
    total, estimated = _estimate(len(rows), text, size, whole)
    return [_table(path.name, header, rows, total, estimated, from_text=True)]


def _records_table(name: str, records: list, total: int | None, estimated: bool) -> Table:
    dicts = [record for record in records if isinstance(record, dict)]
    keys = list(dict.fromkeys(key for record in dicts[:SAMPLE_ROWS] for key in record))
    rows = [[record.get(key) for key in keys] for record in dicts[:SAMPLE_ROWS]]
    return _table(name, keys, rows, total, estimated, from_text=False)


def read_json_lines(path: Path, size: int) -> list[Table]:
    text, whole = _sample(path)
    records = []
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    total, estimated = _estimate(len(records), text, size, whole)
    return [_records_table(path.name, records, total, estimated)]


def read_json(path: Path, size: int) -> list[Table]:
    if size <= MAX_JSON_BYTES:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        if isinstance(data, dict):  # records under one key ({"data": [...]}), else one record
            listed = [(key, value) for key, value in data.items() if isinstance(value, list)]
            if listed:
                key, data = max(listed, key=lambda item: len(item[1]))
                return [_records_table(f"{path.name}[{key!r}]", data, len(data), False)]
            return [_records_table(path.name, [data], 1, False)]
        if isinstance(data, list):
            return [_records_table(path.name, data, len(data), False)]
        return [Table(path.name, None)]
    text, _whole = _sample(path)  # a big array of records: the ones that fit in the sample
    decoder, records, position = json.JSONDecoder(), [], text.find("[") + 1
    while 0 < position < len(text) and len(records) < SAMPLE_ROWS:
        while position < len(text) and text[position] in " \r\n\t,":
            position += 1
        try:
            record, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        records.append(record)
    used = text[:position]
    total, estimated = _estimate(len(records), used, size, False)
    return [_records_table(path.name, records, total, estimated)]


def read_excel(path: Path, size: int) -> list[Table]:
    import openpyxl  # late: a second of import for a server that never sees a workbook

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        tables = []
        for sheet in workbook.worksheets[:MAX_PARTS]:
            rows = [list(row) for row in sheet.iter_rows(max_row=SAMPLE_ROWS + 1, values_only=True)]
            if not rows:
                tables.append(Table(sheet.title, 0))
                continue
            total = max((sheet.max_row or len(rows)) - 1, 0)
            tables.append(_table(sheet.title, rows[0], rows[1:], total, False, from_text=False))
        return tables
    finally:
        workbook.close()


def read_sqlite(path: Path, size: int) -> list[Table]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        tables = []
        for name in names[:MAX_PARTS]:
            quoted = '"' + name.replace('"', '""') + '"'
            info = connection.execute(f"PRAGMA table_info({quoted})").fetchall()
            header = [column[1] for column in info]
            try:  # the largest rowid: the count without reading every row
                total = connection.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()[0] or 0
                estimated = True
            except sqlite3.OperationalError:  # WITHOUT ROWID
                total, estimated = None, False
            rows = [list(row) for row in connection.execute(f"SELECT * FROM {quoted} LIMIT {SAMPLE_ROWS}")]
            table = _table(name, header, rows, total, estimated and total > len(rows), from_text=False)
            for column, declared in zip(table.columns, info, strict=True):
                if column.dtype == "empty" and declared[2]:
                    column.dtype = declared[2].lower()
            tables.append(table)
        if len(names) > MAX_PARTS:
            tables.append(Table(f"… {len(names) - MAX_PARTS} more tables: {', '.join(names[MAX_PARTS:][:20])}", None))
        return tables
    finally:
        connection.close()


def read_arrow(path: Path, size: int) -> list[Table]:
    """Parquet from its footer (rows, types, nulls and min/max per column); Feather memory-mapped."""
    import pyarrow  # noqa: F401  (ImportError: said in the note)

    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as parquet

        metadata = parquet.ParquetFile(path).metadata
        schema = metadata.schema.to_arrow_schema()
        columns = []
        for index, arrow_field in enumerate(schema):
            nulls, low, high = 0, None, None
            for group in range(metadata.num_row_groups):
                statistics = metadata.row_group(group).column(index).statistics
                if statistics is None:
                    nulls = None
                    break
                nulls = nulls + statistics.null_count if nulls is not None and statistics.has_null_count else None
                if statistics.has_min_max:
                    low = statistics.min if low is None else min(low, statistics.min)
                    high = statistics.max if high is None else max(high, statistics.max)
            examples = [f"min {_example(low)}", f"max {_example(high)}"] if low is not None else []
            columns.append(Column(arrow_field.name, str(arrow_field.type), nulls or 0, examples))
        return [Table(path.name, metadata.num_rows, False, metadata.num_rows, columns)]
    import pyarrow.feather as feather

    table = feather.read_table(path, memory_map=True)
    head = table.slice(0, EXAMPLES).to_pylist()
    columns = [
        Column(
            name,
            str(table.schema.field(name).type),
            table.column(name).null_count,
            [_example(row[name]) for row in head],
        )
        for name in table.column_names
    ]
    return [Table(path.name, table.num_rows, False, table.num_rows, columns)]


_READERS = {
    "CSV": read_delimited,
    "TSV": read_delimited,
    "JSON lines": read_json_lines,
    "JSON": read_json,
    "Excel": read_excel,
    "SQLite": read_sqlite,
    "Parquet": read_arrow,
    "Feather": read_arrow,
}

_cache: OrderedDict[tuple, FileProfile] = OrderedDict()
_cache_lock = threading.Lock()


def profile_file(path: Path) -> FileProfile:
    """The profile of one data file; from the cache while the file is unchanged. Never raises."""
    try:
        stat = path.stat()
    except OSError as exc:
        return FileProfile(path, KINDS.get(path.suffix.lower(), "?"), 0, note=f"cannot be read: {exc.strerror}")
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    kind = KINDS.get(path.suffix.lower(), "?")
    profile = FileProfile(path, kind, stat.st_size)
    if kind == "Excel" and stat.st_size > MAX_EXCEL_BYTES:
        profile.note = "too big to sample quickly"
    else:
        try:
            profile.tables = _READERS[kind](path, stat.st_size)
        except ImportError:
            profile.note = "install pyarrow on the server to profile it"
        except Exception as exc:  # a file we cannot read is listed with why, never fails the request
            profile.note = f"could not be read ({type(exc).__name__}: {_example(exc)})"
    with _cache_lock:
        _cache[key] = profile
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return profile
