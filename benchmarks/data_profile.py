"""The data profile: how long it takes, how many tokens it says, and that it never holds the event loop.

Two folders are made in a scratch directory: one of 20 data files (CSV, TSV,
Parquet, Feather, Excel, JSON, JSON lines, SQLite; a few MB in all) and one of
2,000 (mostly small CSVs, some in subfolders, and two files of 1 GB: a CSV
and a JSON lines file). For each, ``DataProfile`` (agent/data_profile.py) runs
as the server runs it, awaited on an asyncio event loop: cold (a new worker
process, nothing cached), then warm (the same files again, from the worker's
cache), then after one file changed.
Meanwhile a ticker asks to run every 5 ms and records how late it ran; the
same ticker on an idle loop, in the same process, is the baseline. A stall the
process itself caused is the lateness during which this process used CPU
(``min(lateness, CPU time)``); the rest is the machine being busy with others.

Run: python benchmarks/data_profile.py [--keep DIR] [--no-big]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as parquet

from ci_jupyterlab.agent import data_files, data_profile
from ci_jupyterlab.agent.data_profile import DataProfile
from ci_jupyterlab.agent.tokens import count_tokens, load_vocabulary

#: Seconds between two looks of the ticker.
TICK = 0.005
GIGABYTE = 1_000_000_000


def table(rows: int, seed: int) -> dict:
    rng = random.Random(seed)
    regions = ["North", "South", "East", "West", None]
    return {
        "order_id": list(range(rows)),
        "date": [f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}" for _ in range(rows)],
        "region": [rng.choice(regions) for _ in range(rows)],
        "revenue": [round(rng.uniform(1, 500), 2) if rng.random() > 0.05 else None for _ in range(rows)],
        "units": [rng.randint(1, 20) for _ in range(rows)],
    }


def write_csv(path: Path, data: dict, separator: str = ",") -> None:
    columns = list(data)
    lines = [separator.join(columns)]
    for values in zip(*data.values(), strict=True):
        lines.append(separator.join("" if value is None else str(value) for value in values))
    path.write_text("\n".join(lines) + "\n")


def write_big(path: Path, size: int, jsonl: bool) -> None:
    """A file of about ``size`` bytes of realistic rows, written in large blocks."""
    data = table(20_000, 7)
    block_path = path.with_suffix(".block")
    if jsonl:
        rows = [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
        block = "".join(json.dumps(row) + "\n" for row in rows).encode()
        header = b""
    else:
        write_csv(block_path, data)
        header_line, _, rest = block_path.read_bytes().partition(b"\n")
        header, block = header_line + b"\n", rest
        block_path.unlink()
    with path.open("wb") as handle:
        handle.write(header)
        written = len(header)
        while written < size:
            handle.write(block)
            written += len(block)


def make_small_folder(folder: Path) -> None:
    """20 data files of every kind."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(6):
        write_csv(folder / f"sales_{2019 + index}.csv", table(2_000, index))
    for index in range(3):
        write_csv(folder / f"visits_{index}.tsv", table(500, 10 + index), "\t")
    for index in range(3):
        arrow = pa.table(table(50_000, 20 + index))
        parquet.write_table(arrow, folder / f"orders_{index}.parquet")
    feather.write_feather(pa.table(table(10_000, 30)), folder / "customers.feather")
    feather.write_feather(pa.table(table(5_000, 31)), folder / "returns.arrow")
    for index in range(2):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        data = table(1_000, 40 + index)
        sheet.append(list(data))
        for values in zip(*data.values(), strict=True):
            sheet.append(list(values))
        workbook.save(folder / f"budget_{index}.xlsx")
    data = table(1_000, 50)
    rows = [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    (folder / "events.json").write_text(json.dumps({"events": rows}))
    (folder / "clicks.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (folder / "sessions.ndjson").write_text("".join(json.dumps(row) + "\n" for row in rows[:300]))
    with sqlite3.connect(folder / "shop.sqlite") as connection:
        connection.execute("CREATE TABLE orders (order_id INTEGER, region TEXT, revenue REAL)")
        connection.executemany(
            "INSERT INTO orders VALUES (?, ?, ?)", zip(data["order_id"], data["region"], data["revenue"], strict=True)
        )
    (folder / "notes.txt").write_text("not a data file")


def make_large_folder(folder: Path, big: bool) -> None:
    """2,000 data files: small CSVs in the folder and two levels of subfolders, and two of 1 GB."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = table(50, 60)
    for index in range(1998 if big else 2000):
        where = folder / f"batch_{index % 10}" / f"part_{index % 3}" if index % 2 else folder
        where.mkdir(parents=True, exist_ok=True)
        write_csv(where / f"measurements_{index:04}.csv", sample)
    if big:
        write_big(folder / "events_2024.csv", GIGABYTE, jsonl=False)
        write_big(folder / "events_2024.jsonl", GIGABYTE, jsonl=True)


class Ticker:
    """Asks to run every ``TICK`` seconds; records how late it ran, and this process's CPU time meanwhile."""

    def __init__(self):
        self.late: list[float] = []
        self.busy: list[float] = []
        self._running = True

    async def run(self) -> None:
        while self._running:
            asked, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(TICK)
            lateness = time.perf_counter() - asked - TICK
            self.late.append(lateness)
            self.busy.append(min(lateness, time.process_time() - cpu))

    def stop(self) -> None:
        self._running = False


async def watched(work) -> tuple[float, Ticker, object]:
    """Await ``work()`` with the ticker running: (seconds, ticker, result)."""
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    await asyncio.sleep(TICK * 2)
    started = time.perf_counter()
    result = await work()
    seconds = time.perf_counter() - started
    ticker.stop()
    await ticking
    return seconds, ticker, result


def stalls(ticker: Ticker) -> str:
    worst = max(ticker.late) * 1000
    own = max(ticker.busy) * 1000
    over = sum(late > 0.020 for late in ticker.late)
    return f"longest stall {worst:.1f} ms (of this process: {own:.1f} ms), over 20 ms: {over} of {len(ticker.late)}"


async def measure(name: str, folder: Path, request: str) -> None:
    provider = DataProfile(folder, folder, request, isolated=True)  # as the Jupyter server runs it
    files = [path for path in folder.rglob("*") if path.is_file() and path.suffix in data_files.KINDS]
    print(f"\n{name}: {len(files):,} data files, {sum(path.stat().st_size for path in files) / 1e6:,.0f} MB")
    for label in ("cold (a new worker process: its start included)", "warm"):
        if label.startswith("cold"):
            data_profile._forget_worker()
        seconds, ticker, text = await watched(lambda: provider(None))
        print(f"  {label}: {seconds * 1000:,.0f} ms, {count_tokens(text):,} tokens; {stalls(ticker)}")
    changed = next(folder.rglob("*.csv"))
    os.utime(changed, None)
    changed.write_text(changed.read_text() + "1,2024-01-01,North,1.0,1\n")
    seconds, ticker, _text = await watched(lambda: provider(None))
    print(f"  one file changed: {seconds * 1000:,.0f} ms; {stalls(ticker)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="make (or reuse) the folders here instead of a scratch folder")
    parser.add_argument("--no-big", action="store_true", help="leave out the two files of 1 GB")
    args = parser.parse_args()
    load_vocabulary()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep or scratch)
        small, large = root / "twenty", root / "two-thousand"
        if not small.exists():
            make_small_folder(small)
        if not large.exists():
            started = time.perf_counter()
            make_large_folder(large, big=not args.no_big)
            print(f"(made the folder of 2,000 files in {time.perf_counter() - started:.0f} s)")
        _seconds, idle, _ = await watched(lambda: asyncio.sleep(2))
        print(f"baseline, the idle loop for 2 s: {stalls(idle)}")
        await measure("20 files", small, "Which region had the highest revenue in the sales files?")
        await measure("2,000 files", large, "Summarise the 2024 events by region")
        print(f"\nmedian tick lateness of the idle loop: {statistics.median(idle.late) * 1000:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
