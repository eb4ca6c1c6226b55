"""What the model is told of the kernel's environment: which analysis libraries, which OS programs.

The model otherwise guesses ("it thinks it doesn't have folium, but it
does"). The libraries are those of this package's ``analysis`` extra; the
kernel is asked once (``environment_probe.py``, run silently) and the answer
is kept per kernel process until a package is installed into it. A request
written in Chinese, Japanese or Korean also points the kernel's matplotlib at
an installed CJK font, so chart labels render, or tells the model none is.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections import OrderedDict
from pathlib import Path

from .executors import inspect_json
from .install import requirement_name
from .tokens import count_tokens

#: Tokens the environment may take of the prompt.
ENVIRONMENT_BUDGET = 300
#: Seconds the probe may take (the first CJK request imports matplotlib and may build its font cache).
PROBE_TIMEOUT = 10.0
#: Kernels whose answers are kept.
CACHED_KERNELS = 32
#: The import name, where it is not the distribution's: the model writes imports.
IMPORT_NAMES = {
    "scikit-learn": "sklearn",
    "beautifulsoup4": "bs4",
    "pillow": "PIL",
    "opencv-python-headless": "cv2",
    "psycopg2-binary": "psycopg2",
}
#: What each OS program is, and how a Debian user gets it.
PROGRAM_PACKAGES = {"dot": "graphviz", "ffmpeg": "ffmpeg", "tesseract": "tesseract-ocr"}
CJK_FONT_PACKAGE = "fonts-noto-cjk"

_PROBE_SOURCE = (Path(__file__).parent / "environment_probe.py").read_text()
_EXTRA = re.compile(r"""extra\s*==\s*["']analysis["']""")
_CJK_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana: Japanese, even among kanji
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),  # hangul
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),  # han alone: Chinese
)
_LANGUAGE_NAMES = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean"}

#: Kernel fingerprint -> what the probe found there.
_answers: OrderedDict[str, dict] = OrderedDict()


def analysis_libraries() -> list[str]:
    """The distributions of the ``analysis`` extra, as this package's metadata lists them."""
    try:
        requires = importlib.metadata.requires("ci_jupyterlab") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [requirement_name(line.split(";")[0]) for line in requires if _EXTRA.search(line)]


def cjk_language(text: str) -> str | None:
    """ "zh", "ja" or "ko" when ``text`` is written (partly) in that language, else None."""
    for language, script in _CJK_SCRIPTS:
        if script.search(text):
            return language
    return None


def environment_probe(names: list[str], known: list[str], cjk: str | None) -> str:
    """One statement that runs the probe in the kernel and leaves no names behind."""
    given = {"__name__": "__ci_environment__", "NAMES": names, "KNOWN": known, "CJK": cjk}
    return f"exec({_PROBE_SOURCE!r}, {given!r})"


async def kernel_environment(executor, language: str | None, request: str = "") -> str:
    """What the model is told of the kernel's environment, or "" if the kernel cannot say."""
    if (language or "").lower() != "python":
        return ""
    names = analysis_libraries()
    cjk = cjk_language(request)
    found = await inspect_json(executor, environment_probe(names, list(_answers), cjk), PROBE_TIMEOUT)
    if found.get("same"):
        cached = _answers.get(found.get("key", ""))
    else:
        cached = _remember(found) if "versions" in found else None
    if cached is None:
        return ""
    return describe_environment(cached, names, found.get("cjk"), _LANGUAGE_NAMES.get(cjk or ""))


def _remember(found: dict) -> dict:
    _answers[found["key"]] = found
    while len(_answers) > CACHED_KERNELS:
        _answers.popitem(last=False)
    return found


def describe_environment(found: dict, names: list[str], cjk: dict | None = None, language: str | None = None) -> str:
    """The environment in a few lines, within ``ENVIRONMENT_BUDGET`` tokens."""
    versions = found.get("versions") or {}
    have = [name for name in names if versions.get(name)]
    missing = [name for name in names if name in versions and not versions[name]]
    lines = [f"The kernel's environment (Python {found.get('python', '?')}):"]
    programs = found.get("programs") or {}
    listed = []
    for program, package in PROGRAM_PACKAGES.items():
        path = programs.get(program)
        where = " (from imageio-ffmpeg)" if path and "imageio_ffmpeg" in path else ""
        listed.append(f"{program}{where}" if path else f"{program} missing (OS package {package})")
    if cjk is not None:
        lines.append(_cjk_line(cjk, language or "CJK"))
    tail = [f"- OS programs: {', '.join(listed)}"]
    if missing:
        tail.append(f"- not installed: {', '.join(missing)} (installing asks the user)")
    for with_versions in (True, False):
        shown = [_library(name, versions[name] if with_versions else None) for name in have]
        text = "\n".join([*lines, f"- installed: {', '.join(shown) or 'none of the analysis libraries'}", *tail])
        if count_tokens(text) <= ENVIRONMENT_BUDGET:
            return text
    return _cut(text, ENVIRONMENT_BUDGET)


def _library(name: str, version: str | None) -> str:
    """``name major.minor``: what decides the API, in few tokens (digits are a token each)."""
    imported = f" (import {IMPORT_NAMES[name]})" if name in IMPORT_NAMES else ""
    short = ".".join(version.split(".")[:2]) if version else ""
    return f"{name}{' ' + short if short else ''}{imported}"


def _cjk_line(cjk: dict, language: str) -> str:
    status = cjk.get("status")
    if status == "set":
        return f"- charts: matplotlib draws text in the CJK font {cjk.get('family')!r}, so {language} labels render."
    if status == "no-matplotlib":
        return "- charts: matplotlib is not installed."
    return (
        f"- charts: no CJK font is installed, so {language} text in matplotlib charts shows as boxes: label "
        f"charts in English, and tell the user to install one (Debian: apt-get install {CJK_FONT_PACKAGE})."
    )


def _cut(text: str, budget: int) -> str:
    """``text`` shortened line by line from the end until it fits."""
    lines = text.split("\n")
    while len(lines) > 1 and count_tokens("\n".join(lines)) > budget:
        lines.pop()
    return "\n".join(lines)
