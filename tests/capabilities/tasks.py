"""The launch tasks of the original Code Interpreter, as a competent model writes them.

Each task makes its small input files, says what the user asks, scripts the
model's answers (the code such a model writes: no tricks that only work
here), and says what must be true afterwards: the outputs in the notebook,
the files written. ``test_capabilities.py`` runs each through ``jupyter ci
run`` and verifies the notebook with ``jupyter ci export``.
"""

from __future__ import annotations

import sqlite3
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def run_cell(code: str) -> dict:
    return {"tool_calls": [{"name": "run_cell", "arguments": {"code": code}}]}


def ask_user(question: str, options: list[str]) -> dict:
    return {"tool_calls": [{"name": "ask_user", "arguments": {"question": question, "options": options}}]}


def answer(text: str) -> dict:
    return {"text": text}


@dataclass
class Task:
    name: str
    request: str
    make_inputs: Callable[[Path], list[str]]  # writes the inputs into a folder, returns the files to attach
    script: list[dict]
    #: Substrings of the notebook's outputs (stream text, text/plain) that must be there.
    printed: list[str] = field(default_factory=list)
    #: Mime types some output of the notebook must have.
    mime_types: list[str] = field(default_factory=list)
    #: Files the code must have written, relative to the working directory.
    written: list[str] = field(default_factory=list)
    #: Extra arguments of ``jupyter ci run``; substrings its stderr must have.
    arguments: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def _nothing(folder: Path) -> list[str]:
    return []


def _zip_of_two_csvs(folder: Path) -> list[str]:
    with zipfile.ZipFile(folder / "shop.zip", "w") as archive:
        archive.writestr("orders.csv", "order_id,customer_id,amount\n1,10,9.5\n2,11,12.0\n3,10,7.25\n4,12,3.0\n")
        archive.writestr("customers.csv", "customer_id,name\n10,Ada\n11,Grace\n12,Linus\n")
    return ["shop.zip"]


def _workbook(folder: Path) -> list[str]:
    import pandas as pd

    months = pd.DataFrame({"month": ["Jan", "Feb", "Mar", "Apr"], "revenue": [120, 135, 160, 150]})
    months.to_excel(folder / "sales.xlsx", sheet_name="2024", index=False)
    return ["sales.xlsx"]


def _logo(folder: Path) -> list[str]:
    from PIL import Image, ImageDraw

    logo = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((5, 5, 35, 25), fill=(255, 200, 0, 255))
    logo.save(folder / "logo.png")
    return ["logo.png"]


def _video(folder: Path) -> list[str]:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi"]
        + ["-i", "testsrc=duration=1:size=64x48:rate=10", "-pix_fmt", "yuv420p", str(folder / "clip.mp4")],
        check=True,
    )
    return ["clip.mp4"]


def _cities(folder: Path) -> list[str]:
    (folder / "cities.csv").write_text("city,lat,lon\nOslo,59.91,10.75\nLima,-12.05,-77.04\nOsaka,34.69,135.50\n")
    return ["cities.csv"]


def _points(folder: Path) -> list[str]:
    rows = ["x,y"] + [
        f"{x + dx},{y + dy}" for x, y in ((0, 0), (10, 10), (0, 10)) for dx, dy in ((0, 0), (1, 0), (0, 1))
    ]
    (folder / "points.csv").write_text("\n".join(rows) + "\n")
    return ["points.csv"]


def _database(folder: Path) -> list[str]:
    with sqlite3.connect(folder / "shop.db") as db:
        db.execute("CREATE TABLE sales (product TEXT, amount REAL)")
        db.executemany(
            "INSERT INTO sales VALUES (?, ?)",
            [(p, a) for p, a in zip("ABCDEFG", (50, 20, 70, 10, 40, 30, 60), strict=True)],
        )
    db.close()
    return ["shop.db"]


TASKS = [
    Task(
        "unzip_and_join",
        "Unzip shop.zip, join the orders with the customers and check the join.",
        _zip_of_two_csvs,
        [
            run_cell(
                "import zipfile\nimport pandas as pd\n"
                "with zipfile.ZipFile('shop.zip') as archive:\n    archive.extractall('shop')\n"
                "orders = pd.read_csv('shop/orders.csv')\ncustomers = pd.read_csv('shop/customers.csv')\n"
                "joined = orders.merge(customers, on='customer_id', how='left', validate='many_to_one')\n"
                "print(f'rows: {len(orders)} -> {len(joined)}, unmatched: {joined.name.isna().sum()}')\n"
                "joined.to_csv('joined.csv', index=False)\njoined"
            ),
            answer("All 4 orders matched a customer; the join kept 4 rows."),
        ],
        printed=["rows: 4 -> 4, unmatched: 0"],
        mime_types=["text/html"],
        written=["joined.csv", "shop/orders.csv"],
    ),
    Task(
        "excel_chart",
        "Plot revenue by month from sales.xlsx.",
        _workbook,
        [
            run_cell(
                "import pandas as pd\nimport matplotlib.pyplot as plt\n"
                "sales = pd.read_excel('sales.xlsx', sheet_name='2024')\n"
                "ax = sales.plot.bar(x='month', y='revenue', legend=False, title='Revenue by month')\n"
                "ax.set_ylabel('revenue')\nplt.tight_layout()\nplt.savefig('revenue.png')\nplt.show()"
            ),
            answer("March was the best month (160)."),
        ],
        mime_types=["image/png"],
        written=["revenue.png"],
    ),
    Task(
        "edit_png",
        "Give logo.png a black background, make it half the size and show it.",
        _logo,
        [
            run_cell(
                "from PIL import Image\nlogo = Image.open('logo.png').convert('RGBA')\n"
                "black = Image.new('RGBA', logo.size, 'black')\nblack.alpha_composite(logo)\n"
                "small = black.convert('RGB').resize((logo.width // 2, logo.height // 2))\n"
                "small.save('logo-black-small.png')\nprint(small.size)\nsmall"
            ),
            answer("Here it is, 20×15 on black."),
        ],
        printed=["(20, 15)"],
        mime_types=["image/png"],
        written=["logo-black-small.png"],
    ),
    Task(
        "video_to_gif",
        "Speed clip.mp4 up twice and save it as a GIF.",
        _video,
        [
            run_cell(
                "from moviepy import VideoFileClip, vfx\nfrom IPython.display import Image\n"
                "clip = VideoFileClip('clip.mp4')\nfast = clip.with_effects([vfx.MultiplySpeed(2)])\n"
                "fast.write_gif('clip-fast.gif', fps=10, logger=None)\n"
                "print(f'{clip.duration:.1f} s -> {fast.duration:.1f} s')\nImage(filename='clip-fast.gif')"
            ),
            answer("The GIF plays in half the time."),
        ],
        printed=["1.0 s -> 0.5 s"],
        mime_types=["image/gif"],
        written=["clip-fast.gif"],
    ),
    Task(
        "folium_map",
        "Put the cities of cities.csv on a map.",
        _cities,
        [
            run_cell(
                "import folium\nimport pandas as pd\ncities = pd.read_csv('cities.csv')\n"
                "m = folium.Map(location=[cities.lat.mean(), cities.lon.mean()], zoom_start=2)\n"
                "for row in cities.itertuples():\n    folium.Marker([row.lat, row.lon], popup=row.city).add_to(m)\n"
                "m.save('cities.html')\nm"
            ),
            answer("The three cities are on the map (also saved as cities.html)."),
        ],
        mime_types=["text/html"],
        written=["cities.html"],
    ),
    Task(
        "graphviz_flowchart",
        "Draw a flowchart of load, clean, analyse, report.",
        _nothing,
        [
            run_cell(
                "import graphviz\nflow = graphviz.Digraph('pipeline', graph_attr={'rankdir': 'LR'})\n"
                "for a, b in [('Load', 'Clean'), ('Clean', 'Analyse'), ('Analyse', 'Report')]:\n"
                "    flow.edge(a, b)\nflow.render('pipeline', format='png', cleanup=True)\nflow"
            ),
            answer("The flowchart is drawn and saved as pipeline.png."),
        ],
        mime_types=["image/svg+xml"],
        written=["pipeline.png"],
    ),
    Task(
        "kmeans_clusters",
        "Cluster the points in points.csv.",
        _points,
        [
            run_cell(
                "import pandas as pd\nfrom sklearn.cluster import KMeans\nimport matplotlib.pyplot as plt\n"
                "points = pd.read_csv('points.csv')\n"
                "points['cluster'] = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(points[['x', 'y']])\n"
                "print(sorted(points.cluster.value_counts().tolist()))\n"
                "points.plot.scatter(x='x', y='y', c='cluster', colormap='viridis')\nplt.show()"
            ),
            answer("Three clusters of three points each."),
        ],
        printed=["[3, 3, 3]"],
        mime_types=["image/png"],
    ),
    Task(
        "sql_top_five",
        "Which five products sell most in shop.db? Chart them.",
        _database,
        [
            run_cell(
                "import pandas as pd\nimport matplotlib.pyplot as plt\nfrom sqlalchemy import create_engine\n"
                "engine = create_engine('sqlite:///shop.db')\n"
                "top = pd.read_sql('SELECT product, SUM(amount) AS total FROM sales GROUP BY product "
                "ORDER BY total DESC LIMIT 5', engine)\n"
                "print(top['product'].tolist())\ntop.plot.bar(x='product', y='total', legend=False)\nplt.show()"
            ),
            answer("C, G, A, E and F sell most."),
        ],
        printed=["['C', 'G', 'A', 'E', 'F']"],
        mime_types=["image/png"],
    ),
    Task(
        "qr_code",
        "Make a QR code for https://example.org.",
        _nothing,
        [
            run_cell(
                "import qrcode\ncode = qrcode.make('https://example.org')\ncode.save('qr.png')\n"
                "image = code.get_image()\nprint('square:', image.width == image.height)\nimage"
            ),
            answer("Saved as qr.png."),
        ],
        printed=["square: True"],
        mime_types=["image/png"],
        written=["qr.png"],
    ),
    Task(
        "options_pause",
        "Summarise the orders in shop.zip.",
        _zip_of_two_csvs,
        [
            ask_user("Summarise by customer or by order?", ["By order", "By customer"]),
            run_cell(
                "import pandas as pd, zipfile\n"
                "orders = pd.read_csv(zipfile.ZipFile('shop.zip').open('orders.csv'))\n"
                "print(orders.groupby('customer_id').amount.sum().to_dict())"
            ),
            answer("By customer (you chose it in advance): customer 10 spent 16.75."),
        ],
        printed=["{10: 16.75, 11: 12.0, 12: 3.0}"],
        arguments=["--choose", "2"],
        stderr=["asked: Summarise by customer or by order?", 'answered with option 2, "By customer" (--choose 2)'],
    ),
    Task(
        "cell_timeout",
        "Count to a big number.",
        _nothing,
        [
            run_cell("import time\nfor _ in range(600):\n    time.sleep(0.1)"),
            run_cell("print(sum(range(10_000_000)))"),
            answer("The sum is 49999995000000; the loop that slept was interrupted."),
        ],
        printed=["49999995000000"],
        arguments=["--timeout", "3"],
        stderr=["-> timeout"],
    ),
]
