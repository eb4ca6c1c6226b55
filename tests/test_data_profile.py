"""The data profile: the data files next to the notebook, described before the model plans."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as parquet
import pytest
from conftest import answer, collect

from ci_jupyterlab.agent.data_files import SAMPLE_BYTES, profile_file
from ci_jupyterlab.agent.data_profile import DataProfile
from ci_jupyterlab.agent.notebook_view import NotebookSnapshot, ViewCell
from ci_jupyterlab.agent.tokens import count_tokens


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sales.csv").write_text(
        "date,region,revenue\n2024-01-05,North,120.5\n2024-01-06,,99\n2024-01-07,South,NA\n"
    )
    (tmp_path / "visits.tsv").write_text("day\tvisits\nMon\t12\nTue\t15\n")
    (tmp_path / "events.jsonl").write_text("\n".join(json.dumps({"user": f"u{i}", "clicks": i}) for i in range(5)))
    (tmp_path / "config.json").write_text(
        json.dumps({"items": [{"sku": "A1", "price": 2.5}, {"sku": "B2", "price": None}]})
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    for row in [("team", "amount"), ("ops", 1200), ("data", 3400)]:
        sheet.append(row)
    workbook.save(tmp_path / "budget.xlsx")
    with sqlite3.connect(tmp_path / "shop.sqlite") as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT, qty INTEGER)")
        connection.executemany("INSERT INTO orders (item, qty) VALUES (?, ?)", [("pen", 2), ("ink", None), ("pad", 1)])
    table = pa.table({"station": ["a", "b", None], "temp": [1.5, None, 3.0]})
    parquet.write_table(table, tmp_path / "weather.parquet")
    feather.write_feather(table, tmp_path / "weather.feather")
    return tmp_path


def columns_of(path: Path) -> dict:
    [table] = profile_file(path).tables
    return {column.name: (column.dtype, column.missing, column.examples) for column in table.columns}


def test_each_kind_of_data_file_is_profiled(folder):
    assert columns_of(folder / "sales.csv") == {
        "date": ("date", 0, ["2024-01-05", "2024-01-06", "2024-01-07"]),
        "region": ("text", 1, ["North", "South"]),
        "revenue": ("float", 1, ["120.5", "99"]),
    }
    assert profile_file(folder / "sales.csv").tables[0].rows == 3
    assert columns_of(folder / "visits.tsv")["visits"][0] == "int"
    assert columns_of(folder / "events.jsonl") == {
        "user": ("text", 0, ["u0", "u1", "u2"]),
        "clicks": ("int", 0, ["0", "1", "2"]),
    }
    [items] = profile_file(folder / "config.json").tables
    assert items.name == "config.json['items']" and items.rows == 2 and items.columns[1].missing == 1
    [budget] = profile_file(folder / "budget.xlsx").tables
    assert (budget.name, budget.rows, [c.dtype for c in budget.columns]) == ("Budget", 2, ["text", "int"])
    [orders] = profile_file(folder / "shop.sqlite").tables
    assert orders.name == "orders" and [c.name for c in orders.columns] == ["id", "item", "qty"]
    assert orders.columns[2].missing == 1
    assert columns_of(folder / "weather.parquet") == {
        "station": ("string", 1, ["min a", "max b"]),
        "temp": ("double", 1, ["min 1.5", "max 3.0"]),
    }
    assert columns_of(folder / "weather.feather")["temp"] == ("double", 1, ["1.5", "None", "3.0"])


def test_a_big_file_is_sampled_and_its_rows_estimated(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,value\n" + "".join(f"{i},{i * 0.5}\n" for i in range(200_000)))
    [table] = profile_file(path).tables
    assert table.estimated and 100_000 < table.rows < 400_000  # from the bytes per row of the first 64 kB
    assert table.looked_at < 200_000 and path.stat().st_size > 10 * SAMPLE_BYTES


def test_a_file_is_read_again_only_once_it_changed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    first = profile_file(path)
    assert profile_file(path) is first
    path.write_text("x,y\n1,2\n3,4\n")
    assert [c.name for c in profile_file(path).tables[0].columns] == ["x", "y"]


def test_unreadable_files_are_listed_with_why(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    profile = profile_file(tmp_path / "broken.parquet")
    assert profile.note.startswith("could not be read")
    text = DataProfile(tmp_path, tmp_path).describe()
    assert "broken.parquet (Parquet, 18 bytes): could not be read" in text


def test_the_profile_ranks_by_the_request_and_keeps_to_its_budget(folder):
    for index in range(40):
        (folder / f"other_{index:02}.csv").write_text("a,b,c,d,e\n1,2,3,4,5\n")
    text = DataProfile(folder, folder, "Which region had the highest revenue?", budget=300).describe()
    assert count_tokens(text) <= 300
    lines = text.splitlines()
    assert lines[1].startswith("- sales.csv (CSV")  # its columns match the request's words
    assert lines[-1].startswith("Other data files (")


def test_files_the_notebook_already_read_and_attached_ones_are_skipped(folder):
    notebook = NotebookSnapshot([ViewCell("c1", "code", "df = pd.read_csv('sales.csv')", 1)])
    text = DataProfile(folder, folder, "plot it", notebook, attached=["budget.xlsx"]).describe()
    assert "- sales.csv" not in text and "budget.xlsx" not in text
    assert "Already read by the notebook's code (see the kernel's variables) (1): sales.csv" in text


def test_paths_the_request_names_are_found_below_the_folder_but_never_outside_the_root(tmp_path):
    deep = tmp_path / "root" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "deep.csv").write_text("k\n1\n")
    (tmp_path / "outside.csv").write_text("secret\n1\n")
    root = tmp_path / "root"
    text = DataProfile(root, root, "Read a/b/c/deep.csv and ../outside.csv").describe()
    assert "- a/b/c/deep.csv (CSV" in text and "outside" not in text


@pytest.mark.asyncio
async def test_the_profile_reaches_the_model_redacted(folder, llm_server, settings, kernel, make_agent):
    (folder / "keys.csv").write_text("service,token\nbilling,sk-live-0123456789abcdefghijklmnopqrstuv\n")
    llm_server.enqueue(answer("The files hold sales and keys."))
    agent = make_agent(settings, kernel)
    provider = DataProfile(folder, folder, "What do the sales say?")
    events = [event async for event in agent.run("What do the sales say?", context=[provider])]
    assert events
    sent = llm_server.chat_requests[0]["messages"][-1]["content"]
    assert "- sales.csv (CSV, 7" in sent and "bytes, 3 rows, 3 columns)" in sent
    assert "revenue: float, 1 empty of 3 seen, e.g. 120.5, 99" in sent
    assert "sk-live-0123456789" not in sent and "[redacted]" in sent


@pytest.mark.asyncio
async def test_no_data_files_no_profile(tmp_path, llm_server, settings, kernel, make_agent):
    llm_server.enqueue(answer("Nothing to read."))
    await collect(make_agent(settings, kernel), "Hi")
    assert await DataProfile(tmp_path, tmp_path)(kernel) == ""
