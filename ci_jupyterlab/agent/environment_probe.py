"""What the kernel has: its analysis libraries, the OS programs they call, a CJK font for charts.

This file's source is sent to the kernel as it is and run silently
(``environment.environment_probe``), so it must stand alone: standard library
only (matplotlib is used when the kernel has it), nothing left in the user's
namespace. It runs with ``NAMES`` (distributions to look up), ``KNOWN`` (the
kernel fingerprints the server already has answers for) and ``CJK`` (a language code,
"zh", "ja" or "ko", when the request is written in one, else None), and
prints one line of JSON.

Versions are read from the installed metadata, nothing is imported, so the
probe costs a few milliseconds; while the fingerprint is one the server
knows (same process, no package installed since) it answers only
``{"key": ..., "same": true}``.
"""

import importlib.metadata
import json
import os
import re
import shutil
import socket
import sys

#: The OS programs the analysis stack calls, by the library that needs them.
PROGRAMS = {"dot": "graphviz", "ffmpeg": "moviepy", "tesseract": "pytesseract"}

#: Font files with CJK glyphs, best first: sans before serif, pan-CJK before one language.
CJK_FONT_PATTERNS = (
    r"NotoSansCJK",
    r"SourceHanSans",
    r"NotoSans(SC|TC|HK|JP|KR)-",
    r"wqy-?(zenhei|microhei)",
    r"DroidSansFallback",
    r"NotoSerifCJK",
    r"SourceHanSerif",
    r"(ipag|ipaexg|TakaoGothic|VL-Gothic)",
    r"(NanumGothic|UnDotum)",
    r"(ukai|uming)",
)
#: Font weights a chart's text should not be drawn in.
_NOT_REGULAR = re.compile(r"(Bold|Black|Heavy|Light|Thin|Medium|DemiLight|ExtraLight|SemiBold)", re.I)


def fingerprint():
    """This process (of this machine), and when a package folder last changed: an install changes it."""
    times = [os.stat(path).st_mtime for path in sys.path if path and os.path.isdir(path)]
    return f"{socket.gethostname()}:{os.getpid()}:{max(times, default=0):.3f}"


def versions(names):
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except Exception:
            found[name] = None
    return found


def programs():
    """Each program's path, or None; ffmpeg also from the imageio-ffmpeg wheel, which carries one."""
    found = {name: shutil.which(name) for name in PROGRAMS}
    if found["ffmpeg"] is None:
        try:
            import imageio_ffmpeg

            found["ffmpeg"] = imageio_ffmpeg.get_ffmpeg_exe()
        except Exception:
            pass
    return found


def choose_cjk_font(paths):
    """The font file charts should use for CJK text, or None: the best pattern, regular weight first."""
    for pattern in CJK_FONT_PATTERNS:
        matching = [path for path in paths if re.search(pattern, os.path.basename(path), re.I)]
        if matching:
            regular = [path for path in matching if not _NOT_REGULAR.search(os.path.basename(path))]
            return sorted(regular or matching)[0]
    return None


def use_cjk_font():
    """Point matplotlib at an installed CJK font; what was done, for the model."""
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:
        return {"status": "no-matplotlib"}
    path = choose_cjk_font(font_manager.findSystemFonts())
    if path is None:
        return {"status": "no-font"}
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    if path not in known:  # installed after matplotlib cached its font list
        font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    sans = [name for name in matplotlib.rcParams["font.sans-serif"] if name != family]
    matplotlib.rcParams["font.sans-serif"] = [family, *sans]
    # Some CJK fonts lack the Unicode minus sign: axis ticks would show boxes for negatives.
    matplotlib.rcParams["axes.unicode_minus"] = False
    return {"status": "set", "family": family}


def report(names, known, cjk):
    key = fingerprint()
    answer = (
        {"key": key, "same": True}
        if key in known
        else {
            "key": key,
            "python": sys.version.split()[0],
            "versions": versions(names),
            "programs": programs(),
        }
    )
    if cjk:
        answer["cjk"] = use_cjk_font()
    return answer


if __name__ == "__ci_environment__":
    print(json.dumps(report(NAMES, KNOWN, CJK)))  # noqa: F821 (set by the caller)
