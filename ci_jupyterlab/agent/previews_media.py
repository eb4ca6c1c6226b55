"""Previews of images, videos and PDFs: what the model needs to write code for them.

Each reads only headers and metadata (a video is probed by ffmpeg, a PDF's
first page is read), using the analysis libraries when the server has them
and saying less when it does not.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

#: Video files, by suffix (GIFs are images: their frames are counted there).
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".mpg", ".mpeg", ".wmv", ".flv"})
#: Seconds ffmpeg may take to read a video's header.
PROBE_TIMEOUT = 10.0
#: Lines of a PDF's first page shown.
PDF_LINES = 5
#: Characters of one such line.
PDF_LINE_CHARS = 120


def image_preview(path: Path) -> str:
    """Format, pixel size, colour mode and frames (for an animation); "" if not an image."""
    try:
        from PIL import Image
    except ImportError:
        return _image_size_from_header(path)
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            text = f"{image.format} image, {image.width}×{image.height}, mode {image.mode}"
            if frames > 1:
                seconds = _animation_seconds(image, frames)
                text += f", animated: {frames} frames" + (f", {seconds:.1f} s" if seconds else "")
            return text
    except Exception:  # not an image Pillow reads
        return _image_size_from_header(path)


def _animation_seconds(image, frames: int) -> float:
    total = 0
    for index in range(frames):
        image.seek(index)
        total += image.info.get("duration", 0) or 0
    return total / 1000


def _image_size_from_header(path: Path) -> str:
    """Format and pixel size of PNG, GIF, JPEG and BMP images, from their headers."""
    with open(path, "rb") as handle:
        head = handle.read(32)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            width, height = struct.unpack(">II", head[16:24])
            return f"PNG image, {width}×{height}"
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return f"GIF image, {width}×{height}"
        if head[:2] == b"BM":
            width, height = struct.unpack("<ii", head[18:26])
            return f"BMP image, {width}×{abs(height)}"
        if head[:2] == b"\xff\xd8":
            return _jpeg_size(handle)
    return ""


def _jpeg_size(handle) -> str:
    """Walk JPEG segments to the frame header, which holds the size."""
    handle.seek(2)
    while True:
        marker = handle.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return "JPEG image"
        length = struct.unpack(">H", handle.read(2))[0]
        if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">xHH", handle.read(5))
            return f"JPEG image, {width}×{height}"
        handle.seek(length - 2, 1)


def ffmpeg_path() -> str | None:
    """The ffmpeg on PATH, else the one the imageio-ffmpeg wheel carries; None without either."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:
        return None


def video_preview(path: Path) -> str:
    """Duration, size, frame rate and codecs, as ffmpeg reads them from the header."""
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        return "a video (no details: ffmpeg is not installed on the server; imageio-ffmpeg brings one)"
    try:
        # ffmpeg with an input and no output describes the input on stderr, and exits 1.
        described = subprocess.run(
            [ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=PROBE_TIMEOUT
        ).stderr
    except subprocess.TimeoutExpired:
        return "a video (ffmpeg took too long to read it)"
    return describe_ffmpeg_header(described) or "a file with a video suffix that ffmpeg cannot read"


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})(?:.*?, ([\d.]+) fps)?")
_AUDIO_STREAM = re.compile(r"Stream #\S+.*?: Audio: (\w+)")


def describe_ffmpeg_header(text: str) -> str:
    """What ffmpeg's description of an input says that code needs, in one line ("" if nothing)."""
    video = _VIDEO_STREAM.search(text)
    if video is None:
        return ""
    codec, width, height, fps = video.groups()
    parts = [f"video, {width}×{height}"]
    duration = _DURATION.search(text)
    if duration:
        hours, minutes, seconds = duration.groups()
        parts.append(f"{int(hours) * 3600 + int(minutes) * 60 + float(seconds):.2f} s")
    parts.append(f"codec {codec}")
    if fps:
        parts.append(f"{float(fps):g} fps")
    audio = _AUDIO_STREAM.search(text)
    parts.append(f"audio {audio.group(1)}" if audio else "no audio")
    return ", ".join(parts)


def pdf_preview(path: Path) -> str:
    """Pages, and the first lines of text of the first page."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return "a PDF document (no details: pypdf is not installed on the server)"
    reader = PdfReader(path)
    if reader.is_encrypted:
        return "a PDF document, encrypted"
    pages = len(reader.pages)
    text = reader.pages[0].extract_text() if pages else ""
    lines = [line.strip()[:PDF_LINE_CHARS] for line in (text or "").splitlines() if line.strip()]
    head = f"PDF document, {pages} page(s)"
    if not lines:
        return f"{head}; no text on the first page (a scan? OCR with pytesseract)"
    return f"{head}; first lines:\n" + "\n".join(lines[:PDF_LINES])
