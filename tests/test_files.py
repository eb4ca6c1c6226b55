"""Previews of attached files, and the files a step writes."""

from __future__ import annotations

import json
import struct
import threading
import zipfile
import zlib

import pytest

from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.file_watch import FileWatchingExecutor
from ci_jupyterlab.agent.feedback import feedback_for_model
from ci_jupyterlab.agent.previews import human_size, preview_file


def write_png(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_csv_preview_has_shape_columns_dtypes_and_rows(tmp_path):
    data = tmp_path / "sales.csv"
    data.write_text("month,region,revenue\n" + "".join(f"{m},north,{m * 10.5}\n" for m in range(1, 13)))
    text = preview_file(data)
    assert text.startswith("sales.csv (")
    assert "12 rows × 3 columns" in text
    assert "month (int64), region (object" in text or "month (int64), region (str" in text
    assert "revenue (float64)" in text
    assert "10.5" in text and "126.0" not in text  # first rows only


def test_tsv_json_zip_image_and_other_previews(tmp_path):
    (tmp_path / "t.tsv").write_text("a\tb\n1\t2\n")
    assert "1 rows × 2 columns" in preview_file(tmp_path / "t.tsv")
    (tmp_path / "d.json").write_text(json.dumps({"items": [{"id": 1}, {"id": 2}], "total": 2}))
    assert "JSON, object {items: list of 2 of object with 1 keys, total: int}" in preview_file(tmp_path / "d.json")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("inner/x.csv", "a,b\n")
    assert "zip archive, 1 members: inner/x.csv" in preview_file(tmp_path / "a.zip")
    write_png(tmp_path / "p.png", 40, 30)
    assert "PNG image, 40×30" in preview_file(tmp_path / "p.png")
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" * 100)
    assert "blob.bin (300 bytes): a file of type" in preview_file(tmp_path / "blob.bin")


def test_excel_preview_lists_every_sheet(tmp_path):
    import pandas as pd

    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"region": ["north", "south"], "revenue": [1.5, 2.5]}).to_excel(
            writer, sheet_name="sales", index=False
        )
        pd.DataFrame({"id": [1]}).to_excel(writer, sheet_name="ids", index=False)
    text = preview_file(tmp_path / "book.xlsx")
    assert "Excel workbook, 2 sheet(s): 'sales' (2 rows × 2 columns), 'ids' (1 rows × 1 columns)" in text
    assert "sheet 'sales': columns:" in text and "revenue (float64)" in text and "north" in text


def test_an_unreadable_file_is_said_not_raised(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    assert "could not be read (JSONDecodeError" in preview_file(tmp_path / "bad.json")


def test_human_size():
    assert [human_size(n) for n in (999, 1500, 2_500_000, 3_000_000_000)] == ["999 bytes", "1.5 kB", "2.5 MB", "3.0 GB"]


@pytest.fixture
def kernel_cwd(tmp_path):
    return tmp_path / "work"


@pytest.fixture(autouse=True)
def workdir(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "existing.txt").write_text("old")
    (tmp_path / "work" / "analysis.ipynb").write_text("{}")


@pytest.mark.asyncio
async def test_files_a_step_writes_are_reported_relative_to_the_root(kernel, tmp_path):
    watcher = FileWatchingExecutor(kernel, tmp_path / "work", tmp_path, ignore={"analysis.ipynb"})
    code = (
        "import pandas as pd\npd.DataFrame({'a': [1]}).to_csv('out.csv')\n"
        "open('existing.txt', 'w').write('new!')\nopen('analysis.ipynb', 'w').write('{ }')"
    )
    result = await watcher.run(RunCell("c", code, 1, 1, None, 30))
    assert result.files == [
        {"path": "work/existing.txt", "size": 4, "change": "modified"},
        {"path": "work/out.csv", "size": result.files[1]["size"], "change": "created"},
    ]
    assert "[files written]\nwork/existing.txt (modified, 4 bytes), work/out.csv (created" in feedback_for_model(result)
    quiet = await watcher.run(RunCell("d", "x = 1", 1, 1, None, 30))
    assert quiet.files == []


@pytest.mark.asyncio
async def test_the_folder_is_scanned_off_the_event_loop(kernel, tmp_path, monkeypatch):
    from ci_jupyterlab.agent.executors import file_watch

    threads = []
    real = file_watch.snapshot

    def recording(directory):
        threads.append(threading.current_thread())
        return real(directory)

    monkeypatch.setattr(file_watch, "snapshot", recording)
    watcher = FileWatchingExecutor(kernel, tmp_path / "work", tmp_path)
    await watcher.run(RunCell("e", "open('new.txt', 'w').write('x')", 1, 1, None, 30))
    assert len(threads) == 2 and threading.main_thread() not in threads
