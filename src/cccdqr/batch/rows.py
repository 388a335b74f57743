"""One batch row: its certificate and validity, or the reject it gets.

:func:`row_spec` turns a row from :func:`cccdqr.batch.inputs.iter_rows` into a
:class:`RowSpec` with :func:`cccdqr.core.specs.certificate_from_fields` and
:func:`~cccdqr.core.specs.row_valid_for`; every way a row can be wrong is a
:class:`~cccdqr.core.specs.SpecError`, which :func:`reject` writes as a
``rejects.jsonl`` object. :func:`issue_error` does the same for what the issuer
refuses after the row was read. No message quotes an ID number, a name or a
date of birth.

Floor 7: imports ``cccdqr.core`` and ``cccdqr.batch.inputs``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cccdqr.batch.inputs import BadRow
from cccdqr.core.errors import InvalidCccdNumber
from cccdqr.core.model import HealthCertificate
from cccdqr.core.reasons import Reason
from cccdqr.core.specs import RejectCode, SpecError, certificate_from_fields, row_valid_for

__all__ = ["RowSpec", "issue_error", "reject", "row_spec"]

_DIGIT_RUN = re.compile(r"[0-9]{6,}")
_MESSAGE_LIMIT = 160


@dataclass(frozen=True, slots=True)
class RowSpec:
    """What one row asks for: the certificate, and its own validity (None: the batch's)."""

    certificate: HealthCertificate
    valid_for: dt.timedelta | None


def row_spec(fields: Mapping[str, Any] | BadRow, *, format: str = "VN1") -> RowSpec:
    """The row's certificate and ``valid-for``; :class:`SpecError` when it cannot be one
    (a :class:`BadRow` is ``BAD_ROW``, field None)."""
    if isinstance(fields, BadRow):
        raise SpecError(RejectCode.BAD_ROW, None, fields.message)
    certificate = certificate_from_fields(fields, format=format)
    return RowSpec(certificate, row_valid_for(fields))


def reject(row: int, error: SpecError) -> dict[str, Any]:
    """The ``rejects.jsonl`` object for ``row``: ``row``, ``reason``, ``field``, ``message``."""
    return {"row": row, "reason": RejectCode(error.reason).value, "field": error.field,
            "message": str(error)}


def _short(text: str) -> str:
    """A message cut short, with runs of six or more digits masked."""
    text = _DIGIT_RUN.sub(lambda m: "#" * len(m[0]), " ".join(text.split()))
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT - 3] + "..."


def issue_error(exc: Exception) -> SpecError:
    """The reject for what :meth:`cccdqr.engine.issue.Issuer.issue` raised on a row:
    a CCCD number it refuses is ``BAD_ID_NUMBER`` (field ``id``), anything else
    ``CANNOT_ISSUE`` (field None). The message is the error's, cut short and with
    digit runs masked (never the number itself)."""
    if isinstance(exc, SpecError):
        return exc
    if isinstance(exc, InvalidCccdNumber):
        why = exc.reason.message("en") if isinstance(exc.reason, Reason) else "breaks a rule"
        return SpecError(RejectCode.BAD_ID_NUMBER, "id", f"id: {why}")
    if isinstance(exc, ValueError):
        return SpecError(RejectCode.CANNOT_ISSUE, None, f"cannot issue: {_short(str(exc))}")
    return SpecError(RejectCode.CANNOT_ISSUE, None,
                     f"cannot issue: {type(exc).__name__}: {_short(str(exc))}")
