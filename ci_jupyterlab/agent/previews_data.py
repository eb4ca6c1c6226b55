"""Previews of columnar files and databases: Parquet (schema, rows) and SQLite (tables, columns, rows).

Only metadata is read: a Parquet file's footer, a SQLite file's catalogue and
counts (bounded in time), never the data itself.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

#: Tables of a database, and columns of one table, listed.
TABLES_LISTED = 20
COLUMNS_LISTED = 30
#: Seconds all of a database's row counts may take; the rest are left out.
COUNT_SECONDS = 2.0

SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def parquet_preview(path: Path) -> str:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return "a Parquet file (no details: pyarrow is not installed on the server)"
    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow
    columns = ", ".join(f"{field.name} ({field.type})" for field in list(schema)[:COLUMNS_LISTED])
    more = f", … {len(schema) - COLUMNS_LISTED} more" if len(schema) > COLUMNS_LISTED else ""
    meta = parquet.metadata
    return (
        f"Parquet table, {meta.num_rows:,} rows × {len(schema)} columns in {meta.num_row_groups} row group(s)\n"
        f"columns: {columns}{more}"
    )


def sqlite_preview(path: Path) -> str:
    """Each table with its columns and row count, opened read-only."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        deadline = time.monotonic() + COUNT_SECONDS
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        described = [_table(connection, name) for name in tables[:TABLES_LISTED]]
    finally:
        connection.close()
    more = f"\n… {len(tables) - TABLES_LISTED} more tables" if len(tables) > TABLES_LISTED else ""
    return f"SQLite database, {len(tables)} table(s)\n" + "\n".join(described) + more


def _table(connection: sqlite3.Connection, name: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    columns = [
        f"{column[1]} {column[2] or 'ANY'}".strip() for column in connection.execute(f"PRAGMA table_info({quoted})")
    ]
    try:
        (rows,) = connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()
        counted = f"{rows:,} rows"
    except sqlite3.OperationalError:  # the time for counting ran out
        counted = "rows not counted"
    listed = ", ".join(columns[:COLUMNS_LISTED]) + (" …" if len(columns) > COLUMNS_LISTED else "")
    return f"table {name!r}: {counted}; columns: {listed}"
