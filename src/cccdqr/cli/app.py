"""The ``cccdqr`` command: parse, call the library, print, exit.

Exit codes: 0 valid · 1 invalid (rejected) · 2 usage error or unreadable input ·
3 cannot check (unknown issuer or key, missing trust data).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import locale
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from collections.abc import Sequence

from cccdqr import __version__
from cccdqr.checkpoint.binding import BindingResult, bind
from cccdqr.checkpoint.card import parse_card_qr
from cccdqr.wire.cose import Algorithm
from cccdqr.checkpoint.decision import decide
from cccdqr.core.errors import CccdqrError, InvalidCardQR
from cccdqr.engine.issue import Issuer
from cccdqr.trust.jwks import revocation_ids_from_crl, trusted_keys_from_jwks
from cccdqr.core.model import (
    HealthCertificate,
    Recovery,
    Subject,
    Test,
    Vaccination,
    certificate_from_dict,
)
from cccdqr.core.products import product_name
from cccdqr.core.reasons import Lang, Status
from cccdqr.engine.result import Inspection, VerificationResult
from cccdqr.policy.toml_policy import Policy
from cccdqr.trust.revocation import KINDS as REVOCATION_KINDS
from cccdqr.trust.revocation import RevocationList, uvci_hashes
from cccdqr.trust.store import (
    SIGNED_TRUST_LIST_FORMAT,
    TrustStore,
    make_trusted_certificate,
    make_trusted_key,
)
from cccdqr.engine.verify import DEFAULT_SKEW, inspect, verify

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_CANNOT_CHECK = 0, 1, 2, 3
EXIT_FOR_STATUS = {Status.VALID: EXIT_VALID, Status.INVALID: EXIT_INVALID,
                   Status.CANNOT_CHECK: EXIT_CANNOT_CHECK}
SYMBOL = {Status.VALID: "✔", Status.INVALID: "✘", Status.CANNOT_CHECK: "?"}
STYLE = {Status.VALID: "bold white on green", Status.INVALID: "bold white on red",
         Status.CANNOT_CHECK: "bold black on yellow"}

EPILOG = """exit codes: 0 valid, 1 invalid (rejected), 2 usage error or unreadable input,
3 cannot check (unknown issuer or key, missing trust data)"""


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2."""


def default_lang() -> Lang:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    loc = locale.getlocale()[0] or ""
    return "vi" if loc.lower().startswith("vi") else "en"


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def parse_time(value: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _now(args: argparse.Namespace) -> dt.datetime:
    # The CLI is an edge: the only place the system clock is read.
    if args.at is not None:
        at: dt.datetime = args.at
        return at
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _read_input(args: argparse.Namespace) -> str:
    if getattr(args, "file", None):
        try:
            return Path(args.file).read_bytes().decode("utf-8", errors="surrogateescape")
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    if args.text is None or args.text == "-":
        return sys.stdin.read()
    text: str = args.text
    return text


class TrustUnusable(CccdqrError):
    """A signed trust list failed its root signature or window: exit 3, cannot check."""


def _load_trust(path: str | None, *, missing_ok: bool = False,
                args: argparse.Namespace | None = None) -> TrustStore:
    """The trust list at ``path``. A signed list needs ``--trust-root`` (and is
    checked at the command's clock); with ``--trust-root`` an unsigned list is refused."""
    if path is None:
        raise UsageError("--trust FILE is required")
    if missing_ok and not Path(path).exists():
        return TrustStore()
    data = _read_bytes(path)
    root = getattr(args, "trust_root", None) if args is not None else None
    signed = SIGNED_TRUST_LIST_FORMAT.encode() in data[:200]
    if signed and root is None:
        raise UsageError(f"{path} is a signed trust list: give its root key with --trust-root")
    try:
        if root is not None:
            assert args is not None
            return TrustStore.parse_signed(data, _read_bytes(root), now=_now(args))
        return TrustStore.parse_json(data)
    except CccdqrError as exc:
        if root is not None:
            raise TrustUnusable(f"trust list {path} refused: {exc}") from None
        raise UsageError(f"bad trust list {path}: {exc}") from None


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _kid_arg(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise UsageError(f"kid must be hex or base64: {value!r}") from None


# --- keygen ---------------------------------------------------------------------------

def cmd_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    key_path = Path(args.key_out)
    if key_path.exists() and not args.force:
        raise UsageError(f"{key_path} exists; use --force to replace it")
    key = (ec.generate_private_key(ec.SECP256R1()) if args.alg == "ES256"
           else ed25519.Ed25519PrivateKey.generate())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    now = _now(args)
    entry = make_trusted_key(
        key.public_key(), issuer=args.issuer, not_before=now,
        not_after=now + dt.timedelta(days=args.valid_days) if args.valid_days else None,
        record_types=args.record_types, label=args.label)
    trust = _load_trust(args.trust, missing_ok=True).with_key(entry)
    trust.save(args.trust)
    out = _console()
    out.print(f"private key  {key_path} ({args.alg}; keep it secret)")
    out.print(f"trust list   {args.trust} (+ kid {entry.kid.hex()}, {len(trust)} keys)")
    return EXIT_VALID


# --- issue ----------------------------------------------------------------------------

def _load_private_key(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(_read_bytes(path), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path} is not an unencrypted PEM private key: {exc}") from None


def _certificate_from_args(args: argparse.Namespace) -> HealthCertificate:
    if args.json:
        try:
            return certificate_from_dict(json.loads(_read_bytes(args.json)))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{args.json} is not JSON: {exc}") from None
    eu_dcc = getattr(args, "format", "VN1") == "HC1"
    if not ((args.id or eu_dcc) and args.name and args.dob):
        raise UsageError("give --json FILE, or --id (VN1), --name and --dob with events")
    names: dict[str, str] = {}
    if eu_dcc:  # an EU DCC splits the name: Vietnamese order, family name first
        family, _, given = args.name.strip().partition(" ")
        names = {"family_name": family, "given_name": given} if given else {}
    subject = Subject(id_number=args.id, name=args.name, dob=args.dob,
                      sex={"male": 1, "female": 2}.get(args.sex or "", None),  # type: ignore[arg-type]
                      **names)
    try:
        doses = tuple(_dose(spec) for spec in args.dose)
        tests = tuple(_test(spec) for spec in args.test)
        recoveries = tuple(_recovery(spec) for spec in args.recovery)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        raise UsageError(str(exc)) from None
    return HealthCertificate(subject=subject, vaccinations=doses, tests=tests,
                             recoveries=recoveries)


def _dose(spec: str) -> Vaccination:
    parts = spec.split(",")
    if len(parts) != 3 or "/" not in parts[1]:
        raise ValueError(
            f"--dose is PRODUCT,DOSE/SERIES,DATE (e.g. EU/1/20/1528,1/2,2021-08-01): {spec!r}")
    number, series = parts[1].split("/", 1)
    return Vaccination(product=parts[0], dose_number=int(number), doses_in_series=int(series),
                       date=_parse_date(parts[2]))


def _test(spec: str) -> Test:
    parts = spec.split(",")
    if len(parts) != 3:
        raise ValueError(
            f"--test is TYPE,SAMPLED_AT,RESULT (e.g. LP6464-4,2026-01-01T08:00Z,260415000): {spec!r}")
    return Test(test_type=parts[0], sampled_at=parse_time(parts[1]), result=int(parts[2]))


def _recovery(spec: str) -> Recovery:
    parts = spec.split(",")
    if len(parts) != 3:
        raise ValueError(f"--recovery is FIRST_POSITIVE,VALID_FROM,VALID_UNTIL (dates): {spec!r}")
    first, start, end = (_parse_date(p) for p in parts)
    return Recovery(first_positive=first, valid_from=start, valid_until=end)


def cmd_issue(args: argparse.Namespace) -> int:
    if args.format == "HC1":
        if not args.certificate:
            raise UsageError("--format HC1 needs --certificate (the key's signer certificate)")
        from cryptography import x509

        data = _read_bytes(args.certificate)
        try:
            dsc = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                   else x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise UsageError(f"cannot read the certificate {args.certificate}: {exc}") from None
        issuer = Issuer(_load_private_key(args.key), issuer=args.issuer, format="HC1",
                        certificate=dsc, authority=args.authority)
        text = issuer.issue(_certificate_from_args(args), now=_now(args),
                            valid_for=dt.timedelta(days=args.valid_days), uvci=args.uvci)
    else:
        if args.certificate or args.uvci or args.authority:
            raise UsageError("--certificate, --uvci and --authority are for --format HC1")
        issuer = Issuer(_load_private_key(args.key), issuer=args.issuer)
        cti = bytes.fromhex(args.cti) if args.cti else None
        text = issuer.issue(_certificate_from_args(args), now=_now(args),
                            valid_for=dt.timedelta(days=args.valid_days), cti=cti)
    print(text)
    if args.png:
        from cccdqr.qr import render

        qr = render(text, kind="svg" if args.png.endswith(".svg") else "png")
        qr.save(args.png)
        _console(stderr=True).print(f"QR version {qr.version}-{qr.error} written to {args.png}")
    return EXIT_VALID


# --- verify / inspect -----------------------------------------------------------------

def _show_certificate(out: Any, cert: HealthCertificate, lang: Lang) -> None:
    s = cert.subject
    label = {"en": ("Name", "Born", "ID"), "vi": ("Họ tên", "Ngày sinh", "Số CCCD")}[lang]
    out.print(f"  {label[0]}: {s.name}   {label[1]}: {s.dob}"
              + (f"   {label[2]}: {s.id_number}" if s.id_number else ""))
    for v in cert.vaccinations:
        out.print(f"  • {product_name(v.product)}  {v.dose_number}/{v.doses_in_series or '?'}"
                  f"  {v.date.isoformat()}  {v.country}")
    for t in cert.tests:
        result = "detected" if t.detected else "not detected"
        out.print(f"  • test {t.test_type}  {t.sampled_at.isoformat()}  {result}  {t.country}")
    for r in cert.recoveries:
        out.print(f"  • recovery: valid {r.valid_from} – {r.valid_until}  {r.country}")


def print_verdict(result: VerificationResult, lang: Lang) -> None:
    out = _console()
    banner = f" {SYMBOL[result.status]} {result.status.message(lang).upper()} "
    out.print(banner, style=STYLE[result.status])
    for reason in result.reasons:
        out.print(f"  [{reason.value}] {reason.message(lang)}")
    if result.format:
        out.print(f"  format {result.format} · alg {result.alg} · kid "
                  f"{result.kid.hex() if result.kid else '-'} · issuer {result.issuer or '-'}")
    if result.certificate is not None and result.signature_verified:
        _show_certificate(out, result.certificate, lang)
    if result.policy is not None:
        outcome = result.policy
        out.print(f"  {SYMBOL[Status.VALID if outcome.passed else Status.INVALID]} "
                  f"{outcome.message(lang)}",
                  style="bold green" if outcome.passed else "bold red")
        for rule in outcome.rules:
            out.print(f"    {'✔' if rule.passed else '✘'} {rule.message(lang)}",
                      style=None if rule.passed else "red")
    for warning in result.warnings:
        out.print(f"  note: {warning.message(lang)}", style="dim")


@dataclass
class Checks:
    """What every verification of a command (or a reader run) uses, loaded once."""

    trust: TrustStore
    policy: Policy | None = None
    revocation: RevocationList | None = None

    @property
    def skew(self) -> dt.timedelta:
        """The policy's clock skew, else verify's default."""
        return self.policy.skew if self.policy is not None else DEFAULT_SKEW

    def close(self) -> None:
        if self.revocation is not None:
            self.revocation.close()


def load_checks(args: argparse.Namespace) -> Checks:
    """``--trust`` (signed when ``--trust-root``), ``--policy FILE|default`` and
    ``--revocation DB``. Raises :class:`UsageError`, :class:`TrustUnusable`, or the
    library's error (``PolicyError``, ``RevocationListError``) for a bad file."""
    trust = _load_trust(args.trust, args=args)
    policy = None
    if args.policy is not None:
        policy = Policy.default() if args.policy == "default" else Policy.load(args.policy)
    revocation = RevocationList.open(args.revocation) if args.revocation is not None else None
    return Checks(trust=trust, policy=policy, revocation=revocation)


def cmd_verify(args: argparse.Namespace) -> int:
    checks = load_checks(args)
    skew = dt.timedelta(seconds=args.skew) if args.skew is not None else checks.skew
    try:
        result = verify(_read_input(args), checks.trust, now=_now(args), policy=checks.policy,
                        revocation=checks.revocation, skew=skew,
                        allow_unlisted_province=args.allow_unlisted_province)
    finally:
        checks.close()
    binding = _bind_card(args, result)
    decision = decide(result, binding)
    if args.json:
        doc = result.to_dict()
        if binding is not None:
            doc["binding"] = binding.to_dict()
        doc["decision"] = {k: v for k, v in decision.to_dict().items() if k != "verification"}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print_verdict(result, args.lang)
        if binding is not None:
            print_binding(binding, args.lang)
    # genuine but failing the rules, or someone else's: the person may not pass (exit 1)
    return EXIT_FOR_STATUS[decision.status]


def _bind_card(args: argparse.Namespace, result: VerificationResult) -> BindingResult | None:
    """The card QR given with --card, bound to the verified certificate."""
    if args.card is None:
        return None
    try:
        card = parse_card_qr(args.card)
    except InvalidCardQR as exc:
        raise UsageError(f"the card QR is not readable: [{exc.reason.value}] {exc}") from None
    if result.certificate is None or not result.signature_verified:
        return None  # nothing genuine to bind to; the verdict already says why
    return bind(card, result.certificate)


def print_binding(binding: BindingResult, lang: Lang) -> None:
    """The card-to-certificate match, as a word and a symbol, then each mismatch."""
    out = _console()
    status = Status.VALID if binding.matched else Status.INVALID
    out.print(f"  {SYMBOL[status]} {binding.message(lang)}",
              style="bold green" if binding.matched else "bold red")
    for reason in binding.reasons:
        out.print(f"    [{reason.value}] {reason.message(lang)}", style="red")
    for warning in binding.warnings:
        out.print(f"    note: {warning.message(lang)}", style="dim")


def cmd_inspect(args: argparse.Namespace) -> int:
    result: Inspection = inspect(_read_input(args))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        out = _console()
        out.print(" UNVERIFIED: signature not checked ", style="bold black on yellow")
        out.print(f"  format {result.format or '-'} · alg {result.alg or '-'} · kid "
                  f"{result.kid.hex() if result.kid else '-'} · issuer {result.issuer or '-'}")
        if result.issued_at and result.expires_at:
            out.print(f"  issued {result.issued_at.isoformat()} · expires {result.expires_at.isoformat()}")
        if result.certificate is not None:
            _show_certificate(out, result.certificate, args.lang)
        for reason in result.problems:
            out.print(f"  [{reason.value}] {reason.message(args.lang)}  {result.detail}")
    return EXIT_INVALID if result.problems else EXIT_VALID


# --- trust ----------------------------------------------------------------------------

def cmd_trust(args: argparse.Namespace) -> int:
    out = _console()
    if args.trust_command == "sign":
        return _trust_sign(args)
    if args.trust_command == "verify":
        trust = _load_trust(args.file, args=args)
        out.print(f"signed trust list {args.file}: signature and window hold at "
                  f"{_now(args).isoformat()}; {len(trust)} keys, "
                  f"{len(trust.authorities)} authorities")
        return EXIT_VALID
    if args.trust_command == "list":
        trust = _load_trust(args.trust, args=args)
        if args.json:
            print(trust.to_json(), end="")
            return EXIT_VALID
        for k in trust:
            window = " .. ".join(t.isoformat() if t else "-" for t in (k.not_before, k.not_after))
            types = "".join(t for t in "vtr" if t in k.record_types)
            out.print(f"{k.kid.hex()}  {k.alg.value:6} issuer={k.issuer or '-'} "
                      f"types={types}  {window}  {k.label or ''}")
        return EXIT_VALID
    trust = _load_trust(args.trust, missing_ok=args.trust_command == "add")
    if args.trust_command == "add":
        data = _read_bytes(args.file)
        options: dict[str, Any] = {"issuer": args.issuer, "record_types": args.record_types,
                                   "label": args.label}
        if args.alg:
            options["alg"] = Algorithm(args.alg)
        if args.jwks:
            if not args.issuer:
                raise UsageError("--jwks needs --issuer (the SMART Health Card issuer, its iss)")
            keys = trusted_keys_from_jwks(data, issuer=args.issuer)
            trust = trust.with_keys(keys)
            out.print(f"added {len(keys)} keys of {args.issuer}; {len(trust)} keys")
        elif args.authority:
            trust = trust.with_authority(data)
            out.print(f"added certificate authority {trust.authorities[-1].subject.rfc4514_string()}")
        elif args.crl:
            trust = trust.with_crl(data)
            out.print(f"added revocation list of {trust.crls[-1].issuer.rfc4514_string()}")
        else:
            if b"CERTIFICATE" in data or args.certificate:
                entry = make_trusted_certificate(data, not_before=args.not_before,
                                                 not_after=args.not_after, **options)
            else:
                options["record_types"] = args.record_types or "vtr"
                entry = make_trusted_key(data, not_before=args.not_before,
                                         not_after=args.not_after, **options)
            trust = trust.with_key(entry)
            out.print(f"added kid {entry.kid.hex()} ({entry.alg.value}); {len(trust)} keys")
    else:
        kid = _kid_arg(args.kid)
        if kid not in trust:
            raise UsageError(f"no key with kid {kid.hex()} in {args.trust}")
        trust = trust.without(kid)
        out.print(f"removed kid {kid.hex()}; {len(trust)} keys")
    trust.save(args.trust)
    return EXIT_VALID


def _trust_sign(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    trust = _load_trust(args.trust)
    try:
        key = serialization.load_pem_private_key(_read_bytes(args.key), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the root private key {args.key}: {exc}") from None
    now = _now(args)
    text = trust.sign(key, now=now, valid_for=dt.timedelta(days=args.valid_days))  # type: ignore[arg-type]
    Path(args.out).write_text(text, encoding="utf-8")
    _console().print(f"signed {len(trust)} keys into {args.out}, valid "
                     f"{now.isoformat()} .. {(now + dt.timedelta(days=args.valid_days)).isoformat()}")
    return EXIT_VALID


# --- revoke ---------------------------------------------------------------------------

_TEXT_KINDS = frozenset({"rid", "uvci"})


def _revocation_ids(args: argparse.Namespace) -> list[tuple[str, bytes]]:
    ids: list[tuple[str, bytes]] = []
    for value in args.ids:
        if args.kind in _TEXT_KINDS:
            ids.append((args.kind, value.encode()))
            continue
        try:
            ids.append((args.kind, bytes.fromhex(value)))
        except ValueError:
            raise UsageError(f"{args.kind} ids are hex: {value!r}") from None
    if args.uvci:
        if not args.country:
            raise UsageError("--uvci needs --country (the issuing country, e.g. VN)")
        ids += uvci_hashes(args.uvci, args.country)
    if not ids:
        raise UsageError("nothing to add: give ids or --uvci")
    return ids


def cmd_revoke(args: argparse.Namespace) -> int:
    out = _console()
    action = args.revoke_command
    if action == "count":
        with RevocationList.open(args.db) as rl:
            kinds = rl.kinds()
            out.print(f"{args.db}: {sum(kinds.values()):,} entries"
                      + "".join(f"  {k}={n:,}" for k, n in sorted(kinds.items())))
            updated = rl.updated_at
            out.print(f"updated {updated.isoformat() if updated else 'never'}; "
                      f"{'STALE' if rl.is_stale(_now(args)) else 'fresh'} at {_now(args).isoformat()}")
        return EXIT_VALID
    if action == "export":
        with RevocationList.open(args.db) as rl:
            if args.out:
                n = rl.export(args.out, fmt=args.format, kind=args.kind)
                out.print(f"exported {n:,} ids to {args.out}")
            else:
                rl.export(sys.stdout, fmt=args.format, kind=args.kind)
        return EXIT_VALID
    with RevocationList.open(args.db, create=True) as rl:
        if action == "add":
            added = rl.add_many(_revocation_ids(args), at=_now(args))
            out.print(f"added {added} new ids; {len(rl):,} in {args.db}")
        elif action == "import" and args.format == "shc-crl":
            ids = revocation_ids_from_crl(_read_bytes(args.file))
            added = rl.add_many(ids, at=_now(args))
            out.print(f"read {len(ids):,} rids, {added:,} new; {len(rl):,} in {args.db}")
        elif action == "import":
            from cccdqr.cli._progress import import_with_progress

            report = import_with_progress(rl, args.file, fmt=args.format, kind=args.kind,
                                          at=_now(args))
            out.print(f"read {report.read:,} ids, {report.added:,} new; {len(rl):,} in {args.db}")
        if args.valid_days is not None or action == "mark-updated":
            valid_for = dt.timedelta(days=args.valid_days) if args.valid_days else None
            rl.mark_updated(_now(args), valid_for=valid_for)
            out.print(f"marked up to date at {_now(args).isoformat()}"
                      + (f", valid {args.valid_days} days" if valid_for else ", never stale"))
    return EXIT_VALID


# --- render / scan ----------------------------------------------------------------------

def cmd_render(args: argparse.Namespace) -> int:
    from cccdqr.qr import render

    text = _read_input(args).strip()
    kind = "svg" if args.out.endswith(".svg") else "png"
    qr = render(text, kind=kind, error=args.error, scale=args.scale)
    qr.save(args.out)
    _console().print(f"{args.out}: QR version {qr.version}-{qr.error}, {qr.mode} mode, "
                     f"{qr.modules}×{qr.modules} modules")
    return EXIT_VALID


def cmd_scan(args: argparse.Namespace) -> int:
    from cccdqr.qr import scan

    found = 0
    for image in args.images:
        if not Path(image).is_file():
            raise UsageError(f"cannot read {image}")
        for code in scan(image, backend=args.backend):
            found += 1
            print(code.text)
    return EXIT_VALID if found else EXIT_INVALID


def cmd_demo(args: argparse.Namespace) -> int:
    from cccdqr.cli.demo import run_demo

    return run_demo(Path(args.out_dir))


# --- parser -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cccdqr", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Issue and verify signed QR health certificates bound to the CCCD.")
    p.add_argument("--version", action="version", version=f"cccdqr {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help, epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        c.add_argument("--lang", choices=("vi", "en"), default=default_lang(),
                       help="language of messages (default: from the locale)")
        return c

    def clock(c: argparse.ArgumentParser) -> None:
        c.add_argument("--at", type=parse_time, metavar="TIME",
                       help="the clock to use, ISO 8601 (default: now); naive times are UTC")

    def text_input(c: argparse.ArgumentParser) -> None:
        c.add_argument("text", nargs="?", help="the scanned text; '-' or absent reads stdin")
        c.add_argument("--file", metavar="F", help="read the text from a file")

    c = command("keygen", "make a signing key and add its public key to a trust list")
    c.add_argument("--alg", choices=("ES256", "Ed25519"), default="ES256")
    c.add_argument("--key-out", required=True, metavar="PEM", help="private key file to write (mode 0600)")
    c.add_argument("--trust", required=True, metavar="JSON", help="trust list to create or extend")
    c.add_argument("--issuer", default="VN")
    c.add_argument("--valid-days", type=int, default=0, help="key window length (default: open-ended)")
    c.add_argument("--record-types", default="vtr", help="what the key may sign: v, t, r (default vtr)")
    c.add_argument("--label")
    c.add_argument("--force", action="store_true", help="replace an existing key file")
    clock(c)
    c.set_defaults(run=cmd_keygen)

    c = command("issue", "issue a signed certificate (VN1, or an EU DCC); prints its text")
    c.add_argument("--key", required=True, metavar="PEM", help="the issuer's private key")
    c.add_argument("--format", choices=("VN1", "HC1"), default="VN1",
                   help="VN1 (default) or HC1: an EU DCC, one event, as Viet Nam issues it")
    c.add_argument("--certificate", metavar="PEM", help="HC1: the key's signer certificate (DSC)")
    c.add_argument("--uvci", help="HC1: the certificate identifier (default: generated)")
    c.add_argument("--authority", help="HC1: the issuing authority text (default: the DSC's O)")
    c.add_argument("--issuer", default="VN")
    c.add_argument("--json", metavar="FILE", help="the certificate as JSON")
    c.add_argument("--id", help="CCCD number (12 digits)")
    c.add_argument("--name")
    c.add_argument("--dob", help="date of birth: YYYY-MM-DD, YYYY-MM or YYYY")
    c.add_argument("--sex", choices=("male", "female"))
    c.add_argument("--dose", action="append", default=[], metavar="PRODUCT,N/M,DATE")
    c.add_argument("--test", action="append", default=[], metavar="TYPE,TIME,RESULT")
    c.add_argument("--recovery", action="append", default=[], metavar="FIRST,FROM,UNTIL")
    c.add_argument("--valid-days", type=int, default=365)
    c.add_argument("--cti", metavar="HEX", help="certificate id (8-16 bytes; default random)")
    c.add_argument("--png", metavar="PATH", help="also render the QR (.png or .svg)")
    clock(c)
    c.set_defaults(run=cmd_issue)

    c = command("verify", "verify a scanned code against a trust list")
    text_input(c)
    c.add_argument("--trust", required=True, metavar="JSON")
    c.add_argument("--trust-root", metavar="PEM",
                   help="root public key: the trust list must be signed by it and in its window")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--skew", type=float, default=None, metavar="SECONDS",
                   help="clock skew allowed (default: the policy's, else 300)")
    c.add_argument("--allow-unlisted-province", action="store_true",
                   help="accept CCCD province codes outside the 63 shipped")
    c.add_argument("--policy", metavar="TOML",
                   help="entry rules: a TOML file laid over the default, or 'default'; "
                        "a genuine code that fails them exits 1")
    c.add_argument("--revocation", metavar="DB", help="revocation list (SQLite) to consult")
    c.add_argument("--card", metavar="TEXT",
                   help="the CCCD card's own QR text: check the certificate belongs to its holder "
                        "(a genuine certificate of someone else exits 1)")
    clock(c)
    c.set_defaults(run=cmd_verify)

    c = command("inspect", "decode a code WITHOUT checking its signature")
    text_input(c)
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=cmd_inspect)

    c = command("trust", "list, add, remove, sign or verify trusted keys")
    tsub = c.add_subparsers(dest="trust_command", required=True, metavar="ACTION")
    t = tsub.add_parser("list", help="list the keys")
    t.add_argument("--trust", required=True, metavar="JSON")
    t.add_argument("--trust-root", metavar="PEM", help="the list is signed: check it with this root key")
    t.add_argument("--json", action="store_true")
    clock(t)
    t = tsub.add_parser("add", help="add a public key, X.509 signer certificate, CA or CRL (PEM or DER)")
    t.add_argument("file", help="public key, certificate or CRL file")
    t.add_argument("--trust", required=True, metavar="JSON")
    kind = t.add_mutually_exclusive_group()
    kind.add_argument("--certificate", action="store_true", help="the file is a signer certificate")
    kind.add_argument("--authority", action="store_true",
                      help="the file is a certificate authority (a CSCA, for ICAO VDS-NC)")
    kind.add_argument("--crl", action="store_true", help="the file is an authority's revocation list")
    kind.add_argument("--jwks", action="store_true",
                      help="the file is a SMART Health Card issuer's JWKS (needs --issuer)")
    t.add_argument("--alg", choices=[a.value for a in Algorithm])
    t.add_argument("--issuer")
    t.add_argument("--record-types", default=None,
                   help="what the key may sign: v, t, r (default: all; a certificate's EKU)")
    t.add_argument("--not-before", type=parse_time)
    t.add_argument("--not-after", type=parse_time)
    t.add_argument("--label")
    t = tsub.add_parser("remove", help="remove every key filed under a kid")
    t.add_argument("kid", help="hex or base64")
    t.add_argument("--trust", required=True, metavar="JSON")
    t = tsub.add_parser("sign", help="sign a trust list with a root private key")
    t.add_argument("--trust", required=True, metavar="JSON", help="the unsigned list")
    t.add_argument("--key", required=True, metavar="PEM", help="root private key (ES256 or Ed25519)")
    t.add_argument("--valid-days", type=int, default=30, help="how long the signed list is valid")
    t.add_argument("--out", required=True, metavar="FILE")
    clock(t)
    t = tsub.add_parser("verify", help="check a signed trust list's signature and window")
    t.add_argument("file", help="the signed list")
    t.add_argument("--trust-root", required=True, metavar="PEM", help="root public key")
    clock(t)
    c.set_defaults(run=cmd_trust)

    c = command("revoke", "manage a revocation list (SQLite): add, import, export, count")
    rsub = c.add_subparsers(dest="revoke_command", required=True, metavar="ACTION")
    kinds = sorted(REVOCATION_KINDS)
    r = rsub.add_parser("add", help="revoke ids (hex; rid and uvci as text) or an EU UVCI")
    r.add_argument("ids", nargs="*", metavar="ID")
    r.add_argument("--kind", choices=kinds, default="cti")
    r.add_argument("--uvci", help="an EU DCC UVCI: adds its uci and countrycodeuci hashes")
    r.add_argument("--country", help="the UVCI's issuing country (ISO 3166 alpha-2)")
    r = rsub.add_parser("import", help="import a text (one hex id per line) or CSV (kind,id) file, "
                        "or a SMART Health Card issuer's CRL (JSON)")
    r.add_argument("file")
    r.add_argument("--format", choices=("text", "csv", "shc-crl"), default="csv")
    r.add_argument("--kind", choices=kinds, help="kind of a text file's ids (default cti)")
    rsub.add_parser("mark-updated", help="record that the list is complete as of --at")
    for name in ("add", "import", "mark-updated"):
        rsub.choices[name].add_argument("--valid-days", type=int, default=None,
                       help="mark the list up to date now, trusted this many days "
                            "(0: never stale); verify says REVOCATION_STALE after that")
    r = rsub.add_parser("export", help="write the ids as CSV (kind,id) or text (one kind)")
    r.add_argument("--format", choices=("text", "csv"), default="csv")
    r.add_argument("--kind", choices=kinds)
    r.add_argument("--out", metavar="FILE", help="default: standard output")
    rsub.add_parser("count", help="how many ids, per kind, and whether the list is stale")
    for r in rsub.choices.values():
        r.add_argument("--db", required=True, metavar="SQLITE", help="the revocation list file")
        clock(r)
    c.set_defaults(run=cmd_revoke)

    c = command("render", "render text as a QR image (PNG or SVG by extension)")
    text_input(c)
    c.add_argument("--out", required=True, metavar="PATH")
    c.add_argument("--error", choices=("L", "M", "Q", "H"), default="M")
    c.add_argument("--scale", type=int, default=8)
    c.set_defaults(run=cmd_render)

    c = command("scan", "print the text of every QR code in images")
    c.add_argument("images", nargs="+")
    c.add_argument("--backend", choices=("auto", "zxing", "zbar"), default="auto")
    c.set_defaults(run=cmd_scan)

    c = command("demo", "run the end-to-end demo (keys, issue, QR, scan, verify)")
    c.add_argument("out_dir", nargs="?", default="demo-out")
    c.set_defaults(run=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
    except UsageError as exc:
        _console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_USAGE
    except TrustUnusable as exc:  # trust data stale or not authentic: not the holder's fault
        _console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_CANNOT_CHECK
    except CccdqrError as exc:  # e.g. a certificate that cannot be issued
        _console(stderr=True).print(f"cccdqr: {exc}", style="red")
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
