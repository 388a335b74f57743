"""Vaccine products: VN1's permanent product numbers and display names.

VN1 writes a product as a small unsigned integer when it is in ``PRODUCT_NUMBERS``
(one CBOR byte instead of a 12-character code) and as its text code otherwise.
The numbers are permanent: new products are appended, none is ever renumbered.
Codes are the EU DCC value-set codes (``vaccine-medicinal-product``), or a
national code such as ``VN-NANOCOVAX``.
"""

from __future__ import annotations

from types import MappingProxyType
from collections.abc import Mapping

__all__ = [
    "DCC_DEFAULT_PROPHYLAXIS",
    "DCC_PRODUCT_ALIASES",
    "DCC_PRODUCT_DETAILS",
    "PRODUCT_CODES",
    "PRODUCT_NAMES",
    "PRODUCT_NUMBERS",
    "dcc_product_details",
    "product_from_dcc",
    "product_name",
]

PRODUCT_NUMBERS: Mapping[int, str] = MappingProxyType({
    1: "EU/1/20/1528",   # Comirnaty (Pfizer-BioNTech)
    2: "EU/1/20/1507",   # Spikevax (Moderna)
    3: "EU/1/21/1529",   # Vaxzevria (AstraZeneca)
    4: "Covishield",     # AstraZeneca, made by the Serum Institute of India
    5: "BBIBP-CorV",     # Sinopharm "Vero Cell"
    6: "Hayat-Vax",
    7: "Sputnik-V",
    8: "Sputnik-Light",
    9: "Abdala",
    10: "EU/1/20/1525",  # Jcovden (Janssen)
    11: "CoronaVac",     # Sinovac
    12: "EU/1/21/1618",  # Nuvaxovid (Novavax)
    13: "Covaxin",
})

PRODUCT_CODES: Mapping[str, int] = MappingProxyType(
    {code: number for number, code in PRODUCT_NUMBERS.items()})

PRODUCT_NAMES: Mapping[str, str] = MappingProxyType({
    "EU/1/20/1528": "Comirnaty (Pfizer-BioNTech)",
    "EU/1/20/1507": "Spikevax (Moderna)",
    "EU/1/21/1529": "Vaxzevria (AstraZeneca)",
    "Covishield": "Covishield (AstraZeneca/SII)",
    "BBIBP-CorV": "BBIBP-CorV (Sinopharm Vero Cell)",
    "Hayat-Vax": "Hayat-Vax",
    "Sputnik-V": "Sputnik V",
    "Sputnik-Light": "Sputnik Light",
    "Abdala": "Abdala",
    "EU/1/20/1525": "Jcovden (Janssen)",
    "CoronaVac": "CoronaVac (Sinovac)",
    "EU/1/21/1618": "Nuvaxovid (Novavax)",
    "Covaxin": "Covaxin",
    "VN-NANOCOVAX": "Nanocovax (Nanogen)",
    "VN-COVIVAC": "Covivac (IVAC)",
})


def product_name(code: str) -> str:
    """A display name for a product code; the code itself when unknown."""
    return PRODUCT_NAMES.get(code, code)


# --- EU DCC ------------------------------------------------------------------------
# An EU DCC vaccination entry also names the vaccine type (``vp``, value set
# "vaccine-prophylaxis") and the marketing-authorisation holder or manufacturer
# (``ma``, value set "vaccine-mah-manf"). The model keeps only the product, so
# the issuer writes these from the product code. Codes are from the eHealth
# Network value sets (vectors/eu-dcc/valuesets/); the national products have no
# EU codes, so their holder is written as text. Any other product is written
# with ``DCC_DEFAULT_PROPHYLAXIS`` (the generic ATC code J07BX03, which Viet
# Nam's production DCCs use) and the product code as its holder.

DCC_DEFAULT_PROPHYLAXIS = "J07BX03"

_MRNA, _VECTOR, _PROTEIN, _INACTIVATED = "1119349007", "29061000087103", "1162643001", "1157024006"

DCC_PRODUCT_DETAILS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "EU/1/20/1528": (_MRNA, "ORG-100030215"),
    "EU/1/20/1507": (_MRNA, "ORG-100031184"),
    "EU/1/21/1529": (_VECTOR, "ORG-100001699"),
    "Covishield": (_VECTOR, "ORG-100001981"),
    "BBIBP-CorV": (_INACTIVATED, "ORG-100020693"),
    "Hayat-Vax": (_INACTIVATED, "ORG-100023050"),
    "Sputnik-V": (_VECTOR, "Gamaleya-Research-Institute"),
    "Sputnik-Light": (_VECTOR, "Gamaleya-Research-Institute"),
    "Abdala": (_PROTEIN, "CIGB"),
    "EU/1/20/1525": (_VECTOR, "ORG-100001417"),
    "CoronaVac": (_INACTIVATED, "Sinovac-Biotech"),
    "EU/1/21/1618": (_PROTEIN, "ORG-100032020"),
    "Covaxin": (_INACTIVATED, "Bharat-Biotech"),
    "VN-NANOCOVAX": (_PROTEIN, "Nanogen"),
    "VN-COVIVAC": (DCC_DEFAULT_PROPHYLAXIS, "IVAC"),
})
"""Product code -> (``vp``, ``ma``) for the DCC vaccination entries cccdqr issues."""

DCC_PRODUCT_ALIASES: Mapping[str, str] = MappingProxyType({
    "Inactivated-SARS-CoV-2-Vero-Cell": "BBIBP-CorV",
    "NVX-CoV2373": "EU/1/21/1618",
})
"""Deprecated EU ``mp`` codes read as the product that replaced them (same
vaccine, renamed in the value set); every other ``mp`` is kept as written."""


def dcc_product_details(code: str) -> tuple[str, str]:
    """``(vp, ma)`` for a product code when issuing an EU DCC."""
    return DCC_PRODUCT_DETAILS.get(code, (DCC_DEFAULT_PROPHYLAXIS, code))


def product_from_dcc(mp: str) -> str:
    """cccdqr's product code for an EU DCC ``mp`` value."""
    return DCC_PRODUCT_ALIASES.get(mp, mp)
