"""cccdqr.decide: genuine, meets the rules, and this person's — all three, in that order."""

from __future__ import annotations

import datetime as dt

import pytest

import cccdqr
from cccdqr import Reason, Status

import helpers
from helpers import NOW

CARD = cccdqr.parse_card_qr(f"{helpers.ID_NUMBER}||{helpers.NAME}|17051990|Nam|Hà Nội|01012022")
OTHER = cccdqr.parse_card_qr("001303004567||Trần Thị Bình|11022003|Nữ|Hà Nội|01012022")
STRICT = cccdqr.Policy.default().merged('[vaccination.products]\naccepted = ["EU/1/21/1618"]\n')


def _result(**options: object) -> cccdqr.VerificationResult:
    return helpers.verify(helpers.issue(), **options)


def test_all_three_hold() -> None:
    result = _result(policy=cccdqr.Policy.default())
    decision = cccdqr.decide(result, cccdqr.bind(CARD, result.certificate))  # type: ignore[arg-type]
    assert decision.passes and decision.status is Status.VALID and decision.reasons == ()
    assert decision.message("en") == "Valid"


def test_without_policy_or_card_it_is_the_verification() -> None:
    result = _result()
    decision = cccdqr.decide(result)
    assert decision.passes and decision.warnings == result.warnings
    expired = helpers.verify(helpers.issue(), now=NOW + dt.timedelta(days=400))
    assert cccdqr.decide(expired).reasons == (Reason.EXPIRED,)


def test_a_genuine_code_that_fails_the_rules() -> None:
    decision = cccdqr.decide(_result(policy=STRICT))
    assert decision.reasons == (Reason.POLICY_NOT_MET,) and decision.status is Status.INVALID
    assert "rules" in decision.message("en") and decision.result.valid


def test_someone_elses_genuine_code() -> None:
    result = _result()
    decision = cccdqr.decide(result, cccdqr.bind(OTHER, result.certificate))  # type: ignore[arg-type]
    assert decision.reasons == (Reason.ID_MISMATCH, Reason.DOB_MISMATCH, Reason.NAME_MISMATCH)
    assert decision.status is Status.INVALID


def test_order_verification_then_policy_then_binding() -> None:
    result = _result(policy=STRICT)
    decision = cccdqr.decide(result, cccdqr.bind(OTHER, result.certificate))  # type: ignore[arg-type]
    assert decision.reasons[:2] == (Reason.POLICY_NOT_MET, Reason.ID_MISMATCH)


def test_a_forged_code_ignores_the_card() -> None:
    forged = helpers.verify(helpers.issue()[:-4] + "AAAA")
    decision = cccdqr.decide(forged, cccdqr.bind(OTHER, helpers.certificate()))
    assert decision.reasons == forged.reasons and not decision.passes


def test_cannot_check_stays_cannot_check() -> None:
    unknown = helpers.verify(helpers.issue(), trust_store=cccdqr.TrustStore())
    assert cccdqr.decide(unknown).status is Status.CANNOT_CHECK


def test_to_dict_has_no_personal_data() -> None:
    result = _result(policy=cccdqr.Policy.default())
    text = str(cccdqr.decide(result, cccdqr.bind(CARD, result.certificate)).to_dict())  # type: ignore[arg-type]
    for personal in (helpers.NAME, helpers.ID_NUMBER, "1990-05-17"):
        assert personal not in text


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        cccdqr.decide("VN1:...")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cccdqr.decide(_result(), "match")  # type: ignore[arg-type]
