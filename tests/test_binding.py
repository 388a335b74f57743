"""Identity binding of a CCCD card to a certificate: fold_name, bind, BindingResult.

Every record source is bound through the model: a VN1 certificate signed and
verified here (ID number present), Viet Nam's real EU DCC sample, the ICAO
VDS-NC and SMART Health Card samples (decoded by their format modules), and
EU-DCC-like subjects built from the model with ICAO names (``NGUYEN`` /
``BAO<DUY``). Properties: every spelling variant of a name matches; a change
of one ID digit, of the date of birth or of the name never does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import cccdqr
from cccdqr import HealthCertificate, Reason, Sex, Subject, testing
from cccdqr.checkpoint.binding import BindingResult, bind, fold_name
from cccdqr.checkpoint.card import CardIdentity, format_card_qr, parse_card_qr

import helpers

R = Reason
CARD = parse_card_qr("001090123456||NGUYỄN VĂN AN|17051990|Nam|Phường Cát Linh, Hà Nội|25112021")


def _cert(**subject: object) -> HealthCertificate:
    fields: dict[str, object] = dict(name="Nguyễn Văn An", dob="1990-05-17",
                                     id_number="001090123456", sex=Sex.MALE)
    fields.update(subject)
    return HealthCertificate(subject=Subject(**fields),  # type: ignore[arg-type]
                             vaccinations=(helpers.dose(1),))


def _outcome(result: BindingResult) -> tuple[bool, tuple[Reason, ...], tuple[Reason, ...]]:
    return result.matched, result.reasons, result.warnings


# --- fold_name ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,folded", [
    ("ĐẶNG  Thị Ngọc ÁNH", "dang thi ngoc anh"),
    ("NGUYỄN VĂN AN", "nguyen van an"),
    ("Nguyen Van An", "nguyen van an"),
    (unicodedata.normalize("NFD", "Nguyễn Văn An"), "nguyen van an"),
    ("  Trần\tThị\u00a0\u00a0Bình \n", "tran thi binh"),
    ("ĐỖ ĐỨC ĐẠT", "do duc dat"),
    ("ÐỖ ÐỨC ÐẠT", "do duc dat"),  # Ð (eth) typed for Đ
    ("Phạm\u200bHương", "phamhuong"),  # zero-width space dropped, not a space
    ("\ufeffLý", "ly"),
    ("Ưng Ơn", "ung on"),
    ("Nguyễn-Trần O'Brien", "nguyen-tran o'brien"),  # punctuation and word order kept
    ("İsmail", "ismail"),  # casefold first: İ -> i + U+0307, then the mark goes
    ("Straße", "strasse"),
    ("", ""),
])
def test_fold_name(name: str, folded: str) -> None:
    assert fold_name(name) == folded


def test_fold_name_keeps_what_is_not_a_mark() -> None:
    assert fold_name("A B") != fold_name("AB")
    assert fold_name("Nguyễn Văn An") != fold_name("Văn Nguyễn An")
    # diacritic folding is lossy by design: Lan and Lân are the same name to bind()
    assert fold_name("Lân") == fold_name("Lan") == "lan"
    assert fold_name("NGUY\ufffdN") == "nguy\ufffdn"


def test_fold_name_type() -> None:
    with pytest.raises(TypeError):
        fold_name(b"An")  # type: ignore[arg-type]


@given(testing.names(), st.data())
def test_every_variant_folds_alike(name: str, data: st.DataObject) -> None:
    variant = data.draw(testing.name_variants(name))
    assert fold_name(variant) == fold_name(name)
    assert fold_name(fold_name(name)) == fold_name(name)  # idempotent


def test_name_variants_needs_a_word() -> None:
    with pytest.raises(ValueError):
        testing.name_variants("  ")


# --- bind: examples ---------------------------------------------------------------------------

def test_vn1_match() -> None:
    assert _outcome(bind(CARD, _cert())) == (True, (), ())


def test_vn1_signed_and_verified_then_bound() -> None:
    text = helpers.issue(helpers.certificate())
    result = cccdqr.verify(text, helpers.TRUST, now=helpers.NOW)
    assert result.valid and result.certificate is not None
    card = parse_card_qr(
        "001090123456|012345678|NGUYỄN VĂN AN|17051990|Nam|Đống Đa, Hà Nội|25112021\r\n")
    assert _outcome(bind(card, result.certificate)) == (True, (), ())
    other = dataclasses.replace(card, id_number="001090123457")
    assert _outcome(bind(other, result.certificate)) == (False, (R.ID_MISMATCH,), ())


def test_all_mismatches_in_order() -> None:
    cert = _cert(id_number="001090999999", dob="1990-05-18", name="Nguyễn Văn Anh")
    result = bind(CARD, cert)
    assert _outcome(result) == (False, (R.ID_MISMATCH, R.DOB_MISMATCH, R.NAME_MISMATCH), ())
    assert result.reason is R.ID_MISMATCH


@pytest.mark.parametrize("dob,outcome", [
    ("1990", (True, (), (R.DOB_PARTIAL,))),
    ("1990-05", (True, (), (R.DOB_PARTIAL,))),
    ("1990-05-17", (True, (), ())),
    ("1991", (False, (R.DOB_MISMATCH,), ())),
    ("1990-06", (False, (R.DOB_MISMATCH,), ())),
    ("1990-05-16", (False, (R.DOB_MISMATCH,), ())),
    ("1990-17-05", None),  # not a date: the model refuses it
])
def test_partial_dob(dob: str, outcome: object) -> None:
    if outcome is None:
        with pytest.raises(cccdqr.InvalidCertificate):
            _cert(dob=dob)
        return
    assert _outcome(bind(CARD, _cert(dob=dob))) == outcome


def test_no_id_number_binds_on_name_and_dob_with_a_warning() -> None:
    assert _outcome(bind(CARD, _cert(id_number=None))) == (True, (), (R.ID_NOT_CHECKED,))
    assert _outcome(bind(CARD, _cert(id_number=None, dob="1990"))) == (
        True, (), (R.ID_NOT_CHECKED, R.DOB_PARTIAL))
    assert _outcome(bind(CARD, _cert(id_number=None, name="Trần Văn An"))) == (
        False, (R.NAME_MISMATCH,), (R.ID_NOT_CHECKED,))


def _dcc_subject(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = dict(
        name="Nguyễn Bảo Duy", dob="1983-10-10", id_number=None, family_name="Nguyễn",
        given_name="Bảo Duy", family_name_icao="NGUYEN", given_name_icao="BAO<DUY")
    fields.update(changes)
    return fields


DUY = parse_card_qr("001083012345||NGUYỄN BẢO DUY|10101983|Nam||01072021")


@pytest.mark.parametrize("changes", [
    {},
    {"name": "Bảo Duy Nguyễn"},  # whole name in another order: the parts still match
    {"name": "Bao Duy Nguyen", "family_name": None, "given_name": None},  # ICAO only
    {"name": "x", "family_name": "Nguyen", "given_name": "Bao Duy",
     "family_name_icao": None, "given_name_icao": None},
    {"name": "x", "family_name": None, "given_name": None, "family_name_icao": "NGUYEN<BAO",
     "given_name_icao": "DUY"},  # the split differs, the ICAO name is the same
    {"name": "x", "family_name": None, "given_name": None, "given_name_icao": None,
     "family_name_icao": "NGUYEN<BAO<DUY"},  # family name only (DCC gn is optional)
])
def test_eu_dcc_like_names_match(changes: dict[str, object]) -> None:
    cert = _cert(**_dcc_subject(**changes))
    assert _outcome(bind(DUY, cert)) == (True, (), (R.ID_NOT_CHECKED,))


@pytest.mark.parametrize("changes", [
    {"name": "x", "family_name": None, "given_name": None, "family_name_icao": "NGUYEN",
     "given_name_icao": "BAO"},
    {"name": "x", "family_name": None, "given_name": None, "family_name_icao": "BAO<DUY",
     "given_name_icao": "NGUYEN"},  # no reordering
    {"name": "x", "family_name": "Nguyễn", "given_name": "Bảo", "family_name_icao": None,
     "given_name_icao": None},
    {"name": "x", "family_name": None, "given_name": None, "family_name_icao": "NGUYENBAODUY",
     "given_name_icao": None},
])
def test_eu_dcc_like_names_that_differ(changes: dict[str, object]) -> None:
    cert = _cert(**_dcc_subject(**changes))
    assert _outcome(bind(DUY, cert)) == (False, (R.NAME_MISMATCH,), (R.ID_NOT_CHECKED,))


def test_icao_form_of_hyphenated_and_apostrophe_names() -> None:
    card = dataclasses.replace(DUY, name="NGUYỄN-TRẦN BẢO D'UY")
    cert = _cert(**_dcc_subject(name="x", family_name=None, given_name=None,
                                family_name_icao="NGUYEN<TRAN", given_name_icao="BAO<DUY"))
    assert bind(card, cert).matched


def test_card_name_without_diacritics_matches() -> None:
    card = dataclasses.replace(DUY, name="nguyen  bao duy")
    assert bind(card, _cert(**_dcc_subject(family_name_icao=None, given_name_icao=None))).matched


def test_viet_nam_eu_dcc_sample() -> None:
    # Viet Nam's production DCC: no ID number, fn/gn with diacritics, fnt/gnt.
    # Its signing key is not public, so it is decoded without a verdict: bind only compares.
    text = helpers.shared("vectors", "vn-eu-dcc", "VN_VAC.hc1.txt").read_text("utf-8")
    seen = cccdqr.inspect(text)
    assert seen.format == "HC1" and seen.certificate is not None
    subject = seen.certificate.subject
    assert subject.id_number is None and subject.given_name_icao == "BAO<DUY"
    card = parse_card_qr(f"001083012345||NGUYỄN BẢO DUY|{subject.dob[8:10]}"
                         f"{subject.dob[5:7]}{subject.dob[:4]}|Nam||01072021")
    assert _outcome(bind(card, seen.certificate)) == (True, (), (R.ID_NOT_CHECKED,))
    older = dataclasses.replace(card, dob=card.dob - dt.timedelta(days=1))
    assert _outcome(bind(older, seen.certificate)) == (
        False, (R.DOB_MISMATCH,), (R.ID_NOT_CHECKED,))
    other = dataclasses.replace(card, name="NGUYỄN BẢO DUYÊN")
    assert _outcome(bind(other, seen.certificate)) == (
        False, (R.NAME_MISMATCH,), (R.ID_NOT_CHECKED,))


def test_vds_nc_sample() -> None:
    # ICAO name "CITIZEN  JANE CATHERINE" (double space between the identifiers)
    text = helpers.shared("vectors", "vds-nc", "au_pov_valid.json").read_text("utf-8")
    seen = cccdqr.inspect(text)
    assert seen.certificate is not None
    subject = seen.certificate.subject
    year, month, day = (int(p) for p in subject.dob.split("-"))
    card = CardIdentity(id_number=f"001{1 if subject.sex is Sex.FEMALE else 0}{year % 100:02d}"
                        "012345", old_id=None, name="CITIZEN JANE CATHERINE",
                        dob=dt.date(year, month, day), sex=subject.sex, address=None,
                        issue_date=dt.date(2021, 1, 1))
    assert _outcome(bind(card, seen.certificate)) == (True, (), (R.ID_NOT_CHECKED,))
    assert not bind(dataclasses.replace(card, name="CITIZEN JANE"), seen.certificate).matched


def test_smart_health_card_sample() -> None:
    path = helpers.shared("vectors", "shc", "spec-examples",
                          "example-00-f-qr-code-numeric-value-0.txt")
    seen = cccdqr.inspect(path.read_text("utf-8").strip())
    assert seen.format == "SHC" and seen.certificate is not None
    subject = seen.certificate.subject
    assert subject.family_name is not None and subject.given_name is not None
    card = CardIdentity(id_number="001051012345", old_id=None,
                        name=f"{subject.family_name} {subject.given_name}".upper(),
                        dob=dt.date.fromisoformat(subject.dob), sex=Sex.MALE, address=None,
                        issue_date=dt.date(2021, 1, 1))
    assert _outcome(bind(card, seen.certificate)) == (True, (), (R.ID_NOT_CHECKED,))


def test_damaged_card_name_never_matches() -> None:
    damaged = parse_card_qr(format_card_qr(CARD).encode().replace("Ễ".encode(), b"\xff"))
    assert damaged.damaged
    assert _outcome(bind(damaged, _cert())) == (False, (R.NAME_MISMATCH,), ())
    # not even a certificate carrying the same damage
    assert not bind(damaged, _cert(name=damaged.name)).matched
    icao = _cert(**_dcc_subject(name="x", family_name=None, given_name=None,
                                family_name_icao="NGUY<N<VAN", given_name_icao="AN",
                                dob="1990-05-17"))
    assert not bind(damaged, icao).matched


def test_a_name_that_folds_to_nothing_never_matches() -> None:
    card = dataclasses.replace(CARD, name="\u0301")
    assert not bind(card, _cert(name="\u0301")).matched


def test_sex_is_not_compared() -> None:
    # the CCCD number carries the sex; the card parser and VN1 verify check it
    assert bind(CARD, _cert(sex=Sex.FEMALE)).matched


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        bind("001090123456||...", _cert())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bind(CARD, _cert().subject)  # type: ignore[arg-type]


def test_to_dict_and_messages() -> None:
    result = bind(CARD, _cert(id_number=None, dob="1991"))
    assert result.to_dict() == {
        "matched": False, "reasons": ["DOB_MISMATCH"], "warnings": ["ID_NOT_CHECKED"],
        "messages": {"en": result.message("en"), "vi": result.message("vi")}}
    assert result.message("en").endswith(R.DOB_MISMATCH.message("en"))
    assert result.message("vi").endswith(R.DOB_MISMATCH.message("vi"))
    good = bind(CARD, _cert())
    assert good.to_dict()["matched"] is True and good.reason is None
    assert good.message("en") != good.message("vi")
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


# --- bind: properties -------------------------------------------------------------------------

def _subject_for(card: CardIdentity, name: str, **changes: object) -> HealthCertificate:
    fields: dict[str, object] = dict(name=name.replace("\t", " "), dob=card.dob.isoformat(),
                                     id_number=card.id_number, sex=card.sex)
    fields.update(changes)
    return HealthCertificate(subject=Subject(**fields),  # type: ignore[arg-type]
                             vaccinations=(helpers.dose(1),))


def _icao(words: list[str]) -> str:
    return "<".join(fold_name(w).upper() for w in words)


@given(testing.card_identities(), st.data())
def test_every_spelling_of_the_name_matches(card: CardIdentity, data: st.DataObject) -> None:
    on_card = data.draw(testing.name_variants(card.name))
    on_cert = data.draw(testing.name_variants(card.name))
    card = dataclasses.replace(card, name=on_card)
    assert _outcome(bind(card, _subject_for(card, on_cert))) == (True, (), ())


@given(testing.card_identities(), st.data())
def test_eu_dcc_like_subjects_match_every_spelling(card: CardIdentity,
                                                   data: st.DataObject) -> None:
    words = card.name.split()
    cert = _subject_for(card, "placeholder", id_number=None, family_name=words[0],
                        given_name=" ".join(words[1:]) or None,
                        family_name_icao=_icao(words[:1]),
                        given_name_icao=_icao(words[1:]) or None)
    shown = dataclasses.replace(card, name=data.draw(testing.name_variants(card.name)))
    assert _outcome(bind(shown, cert)) == (True, (), (R.ID_NOT_CHECKED,))
    icao_only = dataclasses.replace(cert.subject, family_name=None, given_name=None)
    assert bind(shown, cert.replace(subject=icao_only)).matched


@given(testing.card_identities(), st.integers(0, 11), st.integers(1, 9))
def test_one_changed_id_digit_never_matches(card: CardIdentity, i: int, step: int) -> None:
    number = card.id_number
    changed = number[:i] + str((int(number[i]) + step) % 10) + number[i + 1:]
    result = bind(card, _subject_for(card, card.name, id_number=changed))
    assert _outcome(result) == (False, (R.ID_MISMATCH,), ())


@given(testing.card_identities(), st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
       st.sampled_from((4, 7, 10)))
def test_another_dob_never_matches(card: CardIdentity, other: dt.date, precision: int) -> None:
    dob = other.isoformat()[:precision]
    assume(not card.dob.isoformat().startswith(dob))
    result = bind(card, _subject_for(card, card.name, dob=dob))
    assert _outcome(result) == (False, (R.DOB_MISMATCH,), ())


@given(testing.card_identities(), st.sampled_from((4, 7, 10)))
def test_dob_at_each_precision_matches(card: CardIdentity, precision: int) -> None:
    result = bind(card, _subject_for(card, card.name, dob=card.dob.isoformat()[:precision]))
    assert _outcome(result) == (True, (), (R.DOB_PARTIAL,) if precision < 10 else ())


@given(testing.card_identities(), testing.names())
def test_another_name_never_matches(card: CardIdentity, other: str) -> None:
    assume(fold_name(other) != fold_name(card.name))
    words = other.split()
    cert = _subject_for(card, other, family_name=words[0], given_name=" ".join(words[1:]),
                        family_name_icao=_icao(words[:1]), given_name_icao=_icao(words[1:]))
    assert _outcome(bind(card, cert)) == (False, (R.NAME_MISMATCH,), ())


@given(testing.card_identities(), testing.subjects())
def test_to_dict_holds_no_personal_data(card: CardIdentity, subject: Subject) -> None:
    cert = HealthCertificate(subject=subject, vaccinations=(helpers.dose(1),))
    text = json.dumps(bind(card, cert).to_dict(), ensure_ascii=False)
    for value in (card.id_number, subject.id_number, card.name, subject.name,
                  card.dob.isoformat(), subject.dob, card.dob.strftime("%d%m%Y")):
        assert value is None or value not in text
