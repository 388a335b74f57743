"""verify(text, trust, *, now) -> VerificationResult. Never raises on input.

The checks run in a fixed order and the first failure is the primary reason:

1. text layer: empty, not text, too large, unknown format, bad Base45
2. decompression: bad zlib, inflates past the cap
3. COSE structure: malformed, CBOR limits, duplicate keys, trailing bytes
4. algorithm and kid: not allowed, missing, conflicting
5. key lookup: unknown kid (CANNOT_CHECK), algorithm not matching the key
6. signature
7. claims and record: structure, version, issuer the key speaks for, record
   types the key may sign
8. times: the key's window, iat (not yet valid), exp (expired)
9. revocation (only when a list is given): revoked, or the list is stale
10. content: the CCCD number's rules

Steps 1-7 stop at the first failure; 8-10 all run once the signature holds, and
every failure is listed. Nothing from the payload is read before step 6.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol
from collections.abc import Iterable, Iterator, Sequence

from cccdqr.wire import cose
from cccdqr.engine import many
from cccdqr.core._reject import Reject
from cccdqr.formats import detect, join_chunks
from cccdqr.core.model import RevocationId
from cccdqr.formats._base import Contents, Envelope
from cccdqr.core.identity import check_cccd_number
from cccdqr.core.limits import Limits
from cccdqr.core.reasons import Reason, Status
from cccdqr.engine.result import Inspection, VerificationResult
from cccdqr.rules.ruleset import RuleSet
from cccdqr.trust.store import TrustedKey, TrustStore

__all__ = ["DEFAULT_SKEW", "PolicyLike", "RevocationSource", "inspect", "verify", "verify_many"]


class RevocationSource(Protocol):
    """What ``verify(..., revocation=)`` needs of a revocation list."""

    def is_revoked(self, ids: Sequence[RevocationId]) -> bool:
        """Whether any of the certificate's revocation ids is listed."""

    def is_stale(self, now: dt.datetime) -> bool:
        """Whether the list is too old to rely on at ``now``."""


class PolicyLike(Protocol):
    """What ``verify(..., policy=)`` needs of a set of entry rules: a TOML
    :class:`cccdqr.Policy` or a CertLogic :class:`cccdqr.rules.RuleSet` (which is
    also given the claims)."""

    def evaluate(self, certificate: Any, *, now: dt.datetime) -> Any:
        """The outcome of every rule for ``certificate`` at ``now``."""

DEFAULT_SKEW = dt.timedelta(minutes=5)
_NO_SKEW = dt.timedelta(0)
DEFAULT_LIMITS = Limits()
_WHITESPACE = " \t\r\n\x0b\x0c"


Input = str | bytes | Sequence[str]
"""One scanned code, or the chunk texts of a code split over several QR images."""


def _check_input_type(text: object) -> None:
    if isinstance(text, (str, bytes, bytearray, memoryview)):
        return
    if isinstance(text, (list, tuple)) and all(isinstance(t, str) for t in text):
        return
    raise TypeError(f"expected str, bytes or a sequence of str, not {type(text).__name__}")


def _check_clock(now: object, skew: object) -> None:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise TypeError("now must be a timezone-aware datetime")
    if not isinstance(skew, dt.timedelta) or skew < _NO_SKEW:
        raise TypeError("skew must be a non-negative timedelta")


def _to_text(data: object, limits: Limits) -> str:
    """The scanned text with surrounding whitespace removed (scanners add CR/LF)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > limits.max_input_chars * 4:
            raise Reject(Reason.INPUT_TOO_LARGE, f"{len(raw)} bytes")
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Reject(Reason.NOT_TEXT, "input bytes are not UTF-8") from None
    assert isinstance(data, str)
    text = data.strip(_WHITESPACE)
    if not text:
        raise Reject(Reason.EMPTY_INPUT)
    if len(text) > limits.max_input_chars:
        raise Reject(Reason.INPUT_TOO_LARGE, f"{len(text)} characters")
    return text


def _envelope(data: object, limits: Limits) -> Envelope:
    if isinstance(data, (list, tuple)):
        if sum(len(chunk) for chunk in data) > limits.max_input_chars:
            raise Reject(Reason.INPUT_TOO_LARGE, f"{len(data)} chunks")
        text, chunk_warnings = join_chunks([c.strip(_WHITESPACE) for c in data])
    else:
        text, chunk_warnings = _to_text(data, limits), ()
    fmt = detect(text)
    if fmt is None:
        raise Reject(Reason.UNKNOWN_FORMAT)
    envelope: Envelope = fmt.decode_unverified(text, limits)
    if chunk_warnings:
        envelope = dataclasses.replace(envelope, warnings=(*chunk_warnings, *envelope.warnings))
    return envelope


def _find_key(env: Envelope, trust: TrustStore, now: dt.datetime, skew: dt.timedelta) -> TrustedKey:
    """The trusted key whose signature holds; several keys may share a kid and
    each that fits the algorithm is tried. A code that carries its own signer
    certificate has it authenticated by the format's resolver instead."""
    candidates = (env.resolve(trust, now, skew),) if env.resolve else trust.lookup(env.kid)
    if not candidates:
        raise Reject(Reason.UNKNOWN_KID, f"kid {env.kid.hex()} is not in the trust list")
    fitting = [k for k in candidates if k.alg is env.alg]
    if not fitting:
        raise Reject(Reason.ALG_KEY_MISMATCH,
                     f"{env.alg.value} header, trusted key is {candidates[0].alg.value}")
    for key in fitting:
        if cose.verify_bytes(env.alg, key.public_key, env.signature, env.signed):
            return key
    raise Reject(Reason.BAD_SIGNATURE)


def _later_checks(
    contents: Contents,
    key: TrustedKey,
    *,
    now: dt.datetime,
    skew: dt.timedelta,
    revocation: RevocationSource | None,
    allow_unlisted_province: bool,
) -> list[Reason]:
    """Steps 8-10: every failure, in order."""
    found: list[Reason] = []
    if not key.valid_at(now, skew):
        found.append(Reason.KEY_OUTSIDE_VALIDITY)
    if contents.issued_at is not None and contents.issued_at > now + skew:
        found.append(Reason.NOT_YET_VALID)
    if contents.expires_at is not None and contents.expires_at <= now - skew:
        found.append(Reason.EXPIRED)
    if revocation is not None:
        if revocation.is_revoked(contents.revocation_ids):
            found.append(Reason.REVOKED)
        elif revocation.is_stale(now):
            found.append(Reason.REVOCATION_STALE)
    subject = contents.certificate.subject
    if subject.id_number is not None:
        found += check_cccd_number(subject.id_number, dob=subject.dob, sex=subject.sex,
                                   allow_unlisted_province=allow_unlisted_province)
    return found


def verify(
    text: Input,
    trust: TrustStore,
    *,
    now: dt.datetime,
    policy: PolicyLike | None = None,
    revocation: RevocationSource | None = None,
    skew: dt.timedelta = DEFAULT_SKEW,
    limits: Limits = DEFAULT_LIMITS,
    allow_unlisted_province: bool = False,
) -> VerificationResult:
    """Verify one scanned code at the clock ``now``.

    Any ``str`` or ``bytes`` gives a result, as does a sequence of chunk
    strings (a SMART Health Card split over several QR images); only a wrong
    argument *type* (a programmer error) raises. ``skew`` widens every time
    check both ways. ``revocation`` is consulted after the times; without one
    the result warns ``REVOCATION_NOT_CHECKED``. ``policy`` is evaluated once
    the signature holds, and its outcome is ``result.policy``: whether the code
    is genuine (``status``) and whether it meets the rules stay separate.
    ``allow_unlisted_province`` accepts CCCD numbers whose province code is
    not one of the 63 shipped (births registered abroad).
    """
    if not isinstance(trust, TrustStore):
        raise TypeError("trust must be a TrustStore")
    _check_input_type(text)
    _check_clock(now, skew)
    found: dict[str, Any] = {}
    warnings: list[Reason] = [] if revocation is not None else [Reason.REVOCATION_NOT_CHECKED]
    try:
        env = _envelope(text, limits)
        warnings += env.warnings
        found.update(format=env.format, alg=env.alg.value, kid=env.kid)
        key = _find_key(env, trust, now, skew)
        found["signature_verified"] = True
        if key.encoding_faults:  # a DSC read leniently (trust/dsc.py)
            warnings.append(Reason.SIGNER_CERTIFICATE_NOT_DER)
        if key.source is not None:  # imported from a published list: show its age
            found["trust_list"] = key.source.describe(now)
        contents = env.open(limits)
        warnings += contents.warnings
        found.update(certificate=contents.certificate, issuer=contents.issuer,
                     issued_at=contents.issued_at, expires_at=contents.expires_at,
                     certificate_id=contents.certificate_id)
        if policy is not None:
            found["policy"] = _apply_policy(policy, contents, now)
        if contents.binds_issuer and key.issuer is not None and contents.issuer != key.issuer:
            raise Reject(Reason.ISSUER_MISMATCH,
                         f"issuer {contents.issuer!r} but the key speaks for {key.issuer!r}")
        not_allowed = contents.certificate.record_types - key.record_types
        if not_allowed:
            raise Reject(Reason.RECORD_TYPE_NOT_ALLOWED,
                         f"key may sign {''.join(sorted(key.record_types))}")
        reasons = _later_checks(contents, key, now=now, skew=skew, revocation=revocation,
                                allow_unlisted_province=allow_unlisted_province)
    except Reject as r:
        return _result(found, (r.reason,), warnings, r.detail)
    except Exception as exc:  # noqa: BLE001  # a bug in cccdqr: report it, never crash
        return _result(found, (Reason.INTERNAL_ERROR,), warnings, f"{type(exc).__name__}: {exc}")
    return _result(found, tuple(reasons), warnings, "")


def _apply_policy(policy: PolicyLike, contents: Contents, now: dt.datetime) -> Any:
    """The policy's outcome; CertLogic rules also read the claims (``external``)."""
    if isinstance(policy, RuleSet):
        return policy.evaluate(contents.certificate, now=now, issuer=contents.issuer,
                               issued_at=contents.issued_at, expires_at=contents.expires_at,
                               certificate_id=contents.certificate_id, dgc=contents.dgc)
    return policy.evaluate(contents.certificate, now=now)


def _result(found: dict[str, Any], reasons: tuple[Reason, ...], warnings: list[Reason],
            detail: str) -> VerificationResult:
    status = reasons[0].status if reasons else Status.VALID
    assert status is not None
    return VerificationResult(status=status, reasons=reasons, warnings=tuple(dict.fromkeys(warnings)),
                              detail=detail, **found)


def verify_many(
    texts: Iterable[Input],
    trust: TrustStore,
    *,
    now: dt.datetime,
    workers: int | None = None,
    **options: Any,
) -> Iterator[VerificationResult]:
    """Verify a stream lazily (bounded memory), one result per input, in order.
    ``workers=None`` runs in-process, ``0`` on all cores, ``N`` on N processes;
    the rule and what each worker opens are in :mod:`cccdqr.engine.many`."""
    return many.map_verify(verify, texts, trust, now=now, workers=workers, **options)


def inspect(text: Input, *, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Decode a code *without* checking its signature, for support and debugging.
    The result says ``verified=False``; never base a verdict on it."""
    _check_input_type(text)
    found: dict[str, Any] = {}
    try:
        env = _envelope(text, limits)
        found.update(format=env.format, alg=env.alg.value, kid=env.kid)
        contents = env.open(limits)
        found.update(certificate=contents.certificate, issuer=contents.issuer,
                     issued_at=contents.issued_at, expires_at=contents.expires_at,
                     certificate_id=contents.certificate_id)
    except Reject as r:
        return Inspection(problems=(r.reason,), detail=r.detail, **found)
    except Exception as exc:  # noqa: BLE001  # a bug in cccdqr: report it, never crash
        return Inspection(problems=(Reason.INTERNAL_ERROR,), detail=repr(exc), **found)
    return Inspection(**found)
