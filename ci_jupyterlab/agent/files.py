"""Small file helpers shared by the journal, the session store, the runner and the export."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path


def write_atomically(path: Path, text: str, mode: int = 0o666) -> None:
    """Write ``text`` to a temporary file and rename it over ``path``: a crash never leaves half a file.

    The file gets ``mode`` less the umask, as ``open()`` gives it: 0o666 for what the user
    shares as usual (notebooks, exports), 0o600 for what only they may read.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_BINARY (Windows): the newlines are Python's to translate, not the C runtime's.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def free_path(path: Path) -> Path:
    """``path``, or ``stem-1.ext``, ``stem-2.ext``... whichever does not exist yet."""
    candidate, number = path, 0
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
