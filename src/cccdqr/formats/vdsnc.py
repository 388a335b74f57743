"""ICAO VDS-NC (Visible Digital Seal for non-constrained environments), verify only.

Wire: a JSON object ``{"data": {"hdr": {"t", "v", "is"}, "msg": {...}},
"sig": {"alg", "cer", "sigvl"}}``. The signature ``sigvl`` (base64url, raw
r||s) covers the UTF-8 bytes of the canonical JSON of ``data`` (RFC 8785: keys
sorted by UTF-16 code units, no whitespace); ``cer`` is the barcode signer
certificate (base64url DER), authenticated against the trust store's CSCAs by
:mod:`cccdqr.trust.x509chain`. ``icao.vacc`` (proof of vaccination) and ``icao.test``
(proof of testing) map into :class:`~cccdqr.core.model.HealthCertificate`.
Decisions are in ``docs/interop-vdsnc.md``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn
from collections.abc import Iterable

from cccdqr.wire import cose
from cccdqr.core._reject import Reject
from cccdqr.core.errors import InvalidCertificate
from cccdqr.core.limits import Limits
from cccdqr.core.model import (
    DISEASE_COVID19,
    RESULT_DETECTED,
    RESULT_NOT_DETECTED,
    TEST_NAA,
    TEST_RAT,
    HealthCertificate,
    Sex,
    Subject,
    Test,
    Vaccination,
    parse_dob,
)
from cccdqr.core.reasons import Reason
from cccdqr.trust.store import TrustedKey, TrustStore
from cccdqr.trust.x509chain import authenticate_signer
from cccdqr.formats._base import Contents, Envelope

__all__ = ["NAME", "alpha2", "canonical_json", "decode_unverified", "matches"]

NAME = "VDS-NC"
TYPE_VACCINATION = "icao.vacc"
TYPE_TEST = "icao.test"
VERSION = 1
MAX_DEPTH = 8
"""Deepest nesting of JSON objects and arrays accepted; a proof of vaccination
needs 7 (the document, data, msg, ve, an event, vd, a dose)."""
_MAX_SAFE_INT = 2**53 - 1  # RFC 8785 serialises numbers as IEEE doubles
_ALGORITHMS = {"ES256": cose.Algorithm.ES256}
_SPEC_ALGORITHMS = frozenset({"ES256", "ES384", "ES512"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_DETECT = re.compile(r'"sig"\s*:')
_ICAO_NAME = re.compile(r"[A-Z0-9<]{1,80}")

# ISO 3166-1 alpha-3 -> alpha-2 (the 249 assigned codes), plus ICAO Doc 9303's
# "D<<" for Germany. Other ICAO codes (UNO, XXA, ...) have no alpha-2 and are refused.
_ISO3166 = (
    "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG "
    "AUSAU AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL "
    "BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH "
    "CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX "
    "CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER ESHEH ESPES "
    "ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH GIBGI "
    "GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM "
    "HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT "
    "JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB "
    "LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC MDAMD "
    "MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR MSRMS "
    "MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO "
    "NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR PRKKP "
    "PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG SGSGS "
    "SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR SVKSK SVNSI "
    "SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM TLSTL TONTO "
    "TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC "
    "VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW D<<DE")
ALPHA3_TO_ALPHA2 = {entry[:3]: entry[3:] for entry in _ISO3166.split()}

# ICD-11 codes of single products (WHO DDCC concept map, "equivalent" entries)
# -> cccdqr product codes. Class codes such as XM68M6 ("COVID-19 vaccines") name
# no product; then the brand word in "nam" decides, else "nam" itself is kept.
_ICD11_PRODUCTS = {
    "XM8NQ0": "EU/1/20/1528", "XM3DT5": "EU/1/20/1507", "XM4YL8": "EU/1/21/1529",
    "XM6QV1": "EU/1/20/1525", "XM97T2": "Covishield", "XM8866": "BBIBP-CorV",
    "XM9FQ7": "Hayat-Vax", "XM5ZJ4": "Sputnik-V", "XM5QM6": "Sputnik-Light",
    "XM7HT3": "CoronaVac", "XM1G90": "Covaxin",
}
_BRANDS = {
    "comirnaty": "EU/1/20/1528", "spikevax": "EU/1/20/1507", "vaxzevria": "EU/1/21/1529",
    "covishield": "Covishield", "jcovden": "EU/1/20/1525", "nuvaxovid": "EU/1/21/1618",
    "coronavac": "CoronaVac", "covaxin": "Covaxin", "abdala": "Abdala",
    "nanocovax": "VN-NANOCOVAX",
}
_COVID19_ICD11 = frozenset({"RA01", "RA01.0"})
_SEX = {"M": Sex.MALE, "F": Sex.FEMALE, "X": None}
_TEST_TYPES = {"molecular(pcr)": TEST_NAA, "molecular(other)": TEST_NAA, "antigen": TEST_RAT}
_TEST_RESULTS = {"negative": RESULT_NOT_DETECTED, "normal": RESULT_NOT_DETECTED,
                 "positive": RESULT_DETECTED, "abnormal": RESULT_DETECTED}


def matches(text: str) -> bool:
    """A JSON object that names a ``sig`` member: no other format starts with
    ``{``, and JSON without a signature is not a seal (``UNKNOWN_FORMAT``)."""
    return text.startswith("{") and _DETECT.search(text) is not None


# --- JSON, strictly --------------------------------------------------------------------

class _JsonError(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _JsonError("duplicate member name")
    return out


def _no_float(text: str) -> NoReturn:
    raise _JsonError(f"non-integer number {text[:20]}")


def _int(text: str) -> int:
    value = int(text) if len(text.lstrip("-")) <= 16 else _MAX_SAFE_INT + 1
    if abs(value) > _MAX_SAFE_INT:
        raise _JsonError("integer beyond 2**53")
    return value


def _no_constant(text: str) -> NoReturn:
    raise _JsonError(f"{text} is not JSON")


def _depth(value: Any, level: int = 1) -> None:
    if not isinstance(value, (dict, list)):
        return
    if level > MAX_DEPTH:
        raise _JsonError(f"objects and arrays nested deeper than {MAX_DEPTH}")
    for child in value.values() if isinstance(value, dict) else value:
        _depth(child, level + 1)


def parse_json(text: str, limits: Limits) -> dict[str, Any]:
    """The document as a dict: size cap, no duplicate names, no floats, no
    NaN/Infinity, integers within 2**53, nesting within ``MAX_DEPTH``."""
    cap = limits.max_json_bytes
    if len(text) > cap or len(text.encode("utf-8", "surrogatepass")) > cap:
        raise Reject(Reason.JSON_TOO_LARGE, f"more than {limits.max_json_bytes} bytes")
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_float=_no_float,
                         parse_int=_int, parse_constant=_no_constant)
        _depth(doc)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and _JsonError are ValueErrors
        raise Reject(Reason.BAD_JSON, str(exc)[:200]) from None
    if not isinstance(doc, dict):
        raise Reject(Reason.BAD_JSON, "the document is not a JSON object")
    return doc


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _canon(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _canon(value[k])
                              for k in sorted(value, key=_utf16_key)) + "}"
    raise _JsonError(f"cannot canonicalise {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a value parsed by :func:`parse_json`: members
    sorted by UTF-16 code units, no whitespace, strings escaped only where JSON
    requires it (``"``, ``\\``, controls; ``\\u00xx`` lowercase), UTF-8. Numbers
    are integers only (the parser refuses others), so ``str(n)`` is exact.
    ``ValueError`` for lone surrogates, which are not I-JSON."""
    return _canon(value).encode("utf-8")


# --- the envelope ----------------------------------------------------------------------

def _b64url(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _B64URL.fullmatch(value):
        raise Reject(Reason.BAD_JSON, f"{what} is not base64url text")
    body = value.rstrip("=")
    if len(body) % 4 == 1 or (value != body and len(value) % 4):
        raise Reject(Reason.BAD_JSON, f"{what} has a bad base64url length")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise Reject(Reason.BAD_JSON, f"{what} is not base64url") from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != body:
        # RFC 4648 3.5: unused bits must be zero, so one value has one spelling
        raise Reject(Reason.BAD_JSON, f"{what} is not canonical base64url")
    return raw


def _members(value: object, what: str, required: frozenset[str],
             optional: frozenset[str] = frozenset(), reason: Reason = Reason.BAD_JSON
             ) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Reject(reason, f"{what} is not an object")
    missing = sorted(required - set(value))
    if missing:
        raise Reject(reason, f"{what} lacks {', '.join(missing)}")
    unknown = sorted(set(value) - required - optional)
    if unknown:
        raise Reject(reason, f"{what} has unknown members {', '.join(unknown)}")
    return value


@dataclass
class _Seal:
    """One decoded seal: the parsed ``data`` and the signer certificate. It
    remembers whether the resolver found a CRL, so ``open`` can warn."""

    data: dict[str, Any]
    cert_der: bytes
    crl_checked: bool | None = None

    def resolve(self, trust: TrustStore, now: dt.datetime, skew: dt.timedelta) -> TrustedKey:
        chain = authenticate_signer(self.cert_der, trust.authorities, trust.crls,
                                    now=now, skew=skew)
        self.crl_checked = chain.crl is not None
        return chain.key

    def open(self, limits: Limits) -> Contents:
        contents = open_data(self.data)
        if self.crl_checked is False:
            return Contents(**{**_fields(contents),
                               "warnings": (*contents.warnings, Reason.REVOCATION_NOT_CHECKED)})
        return contents


def _fields(contents: Contents) -> dict[str, Any]:
    return {name: getattr(contents, name) for name in Contents.__dataclass_fields__}


def decode_unverified(text: str, limits: Limits) -> Envelope:
    doc = _members(parse_json(text, limits), "the document", frozenset({"data", "sig"}))
    data = _members(doc["data"], "data", frozenset({"hdr", "msg"}))
    sig = _members(doc["sig"], "sig", frozenset({"alg", "cer", "sigvl"}))
    if not all(isinstance(sig[k], str) for k in ("alg", "cer", "sigvl")):
        raise Reject(Reason.BAD_JSON, "sig members must be strings")
    try:
        signed = canonical_json(data)
    except ValueError as exc:  # a lone surrogate
        raise Reject(Reason.BAD_JSON, f"data is not I-JSON: {str(exc)[:100]}") from None
    alg = _ALGORITHMS.get(sig["alg"])
    if alg is None:
        known = "is in the VDS-NC spec but not supported" if sig["alg"] in _SPEC_ALGORITHMS \
            else "is not a VDS-NC algorithm"
        raise Reject(Reason.ALG_NOT_ALLOWED, f"{sig['alg'][:20]!r} {known}")
    cert_der = _b64url(sig["cer"], "sig.cer")
    signature = _b64url(sig["sigvl"], "sig.sigvl")
    if not cert_der:
        raise Reject(Reason.BAD_JSON, "sig.cer is empty")
    seal = _Seal(data=data, cert_der=cert_der)
    return Envelope(format=NAME, alg=alg, kid=hashlib.sha256(cert_der).digest()[:8],
                    signed=signed, signature=signature, open=seal.open, resolve=seal.resolve)


# --- the message (read only after the signature holds) ---------------------------------

def _record(what: str) -> Reject:
    return Reject(Reason.BAD_RECORD, what)


def _obj(value: object, what: str, required: set[str], optional: Iterable[str] = ()
         ) -> dict[str, Any]:
    return _members(value, what, frozenset(required), frozenset(optional), Reason.BAD_RECORD)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _record(f"{what} must be non-empty text")
    return value


def _opt_text(m: dict[str, Any], key: str, what: str) -> str | None:
    return _text(m[key], what) if key in m else None


def _date(value: object, what: str) -> dt.date:
    text = _text(value, what)
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _record(f"{what} is not YYYY-MM-DD: {text[:20]!r}") from None


def alpha2(code: object, what: str, reason: Reason = Reason.BAD_RECORD) -> str:
    """ISO 3166-1 alpha-2 for an ICAO three-letter code (``AUS`` -> ``AU``)."""
    if not isinstance(code, str) or code not in ALPHA3_TO_ALPHA2:
        raise Reject(reason, f"{what} {str(code)[:10]!r} is not an ISO 3166 alpha-3 country")
    return ALPHA3_TO_ALPHA2[code]


def _subject(pid: dict[str, Any], what: str) -> Subject:
    n = _text(pid["n"], f"{what}.n")
    primary, sep, secondary = n.partition("  ")  # ICAO 9303: two spaces between the parts
    primary, secondary = primary.strip(), secondary.strip()
    parts: dict[str, Any] = {}
    if sep and primary and secondary:
        parts = {"family_name": primary, "given_name": secondary}
        fam, giv = primary.replace(" ", "<"), secondary.replace(" ", "<")
        if _ICAO_NAME.fullmatch(fam) and _ICAO_NAME.fullmatch(giv):
            parts.update(family_name_icao=fam, given_name_icao=giv)
    if "dob" not in pid:
        raise _record("no date of birth (cccdqr needs one to bind the holder)")
    dob = _text(pid["dob"], f"{what}.dob")
    parse_dob(dob)  # YYYY, YYYY-MM or YYYY-MM-DD
    sex = pid.get("sex")
    if sex is not None and (not isinstance(sex, str) or sex not in _SEX):
        raise _record(f"{what}.sex must be M, F or X")
    name = " ".join(p for p in (primary, secondary) if p) if sep else n.strip()
    return Subject(name=name, dob=dob, sex=_SEX[sex] if sex else None, **parts)


def _disease(value: object) -> int:
    if value is None or (isinstance(value, str) and value in _COVID19_ICD11):
        return DISEASE_COVID19
    # A signed code for another disease is not forged, only beyond this verifier.
    raise Reject(Reason.UNSUPPORTED_CONTENT, f"disease {str(value)[:12]!r} is not one cccdqr maps")


def _product(des: str, nam: str) -> str:
    if des in _ICD11_PRODUCTS:
        return _ICD11_PRODUCTS[des]
    for word in re.findall(r"[a-z0-9]+", nam.casefold()):
        if word in _BRANDS:
            return _BRANDS[word]
    return nam.strip()


def _vaccinations(msg: dict[str, Any]) -> tuple[Vaccination, ...]:
    events = msg["ve"]
    if not isinstance(events, list) or not events:
        raise _record("ve must be a non-empty array")
    out = []
    for i, raw in enumerate(events):
        ve = _obj(raw, f"ve[{i}]", {"des", "nam", "vd"}, {"dis"})
        product = _product(_text(ve["des"], "ve.des"), _text(ve["nam"], "ve.nam"))
        disease = _disease(ve.get("dis"))
        doses = ve["vd"]
        if not isinstance(doses, list) or not doses:
            raise _record(f"ve[{i}].vd must be a non-empty array")
        for j, raw_dose in enumerate(doses):
            vd = _obj(raw_dose, f"ve[{i}].vd[{j}]", {"dvc", "seq", "ctr", "lot"}, {"adm", "dvn"})
            seq = vd["seq"]
            if type(seq) is not int or not 1 <= seq <= 99:
                raise _record("vd.seq must be an integer 1..99")
            _text(vd["lot"], "vd.lot")
            if "dvn" in vd:
                _date(vd["dvn"], "vd.dvn")
            out.append(Vaccination(product=product, dose_number=seq, date=_date(vd["dvc"], "vd.dvc"),
                                   country=alpha2(vd["ctr"], "vd.ctr"), disease=disease,
                                   administering_unit=_opt_text(vd, "adm", "vd.adm")))
    return tuple(out)


def _sample_time(value: object) -> dt.datetime:
    text = _text(value, "dat.sc")
    try:
        at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _record(f"dat.sc is not an ISO 8601 time: {text[:30]!r}") from None
    if at.tzinfo is None or len(text) < 19:
        raise _record("dat.sc needs a time and a UTC offset")
    return at.replace(microsecond=0)


def _test(msg: dict[str, Any]) -> Test:
    sp = _obj(msg["sp"], "sp", {"spn", "ctr", "cd"})
    _text(sp["spn"], "sp.spn")
    _obj(sp["cd"], "sp.cd", {"p"}, {"e", "a"})
    dat = _obj(msg["dat"], "dat", {"sc", "ri"})
    tr = _obj(msg["tr"], "tr", {"tc", "r"}, {"m"})
    kind = _text(tr["tc"], "tr.tc").casefold()
    if kind not in _TEST_TYPES:
        raise Reject(Reason.UNSUPPORTED_CONTENT, f"test type {kind[:20]!r} is not one cccdqr maps")
    outcome = _text(tr["r"], "tr.r").casefold()
    if outcome not in _TEST_RESULTS:
        raise _record(f"tr.r {outcome[:20]!r} is not a known result")
    return Test(test_type=_TEST_TYPES[kind], sampled_at=_sample_time(dat["sc"]),
                result=_TEST_RESULTS[outcome], country=alpha2(sp["ctr"], "sp.ctr"))


def _revocation_ids(uvci: str) -> tuple[tuple[str, bytes], ...]:
    """Kind ``uvci``: the identifier as written (UTF-8), and the first 16 bytes
    of its SHA-256 (the form that keeps a published list free of personal data)."""
    raw = uvci.encode("utf-8")
    return (("uvci", raw), ("uvci", hashlib.sha256(raw).digest()[:16]))


def open_data(data: dict[str, Any]) -> Contents:
    """Map the signed ``data`` object into :class:`Contents`."""
    hdr = _members(data["hdr"], "hdr", frozenset({"t", "v", "is"}), reason=Reason.BAD_CLAIMS)
    kind, version = hdr["t"], hdr["v"]
    if not isinstance(kind, str) or type(version) is not int:
        raise Reject(Reason.BAD_CLAIMS, "hdr.t must be text and hdr.v an integer")
    if kind not in (TYPE_VACCINATION, TYPE_TEST):
        raise Reject(Reason.UNSUPPORTED_CONTENT, f"seal type {kind[:20]!r}")
    if version != VERSION:
        raise Reject(Reason.UNSUPPORTED_VERSION, f"{kind} version {version}")
    issuer = alpha2(hdr["is"], "hdr.is", Reason.BAD_CLAIMS)
    try:
        if kind == TYPE_VACCINATION:
            msg = _obj(data["msg"], "msg", {"uvci", "pid", "ve"})
            pid = _obj(msg["pid"], "pid", {"n"}, {"dob", "sex", "i", "ai"})
            for key in ("i", "ai"):
                _opt_text(pid, key, f"pid.{key}")
            cert_id = _text(msg["uvci"], "uvci")
            certificate = HealthCertificate(subject=_subject(pid, "pid"),
                                            vaccinations=_vaccinations(msg))
        else:
            msg = _obj(data["msg"], "msg", {"utci", "pid", "sp", "dat", "tr"}, {"opt"})
            pid = _obj(msg["pid"], "pid", {"n", "dob", "dt", "dn"})
            _text(pid["dt"], "pid.dt"), _text(pid["dn"], "pid.dn")
            cert_id = _text(msg["utci"], "utci")
            certificate = HealthCertificate(subject=_subject(pid, "pid"), tests=(_test(msg),))
    except InvalidCertificate as exc:
        raise _record(str(exc)) from None
    return Contents(certificate=certificate, issuer=issuer, certificate_id=cert_id,
                    revocation_ids=_revocation_ids(cert_id))
