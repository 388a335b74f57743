"""Layer 4, rules as data: CertLogic business rules, the rule sets that carry
them, and the DGC-shaped view of a certificate they are evaluated on.

Owns the CertLogic evaluator and validator (:mod:`cccdqr.rules.certlogic`),
gateway-format rule sets (:mod:`cccdqr.rules.ruleset`), the payload view
(:mod:`cccdqr.rules.payload`) and the TOML-policy conversion
(:mod:`cccdqr.rules.convert`). May import ``core``, ``wire``, ``trust`` and
``formats``; never ``policy`` (a sibling) or anything above.
"""

from cccdqr.rules.certlogic import CertLogicError, Issue, evaluate, validate

__all__ = ["CertLogicError", "Issue", "evaluate", "validate"]
