"""The values ``verify`` and ``inspect`` return. They serialise to JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from cccdqr.core._json import jsonable
from cccdqr.core.model import HealthCertificate
from cccdqr.policy.toml_policy import PolicyOutcome
from cccdqr.rules.ruleset import RuleSetOutcome
from cccdqr.core.reasons import Lang, Reason, Status, verdict_line

__all__ = ["Inspection", "VerificationResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationResult:
    """What ``verify`` found. ``reasons[0]`` is the primary reason: the first
    failing check in the documented order. ``certificate`` is set only when the
    signature held (``signature_verified``), even if a later check failed."""

    status: Status
    reasons: tuple[Reason, ...] = ()
    warnings: tuple[Reason, ...] = ()
    format: str | None = None
    alg: str | None = None
    kid: bytes | None = None
    signature_verified: bool = False
    certificate: HealthCertificate | None = None
    issuer: str | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    certificate_id: str | None = None
    policy: PolicyOutcome | RuleSetOutcome | None = None
    """The policy outcome when ``verify`` was given a policy (a TOML ``Policy`` or
    a CertLogic ``RuleSet``) and the signature held."""
    detail: str = ""
    """Technical detail of the primary reason, in English, for logs and support."""
    trust_list: dict[str, Any] | None = None
    """When the key came from a published list (``cccdqr trust import``): that
    list's format, signer, issue and expiry times and its age at ``now``
    (:meth:`cccdqr.trust.store.TrustListSource.describe`). Left out of
    :meth:`to_dict` when ``None``."""

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID

    @property
    def reason(self) -> Reason | None:
        return self.reasons[0] if self.reasons else None

    def message(self, lang: Lang = "en") -> str:
        """The verdict and its primary reason as one line for staff."""
        return verdict_line(self.status, self.reasons, lang)

    def to_dict(self, *, personal: bool = True) -> dict[str, Any]:
        """JSON-ready dict. ``personal=False`` leaves out the certificate, the
        certificate id and the technical detail (which may quote a field of the
        record), for logs that must hold no personal data."""
        out: dict[str, Any] = {"valid": self.valid}
        for f in dataclasses.fields(self):
            if not personal and f.name in ("certificate", "certificate_id", "detail"):
                continue
            if f.name == "trust_list" and self.trust_list is None:
                continue
            out[f.name] = jsonable(getattr(self, f.name))
        out["messages"] = {"en": self.message("en"), "vi": self.message("vi")}
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """What ``inspect`` decoded *without checking any signature*.

    Nothing here is verified: it is for debugging and support, never for a
    verdict. ``problems`` lists what stopped decoding, if anything did."""

    verified: bool = False
    format: str | None = None
    alg: str | None = None
    kid: bytes | None = None
    certificate: HealthCertificate | None = None
    issuer: str | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    certificate_id: str | None = None
    problems: tuple[Reason, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
