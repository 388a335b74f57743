"""Reasons from the card QR parser and from identity binding (not from ``verify``).

Each case's ``check`` calls ``parse_card_qr`` or ``bind`` and returns
``(reasons, warnings)``; tests/test_card.py and tests/test_binding.py check
the rest of their behaviour.
"""

from __future__ import annotations

from collections.abc import Callable

import cccdqr
from cccdqr import Reason
from cccdqr.checkpoint.binding import bind
from cccdqr.checkpoint.card import parse_card_qr
from cccdqr.core.errors import InvalidCardQR

import helpers
from reason_cases import Case, Producer

Outcome = tuple[tuple[Reason, ...], tuple[Reason, ...]]

# Synthetic: Nguyễn Văn An, born 1990-05-17 in Hà Nội (001), male (helpers' person).
CARD = "001090123456||NGUYỄN VĂN AN|17051990|Nam|Phường Cát Linh, Hà Nội|25112021"


def _parsed(text: str) -> Callable[[], Outcome]:
    def check() -> Outcome:
        try:
            parse_card_qr(text)
        except InvalidCardQR as error:
            return (error.reason,), ()
        return (), ()
    return check


def _bound(**subject: object) -> Callable[[], Outcome]:
    def check() -> Outcome:
        card = parse_card_qr(CARD)
        result = bind(card, helpers.certificate(1, **subject))
        assert result.matched is not bool(result.reasons)
        return result.reasons, result.warnings
    return check


def _case(check: Callable[[], Outcome]) -> Producer:
    return lambda _: Case(check=check)


COVERAGE: dict[Reason, Producer] = {
    Reason.CARD_FIELD_COUNT: _case(_parsed(CARD.rsplit("|", 1)[0])),
    Reason.CARD_BAD_DATE: _case(_parsed(CARD.replace("17051990", "31021990"))),
    Reason.CARD_BAD_ID: _case(_parsed(CARD.replace("001090", "001190"))),  # female digit
    Reason.ID_MISMATCH: _case(_bound(id_number="001090654321")),
    Reason.DOB_MISMATCH: _case(_bound(dob="1990-05-18")),
    Reason.NAME_MISMATCH: _case(_bound(name="Nguyễn Văn Anh")),
    Reason.ID_NOT_CHECKED: _case(_bound(id_number=None)),
    Reason.DOB_PARTIAL: _case(_bound(dob="1990-05")),
}

assert all(r.status is cccdqr.Status.INVALID for r in COVERAGE if not r.is_warning)
