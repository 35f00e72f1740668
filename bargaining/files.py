"""Files written whole or not at all: a temporary file beside the target, then renamed into place (``os.replace``
is atomic on POSIX and Windows), so a reader, a crash or a full disk never leaves a half-written file."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_whole(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``path`` by ``write(file)`` into a temporary file beside it, then rename it into place.

    Raises:
        OSError: The file cannot be written: nothing is left of the attempt, and what was at ``path`` stays.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """``write_whole`` of a UTF-8 text."""
    return write_whole(path, lambda file: file.write(text.encode("utf-8")))
