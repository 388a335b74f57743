"""Strategies for the CCCD card's own QR (:func:`card_qr_texts`,
:func:`card_identities`) and for spellings of one name (:func:`name_variants`).

May import :mod:`cccdqr.testing.people` and below.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import strategies as st

from cccdqr.checkpoint.card import CardIdentity, format_card_qr
from cccdqr.core.model import (
    Sex,
)
from cccdqr.core.reasons import Reason
from cccdqr.testing._shared import (
    UNIT_LETTERS,
)
from cccdqr.testing.people import (
    names,
    strip_marks,
    cccd_numbers,
)

__all__ = [
    "card_identities",
    "card_qr_texts",
    "name_variants",
]


# --- the card's own QR and name spellings -------------------------------------------

_CARD_REASONS = (Reason.CARD_FIELD_COUNT, Reason.CARD_BAD_DATE, Reason.CARD_BAD_ID)
_ADDRESSES = (
    "Phường Cát Linh, Quận Đống Đa, Hà Nội",
    "Thôn Đông, Xã Đông Hưng, Huyện Tiên Lãng, Hải Phòng",
    "123 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    "Tổ 5, Phường Tân Lợi, TP. Buôn Ma Thuột, Đắk Lắk",
)
_FREE_TEXT = st.text(UNIT_LETTERS, max_size=40)
_CARD_SEXES = st.sampled_from((Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.FEMALE, None))
_OLD_IDS = st.one_of(st.none(), st.text("0123456789", min_size=9, max_size=9),
                     st.text("0123456789", min_size=12, max_size=12))
_ADDRESS_TEXTS = st.one_of(st.none(), st.sampled_from(_ADDRESSES), _FREE_TEXT)
_EXTRAS = st.lists(st.one_of(_FREE_TEXT, st.text("0123456789", min_size=9, max_size=12)),
                   max_size=3)
_CARD_FIRST_ISSUE = dt.date(2016, 1, 1)
_CARD_LAST_ISSUE = dt.date(2025, 12, 31)


def card_identities() -> st.SearchStrategy[CardIdentity]:
    """What a CCCD card's QR holds, as :class:`cccdqr.checkpoint.card.CardIdentity`: a
    name from :func:`names` (mostly upper case, as printed), a full date of
    birth 1920-2010, sex (rarely unknown), a CCCD number consistent with both,
    an old ID number of 9 or 12 digits or none, an address or none, an issue
    date 2016-2025 not before the birth, and zero to three extra fields (the
    2024 card's additions, kept raw)."""
    return _card_identities()


@st.composite
def _card_identities(draw: st.DrawFn) -> CardIdentity:
    dob = draw(st.dates(dt.date(1920, 1, 1), dt.date(2010, 12, 31)))
    sex = draw(_CARD_SEXES)
    name = draw(names())
    if draw(st.integers(0, 3)):
        name = name.upper()
    return CardIdentity(
        id_number=draw(cccd_numbers(dob=dob.isoformat(), sex=sex)),
        old_id=draw(_OLD_IDS),
        name=name,
        dob=dob,
        sex=sex,
        address=draw(_ADDRESS_TEXTS),
        issue_date=draw(st.dates(max(dob, _CARD_FIRST_ISSUE), _CARD_LAST_ISSUE)),
        extra=tuple(draw(_EXTRAS)),
    )


def card_qr_texts(
    *,
    valid: bool = True,
    cards: st.SearchStrategy[CardIdentity] | None = None,
    reason: Reason | None = None,
) -> st.SearchStrategy[str]:
    """Texts as a scanner reads them from a CCCD card's QR.

    ``valid=True`` gives texts that :func:`cccdqr.checkpoint.card.parse_card_qr` reads
    back to exactly the card drawn from ``cards`` (default
    :func:`card_identities`), written with the variants scanners and card
    generations produce: an empty old-ID field, spaces or tabs around fields,
    surrounding whitespace and CR/LF, a leading BOM, trailing ``|``
    separators, the sex word in another case or without its diacritic
    (``NAM``, ``Nu``), and decomposed Unicode (NFD).

    ``valid=False`` gives texts (with the same harmless variants) that the
    parser rejects with ``reason`` as :attr:`InvalidCardQR.reason`
    (``CARD_FIELD_COUNT``: fewer than 7 fields, an unknown sex word or an empty
    name; ``CARD_BAD_DATE``: a date that is not a real ``ddmmyyyy`` date from
    1900 on, or a birth after the issue date; ``CARD_BAD_ID``: an ID number
    that breaks exactly one CCCD rule, the card's own DOB and sex included).
    ``reason`` defaults to any of the three.
    """
    if reason is not None and reason not in _CARD_REASONS:
        raise ValueError(f"reason must be one of {', '.join(r.name for r in _CARD_REASONS)}")
    if valid and reason is not None:
        raise ValueError("reason is only for valid=False")
    people = cards if cards is not None else card_identities()
    reasons = st.just(reason) if reason is not None else st.sampled_from(_CARD_REASONS)
    return _card_qr_text(people, valid, reasons)


_SEX_SPELLINGS = {"Nam": ("Nam", "NAM", "nam", " Nam "),
                  "Nữ": ("Nữ", "NỮ", "nữ", "Nu", "NU")}
_PADS = st.sampled_from(("", "", "", " ", "  ", "\t"))
_BAD_DATES = ("31022000", "29021900", "00011990", "15001990", "32011990", "01131990",
              "1508199", "150819950", "15/08/1995", "1995-08-15", "15O81995",
              "１５０８１９９５", "01011899", "")
_BAD_SEXES = ("Male", "F", "1", "Nữa", "Nam Nữ", "Không")


@st.composite
def _card_qr_text(draw: st.DrawFn, people: st.SearchStrategy[CardIdentity], valid: bool,
                  reasons: st.SearchStrategy[Reason]) -> str:
    card = draw(people)
    fields = format_card_qr(card).split("|")
    if fields[4]:
        fields[4] = draw(st.sampled_from(_SEX_SPELLINGS[fields[4]]))
    trailing_ok = True
    if not valid:
        reason = draw(reasons)
        if reason is Reason.CARD_FIELD_COUNT:
            how = draw(st.sampled_from(("few", "sex", "name")))
            if how == "few":
                fields = fields[:draw(st.integers(0, 6))]
                trailing_ok = False  # a trailing '|' would add a field
            elif how == "sex":
                fields[4] = draw(st.sampled_from(_BAD_SEXES))
            else:
                fields[2] = draw(st.sampled_from(("", " ")))
        elif reason is Reason.CARD_BAD_DATE:
            if draw(st.booleans()):
                fields[draw(st.sampled_from((3, 6)))] = draw(st.sampled_from(_BAD_DATES))
            else:  # born after the card was issued
                fields[3] = (card.issue_date + dt.timedelta(days=draw(st.integers(1, 400)))
                             ).strftime("%d%m%Y")
        else:
            fields[0] = draw(cccd_numbers(valid=False, dob=card.dob.isoformat(), sex=card.sex))
    text = "|".join(draw(_PADS) + f + draw(_PADS) for f in fields)
    if trailing_ok:
        text += "|" * draw(st.integers(0, 2))
    text = draw(st.sampled_from(("", "", " ", "\ufeff"))) + text
    text += draw(st.sampled_from(("", "", "\r\n", "\n", " ")))
    return unicodedata.normalize("NFD" if draw(st.booleans()) else "NFC", text)


_WORD_CASES = ("keep", "upper", "lower", "title", "swapcase")
_GAPS = st.sampled_from((" ", " ", "  ", "\t", "\u00a0", " \u00a0 "))
_EDGES = st.sampled_from(("", "", " ", "  ", "\t"))


def name_variants(name: str) -> st.SearchStrategy[str]:
    """Spellings of ``name`` that must bind as the same name: each word in
    another case (upper, lower, title, swapped) and with or without its
    diacritics (``Đ`` becoming ``D``), words joined by other whitespace (runs
    of spaces, a tab, a no-break space), spaces around, and the whole in NFC
    or NFD. ``cccdqr.checkpoint.binding.fold_name`` gives every variant the same form
    as ``name``."""
    if not isinstance(name, str) or not name.split():
        raise ValueError("name must be text with at least one word")
    return _name_variant(name)


@st.composite
def _name_variant(draw: st.DrawFn, name: str) -> str:
    words = []
    for word in name.split():
        case = draw(st.sampled_from(_WORD_CASES))
        if case != "keep":
            word = getattr(word, case)()
        if draw(st.booleans()):
            word = strip_marks(word)
        words.append(word)
    text = words[0]
    for word in words[1:]:
        text += draw(_GAPS) + word
    text = draw(_EDGES) + text + draw(_EDGES)
    return unicodedata.normalize("NFD" if draw(st.booleans()) else "NFC", text)
