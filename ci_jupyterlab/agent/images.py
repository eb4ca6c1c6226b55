"""The images a cell displayed, for a model that reads images: so it can check its own chart.

``c.CodeInterpreter.send_images`` is "on", "off" or "auto" (unless the model
is known not to read them: ``model_client.Capabilities``). PNG and JPEG outputs are downscaled (Pillow) to at
most ``MAX_SIDE`` pixels and sent as low-detail image parts, a fixed cost of
``tokens.IMAGE_TOKENS`` each, in one user message after the turn's results.
"""

from __future__ import annotations

import base64
import binascii
import io

#: Pixels of an image's longer side as the model gets it (OpenAI's "low" detail works at 512).
MAX_SIDE = 512
#: Images of one turn sent at most.
MAX_IMAGES = 3
_IMAGE_TYPES = ("image/png", "image/jpeg")
INTRO = "The images this cell displayed (downscaled), for you to check:"


def wants_images(mode: str, reads_images: bool | None) -> bool:
    """Whether to send a cell's images: "on", "off", or "auto": unless the model is known not to read
    them (``Capabilities.images``; not known yet: sent, and a refusal teaches it)."""
    if mode == "on":
        return True
    return mode == "auto" and reads_images is not False


def _downscaled(mime: str, data: str) -> tuple[str, str] | None:
    """The image as (mime, base64), at most ``MAX_SIDE`` pixels a side; None if it cannot be sent."""
    from PIL import Image  # late: only when an image is sent

    try:
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        if mime == "image/jpeg" or image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image.convert("RGB").save(out, "JPEG", quality=85)
            mime = "image/jpeg"
        else:
            image.save(out, "PNG", optimize=True)
    except (OSError, ValueError, binascii.Error):
        return None
    return mime, base64.b64encode(out.getvalue()).decode("ascii")


def image_parts(outputs: list[dict]) -> list[dict]:
    """Chat Completions image parts for the PNG and JPEG images among ``outputs``, at most ``MAX_IMAGES``."""
    parts = []
    for output in outputs:
        data = output.get("data") or {}
        mime = next((kind for kind in _IMAGE_TYPES if kind in data), None)
        if mime is None:
            continue
        raw = data[mime]
        sent = _downscaled(mime, "".join(raw) if isinstance(raw, list) else str(raw))
        if sent is not None:
            parts.append(
                {"type": "image_url", "image_url": {"url": f"data:{sent[0]};base64,{sent[1]}", "detail": "low"}}
            )
        if len(parts) == MAX_IMAGES:
            break
    return parts


def images_message(parts: list[dict]) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": INTRO}, *parts]}
