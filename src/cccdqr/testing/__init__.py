"""Hypothesis strategies for cccdqr certificates, codes and corruptions.

Use them in your own property tests::

    from hypothesis import given
    from cccdqr import testing

    @given(testing.signed_vn1())
    def test_my_checkpoint_accepts(code):
        text, certificate, trust, now = code
        assert my_checkpoint(text, trust, now=now).accepted

Every function returns a strategy (compose them with ``st.builds``, ``.map``,
``.filter``). :func:`signed_codes` signs VN1, EU DCC (``HC1:``), SMART Health
Card and ICAO VDS-NC codes; :func:`corruptions` breaks any of them and says
whether the result must fail. Signed codes use the TEST-ONLY keys of
:mod:`cccdqr.testkeys` (and certificates built for them), which protect
nothing. All times are aware UTC datetimes in whole seconds. docs/testing.md
has the full guide.

This module needs ``hypothesis`` (a dev dependency); ``import cccdqr`` never
imports it. Layer 8, beside ``cli``: it may import every layer below.
"""

from __future__ import annotations

from cccdqr.testing._shared import (
    BASE45_ALPHABET,
    EVENT_END,
    EVENT_START,
)
from cccdqr.testing.card import (
    card_identities,
    card_qr_texts,
    name_variants,
)
from cccdqr.testing.certificates import (
    health_certificates,
    mixed_certificates,
    recoveries,
    recovery_certificates,
    test_certificates,
    tests,
    vaccination_certificates,
    vaccinations,
)
from cccdqr.testing.codes import (
    FORMATS,
    SignedCode,
    signed_codes,
    signed_vn1,
    test_keys,
)
from cccdqr.testing.corruptions import (
    CORRUPTION_KINDS,
    Corruption,
    byte_flips,
    corruptions,
    symbol_swaps,
)
from cccdqr.testing.people import (
    cccd_numbers,
    names,
    subjects,
)

__all__ = [
    "BASE45_ALPHABET",
    "CORRUPTION_KINDS",
    "EVENT_END",
    "EVENT_START",
    "FORMATS",
    "Corruption",
    "SignedCode",
    "byte_flips",
    "card_identities",
    "card_qr_texts",
    "cccd_numbers",
    "corruptions",
    "health_certificates",
    "mixed_certificates",
    "name_variants",
    "names",
    "recoveries",
    "recovery_certificates",
    "signed_codes",
    "signed_vn1",
    "subjects",
    "symbol_swaps",
    "test_certificates",
    "test_keys",
    "tests",
    "vaccination_certificates",
    "vaccinations",
]
