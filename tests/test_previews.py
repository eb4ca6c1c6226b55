"""Previews of every kind of attachment the original's launch tasks used: what the model is told."""

from __future__ import annotations

import sqlite3
import subprocess
import zipfile

import pytest

from ci_jupyterlab.agent.previews import preview_file
from ci_jupyterlab.agent.previews_media import describe_ffmpeg_header, ffmpeg_path


def test_a_zip_lists_its_members_and_previews_its_tables(tmp_path):
    import pandas as pd

    book = tmp_path / "book.xlsx"
    pd.DataFrame({"city": ["Oslo", "Lima"], "people": [709_000, 10_000_000]}).to_excel(book, index=False)
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        archive.writestr("orders.csv", "order_id,amount\n1,9.5\n2,12.0\n3,7.25\n")
        archive.writestr("notes/readme.txt", "hello")
        archive.write(book, "cities.xlsx")
    text = preview_file(tmp_path / "data.zip")
    assert "zip archive, 3 members: orders.csv" in text and "notes/readme.txt" in text
    assert "member orders.csv: table, 3 rows × 2 columns" in text and "amount (float64)" in text
    assert "member cities.xlsx: Excel workbook, 1 sheet(s)" in text and "Lima" in text


def test_an_excel_preview_names_every_sheet_before_the_details(tmp_path):
    import pandas as pd

    wide = pd.DataFrame({f"column_{i}": range(3) for i in range(40)})
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        for name in ("first", "second", "third", "fourth"):
            wide.to_excel(writer, sheet_name=name, index=False)
    text = preview_file(tmp_path / "book.xlsx")
    head = text.split("\n")[0]
    for name in ("first", "second", "third", "fourth"):  # each is named, though the details are cut
        assert f"'{name}' (3 rows × 40 columns)" in head
    assert text.endswith("…")


def test_images_give_format_size_mode_and_frames(tmp_path):
    from PIL import Image

    Image.new("RGBA", (40, 30)).save(tmp_path / "logo.png")
    assert "PNG image, 40×30, mode RGBA" in preview_file(tmp_path / "logo.png")
    Image.new("L", (8, 6)).save(tmp_path / "scan.jpg")
    assert "JPEG image, 8×6, mode L" in preview_file(tmp_path / "scan.jpg")
    frames = [Image.new("RGB", (16, 16), color) for color in ("red", "green", "blue")]
    frames[0].save(tmp_path / "spin.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert "GIF image, 16×16, mode P, animated: 3 frames, 0.3 s" in preview_file(tmp_path / "spin.gif")


def test_a_video_gives_duration_size_frame_rate_and_codec(tmp_path):
    ffmpeg = ffmpeg_path()
    assert ffmpeg, "imageio-ffmpeg (the analysis extra) carries an ffmpeg"
    video = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10"]
        + ["-pix_fmt", "yuv420p", str(video)],
        check=True,
    )
    text = preview_file(video)
    assert "video, 64×48, 1.00 s, codec h264, 10 fps, no audio" in text, text


def test_ffmpeg_headers_of_other_containers_are_read():
    header = (
        "Input #0, matroska,webm, from 'talk.webm':\n  Duration: 01:02:03.50, start: 0.000000, bitrate: 1 kb/s\n"
        "  Stream #0:0(eng): Video: vp9 (Profile 0), yuv420p(tv, bt709), 1280x720, SAR 1:1 DAR 16:9, 29.97 fps, 1k tbn\n"
        "  Stream #0:1(eng): Audio: opus, 48000 Hz, stereo, fltp (default)\n"
    )
    assert describe_ffmpeg_header(header) == "video, 1280×720, 3723.50 s, codec vp9, 29.97 fps, audio opus"
    assert describe_ffmpeg_header("clip.mp4: Invalid data found when processing input") == ""


def test_a_pdf_gives_pages_and_its_first_lines(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    matplotlib.rcParams["pdf.fonttype"] = 42  # text a reader can extract
    with PdfPages(tmp_path / "report.pdf") as pdf:
        for page in (1, 2):
            figure = Figure()
            figure.text(0.1, 0.8, f"Quarterly report page {page}")
            pdf.savefig(figure)
    text = preview_file(tmp_path / "report.pdf")
    assert "PDF document, 2 page(s); first lines:\nQuarterly report page 1" in text


def test_a_parquet_file_gives_its_schema_and_rows(tmp_path):
    import pandas as pd

    pd.DataFrame({"id": range(250), "score": [0.5] * 250, "name": ["x"] * 250}).to_parquet(tmp_path / "t.parquet")
    text = preview_file(tmp_path / "t.parquet")
    assert "Parquet table, 250 rows × 3 columns" in text
    assert "columns: id (int64), score (double), name (" in text


def test_a_sqlite_database_gives_tables_columns_and_row_counts(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute('CREATE TABLE "order lines" (order_id INTEGER, amount REAL)')
        db.executemany("INSERT INTO customers (name) VALUES (?)", [("a",), ("b",), ("c",)])
    db.close()
    text = preview_file(path)
    assert "SQLite database, 2 table(s)" in text
    assert "table 'customers': 3 rows; columns: id INTEGER, name TEXT" in text
    assert "table 'order lines': 0 rows; columns: order_id INTEGER, amount REAL" in text


@pytest.mark.parametrize("name", ["clip.mp4", "report.pdf", "t.parquet"])
def test_a_damaged_file_is_said_not_raised(tmp_path, name):
    (tmp_path / name).write_bytes(b"not what the suffix says" * 10)
    text = preview_file(tmp_path / name)
    assert text.startswith(f"{name}") and ("could not be read" in text or "cannot read" in text), text
