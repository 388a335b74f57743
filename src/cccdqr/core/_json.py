"""Turn cccdqr values into JSON-ready data (dates ISO 8601, bytes hex, enums by
value), and write a document as the CLI prints it (:func:`document_text`).

Imports nothing of cccdqr; ``orjson`` when it is installed (an optional speed-up).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the fallback below writes the same text
    orjson = None  # type: ignore[assignment]

__all__ = ["document_bytes", "document_text", "jsonable"]

# Dates, dataclasses and subclasses of str and int are refused (as the json module
# refuses or writes them its own way), so they fall back to it.
_ORJSON_OPTIONS = 0 if orjson is None else (
    orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS)

_FIELDS: dict[type, tuple[str, ...]] = {}
"""Field names of each dataclass met so far (``dataclasses.fields`` is slow)."""
_PLAIN = frozenset({str, int, bool, float, type(None)})


def jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELDS.get(kind)
    if names is not None:
        return {name: jsonable(getattr(value, name)) for name in names}
    if kind is tuple or kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return int(value) if isinstance(value, int) else value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return {name: jsonable(getattr(value, name)) for name in names}
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    return value


def document_text(doc: Any) -> str:
    """``doc`` as indented JSON (two spaces, non-ASCII as is), without a final
    newline: what ``cccdqr verify --json`` prints and ``POST /v1/verify``
    answers. With orjson installed it writes the document (~60 times faster
    than the json module's indented writer, which is pure Python); the text is
    the same, as tests/test_json_text.py checks, for the values documents hold
    (no floats: the model has none). What orjson refuses (a lone surrogate
    from a JSON escape, an integer over 64 bits) goes to the json module."""
    if orjson is not None:
        try:
            return orjson.dumps(doc, option=_ORJSON_OPTIONS).decode("utf-8")
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(doc, ensure_ascii=False, indent=2)


def document_bytes(doc: Any) -> bytes:
    """:func:`document_text` and a newline, as UTF-8 (what the CLI writes to a
    UTF-8 stdout); text that is not valid Unicode is replaced, so encoding
    never fails."""
    return (document_text(doc) + "\n").encode("utf-8", "replace")
