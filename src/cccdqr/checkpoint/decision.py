"""The checkpoint decision: may this person pass?

Three separate questions, answered by three separate steps, combined here into
the one verdict staff act on:

1. **Is the code genuine?** :func:`cccdqr.verify` (``result.status``).
2. **Does it meet today's rules?** the policy given to ``verify``
   (``result.policy``); a genuine code that fails it gives ``POLICY_NOT_MET``.
3. **Is it this person's?** :func:`cccdqr.bind` with the CCCD card's QR; a
   genuine code of someone else gives the binding's mismatch reasons.

The decision is VALID only when every step that ran says yes. Its reasons keep
that order: the verification's, then ``POLICY_NOT_MET``, then the binding's; its
status is the class of the first. A step that did not run (no policy, no card)
does not count against the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cccdqr.checkpoint.binding import BindingResult
from cccdqr.core.reasons import Lang, Reason, Status, verdict_line
from cccdqr.engine.result import VerificationResult

__all__ = ["Decision", "decide"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The combined verdict; ``result`` and ``binding`` hold the details."""

    status: Status
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    result: VerificationResult
    binding: BindingResult | None = None

    @property
    def passes(self) -> bool:
        return self.status is Status.VALID

    @property
    def reason(self) -> Reason | None:
        return self.reasons[0] if self.reasons else None

    def message(self, lang: Lang = "en") -> str:
        """The verdict and its primary reason as one line for staff."""
        if self.reason is Reason.POLICY_NOT_MET and self.result.policy is not None:
            return self.result.policy.message(lang)
        return verdict_line(self.status, self.reasons, lang)

    def to_dict(self, *, personal: bool = False) -> dict[str, Any]:
        """JSON-ready; by default without personal data (safe to log)."""
        binding = self.binding.to_dict() if self.binding is not None else None
        return self._verdict() | {"verification": self.result.to_dict(personal=personal),
                                         "binding": binding}

    def _verdict(self) -> dict[str, Any]:
        return {"status": self.status.value, "passes": self.passes,
                "reasons": [r.value for r in self.reasons],
                "warnings": [w.value for w in self.warnings],
                "messages": {"en": self.message("en"), "vi": self.message("vi")}}

    def document(self) -> dict[str, Any]:
        """The verification document, as ``cccdqr verify --json`` prints it and
        ``POST /v1/verify`` answers it: the verification's dict (personal data
        included), ``"binding"`` when a card was bound, and ``"decision"``: this
        decision's dict without its copy of the verification."""
        doc = self.result.to_dict()
        binding = self.binding.to_dict() if self.binding is not None else None
        if binding is not None:
            doc["binding"] = binding
        doc["decision"] = self._verdict() | {"binding": binding}
        return doc


def decide(result: VerificationResult, binding: BindingResult | None = None) -> Decision:
    """Combine a verification (with its policy outcome, if any) and a binding."""
    if not isinstance(result, VerificationResult):
        raise TypeError("result must be a VerificationResult")
    if binding is not None and not isinstance(binding, BindingResult):
        raise TypeError("binding must be a BindingResult or None")
    reasons = list(result.reasons)
    warnings = list(result.warnings)
    if result.valid and result.policy is not None and not result.policy.passed:
        reasons.append(Reason.POLICY_NOT_MET)
    if binding is not None and result.signature_verified:
        reasons += binding.reasons
        warnings += binding.warnings
    status = reasons[0].status if reasons else Status.VALID
    assert status is not None
    return Decision(status=status, reasons=tuple(reasons), warnings=tuple(dict.fromkeys(warnings)),
                    result=result, binding=binding)
