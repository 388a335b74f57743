"""The CCCD card's own QR: parse_card_qr, format_card_qr, CardIdentity.

Examples follow the card QR variants in the research notes (the 7-field form,
an empty old ID, the 2024 card's extra fields, U+FFFD from keyboard-wedge
scanners, the wrong 6-field form); properties cover round trips and that
nothing but InvalidCardQR (or TypeError for a wrong type) ever escapes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cccdqr import CccdqrError, InvalidCertificate, Reason, Sex, testing
from cccdqr.checkpoint.card import MAX_CARD_QR_CHARS, CardIdentity, format_card_qr, parse_card_qr
from cccdqr.core.errors import InvalidCardQR

# Synthetic people (no real person): the shape of the research file's example.
# 038 Thanh Hóa, digit 0 = 1900s male, 95 = 1995.
CARD = "038095012345||NGUYỄN VĂN A|15081995|Nam|P. Cát Linh, Đống Đa, Hà Nội|25112021"
# 001 Hà Nội, digit 1 = 1900s female, 90 = 1990, with a 9-digit old CMND.
CARD_F = "001190123456|012345678|TRẦN THỊ BÌNH|17051990|Nữ|Xã Đông Hưng, Tiên Lãng|15042021"


def _reject(text: str | bytes, **options: bool) -> InvalidCardQR:
    with pytest.raises(InvalidCardQR) as info:
        parse_card_qr(text, **options)
    return info.value


# --- the 7-field form ------------------------------------------------------------------

def test_parses_the_seven_fields() -> None:
    card = parse_card_qr(CARD)
    assert card == CardIdentity(
        id_number="038095012345", old_id=None, name="NGUYỄN VĂN A", dob=dt.date(1995, 8, 15),
        sex=Sex.MALE, address="P. Cát Linh, Đống Đa, Hà Nội", issue_date=dt.date(2021, 11, 25))
    assert card.extra == ()
    assert not card.damaged


def test_old_id_and_female() -> None:
    card = parse_card_qr(CARD_F)
    assert card.old_id == "012345678"
    assert card.sex is Sex.FEMALE
    assert card.name == "TRẦN THỊ BÌNH"
    assert card.dob == dt.date(1990, 5, 17)
    assert card.issue_date == dt.date(2021, 4, 15)


def test_old_id_of_twelve_digits_is_kept() -> None:
    assert parse_card_qr(CARD.replace("||", "|038095099999|", 1)).old_id == "038095099999"


def test_empty_address_is_none() -> None:
    text = CARD.replace("|P. Cát Linh, Đống Đa, Hà Nội|", "||")
    assert parse_card_qr(text).address is None


def test_empty_sex_is_unknown_and_not_checked_against_the_id() -> None:
    card = parse_card_qr(CARD.replace("|Nam|", "||"))
    assert card.sex is None


@pytest.mark.parametrize("word,sex", [
    ("Nam", Sex.MALE), ("NAM", Sex.MALE), ("nam", Sex.MALE),
    ("Nữ", Sex.FEMALE), ("NỮ", Sex.FEMALE), ("Nu", Sex.FEMALE),
    (unicodedata.normalize("NFD", "Nữ"), Sex.FEMALE),
    ("N\ufffd", Sex.FEMALE), ("N\ufffd\ufffd\ufffd", Sex.FEMALE),  # "Nữ" through a wedge scanner
])
def test_sex_words(word: str, sex: Sex) -> None:
    text = CARD_F if sex is Sex.FEMALE else CARD
    old = "|Nữ|" if sex is Sex.FEMALE else "|Nam|"
    assert parse_card_qr(text.replace(old, f"|{word}|")).sex is sex


# --- tolerated variants -----------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    CARD + "|",
    CARD + "||",
    CARD + "\r\n",
    "  " + CARD + " \n",
    "\ufeff" + CARD,
    " | ".join(CARD.split("|")),
    "\t" + "\t|\t".join(CARD.split("|")) + "\t",
    unicodedata.normalize("NFD", CARD),
    unicodedata.normalize("NFD", CARD) + "|\r\n",
], ids=["trailing-pipe", "two-trailing-pipes", "crlf", "spaces", "bom", "spaced-fields",
        "tabs", "nfd", "nfd-pipe-crlf"])
def test_tolerated_variants_give_the_same_card(variant: str) -> None:
    assert parse_card_qr(variant) == parse_card_qr(CARD)


def test_nfd_input_gives_nfc_fields() -> None:
    card = parse_card_qr(unicodedata.normalize("NFD", CARD))
    assert card.name == "NGUYỄN VĂN A"
    assert unicodedata.is_normalized("NFC", card.name)
    assert unicodedata.is_normalized("NFC", card.address or "")


def test_bytes_are_utf8() -> None:
    assert parse_card_qr(CARD.encode("utf-8")) == parse_card_qr(CARD)
    assert parse_card_qr(bytearray(CARD.encode("utf-8"))) == parse_card_qr(CARD)


def test_2024_card_extra_fields_are_kept_raw() -> None:
    # The 2024 card may add fields (household IDs ...): never a reason to reject.
    text = CARD + "|001065012345|Nguyễn Văn B||x"
    card = parse_card_qr(text)
    assert card.extra == ("001065012345", "Nguyễn Văn B", "", "x")
    assert card.id_number == "038095012345"
    assert parse_card_qr(text + "||") == card  # trailing separators after extras


def test_extra_fields_are_normalised_but_not_interpreted() -> None:
    card = parse_card_qr(CARD + "| " + unicodedata.normalize("NFD", "Hà Nội") + " |31022000")
    assert card.extra == ("Hà Nội", "31022000")  # an impossible "date" there is fine


# --- U+FFFD and bytes that are not UTF-8 --------------------------------------------------

def test_replacement_character_from_a_wedge_scanner_is_accepted_and_flagged() -> None:
    card = parse_card_qr(CARD.replace("NGUYỄN", "NGUY\ufffdN"))
    assert card.name == "NGUY\ufffdN VĂN A"
    assert card.damaged


def test_invalid_utf8_bytes_become_replacement_characters() -> None:
    data = CARD.encode("utf-8").replace("Ễ".encode(), b"\xff")
    card = parse_card_qr(data)
    assert card.name == "NGUY\ufffdN VĂN A"
    assert card.damaged
    assert card.id_number == "038095012345"


def test_damaged_sex_word_in_bytes() -> None:
    data = CARD_F.encode("utf-8").replace("ữ".encode(), b"\xe1\xbb")  # truncated
    assert parse_card_qr(data).sex is Sex.FEMALE


def test_lone_surrogates_become_replacement_characters() -> None:
    card = parse_card_qr(CARD.replace("A|", "A\ud800|", 1))
    assert card.damaged
    assert card.name.endswith("\ufffd")


def test_damage_in_a_number_field_is_rejected() -> None:
    assert _reject(CARD.replace("038095012345", "03809501234\ufffd")).reason is Reason.CARD_BAD_ID
    assert _reject(CARD.replace("15081995", "1508199\ufffd")).reason is Reason.CARD_BAD_DATE


# --- rejections ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "",
    "   \r\n",
    "038095012345",
    "|||||",
    CARD.rsplit("|", 1)[0],  # six fields
    # the (wrong) 6-field form without the old ID, from a published scanner doc
    "038095012345|NGUYỄN VĂN A|15081995|Nam|P. Cát Linh|25112021",
    "hello world",
])
def test_fewer_than_seven_fields(text: str) -> None:
    error = _reject(text)
    assert error.reason is Reason.CARD_FIELD_COUNT
    assert error.causes == ()


def test_six_fields_and_a_trailing_pipe_is_an_empty_issue_date() -> None:
    # trailing empty fields are only dropped beyond the seventh
    assert _reject(CARD.rsplit("|", 1)[0] + "|").reason is Reason.CARD_BAD_DATE


@pytest.mark.parametrize("dob", [
    "31022000", "29021900", "00011990", "15001990", "32011990", "15131995", "1508199",
    "150819950", "15/08/1995", "1995-08-15", "15O81995", "１５０８１９９５", "01011899", "",
])
def test_bad_date_of_birth(dob: str) -> None:
    assert _reject(CARD.replace("15081995", dob)).reason is Reason.CARD_BAD_DATE


@pytest.mark.parametrize("issued", ["31112021", "", "2511202", "25-11-2021"])
def test_bad_issue_date(issued: str) -> None:
    assert _reject(CARD.replace("25112021", issued)).reason is Reason.CARD_BAD_DATE


def test_birth_after_issue_is_a_bad_date() -> None:
    assert _reject(CARD.replace("25112021", "14081995")).reason is Reason.CARD_BAD_DATE
    assert parse_card_qr(CARD.replace("25112021", "15081995")).issue_date == dt.date(1995, 8, 15)


def test_leap_day_is_a_real_date() -> None:
    text = "001000123456||LÊ AN|29022000|Nam||01032016"  # 2000 is a leap year
    with pytest.raises(InvalidCardQR) as info:
        parse_card_qr(text)
    # 000 = 1900s male, but born 2000: the ID disagrees (CARD_BAD_ID), the date is fine
    assert info.value.reason is Reason.CARD_BAD_ID
    assert parse_card_qr(text.replace("001000", "001200")).dob == dt.date(2000, 2, 29)


@pytest.mark.parametrize("number,cause", [
    ("03809501234", Reason.CCCD_FORMAT),
    ("0380950123456", Reason.CCCD_FORMAT),
    ("03809501234X", Reason.CCCD_FORMAT),
    ("０38095012345", Reason.CCCD_FORMAT),
    ("", Reason.CCCD_FORMAT),
    ("999095012345", Reason.CCCD_UNKNOWN_PROVINCE),
    ("038295012345", Reason.CCCD_CENTURY_MISMATCH),  # 2 = 2000s, card says 1995
    ("038094012345", Reason.CCCD_BIRTH_YEAR_MISMATCH),
    ("038195012345", Reason.CCCD_SEX_MISMATCH),  # 1 = female, card says Nam
])
def test_bad_id_number(number: str, cause: Reason) -> None:
    error = _reject(CARD.replace("038095012345", number))
    assert error.reason is Reason.CARD_BAD_ID
    assert error.causes == (cause,)


def test_id_disagreeing_with_the_card_sex_is_a_bad_id() -> None:
    error = _reject(CARD.replace("|Nam|", "|Nữ|"))
    assert error.reason is Reason.CARD_BAD_ID
    assert error.causes == (Reason.CCCD_SEX_MISMATCH,)


def test_unlisted_province_when_allowed() -> None:
    text = CARD.replace("038095012345", "999095012345")
    assert parse_card_qr(text, allow_unlisted_province=True).id_number == "999095012345"


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name(name: str) -> None:
    assert _reject(CARD.replace("NGUYỄN VĂN A", name)).reason is Reason.CARD_FIELD_COUNT


@pytest.mark.parametrize("word", ["Male", "F", "1", "Nữa", "Nam Nữ", "X\ufffd"])
def test_unknown_sex_word(word: str) -> None:
    assert _reject(CARD.replace("|Nam|", f"|{word}|")).reason is Reason.CARD_FIELD_COUNT


def test_too_long() -> None:
    text = CARD + "|" + "x" * MAX_CARD_QR_CHARS
    assert _reject(text).reason is Reason.CARD_FIELD_COUNT
    assert _reject(text.encode("utf-8")).reason is Reason.CARD_FIELD_COUNT
    assert _reject(b"|" * (5 * MAX_CARD_QR_CHARS)).reason is Reason.CARD_FIELD_COUNT
    just_fits = CARD + "|" + "x" * (MAX_CARD_QR_CHARS - len(CARD) - 1)
    assert parse_card_qr(just_fits).extra == ("x" * (MAX_CARD_QR_CHARS - len(CARD) - 1),)


def test_order_of_checks() -> None:
    # field count, then dates, then sex and name, then the ID number
    broken = CARD.replace("038095012345", "1").replace("15081995", "x")
    assert _reject(broken).reason is Reason.CARD_BAD_DATE
    assert _reject(broken.replace("|Nam|", "|?|").replace("x", "15081995")).reason \
        is Reason.CARD_FIELD_COUNT


@pytest.mark.parametrize("value", [None, 42, ["a"], 3.5])
def test_wrong_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        parse_card_qr(value)  # type: ignore[arg-type]


def test_error_type_and_fields() -> None:
    error = _reject("x")
    assert isinstance(error, CccdqrError) and isinstance(error, ValueError)
    assert error.detail == str(error)
    assert Reason.CARD_FIELD_COUNT.is_warning is False


def test_details_do_not_quote_the_card() -> None:
    for text in (CARD.replace("038095012345", "038195012345"),
                 CARD.replace("15081995", "31021995"), CARD.replace("|Nam|", "|Male|")):
        detail = _reject(text).detail
        for value in ("038195012345", "31021995", "Male", "NGUYỄN"):
            assert value not in detail


# --- CardIdentity and format_card_qr -------------------------------------------------------

def test_format_card_qr() -> None:
    assert format_card_qr(parse_card_qr(CARD)) == CARD
    assert format_card_qr(parse_card_qr(CARD_F)) == CARD_F
    card = parse_card_qr(CARD.replace("|Nam|", "||"))
    assert format_card_qr(card).split("|")[4] == ""


def test_construction_normalises_like_the_parser() -> None:
    card = CardIdentity(id_number="038095012345", old_id=" ", name=" " + unicodedata.normalize(
        "NFD", "NGUYỄN VĂN A") + "\t", dob=dt.date(1995, 8, 15), sex=Sex.MALE, address="",
        issue_date=dt.date(2021, 11, 25), extra=(" a ", "", " "))
    assert card.name == "NGUYỄN VĂN A"
    assert card.old_id is None and card.address is None
    assert card.extra == ("a",)
    assert parse_card_qr(format_card_qr(card)) == card


@pytest.mark.parametrize("changes", [
    {"id_number": "12345"},
    {"id_number": 38095012345},
    {"name": ""},
    {"name": "A|B"},
    {"address": "x|y"},
    {"extra": ("a|b",)},
    {"extra": ["a"]},
    {"dob": dt.datetime(1995, 8, 15)},
    {"dob": dt.date(1899, 1, 1)},
    {"dob": dt.date(2022, 1, 1)},  # after the issue date
    {"sex": 1},
])
def test_construction_rejects_bad_fields(changes: dict[str, object]) -> None:
    fields: dict[str, object] = dict(
        id_number="038095012345", old_id=None, name="NGUYỄN VĂN A", dob=dt.date(1995, 8, 15),
        sex=Sex.MALE, address=None, issue_date=dt.date(2021, 11, 25))
    fields.update(changes)
    with pytest.raises(InvalidCertificate):
        CardIdentity(**fields)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

@given(testing.card_identities())
def test_round_trip_card_text_card(card: CardIdentity) -> None:
    assert parse_card_qr(format_card_qr(card)) == card
    assert parse_card_qr(format_card_qr(card).encode("utf-8")) == card


@given(st.data())
def test_every_variant_of_a_card_text_gives_the_card(data: st.DataObject) -> None:
    card = data.draw(testing.card_identities())
    text = data.draw(testing.card_qr_texts(cards=st.just(card)))
    assert parse_card_qr(text) == card


@pytest.mark.parametrize("reason", [Reason.CARD_FIELD_COUNT, Reason.CARD_BAD_DATE,
                                    Reason.CARD_BAD_ID], ids=lambda r: r.name)
@given(data=st.data())
def test_invalid_texts_give_their_reason(reason: Reason, data: st.DataObject) -> None:
    text = data.draw(testing.card_qr_texts(valid=False, reason=reason))
    with pytest.raises(InvalidCardQR) as info:
        parse_card_qr(text)
    assert info.value.reason is reason
    assert bool(info.value.causes) == (reason is Reason.CARD_BAD_ID)


_PIPE_TEXT = st.lists(
    st.one_of(st.text("0123456789", max_size=13), st.text("Nam Nữu\ufffd N", max_size=5),
              st.text(max_size=8)),
    max_size=10).map("|".join)


@given(st.one_of(st.text(), _PIPE_TEXT, st.binary(), _PIPE_TEXT.map(str.encode)))
def test_never_raises_anything_but_invalid_card_qr(text: str | bytes) -> None:
    try:
        card = parse_card_qr(text)
    except InvalidCardQR as error:
        assert error.reason in (Reason.CARD_FIELD_COUNT, Reason.CARD_BAD_DATE,
                                Reason.CARD_BAD_ID)
        return
    assert parse_card_qr(format_card_qr(card)) == card  # whatever parses is a sound card


@given(testing.card_identities(), st.integers(0, 11), st.integers(1, 9))
def test_changing_one_id_digit_is_caught_or_a_different_number(
        card: CardIdentity, i: int, step: int) -> None:
    digits = card.id_number
    changed = digits[:i] + str((int(digits[i]) + step) % 10) + digits[i + 1:]
    text = format_card_qr(card).replace(digits, changed, 1)
    try:
        assert parse_card_qr(text).id_number == changed
    except InvalidCardQR as error:
        assert error.reason is Reason.CARD_BAD_ID
        assert 3 <= i <= 5 or error.causes == (Reason.CCCD_UNKNOWN_PROVINCE,)
