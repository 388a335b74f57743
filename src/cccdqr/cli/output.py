"""How results look on a terminal: the verdict banner, the certificate, the
card match. Used by ``verify``, ``inspect`` and the demo.
"""

from __future__ import annotations

from typing import Any

from cccdqr.checkpoint.binding import BindingResult
from cccdqr.cli.common import STYLE, SYMBOL, console
from cccdqr.core.model import HealthCertificate
from cccdqr.core.products import product_name
from cccdqr.core.reasons import Lang, Status
from cccdqr.engine.result import VerificationResult


def show_certificate(out: Any, cert: HealthCertificate, lang: Lang) -> None:
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
    out = console()
    banner = f" {SYMBOL[result.status]} {result.status.message(lang).upper()} "
    out.print(banner, style=STYLE[result.status])
    for reason in result.reasons:
        out.print(f"  [{reason.value}] {reason.message(lang)}")
    if result.format:
        out.print(f"  format {result.format} · alg {result.alg} · kid "
                  f"{result.kid.hex() if result.kid else '-'} · issuer {result.issuer or '-'}")
    if result.certificate is not None and result.signature_verified:
        show_certificate(out, result.certificate, lang)
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



def print_binding(binding: BindingResult, lang: Lang) -> None:
    """The card-to-certificate match, as a word and a symbol, then each mismatch."""
    out = console()
    status = Status.VALID if binding.matched else Status.INVALID
    out.print(f"  {SYMBOL[status]} {binding.message(lang)}",
              style="bold green" if binding.matched else "bold red")
    for reason in binding.reasons:
        out.print(f"    [{reason.value}] {reason.message(lang)}", style="red")
    for warning in binding.warnings:
        out.print(f"    note: {warning.message(lang)}", style="dim")
