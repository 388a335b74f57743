"""The JSON document of one verification, exactly as ``cccdqr verify --json``
prints it: the result's dict, the card binding when a card was given, and the
decision without its nested copy of the verification.

Imports only the engine and checkpoint layers.
"""

from __future__ import annotations

import json
from typing import Any

from cccdqr.checkpoint.binding import BindingResult
from cccdqr.checkpoint.decision import Decision
from cccdqr.engine.result import VerificationResult

__all__ = ["verification_document", "dumps"]


def verification_document(result: VerificationResult, binding: BindingResult | None,
                          decision: Decision) -> dict[str, Any]:
    """The dict ``cccdqr verify --json`` prints (see ``cli/verify.py``)."""
    doc = result.to_dict()
    if binding is not None:
        doc["binding"] = binding.to_dict()
    doc["decision"] = {k: v for k, v in decision.to_dict().items() if k != "verification"}
    return doc


def dumps(doc: Any) -> bytes:
    """The bytes the CLI writes for ``doc``: indented JSON, UTF-8, one newline.
    Text that is not valid Unicode (a raw body read with surrogate escapes) is
    replaced, so the encoding itself can never fail."""
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8", "replace")
