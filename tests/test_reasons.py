"""Reason codes: messages, stable values, classes, and a producing input for every one.

The coverage table at the bottom maps every member of ``Reason`` to a function
that builds an input for which ``verify`` reports it. A new reason without such
an input fails ``test_every_reason_has_a_producing_input``. The native format's
cases are here; each other area (a format, revocation, the card and binding)
keeps its cases in ``tests/reason_cases/<area>.py`` as ``COVERAGE``, merged below.
A case whose reason comes from another API than ``verify`` (``bind``, the card
parser) sets ``Case.check`` to the call that gives ``(reasons, warnings)``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import zlib
from typing import Any

import cbor2
import pytest

import cccdqr
from cccdqr import Limits, Reason, Status, testkeys
from cccdqr.wire.base45 import b45encode
from cccdqr.formats import native

import helpers
import reason_cases
from helpers import ED25519, ES256, NOW, claims, record_map, signed_code
from reason_cases import Case, Producer, run

# Values published so far. They are printed for staff and stored in logs, so
# none may ever be renamed or removed (new ones are appended).
PUBLISHED = [
    "EMPTY_INPUT", "INPUT_TOO_LARGE", "NOT_TEXT", "UNKNOWN_FORMAT", "BAD_BASE45",
    "BAD_COMPRESSION", "DECOMPRESSED_TOO_LARGE", "BAD_COSE", "CBOR_TOO_DEEP",
    "CBOR_TOO_MANY_ITEMS", "DUPLICATE_KEY", "TRAILING_DATA", "ALG_NOT_ALLOWED", "MISSING_KID",
    "KID_CONFLICT", "UNKNOWN_KID", "ALG_KEY_MISMATCH", "KEY_OUTSIDE_VALIDITY", "BAD_SIGNATURE",
    "BAD_CLAIMS", "BAD_RECORD", "UNSUPPORTED_VERSION", "ISSUER_MISMATCH",
    "RECORD_TYPE_NOT_ALLOWED", "NOT_YET_VALID", "EXPIRED", "CCCD_FORMAT",
    "CCCD_UNKNOWN_PROVINCE", "CCCD_CENTURY_MISMATCH", "CCCD_BIRTH_YEAR_MISMATCH",
    "CCCD_SEX_MISMATCH", "INTERNAL_ERROR", "REVOCATION_NOT_CHECKED",
]

CANNOT_CHECK = {Reason.UNKNOWN_KID, Reason.UNSUPPORTED_VERSION, Reason.INTERNAL_ERROR}
WARNINGS = {Reason.REVOCATION_NOT_CHECKED}


# --- messages and values ------------------------------------------------------------------

@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.name)
def test_messages_in_english_and_vietnamese(reason: Reason) -> None:
    en, vi = reason.message("en"), reason.message("vi")
    assert en.strip() and vi.strip()
    assert en != vi
    assert reason.message() == en
    assert en.isascii()  # the English table has no stray Vietnamese
    assert not vi.isascii()  # Vietnamese uses diacritics


def test_messages_are_distinct() -> None:
    for lang in ("en", "vi"):
        messages = [r.message(lang) for r in Reason]  # type: ignore[arg-type]
        assert len(set(messages)) == len(messages), lang


def test_status_messages() -> None:
    en = [s.message("en") for s in Status]
    vi = [s.message("vi") for s in Status]
    assert len(set(en)) == len(set(vi)) == 3
    assert set(en).isdisjoint(vi)
    assert Status.VALID.message("vi") == "Hợp lệ"


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.name)
def test_values_are_stable_strings_equal_to_names(reason: Reason) -> None:
    assert isinstance(reason.value, str)
    assert reason.value == reason.name
    assert Reason(reason.value) is reason


def test_published_values_are_never_renamed() -> None:
    values = {r.value for r in Reason}
    missing = [v for v in PUBLISHED if v not in values]
    assert not missing
    assert [r.value for r in Reason][:len(PUBLISHED)] == PUBLISHED  # new ones are appended


def test_status_values() -> None:
    assert [s.value for s in Status] == ["VALID", "INVALID", "CANNOT_CHECK"]


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.name)
def test_warnings_and_statuses(reason: Reason) -> None:
    if reason.is_warning:
        assert reason.status is None
    else:
        assert reason.status in (Status.INVALID, Status.CANNOT_CHECK)
    if reason in WARNINGS:
        assert reason.is_warning
    elif reason in CANNOT_CHECK:
        assert reason.status is Status.CANNOT_CHECK
    elif reason.value in PUBLISHED:
        assert reason.status is Status.INVALID  # proven bad


def test_no_reason_is_valid() -> None:
    assert all(r.status is not Status.VALID for r in Reason)


# --- the coverage table -------------------------------------------------------------------



def _issued(**kwargs: Any) -> str:
    return helpers.issue(**kwargs)


def _record(record: Any, **named: Any) -> str:
    return signed_code(claims(record=record, **named))


def _subject(update: dict[Any, Any]) -> str:
    return _record(record_map(subject=helpers.subject_map(update)))


def _bad_signature(_: pytest.MonkeyPatch) -> Case:
    obj = cbor2.loads(helpers.raw_sign1(_issued()))
    obj.value[3] = bytes(64)
    return Case(native.wrap(cbor2.dumps(obj)))


def _internal_error(monkeypatch: pytest.MonkeyPatch) -> Case:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")
    monkeypatch.setattr(importlib.import_module("cccdqr.engine.verify"), "check_cccd_number", boom)
    return Case(_issued())


def _nested(depth: int) -> Any:
    value: Any = [0]
    for _ in range(depth - 1):
        value = [value]
    return value


def _zlib_bomb(_: pytest.MonkeyPatch) -> Case:
    text = "VN1:" + b45encode(zlib.compress(b"\0" * 10_000_000, 9))
    return Case(text, options={"limits": Limits(max_input_chars=len(text))})


COVERAGE: dict[Reason, Producer] = {
    Reason.EMPTY_INPUT: lambda _: Case(" \r\n"),
    Reason.INPUT_TOO_LARGE: lambda _: Case("VN1:" + "A" * 9000),
    Reason.NOT_TEXT: lambda _: Case(b"VN1:\xff\xfe"),
    Reason.UNKNOWN_FORMAT: lambda _: Case("hello"),
    Reason.BAD_BASE45: lambda _: Case("VN1:abc"),
    Reason.BAD_COMPRESSION: lambda _: Case(helpers.b45(
        zlib.compress(helpers.raw_sign1(_issued()), 9)[:-8])),
    Reason.DECOMPRESSED_TOO_LARGE: _zlib_bomb,
    Reason.BAD_COSE: lambda _: Case(helpers.b45(b"\xd2" + cbor2.dumps([b"", {}, b""]))),
    Reason.CBOR_TOO_DEEP: lambda _: Case(signed_code(
        claims(), unprotected={99: _nested(20)})),
    Reason.CBOR_TOO_MANY_ITEMS: lambda _: Case(signed_code(claims(), unprotected={99: [0] * 5000})),
    Reason.DUPLICATE_KEY: lambda _: Case(native.wrap(helpers.sign1(
        cbor2.dumps(claims()),
        protected_bytes=b"\xa3\x01\x26\x04\x48" + ES256.kid + b"\x04\x48" + ES256.kid))),
    Reason.TRAILING_DATA: lambda _: Case(helpers.b45(helpers.raw_sign1(_issued()) + b"\0")),
    Reason.ALG_NOT_ALLOWED: lambda _: Case(signed_code(claims(), helpers.rsa_key())),
    Reason.MISSING_KID: lambda _: Case(signed_code(claims(), protected={1: -7},
                                                   unprotected={4: ES256.kid})),
    Reason.KID_CONFLICT: lambda _: Case(signed_code(claims(), unprotected={4: ED25519.kid})),
    Reason.UNKNOWN_KID: lambda _: Case(_issued(), trust=helpers.trust(ED25519)),
    Reason.ALG_KEY_MISMATCH: lambda _: Case(_issued(), trust=cccdqr.TrustStore([
        cccdqr.TrustedKey(kid=ES256.kid, public_key=ED25519.public_key,
                          alg=cccdqr.Algorithm.EDDSA)])),
    Reason.KEY_OUTSIDE_VALIDITY: lambda _: Case(
        _issued(), trust=helpers.trust(not_after=NOW - dt.timedelta(days=1))),
    Reason.BAD_SIGNATURE: _bad_signature,
    Reason.BAD_CLAIMS: lambda _: Case(signed_code(claims(cti=b"short"))),
    Reason.BAD_RECORD: lambda _: Case(_record(record_map({7: "new field"}))),
    Reason.UNSUPPORTED_VERSION: lambda _: Case(_record(record_map({0: 2}))),
    Reason.ISSUER_MISMATCH: lambda _: Case(cccdqr.Issuer(
        testkeys.test_es256_key(), "LA").issue(helpers.certificate(), now=NOW,
                                               valid_for=dt.timedelta(days=1))),
    Reason.RECORD_TYPE_NOT_ALLOWED: lambda _: Case(_issued(), trust=helpers.trust(
        record_types="r")),
    Reason.NOT_YET_VALID: lambda _: Case(_issued(now=NOW + dt.timedelta(hours=1))),
    Reason.EXPIRED: lambda _: Case(_issued(now=NOW - dt.timedelta(days=2),
                                           valid_for=dt.timedelta(days=1))),
    Reason.CCCD_FORMAT: lambda _: Case(_subject({1: "00109012345"})),
    Reason.CCCD_UNKNOWN_PROVINCE: lambda _: Case(_subject({1: "999090123456"})),
    Reason.CCCD_CENTURY_MISMATCH: lambda _: Case(_subject({1: "001290123456"})),
    Reason.CCCD_BIRTH_YEAR_MISMATCH: lambda _: Case(_subject({1: "001089123456"})),
    Reason.CCCD_SEX_MISMATCH: lambda _: Case(_subject({1: "001190123456"})),
    Reason.INTERNAL_ERROR: _internal_error,
    Reason.REVOCATION_NOT_CHECKED: lambda _: Case(_issued()),
}
for _area in pkgutil.iter_modules(reason_cases.__path__):
    _cases = importlib.import_module(f"reason_cases.{_area.name}").COVERAGE
    assert not set(_cases) & set(COVERAGE), f"{_area.name} repeats a reason"
    COVERAGE.update(_cases)


def test_every_reason_has_a_producing_input() -> None:
    missing = [r.name for r in Reason if r not in COVERAGE]
    assert not missing, f"add an input that produces {missing} to COVERAGE"


@pytest.mark.parametrize("reason", list(COVERAGE), ids=lambda r: r.name)
def test_reason_is_produced(reason: Reason, monkeypatch: pytest.MonkeyPatch) -> None:
    reasons, warnings = run(COVERAGE[reason](monkeypatch))
    if reason.is_warning:
        assert reason in warnings
    else:
        assert reason in reasons
        assert Reason.REVOCATION_NOT_CHECKED not in reasons


def test_coverage_cases_give_the_reason_as_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    # each case isolates its reason: it is the primary (first) one
    for reason, produce in COVERAGE.items():
        if reason.is_warning:
            continue
        with monkeypatch.context() as patch:
            case = produce(patch)
            if case.check is not None:
                continue  # not a verify() result: its own test file checks the status
            result = cccdqr.verify(case.text, case.trust, now=case.now, **case.options)
        assert result.reason is reason, (reason, result.reasons, result.detail)
        assert result.status is reason.status
        assert not result.valid
