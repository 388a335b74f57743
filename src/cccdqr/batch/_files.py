"""Writing a batch's files whole or not at all: a temporary name in the same folder,
then a rename over the final one (atomic on POSIX), so a run killed at any moment
leaves each file complete or absent.

Floor 7 (a helper of ``batch``). May import the standard library only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "write_json_atomic"]


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """``path`` holds ``data`` whole, or keeps what it held. ``durable`` also flushes
    the bytes to disk before the rename (for files that say what else is done)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)  # a failed write leaves no temporary file behind
        raise


def write_json_atomic(path: Path, doc: dict[str, Any], *, durable: bool = False) -> None:
    """``doc`` as indented UTF-8 JSON, written as :func:`write_atomic` writes."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"), durable=durable)
