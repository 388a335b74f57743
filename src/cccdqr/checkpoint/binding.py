"""Identity binding: does this certificate belong to the person whose card is shown?

A checkpoint scans the CCCD card's own QR (:func:`cccdqr.checkpoint.card.parse_card_qr`)
and the certificate's QR (verified with :func:`cccdqr.verify`), then calls
:func:`bind`. The certificate must be verified first: ``bind`` only compares.

They match when the ID numbers are equal, the dates of birth are equal (at the
certificate's precision), and the names are equal after :func:`fold_name`.
Formats without an ID number (EU DCC, SMART Health Cards, VDS-NC) bind on name
and date of birth only, with the warning ``ID_NOT_CHECKED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cccdqr.checkpoint.card import CardIdentity
from cccdqr.core.model import HealthCertificate, Subject, parse_dob
from cccdqr.core.names import fold_name
from cccdqr.core.reasons import Lang, Reason


__all__ = ["BindingResult", "bind", "fold_name"]

_REPLACEMENT = "\ufffd"
_ICAO_DROP = str.maketrans("", "", "'\u2019")


def _icao_form(name: str) -> str:
    """A name folded to ICAO 9303 letters: ``A-Z``, ``0-9`` and single spaces
    (apostrophes dropped, every other character a space, as ``<`` fills)."""
    folded = fold_name(name).upper().translate(_ICAO_DROP)
    return " ".join("".join(ch if ("A" <= ch <= "Z" or "0" <= ch <= "9") else " "
                            for ch in folded).split())


@dataclass(frozen=True, slots=True, kw_only=True)
class BindingResult:
    """The outcome of :func:`bind`. ``reasons`` lists every mismatch, in the
    order ID, date of birth, name; ``warnings`` what the match leaves out
    (``ID_NOT_CHECKED``, ``DOB_PARTIAL``). It holds no personal data."""

    matched: bool
    reasons: tuple[Reason, ...] = ()
    warnings: tuple[Reason, ...] = ()

    @property
    def reason(self) -> Reason | None:
        """The first mismatch, or ``None`` when matched."""
        return self.reasons[0] if self.reasons else None

    def message(self, lang: Lang = "en") -> str:
        """The outcome and its first mismatch as one line for staff."""
        if self.matched:
            return "Card and certificate match" if lang == "en" else "Thẻ và chứng nhận khớp"
        head = "Card and certificate do not match" if lang == "en" \
            else "Thẻ và chứng nhận không khớp"
        return f"{head}: {self.reasons[0].message(lang)}" if self.reasons else head

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (no name, date of birth or ID number: safe to log)."""
        return {
            "matched": self.matched,
            "reasons": [r.value for r in self.reasons],
            "warnings": [w.value for w in self.warnings],
            "messages": {"en": self.message("en"), "vi": self.message("vi")},
        }


def bind(card: CardIdentity, certificate: HealthCertificate) -> BindingResult:
    """Compare a card (from :func:`~cccdqr.checkpoint.card.parse_card_qr`) with a verified
    certificate of any format.

    - **ID**: equal, else ``ID_MISMATCH``; a certificate without one gives the
      warning ``ID_NOT_CHECKED`` and binds on the name and date of birth.
    - **Date of birth**: equal, else ``DOB_MISMATCH``. A partial certificate
      date (``1990``, ``1990-05``) is compared at its own precision and, when
      it matches, gives the warning ``DOB_PARTIAL``.
    - **Name**: the card's name matches when :func:`fold_name` gives the same
      form as the certificate's ``name``, or as ``family_name + " " +
      given_name``, or when its ICAO form (``A-Z`` and spaces) equals
      ``family_name_icao + " " + given_name_icao`` with ``<`` read as a
      space; else ``NAME_MISMATCH``. A name holding U+FFFD (damaged by a
      scanner) or folding to nothing never matches.

    Sex is not compared: a CCCD number already encodes it (the card parser and
    VN1 verification check it), and the other formats may not carry it.
    """
    if not isinstance(card, CardIdentity):
        raise TypeError(f"card must be a CardIdentity, not {type(card).__name__}")
    if not isinstance(certificate, HealthCertificate):
        raise TypeError(f"certificate must be a HealthCertificate, not {type(certificate).__name__}")
    subject = certificate.subject
    reasons: list[Reason] = []
    warnings: list[Reason] = []

    if subject.id_number is None:
        warnings.append(Reason.ID_NOT_CHECKED)
    elif subject.id_number != card.id_number:
        reasons.append(Reason.ID_MISMATCH)

    year, month, day = parse_dob(subject.dob)
    card_parts = (card.dob.year, card.dob.month, card.dob.day)
    known = tuple(p for p in (year, month, day) if p is not None)
    if known != card_parts[:len(known)]:
        reasons.append(Reason.DOB_MISMATCH)
    elif len(known) < 3:
        warnings.append(Reason.DOB_PARTIAL)

    if not _names_match(card.name, subject):
        reasons.append(Reason.NAME_MISMATCH)

    return BindingResult(matched=not reasons, reasons=tuple(reasons), warnings=tuple(warnings))


def _names_match(card_name: str, subject: Subject) -> bool:
    if _REPLACEMENT in card_name:
        return False
    plain = fold_name(card_name)
    if not plain:
        return False
    written = [subject.name]
    parts = [p for p in (subject.family_name, subject.given_name) if p is not None]
    if parts:
        written.append(" ".join(parts))
    if any(_REPLACEMENT not in w and fold_name(w) == plain for w in written):
        return True
    icao_parts = [p for p in (subject.family_name_icao, subject.given_name_icao) if p is not None]
    if icao_parts:
        icao = " ".join(" ".join(icao_parts).replace("<", " ").split())
        return bool(icao) and icao == _icao_form(card_name)
    return False
