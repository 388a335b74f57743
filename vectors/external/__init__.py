"""Shared code for the external test-vector sets: what each vector should give.

The external sets (the official EU DCC vectors, the SMART Health Card examples
and SDK test data) are not committed here; they live in the shared test data,
``../shared/vectors/`` next to the checkout or wherever ``CCCDQR_SHARED`` says.
This package holds what we know about them, once, for both users:

- ``eu_dcc``: reading a vector, its clock spellings and EXPECTED* flags (with the
  Spanish quirks), cccdqr's outcome stage by stage, and the parser for
  ``eu-dcc-disagreements.md`` (the stages where we disagree, each with a reason);
- ``shc``: our verdict per SMART Health Card file, the key sets, the clock, the
  chunk sets, and where (and why) our verdict differs from the SDK's.

``tests/test_eu_vectors.py``, ``tests/test_shc_vectors.py`` and
``readers/check_vectors.py`` import it as ``vectors.external`` with the
repository root on ``sys.path`` (``vectors/`` itself is not a package: it is
the generated VN1 vector folder). It is test tooling, not part of cccdqr.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository checkout."""

SHARED = Path(os.environ.get("CCCDQR_SHARED", ROOT.parent / "shared"))
"""The shared test data: ``../shared`` next to the checkout, as in CI, or
wherever ``CCCDQR_SHARED`` says (the same rule as ``tests/helpers.py``)."""


class Inconsistent(AssertionError):
    """cccdqr contradicts itself on a vector: a stage run alone and the public
    ``verify`` disagree. A bug in cccdqr, never a vector's fault; tests see it
    as a failed assertion, the checker as a mismatch."""


def require(condition: bool, message: str) -> None:
    """Raise :class:`Inconsistent` unless ``condition`` (an ``assert`` that
    also holds under ``python -O``)."""
    if not condition:
        raise Inconsistent(message)
