"""Turn cccdqr values into JSON-ready data (dates ISO 8601, bytes hex, enums by value)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return int(value) if isinstance(value, int) else value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    return value
