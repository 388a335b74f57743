"""REVOKED and REVOCATION_STALE: a VN1 code checked against a real revocation list file.

Producers get only ``monkeypatch``, so each list lives in its own ``tempfile``
directory, removed when the list object is collected.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import weakref
from pathlib import Path

import pytest

from cccdqr import Reason
from cccdqr.trust.revocation import RevocationList

import helpers
from helpers import CTI, NOW
from reason_cases import Case, Producer


def _list(*ids: tuple[str, bytes], updated: dt.datetime, valid_for: dt.timedelta) -> RevocationList:
    """A read-only list holding ``ids``, marked complete at ``updated``."""
    folder = tempfile.mkdtemp(prefix="cccdqr-revocation-")
    path = Path(folder) / "revoked.sqlite"
    with RevocationList.open(path, create=True) as writer:
        writer.add_many(ids)
        writer.mark_updated(updated, valid_for=valid_for)
    reader = RevocationList.open(path)
    weakref.finalize(reader, shutil.rmtree, folder, ignore_errors=True)
    return reader


def _revoked(_: pytest.MonkeyPatch) -> Case:
    listed = _list(("cti", CTI), updated=NOW - dt.timedelta(hours=1), valid_for=dt.timedelta(days=1))
    return Case(helpers.issue(), options={"revocation": listed})


def _stale(_: pytest.MonkeyPatch) -> Case:
    # another certificate is listed; the list was last updated three days ago for one day
    listed = _list(("cti", bytes(12)), updated=NOW - dt.timedelta(days=3),
                   valid_for=dt.timedelta(days=1))
    return Case(helpers.issue(), options={"revocation": listed})


COVERAGE: dict[Reason, Producer] = {
    Reason.REVOKED: _revoked,
    Reason.REVOCATION_STALE: _stale,
}
