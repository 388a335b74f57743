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

__all__ = ["PRODUCT_CODES", "PRODUCT_NAMES", "PRODUCT_NUMBERS", "product_name"]

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
