"""The QR printed on the chip CCCD card itself: plain, unsigned, pipe-separated text.

Grammar (UTF-8, one line, no header, no checksum)::

    ID | old ID | full name | DOB ddmmyyyy | sex | address | issue date ddmmyyyy [| extra ...]

e.g. ``038095012345||NGUYỄN VĂN A|15081995|Nam|P. Cát Linh, ...|25112021``.
The card QR is **not signed**: anyone can print one. It tells a checkpoint
what the card in front of it claims, so that :func:`cccdqr.checkpoint.binding.bind` can
compare it with a signed certificate; it proves nothing by itself.

:func:`parse_card_qr` is lenient where scanners and card generations differ
and strict where a wrong value would bind the wrong person; see
``docs/identity.md`` for every decision.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from cccdqr.core.errors import InvalidCardQR, InvalidCertificate
from cccdqr.core.identity import check_cccd_number
from cccdqr.core.model import Sex
from cccdqr.core.names import fold_name
from cccdqr.core.reasons import Reason

__all__ = [
    "MAX_CARD_QR_CHARS",
    "CardIdentity",
    "format_card_qr",
    "parse_card_qr",
]

MAX_CARD_QR_CHARS = 4096
"""Longest card QR text accepted (a QR holds at most 2,953 bytes)."""

_MAX_BYTES = 4 * MAX_CARD_QR_CHARS
_FIELDS = 7
_SEPARATOR = "|"
_REPLACEMENT = "\ufffd"
_DATE = re.compile(r"[0-9]{8}")  # ASCII digits only
_DAMAGED_NU = re.compile(r"n\ufffd+")  # "Nữ" after a keyboard-wedge scanner: N + U+FFFD...
_MIN_YEAR = 1900  # the CCCD number encodes births from 1900 on
_SEX_WORDS = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}
_FIELD_NAMES = ("ID number", "old ID number", "name", "date of birth", "sex", "address",
                "issue date")


@dataclass(frozen=True, slots=True, kw_only=True)
class CardIdentity:
    """What a CCCD card's own QR says (unverified: the card QR is not signed).

    Text fields are NFC with surrounding whitespace removed; an empty old ID
    number, sex or address is ``None``. ``extra`` holds the fields after the
    seventh, uninterpreted (the 2024 card may add some), never ending with an
    empty one. Construction normalises text the same way the parser does, so
    ``parse_card_qr(format_card_qr(card)) == card``.
    """

    id_number: str
    old_id: str | None
    name: str
    dob: dt.date
    sex: Sex | None
    address: str | None
    issue_date: dt.date
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (isinstance(self.id_number, str) and len(self.id_number) == 12
                and self.id_number.isascii() and self.id_number.isdigit()):
            raise InvalidCertificate("id_number must be exactly 12 ASCII digits")
        name = _clean(self.name, "name")
        if not name:
            raise InvalidCertificate("name must not be empty")
        object.__setattr__(self, "name", name)
        for part in ("old_id", "address"):
            value = getattr(self, part)
            if value is not None:
                object.__setattr__(self, part, _clean(value, part) or None)
        for part in ("dob", "issue_date"):
            value = getattr(self, part)
            if type(value) is not dt.date or value.year < _MIN_YEAR:
                raise InvalidCertificate(f"{part} must be a datetime.date from {_MIN_YEAR} on")
        if self.dob > self.issue_date:
            raise InvalidCertificate("dob is after issue_date")
        if self.sex is not None and not isinstance(self.sex, Sex):
            raise InvalidCertificate("sex must be a Sex or None")
        if not isinstance(self.extra, tuple):
            raise InvalidCertificate("extra must be a tuple of str")
        extra = [_clean(value, "extra") for value in self.extra]
        while extra and not extra[-1]:
            extra.pop()
        object.__setattr__(self, "extra", tuple(extra))

    @property
    def damaged(self) -> bool:
        """True when a text field holds U+FFFD, the mark a scanner leaves where
        it could not read UTF-8 (``Nguy�n``). Such a name never matches a
        certificate: rescan with a scanner that keeps UTF-8."""
        texts = (self.old_id or "", self.name, self.address or "", *self.extra)
        return any(_REPLACEMENT in text for text in texts)


def _clean(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidCertificate(f"{what} must be text")
    if _SEPARATOR in value:
        raise InvalidCertificate(f"{what} must not contain the separator '|'")
    return unicodedata.normalize("NFC", value).strip()


def format_card_qr(card: CardIdentity) -> str:
    """The card QR text for ``card``: the inverse of :func:`parse_card_qr`.

    Dates are ``ddmmyyyy``, sex ``Nam``/``Nữ`` (empty when unknown), an absent
    old ID or address an empty field. Useful to make test cards; a real card's
    QR is printed by the Ministry of Public Security.
    """
    fields = (
        card.id_number,
        card.old_id or "",
        card.name,
        card.dob.strftime("%d%m%Y"),
        _SEX_WORDS[card.sex] if card.sex is not None else "",
        card.address or "",
        card.issue_date.strftime("%d%m%Y"),
        *card.extra,
    )
    return _SEPARATOR.join(fields)


def parse_card_qr(text: str | bytes, *, allow_unlisted_province: bool = False) -> CardIdentity:
    """Read the text of a CCCD card's QR into a :class:`CardIdentity`.

    ``bytes`` are decoded as UTF-8; bytes that are not UTF-8 become U+FFFD, as
    a keyboard-wedge scanner would have shown them (see
    :attr:`CardIdentity.damaged`). Tolerated: surrounding whitespace (of the
    whole text and of each field), a leading BOM, an empty old ID, empty
    trailing fields after the seventh, decomposed Unicode (normalised to NFC),
    extra fields (kept raw).

    Raises :class:`~cccdqr.core.errors.InvalidCardQR` with ``.reason``, checked in
    this order:

    - ``CARD_FIELD_COUNT``: fewer than 7 fields, more than
      :data:`MAX_CARD_QR_CHARS` characters, an empty name, or a sex field that
      is neither ``Nam`` nor ``Nữ``;
    - ``CARD_BAD_DATE``: a date of birth or issue date that is not a real
      ``ddmmyyyy`` date from 1900 on, or a birth after the issue date;
    - ``CARD_BAD_ID``: an ID number that breaks a CCCD rule, including one
      that disagrees with the card's own date of birth or sex (``.causes``
      holds the ``CCCD_*`` reasons). Province codes outside the 63 shipped are
      refused unless ``allow_unlisted_province``.

    The exception's detail names the field, never its value (safe to log).
    Any other input never raises anything else; a wrong type is ``TypeError``.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if len(data) > _MAX_BYTES:
            raise InvalidCardQR(Reason.CARD_FIELD_COUNT, "longer than any card QR")
        text = data.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        raise TypeError(f"card QR text must be str or bytes, not {type(text).__name__}")
    if len(text) > MAX_CARD_QR_CHARS:
        raise InvalidCardQR(Reason.CARD_FIELD_COUNT, "longer than any card QR")
    # Lone surrogates (a str decoded with surrogateescape) become U+FFFD too.
    text = text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", text).strip().lstrip("\ufeff").strip()

    fields = [field.strip() for field in text.split(_SEPARATOR)]
    while len(fields) > _FIELDS and not fields[-1]:
        fields.pop()
    if len(fields) < _FIELDS:
        raise InvalidCardQR(Reason.CARD_FIELD_COUNT,
                            f"{len(fields)} field(s), a card QR has at least {_FIELDS}")
    id_number, old_id, name, dob_text, sex_text, address, issued_text = fields[:_FIELDS]

    dob = _date(dob_text, 3)
    issue_date = _date(issued_text, 6)
    if dob > issue_date:
        raise InvalidCardQR(Reason.CARD_BAD_DATE, "the date of birth is after the issue date")
    sex = _sex(sex_text)
    if not name:
        raise InvalidCardQR(Reason.CARD_FIELD_COUNT, "field 3 (name) is empty")

    problems = check_cccd_number(id_number, dob=dob.isoformat(), sex=sex,
                                 allow_unlisted_province=allow_unlisted_province)
    if problems:
        rules = ", ".join(p.value for p in problems)
        raise InvalidCardQR(Reason.CARD_BAD_ID, f"field 1 (ID number) breaks {rules}", problems)

    return CardIdentity(id_number=id_number, old_id=old_id or None, name=name, dob=dob,
                        sex=sex, address=address or None, issue_date=issue_date,
                        extra=tuple(fields[_FIELDS:]))


def _date(text: str, index: int) -> dt.date:
    what = f"field {index + 1} ({_FIELD_NAMES[index]})"
    if not _DATE.fullmatch(text):
        raise InvalidCardQR(Reason.CARD_BAD_DATE, f"{what} is not 8 digits ddmmyyyy")
    try:
        value = dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise InvalidCardQR(Reason.CARD_BAD_DATE, f"{what} is not a real date") from None
    if value.year < _MIN_YEAR:
        raise InvalidCardQR(Reason.CARD_BAD_DATE, f"{what} is before {_MIN_YEAR}")
    return value


def _sex(text: str) -> Sex | None:
    folded = fold_name(text)
    if folded == "nam":
        return Sex.MALE
    if folded == "nu" or _DAMAGED_NU.fullmatch(folded):
        return Sex.FEMALE
    if not folded:
        return None
    raise InvalidCardQR(Reason.CARD_FIELD_COUNT, "field 5 (sex) is neither Nam nor Nữ")
