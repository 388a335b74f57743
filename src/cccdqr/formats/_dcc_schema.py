"""The EU DCC JSON Schema (1.3.3, draft 2020-12), checked by hand.

Written from ``DCC.combined-schema.json`` (eHealth Network, schema 1.3.3), rule
by rule, so a scan costs a few dictionary look-ups instead of a general JSON
Schema engine. tests/formats/test_dcc.py checks it against a full validator on
the schema repository's own valid/invalid test files and examples.

What the schema says, and so what is checked here:

* the root is an object with ``ver``, ``nam``, ``dob`` and exactly one of
  ``v``, ``t``, ``r`` (``oneOf`` of three ``required`` sets);
* ``ver`` matches ``^\\d+.\\d+.\\d+$``; ``dob`` is empty or ``YYYY``,
  ``YYYY-MM``, ``YYYY-MM-DD`` in 1900-2099 (by pattern only);
* ``nam`` has ``fnt`` or ``gnt``; names are text of at most 80 characters and
  the transliterations match ``^[A-Z<]*$``;
* ``v``/``t``/``r`` are arrays of exactly one entry (``minItems``/``maxItems``
  1) with the required fields of their kind, all text except ``dn``/``sd``
  (integers >= 1); ``co`` contains ``[A-Z]{1,10}`` (the pattern is not anchored).

The schema does not forbid unknown properties, and ``format: date`` is an
annotation in draft 2020-12; dates are checked when the record is mapped.
Regular expressions use ASCII digits (ECMA-262 ``\\d``) and anchor with
``fullmatch`` (a trailing newline does not pass ``$``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SchemaError", "check_dgc"]

_VER = re.compile(r"[0-9]+.[0-9]+.[0-9]+")
_DOB = re.compile(r"(?:(?:19|20)[0-9][0-9](?:-[0-9][0-9]){0,2})?")
_ICAO = re.compile(r"[A-Z<]*")
_COUNTRY = re.compile(r"[A-Z]{1,10}")

_ENTRY_REQUIRED = {
    "v": ("tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"),
    "t": ("tg", "tt", "sc", "tr", "co", "is", "ci"),
    "r": ("tg", "fr", "co", "is", "df", "du", "ci"),
}
# Optional text fields and their maxLength (None = no limit), per kind.
_ENTRY_TEXT: dict[str, dict[str, int | None]] = {
    "v": {"tg": None, "vp": None, "mp": None, "ma": None, "dt": None, "is": 80, "ci": 80},
    "t": {"tg": None, "tt": None, "nm": 80, "ma": None, "sc": None, "tr": None, "tc": 80,
          "is": 80, "ci": 80},
    "r": {"tg": None, "fr": None, "is": 80, "df": None, "du": None, "ci": 80},
}
_NAME_FIELDS = (("fn", False), ("fnt", True), ("gn", False), ("gnt", True))


class SchemaError(ValueError):
    """The DGC breaks the schema; ``path`` names where (``v[0].dn``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _is_integer(value: object) -> bool:
    # JSON Schema: 1 and 1.0 are integers, true is not.
    if type(value) is int:
        return True
    return type(value) is float and value.is_integer()


def _text(obj: dict[str, Any], key: str, path: str, max_len: int | None) -> None:
    if key not in obj:
        return
    value = obj[key]
    if type(value) is not str:
        raise SchemaError(f"{path}.{key}", "must be a string")
    if max_len is not None and len(value) > max_len:
        raise SchemaError(f"{path}.{key}", f"longer than {max_len} characters")


def _name(nam: object) -> None:
    if type(nam) is not dict:
        raise SchemaError("nam", "must be an object")
    if "fnt" not in nam and "gnt" not in nam:
        raise SchemaError("nam", "needs fnt or gnt")
    for key, icao in _NAME_FIELDS:
        _text(nam, key, "nam", 80)
        if icao and key in nam and not _ICAO.fullmatch(nam[key]):
            raise SchemaError(f"nam.{key}", "must match ^[A-Z<]*$")


def _entry(kind: str, entry: object, path: str) -> None:
    if type(entry) is not dict:
        raise SchemaError(path, "must be an object")
    for key in _ENTRY_REQUIRED[kind]:
        if key not in entry:
            raise SchemaError(path, f"{key} is required")
    for key, max_len in _ENTRY_TEXT[kind].items():
        _text(entry, key, path, max_len)
    if kind == "v":
        for key in ("dn", "sd"):
            value = entry[key]
            if not _is_integer(value) or value < 1:
                raise SchemaError(f"{path}.{key}", "must be an integer >= 1")
    if "co" in entry:
        co = entry["co"]
        if type(co) is not str:
            raise SchemaError(f"{path}.co", "must be a string")
        if not _COUNTRY.search(co):
            raise SchemaError(f"{path}.co", "must contain [A-Z]{1,10}")


def check_dgc(dgc: object) -> str:
    """Check a decoded DGC against the schema; return its kind (``"v"``,
    ``"t"`` or ``"r"``) or raise :class:`SchemaError`."""
    if type(dgc) is not dict:
        raise SchemaError("", "the DGC must be an object")
    kinds = [k for k in ("v", "t", "r") if k in dgc]
    for key in ("ver", "nam", "dob"):
        if key not in dgc:
            raise SchemaError("", f"{key} is required")
    if len(kinds) != 1:
        raise SchemaError("", "exactly one of v, t, r is required")
    ver = dgc["ver"]
    if type(ver) is not str or not _VER.fullmatch(ver):
        raise SchemaError("ver", "must be a semantic version")
    _name(dgc["nam"])
    dob = dgc["dob"]
    if type(dob) is not str or not _DOB.fullmatch(dob):
        raise SchemaError("dob", "must be empty, YYYY, YYYY-MM or YYYY-MM-DD (1900-2099)")
    for kind in ("v", "t", "r"):  # every group present is checked, not only the chosen one
        if kind not in dgc:
            continue
        group = dgc[kind]
        if type(group) is not list or len(group) != 1:
            raise SchemaError(kind, "must be an array of exactly one entry")
        _entry(kind, group[0], f"{kind}[0]")
    return kinds[0]
