"""Inputs that produce each reason code, one module per area (see tests/test_reasons.py).

Each module defines ``COVERAGE: dict[Reason, Producer]``. A producer takes
pytest's ``monkeypatch`` and returns a :class:`Case`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import cccdqr
from cccdqr import Reason

import helpers
from helpers import NOW


@dataclass
class Case:
    text: Any = None
    trust: cccdqr.TrustStore = field(default_factory=lambda: helpers.TRUST)
    now: dt.datetime = NOW
    options: dict[str, Any] = field(default_factory=dict)
    check: Callable[[], tuple[tuple[Reason, ...], tuple[Reason, ...]]] | None = None
    """For reasons another API gives (``bind``, the card parser): returns
    ``(reasons, warnings)``. ``None`` means ``verify(text, trust, now, **options)``."""


Producer = Callable[[pytest.MonkeyPatch], Case]


def run(case: Case) -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
    """The reasons and warnings a case gives."""
    if case.check is not None:
        return case.check()
    result = cccdqr.verify(case.text, case.trust, now=case.now, **case.options)
    return result.reasons, result.warnings
