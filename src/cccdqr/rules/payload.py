"""A :class:`~cccdqr.core.model.HealthCertificate` presented as DGC-shaped JSON,
the ``payload`` CertLogic rules read.

Every format (VN1, EU DCC, SMART Health Cards, VDS-NC) decodes to the same
model, so one rule set serves them all: vaccinations go to ``v``, tests to
``t``, recoveries to ``r``, with the EU DCC field names (``mp``, ``dn``,
``sd``, ``dt``, ``tt``, ``sc``, ``tr``, ``fr``, ``df``, ``du``...). Unlike an
issued EU DCC, the view may hold several events of a kind (a VN1 code lists
every dose). Imports ``core`` only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cccdqr.core.model import HealthCertificate, Recovery, Test, Vaccination
from cccdqr.core.products import dcc_product_details

__all__ = ["DGC_VERSION", "dgc_view"]

DGC_VERSION = "1.3.0"
"""The ``ver`` the view claims: the DGC schema whose field names it uses."""


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _vaccination(v: Vaccination, ci: str) -> dict[str, Any]:
    vp, ma = dcc_product_details(v.product)
    out: dict[str, Any] = {"tg": str(v.disease), "vp": vp, "mp": v.product, "ma": ma,
                           "dn": v.dose_number, "dt": v.date.isoformat(), "co": v.country, "ci": ci}
    if v.doses_in_series is not None:
        out["sd"] = v.doses_in_series
    return out


def _test(t: Test, ci: str) -> dict[str, Any]:
    return {"tg": str(t.disease), "tt": t.test_type, "sc": _utc(t.sampled_at), "tr": str(t.result),
            "co": t.country, "ci": ci}


def _recovery(r: Recovery, ci: str) -> dict[str, Any]:
    return {"tg": str(r.disease), "fr": r.first_positive.isoformat(), "df": r.valid_from.isoformat(),
            "du": r.valid_until.isoformat(), "co": r.country, "ci": ci}


def dgc_view(cert: HealthCertificate, *, certificate_id: str | None = None) -> dict[str, Any]:
    """The DGC-shaped JSON of ``cert``; ``certificate_id`` (a UVCI) goes to
    every event's ``ci`` when known."""
    ci = certificate_id or ""
    subject = cert.subject
    nam: dict[str, str] = {}
    family = subject.family_name if subject.family_name or subject.given_name else subject.name
    if family:
        nam["fn"] = family
    if subject.given_name:
        nam["gn"] = subject.given_name
    if subject.family_name_icao:
        nam["fnt"] = subject.family_name_icao
    if subject.given_name_icao:
        nam["gnt"] = subject.given_name_icao
    out: dict[str, Any] = {"ver": DGC_VERSION, "nam": nam, "dob": subject.dob}
    if cert.vaccinations:
        out["v"] = [_vaccination(v, ci) for v in cert.vaccinations]
    if cert.tests:
        out["t"] = [_test(t, ci) for t in cert.tests]
    if cert.recoveries:
        out["r"] = [_recovery(r, ci) for r in cert.recoveries]
    return out
