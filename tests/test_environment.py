"""What the model is told of the kernel's environment, asked of real kernels: libraries, OS programs, CJK fonts."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from test_enrich import require_kernel

from ci_jupyterlab.agent import environment
from ci_jupyterlab.agent.environment import (
    ENVIRONMENT_BUDGET,
    analysis_libraries,
    cjk_language,
    describe_environment,
    kernel_environment,
)
from ci_jupyterlab.agent.environment_probe import choose_cjk_font
from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.executors.kernel import KernelExecutor
from ci_jupyterlab.agent.tokens import count_tokens


class CountingProbes:
    """A real kernel whose silent lookups are kept, to see what the probe answered."""

    def __init__(self, kernel: KernelExecutor):
        self.kernel = kernel
        self.answers: list[dict] = []

    async def inspect(self, code: str, timeout: float) -> str | None:
        printed = await self.kernel.inspect(code, timeout)
        self.answers.append(json.loads(printed.splitlines()[-1]))
        return printed


async def run(kernel: KernelExecutor, code: str):
    result = await kernel.run(RunCell("t", code, 1, 1, None, 60))
    assert result.ok, result.outputs
    return result


@pytest_asyncio.fixture
async def fresh_cache(monkeypatch):
    monkeypatch.setattr(environment, "_answers", type(environment._answers)())


def test_the_libraries_are_the_analysis_extra():
    names = analysis_libraries()
    assert {"pandas", "matplotlib", "folium", "moviepy", "scikit-learn", "duckdb", "pytesseract"} <= set(names)
    assert "pytest" not in names  # the test extra is not the toolbox


@pytest.mark.asyncio
async def test_a_kernel_with_the_extra_is_described_within_the_budget_and_asked_once(kernel, fresh_cache):
    import matplotlib

    probes = CountingProbes(kernel)
    text = await kernel_environment(probes, "python", "Plot revenue by month")
    assert text.startswith("The kernel's environment (Python 3.")
    major_minor = ".".join(matplotlib.__version__.split(".")[:2])
    assert f"matplotlib {major_minor}," in text and "scikit-learn 1." in text and "(import sklearn)" in text
    assert "not installed" not in text
    assert "OS programs: dot, ffmpeg" in text and "tesseract" in text and "missing" not in text
    assert count_tokens(text) <= ENVIRONMENT_BUDGET
    assert "versions" in probes.answers[0]

    assert await kernel_environment(probes, "python", "Again") == text
    assert probes.answers[1] == {"key": probes.answers[0]["key"], "same": True}  # cached: nothing looked up

    await run(kernel, "import sys, tempfile\nsys.path.append(tempfile.mkdtemp())")  # as an install changes it
    assert await kernel_environment(probes, "python", "Again") == text
    assert "versions" in probes.answers[2]


@pytest.mark.asyncio
async def test_a_kernel_without_matplotlib_is_reported_so(tmp_path, fresh_cache):
    require_kernel("python3-pandas2")
    async with KernelExecutor("python3-pandas2", cwd=tmp_path) as bare:
        text = await kernel_environment(bare, "python", "Plot it")
    assert "- installed: numpy " in text and ", pandas 2." in text and "ffmpeg missing (OS package ffmpeg)" in text
    missing = text.split("- not installed: ")[1]
    assert "matplotlib" in missing and "folium" in missing and "(installing asks the user)" in missing
    assert count_tokens(text) <= ENVIRONMENT_BUDGET


@pytest.mark.asyncio
async def test_other_languages_and_silent_kernels_get_nothing(kernel, fresh_cache):
    assert await kernel_environment(kernel, "R", "plot") == ""

    class NoLookups:
        async def run(self, cell):
            raise AssertionError("nothing runs")

    assert await kernel_environment(NoLookups(), "python", "plot") == ""


def test_the_budget_holds_for_a_long_list():
    names = [f"a-rather-long-distribution-name-{i}" for i in range(80)]
    found = {"python": "3.12.1", "versions": dict.fromkeys(names, "10.20.30"), "programs": {}}
    text = describe_environment(found, names)
    assert count_tokens(text) <= ENVIRONMENT_BUDGET
    assert text.startswith("The kernel's environment (Python 3.12.1):")


@pytest.mark.parametrize(
    "request_text, language",
    [("按月画出收入", "zh"), ("月ごとの売上をグラフにして", "ja"), ("월별 매출을 그려줘", "ko"), ("Plot it", None)],
)
def test_the_request_language_is_told_by_its_script(request_text, language):
    assert cjk_language(request_text) == language


def test_the_cjk_font_choice_prefers_regular_sans():
    fonts = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ]
    assert choose_cjk_font(fonts) == "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    assert choose_cjk_font(fonts[1:2] + fonts[4:]) == "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    assert choose_cjk_font(fonts[:1]) is None


CHART = """
import warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig, ax = plt.subplots()
    ax.set_title("按月收入")
    ax.plot([-1, 2])
    fig.canvas.draw()
print("missing glyphs:", sum("missing from font" in str(w.message) for w in caught))
"""


@pytest.mark.asyncio
async def test_a_chinese_request_gets_a_cjk_font_and_its_chart_has_no_missing_glyphs(kernel, fresh_cache):
    text = await kernel_environment(kernel, "python", "按月画出收入")
    assert "- charts: matplotlib draws text in the CJK font 'Noto Sans CJK" in text and "Chinese labels render" in text
    assert "pandas 3." in text and count_tokens(text) <= ENVIRONMENT_BUDGET  # versions kept with the font line
    drawn = await run(kernel, CHART)
    assert drawn.outputs[-1]["text"] == "missing glyphs: 0\n"


@pytest.mark.asyncio
async def test_without_a_cjk_font_the_model_is_told_and_the_chart_would_show_boxes(kernel, fresh_cache):
    await run(kernel, "import matplotlib.font_manager as fm\nfm.findSystemFonts = lambda *args, **kwargs: []")
    text = await kernel_environment(kernel, "python", "按月画出收入")
    assert "no CJK font is installed, so Chinese text in matplotlib charts shows as boxes" in text
    assert "apt-get install fonts-noto-cjk" in text
    drawn = await run(kernel, CHART)
    assert drawn.outputs[-1]["text"] != "missing glyphs: 0\n"  # what the model was warned of
