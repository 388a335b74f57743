#!/usr/bin/env python3
"""Build the worked example of docs/FORMAT.md, stage by stage, with the library.

    python docs/format_example.py             # every stage, as plain text
    python docs/format_example.py --markdown  # the block that FORMAT.md embeds
    python docs/format_example.py --json      # build_example() as JSON
    python docs/format_example.py --write     # refresh the generated parts of FORMAT.md

The key is TEST-ONLY: ``cccdqr.testkeys.test_ed25519_key("format-example")``,
which anyone can recompute from its label. It must never sign a real
certificate. Ed25519 signatures are deterministic, and the clock and the cti
are fixed, so every run gives the same bytes. tests/test_format_doc.py checks
that FORMAT.md shows exactly what this script builds.

Each stage is computed with the library's own building blocks
(``native.claims_to_cbor``, ``cose.sig_structure``, ``native.wrap`` ...) and the
result is checked against what ``cccdqr.Issuer(...).issue(...)`` produced, so
the document shows what the code does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import segno
from cryptography.hazmat.primitives import serialization

import cccdqr
from cccdqr import testkeys
from cccdqr.wire import cbor as _cbor
from cccdqr.wire import cose
from cccdqr.wire.base45 import b45decode
from cccdqr.formats import native
from cccdqr.core.limits import Limits
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination
from cccdqr.core.products import PRODUCT_NAMES, PRODUCT_NUMBERS

__all__ = ["build_example", "example_certificate", "generated_parts", "main", "size_sentence",
           "size_table", "to_markdown", "update_doc"]

KEY_LABEL = "format-example"
ISSUER = "VN"
NOW = dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc)
VALID_FOR = dt.timedelta(days=365)
CTI = bytes.fromhex("0102030405060708090a0b0c")
QR_ERROR = "M"
BUDGET_VERSION = 10  # the design's size target: QR version 10 at ECC M

_EPOCH = dt.date(1970, 1, 1)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DOSES = (
    ("EU/1/20/1528", 1, 2, dt.date(2021, 8, 1)),
    ("EU/1/20/1528", 2, 2, dt.date(2021, 9, 1)),
    ("EU/1/20/1507", 3, 3, dt.date(2022, 3, 15)),
)


def example_certificate(doses: int = 3, name: str = "Nguyễn Văn An") -> HealthCertificate:
    """The sample citizen, with the first ``doses`` doses of the example."""
    return HealthCertificate(
        subject=Subject(id_number="079095012345", name=name, dob="1995-08-15", sex=Sex.MALE),
        vaccinations=tuple(
            Vaccination(product=p, dose_number=n, doses_in_series=s, date=d)
            for p, n, s, d in _DOSES[:doses]),
    )


def _issuer() -> cccdqr.Issuer:
    return cccdqr.Issuer(testkeys.test_ed25519_key(KEY_LABEL), ISSUER, deterministic=True)


def _issue(cert: HealthCertificate) -> str:
    return _issuer().issue(cert, now=NOW, valid_for=VALID_FOR, cti=CTI)


def _qr(text: str) -> segno.QRCode:
    return segno.make(text, error=QR_ERROR, boost_error=False, micro=False)


def _version(text: str) -> int:
    return int(_qr(text).version)  # never a Micro QR version: micro=False


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _day(days: int) -> str:
    return (_EPOCH + dt.timedelta(days=days)).isoformat()


# --- what each field means, for the comments of the two CBOR listings --------------

_CLAIM_NAMES = {1: "iss", 4: "exp", 6: "iat", 7: "cti", native.RECORD_CLAIM: "the record"}
_RECORD_NAMES = {0: "record version", 1: "subject", 2: "vaccinations", 3: "tests",
                 4: "recoveries"}
_SUBJECT_NAMES = {1: "CCCD number", 2: "name", 3: "date of birth", 4: "sex"}
_VACCINATION_NAMES = {1: "disease", 2: "product", 3: "dose number", 4: "doses in series",
                      5: "date", 6: "country", 7: "administering unit"}


def _note(path: tuple[Any, ...], value: Any) -> str:
    """A short comment for the item at ``path`` in the claims (no '/' in it: it
    goes inside an EDN comment)."""
    if len(path) == 1:
        name = _CLAIM_NAMES.get(path[0], "")
        if path[0] in (4, 6):
            return f"{name}: {_iso(value)}"
        return name
    if path[0] != native.RECORD_CLAIM:
        return ""
    if len(path) == 2:
        return _RECORD_NAMES.get(path[1], "")
    if path[1] == 1 and len(path) == 3:
        name = _SUBJECT_NAMES.get(path[2], "")
        if path[2] == 3 and type(value) is int:
            return f"{name}: {_day(value)}"
        if path[2] == 4:
            return f"{name}: {Sex(value).name.lower()}"
        return name
    if path[1] == 2 and len(path) == 3:  # one vaccination, shown inline
        product = PRODUCT_NUMBERS.get(value[2], value[2])
        return (f"{PRODUCT_NAMES.get(product, product).split(' (')[0]}, dose {value[3]} of "
                f"{value[4]}, {_day(value[5])}")
    if path[1] == 2 and len(path) == 4:
        name = _VACCINATION_NAMES.get(path[3], "")
        if path[3] == 2 and value in PRODUCT_NUMBERS:
            return f"{name}: {PRODUCT_NAMES[PRODUCT_NUMBERS[value]].split(' (')[0]}"
        if path[3] == 5:
            return f"{name}: {_day(value)}"
        return name
    return ""


def _header_note(path: tuple[Any, ...], value: Any) -> str:
    if path == (cose.HEADER_ALG,):
        alg = cose.Algorithm.from_cose_id(value)
        return f"alg: {alg.value if alg else value}"
    return "kid" if path == (cose.HEADER_KID,) else ""


# --- CBOR diagnostic notation (RFC 8949 section 8, comments as in RFC 8610 appendix G.6)

def _diag_inline(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, list):
        return "[" + ", ".join(_diag_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_diag_inline(k)}: {_diag_inline(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"no diagnostic notation for {type(value).__name__}")


def diagnostic(value: Any, note: Callable[[tuple[Any, ...], Any], str] = _note) -> str:
    """Diagnostic notation of a decoded CBOR item, one entry per line, each with
    a ``/ comment /``. Maps and arrays of scalars inside an array stay on one line."""
    rows: list[tuple[str, str]] = []

    def walk(v: Any, path: tuple[Any, ...], indent: str, lead: str, tail: str,
             in_array: bool) -> None:
        container = isinstance(v, (dict, list))
        flat = container and in_array and not any(
            isinstance(c, (dict, list)) for c in (v.values() if isinstance(v, dict) else v))
        if not container or flat:
            rows.append((indent + lead + _diag_inline(v) + tail, note(path, v) if path else ""))
            return
        opener, closer = ("{", "}") if isinstance(v, dict) else ("[", "]")
        rows.append((indent + lead + opener, note(path, v) if path else ""))
        items = list(v.items()) if isinstance(v, dict) else list(enumerate(v))
        for i, (k, child) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            key = f"{_diag_inline(k)}: " if isinstance(v, dict) else ""
            walk(child, path + (k,), indent + "  ", key, comma, isinstance(v, list))
        rows.append((indent + closer + tail, ""))

    walk(value, (), "", "", "", False)
    width = max(len(text) for text, _ in rows) + 2
    return "\n".join(f"{text:<{width}}/ {comment} /".rstrip() if comment else text
                     for text, comment in rows)


# --- annotated hex (one CBOR head per line) -----------------------------------------

def annotate(data: bytes, labels: dict[bytes, str] | None = None,
             note: Callable[[tuple[Any, ...], Any], str] | None = None) -> str:
    """An annotated hex dump of definite-length CBOR: one head per line, indented
    by depth. A byte string whose content is in ``labels`` is shown by its label;
    other long byte strings in rows of 32 bytes."""
    labels = labels or {}
    rows: list[tuple[str, str]] = []

    def head(pos: int) -> tuple[int, int, bytes, int]:
        ib = data[pos]
        major, info = ib >> 5, ib & 31
        if info < 24:
            return major, info, data[pos:pos + 1], pos + 1
        if info > 27:
            raise ValueError("annotate() handles definite lengths only")
        size = 1 << (info - 24)
        end = pos + 1 + size
        return major, int.from_bytes(data[pos + 1:end], "big"), data[pos:end], end

    def item(pos: int, depth: int, path: tuple[Any, ...]) -> tuple[int, Any]:
        major, arg, raw, pos = head(pos)
        pad = "  " * depth
        h = raw.hex()
        extra = ""
        value: Any
        if major == 0:
            value, what = arg, f"unsigned({arg})"
        elif major == 1:
            value, what = -1 - arg, f"negative({-1 - arg})"
        elif major == 3:
            content = data[pos:pos + arg]
            pos += arg
            value = content.decode("utf-8")
            h += " " + content.hex()
            what = f"text({arg}) {json.dumps(value, ensure_ascii=False)}"
        elif major == 2:
            content = data[pos:pos + arg]
            pos += arg
            value = content
            what = f"bytes({arg})"
            if content in labels:
                what += " " + labels[content]
            elif arg <= 16:
                h += " " + content.hex()
            else:
                extra = "\n".join(content[i:i + 32].hex() for i in range(0, arg, 32))
        elif major == 4:
            rows.append((pad + h, f"array({arg})" + _suffix(note, path, None)))
            value = []
            for i in range(arg):
                pos, v = item(pos, depth + 1, path + (i,))
                value.append(v)
            return pos, value
        elif major == 5:
            rows.append((pad + h, f"map({arg})" + _suffix(note, path, None)))
            value = {}
            for _ in range(arg):
                pos, k = item(pos, depth + 1, ())
                pos, v = item(pos, depth + 1, path + (k,))
                value[k] = v
            return pos, value
        elif major == 6:
            rows.append((pad + h, f"tag({arg})" + (" COSE_Sign1" if arg == 18 else "")))
            return item(pos, depth + 1, path)
        else:
            raise ValueError("annotate() does not show simple values or floats")
        rows.append((pad + h, what + _suffix(note, path, value)))
        for line in extra.splitlines():
            rows.append((pad + "  " + line, ""))
        return pos, value

    end, _ = item(0, 0, ())
    if end != len(data):
        raise ValueError("bytes after the CBOR item")
    width = max(len(text) for text, _ in rows) + 2
    return "\n".join(f"{text:<{width}}# {comment}".rstrip() if comment else text
                     for text, comment in rows)


def _suffix(note: Callable[[tuple[Any, ...], Any], str] | None, path: tuple[Any, ...],
            value: Any) -> str:
    if note is None or not path:
        return ""
    if value is None and len(path) == 3 and path[:2] == (native.RECORD_CLAIM, 2):
        return ""  # a vaccination map: its fields carry the comments
    text = note(path, value) if value is not None or len(path) <= 2 else ""
    return f"  {text}" if text else ""


# --- the example ----------------------------------------------------------------------

def build_example() -> dict[str, Any]:
    """Every stage of the worked example, as hex and numbers.

    Raises ``AssertionError`` if a stage rebuilt from the library's parts differs
    from what ``Issuer.issue`` produced.
    """
    key = testkeys.test_ed25519_key(KEY_LABEL)
    issuer = _issuer()
    cert = example_certificate()
    text = _issue(cert)

    public = key.public_key()
    spki = public.public_bytes(serialization.Encoding.DER,
                               serialization.PublicFormat.SubjectPublicKeyInfo)
    raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = cose.spki_kid(public)
    assert kid == issuer.kid

    iat = int(NOW.timestamp())
    exp = iat + int(VALID_FOR.total_seconds())

    # 1-2. the claims, deterministic CBOR
    claims = native.claims_to_cbor(cert, issuer=ISSUER, iat=iat, exp=exp, cti=CTI)
    claims_obj = cbor2.loads(claims)
    assert _cbor.dumps(claims_obj) == claims, "claims are not in deterministic form"

    # 3. the protected header {1: alg, 4: kid}
    alg = issuer.alg
    protected = _cbor.dumps({cose.HEADER_ALG: alg.cose_id, cose.HEADER_KID: kid})

    # 4-5. the Sig_structure and the signature over it
    to_be_signed = cose.sig_structure(protected, claims)
    signature = cose.sign_bytes(alg, key, to_be_signed, deterministic=True)
    assert cose.verify_bytes(alg, public, signature, to_be_signed)

    # 6. COSE_Sign1: tag 18, [protected, {}, payload, signature]
    cose_bytes = b"\xd2" + _cbor.dumps([protected, {}, claims, signature])
    assert cose_bytes == cose.encode_sign1(claims, alg=alg, key=key, kid=kid,
                                           deterministic=True)

    # 7. zlib only when strictly shorter
    packed = zlib.compress(cose_bytes, 9)
    zlib_used = len(packed) < len(cose_bytes)
    z = packed if zlib_used else cose_bytes

    # 8. the text
    vn1 = native.wrap(cose_bytes)
    assert vn1 == text, "the stages do not rebuild what Issuer.issue produced"
    assert b45decode(vn1[len(native.PREFIX):]) == z
    assert native.unwrap(vn1, Limits()) == cose_bytes
    msg = cose.decode_sign1(cose_bytes, Limits())
    assert (msg.protected_bytes, msg.payload, msg.signature) == (protected, claims, signature)

    qr = _qr(vn1)
    return {
        "key_label": KEY_LABEL,
        "alg": alg.value,
        "alg_id": alg.cose_id,
        "public_key_hex": raw_public.hex(),
        "spki_hex": spki.hex(),
        "spki_len": len(spki),
        "kid_hex": kid.hex(),
        "issuer": ISSUER,
        "iat": iat,
        "exp": exp,
        "iat_iso": _iso(iat),
        "exp_iso": _iso(exp),
        "cti_hex": CTI.hex(),
        "certificate": cccdqr.certificate_to_dict(cert),
        "claims_diag": diagnostic(claims_obj),
        "claims_annotated": annotate(claims, note=_note),
        "claims_hex": claims.hex(),
        "claims_len": len(claims),
        "protected_hex": protected.hex(),
        "protected_len": len(protected),
        "protected_annotated": annotate(protected, note=_header_note),
        "sig_structure_hex": to_be_signed.hex(),
        "sig_structure_len": len(to_be_signed),
        "sig_structure_annotated": annotate(
            to_be_signed, labels={protected: "body_protected: the protected header",
                                  b"": "external_aad: empty",
                                  claims: "payload: the claims"}),
        "signature_hex": signature.hex(),
        "signature_len": len(signature),
        "cose_hex": cose_bytes.hex(),
        "cose_len": len(cose_bytes),
        "cose_annotated": annotate(
            cose_bytes, labels={protected: "protected: the protected header",
                                claims: "payload: the claims", signature: "signature"},
            note=lambda path, value: "unprotected: empty" if path == (1,) else ""),
        "zlib_used": zlib_used,
        "zlib_len": len(packed),
        "zlib_hex": packed.hex() if zlib_used else None,
        "z_len": len(z),
        "base45_len": len(vn1) - len(native.PREFIX),
        "vn1": vn1,
        "vn1_len": len(vn1),
        "qr_version": qr.version,
        "qr_error": qr.error,
        "qr_mode": qr.mode,
        "qr_modules": qr.symbol_size(border=0)[0],
    }


def _max_bytes_for_chars(chars: int) -> int:
    """Most bytes whose Base45 form fits in ``chars`` characters."""
    n = 0
    while 3 * ((n + 1) // 2) + 2 * ((n + 1) % 2) <= chars:
        n += 1
    return n


def size_table() -> dict[str, Any]:
    """Measured sizes: the example with 1, 2 and 3 doses, and the longest name
    (in UTF-8 bytes) that keeps the 3-dose code within the budget."""
    rows = []
    for doses in (1, 2, 3):
        text = _issue(example_certificate(doses))
        cose_len = len(native.unwrap(text, Limits()))
        rows.append({"doses": doses, "cose_len": cose_len, "vn1_len": len(text),
                     "qr_version": _version(text)})
    name_bytes = 1  # names of distinct letters, so that zlib cannot shrink them
    while _version(_issue(example_certificate(3, _LETTERS[:name_bytes + 1]))) <= BUDGET_VERSION:
        name_bytes += 1
        assert name_bytes < len(_LETTERS)
    budget_chars = 311  # alphanumeric capacity of version 10 at ECC M (ISO/IEC 18004)
    assert _version("A" * budget_chars) == BUDGET_VERSION
    assert _version("A" * (budget_chars + 1)) == BUDGET_VERSION + 1
    return {"rows": rows, "max_name_bytes": name_bytes, "budget_chars": budget_chars,
            "budget_bytes": _max_bytes_for_chars(budget_chars - len(native.PREFIX))}


# --- output -----------------------------------------------------------------------------

def _fence(body: str, lang: str = "") -> str:
    return f"```{lang}\n{body}\n```"


def to_markdown(ex: dict[str, Any], sizes: dict[str, Any]) -> str:
    """The Markdown block that docs/FORMAT.md embeds."""
    name_len = len("Nguyễn Văn An".encode())
    zlib_line = (
        f"zlib level 9 gives {ex['zlib_len']} bytes, strictly shorter than {ex['cose_len']}, "
        "so Z is the zlib stream:" if ex["zlib_used"] else
        f"zlib level 9 gives {ex['zlib_len']} bytes, not shorter than the {ex['cose_len']}-byte "
        "COSE_Sign1, so Z is the COSE_Sign1 itself (first byte `d2`): **zlib not used**.")
    parts = [
        "### Inputs",
        "",
        "| input | value |",
        "|---|---|",
        f"| key | TEST-ONLY Ed25519, `cccdqr.testkeys.test_ed25519_key(\"{ex['key_label']}\")` |",
        f"| public key (raw, 32 bytes) | `{ex['public_key_hex']}` |",
        f"| SubjectPublicKeyInfo DER ({ex['spki_len']} bytes) | `{ex['spki_hex']}` |",
        f"| kid = SHA-256(SPKI)[:8] | `{ex['kid_hex']}` |",
        f"| alg | {ex['alg']} ({ex['alg_id']}) |",
        f"| iss | `\"{ex['issuer']}\"` |",
        f"| iat | {ex['iat']} ({ex['iat_iso']}) |",
        f"| exp | {ex['exp']} ({ex['exp_iso']}) |",
        f"| cti | `{ex['cti_hex']}` |",
        "",
        "The certificate: CCCD number 079095012345 (province 079, century and sex digit 0 = "
        "born in the 1900s, male; birth year 95), name \"Nguyễn Văn An\" "
        f"({name_len} UTF-8 bytes), born 1995-08-15, male; Comirnaty (product 1) dose 1 of 2 "
        "on 2021-08-01 and dose 2 of 2 on 2021-09-01, Spikevax (product 2) dose 3 of 3 on "
        "2022-03-15, all in VN (the default, so not written).",
        "",
        "### Stage 1: the CWT claims, in diagnostic notation",
        "",
        _fence(ex["claims_diag"], "cbor-diag"),
        "",
        f"### Stage 2: the claims as deterministic CBOR ({ex['claims_len']} bytes)",
        "",
        "This is the COSE payload.",
        "",
        _fence(ex["claims_hex"]),
        "",
        _fence(ex["claims_annotated"]),
        "",
        f"### Stage 3: the protected header ({ex['protected_len']} bytes)",
        "",
        _fence(ex["protected_hex"]),
        "",
        _fence(ex["protected_annotated"]),
        "",
        f"### Stage 4: the Sig_structure ({ex['sig_structure_len']} bytes)",
        "",
        _fence(ex["sig_structure_hex"]),
        "",
        _fence(ex["sig_structure_annotated"]),
        "",
        f"### Stage 5: the signature ({ex['signature_len']} bytes, Ed25519 over stage 4)",
        "",
        _fence(ex["signature_hex"]),
        "",
        f"### Stage 6: the COSE_Sign1 ({ex['cose_len']} bytes)",
        "",
        _fence(ex["cose_hex"]),
        "",
        _fence(ex["cose_annotated"]),
        "",
        "### Stage 7: compression",
        "",
        zlib_line,
    ]
    if ex["zlib_used"]:
        parts += ["", _fence(ex["zlib_hex"])]
    parts += [
        "",
        f"### Stage 8: the text ({ex['vn1_len']} characters: `VN1:` + {ex['base45_len']} "
        f"Base45 characters for {ex['z_len']} bytes)",
        "",
        _fence(ex["vn1"]),
        "",
        f"QR code (segno, ECC {ex['qr_error']}, no error-level boost): **version "
        f"{ex['qr_version']}**, {ex['qr_mode']} mode, {ex['qr_modules']} × {ex['qr_modules']} "
        "modules.",
        "",
        "### Measured sizes",
        "",
        "Same person, key, clock and cti, with the first 1, 2 or 3 doses:",
        "",
        "| doses | COSE_Sign1 bytes | VN1 characters | QR version (ECC M) |",
        "|---|---|---|---|",
        *(f"| {r['doses']} | {r['cose_len']} | {r['vn1_len']} | {r['qr_version']} |"
          for r in sizes["rows"]),
        "",
        f"Version {BUDGET_VERSION} at ECC M holds {sizes['budget_chars']} alphanumeric "
        f"characters, that is `VN1:` + Base45 of at most {sizes['budget_bytes']} bytes. With 3 "
        f"doses as above, the name may take at most **{sizes['max_name_bytes']} UTF-8 bytes** "
        f"(this one takes {name_len}). Every byte counts: a country other than VN adds 4 bytes "
        "to a dose, an administering unit 2 bytes plus its UTF-8 length; past "
        f"{sizes['budget_bytes']} bytes the code needs version {BUDGET_VERSION + 1}.",
    ]
    return "\n".join(parts)


def size_sentence(ex: dict[str, Any]) -> str:
    """The sentence of FORMAT.md section 12 that quotes the example's sizes."""
    packed = (f"which zlib shortens to **{ex['zlib_len']} bytes**" if ex["zlib_used"]
              else "which zlib does not shorten, so it is sent uncompressed")
    return (f"In the worked example (section 13), the claims take **{ex['claims_len']} bytes** "
            f"and the COSE_Sign1 **{ex['cose_len']} bytes**, {packed}; the text is "
            f"**{ex['vn1_len']} characters**, QR **version {ex['qr_version']}** at level "
            f"{ex['qr_error']}.")


def to_text(ex: dict[str, Any]) -> str:
    out = []
    for k, v in ex.items():
        if isinstance(v, str) and "\n" in v:
            out.append(f"{k}:\n{v}")
        elif isinstance(v, dict):
            out.append(f"{k}: {json.dumps(v, ensure_ascii=False)}")
        else:
            out.append(f"{k}: {v}")
    return "\n".join(out)


BEGIN_MARK = "<!-- BEGIN GENERATED: python docs/format_example.py --markdown -->\n"
END_MARK = "\n<!-- END GENERATED -->"
SIZE_MARKS = ("<!-- size -->", "<!-- /size -->")
FORMAT_MD = Path(__file__).resolve().with_name("FORMAT.md")


def _between(text: str, begin: str, end: str) -> tuple[int, int]:
    i = text.index(begin) + len(begin)
    return i, text.index(end, i)


def generated_parts(doc: str) -> tuple[str, str]:
    """The generated example block and the size sentence, as ``doc`` has them."""
    i, j = _between(doc, BEGIN_MARK, END_MARK)
    k, m = _between(doc, *SIZE_MARKS)
    return doc[i:j], doc[k:m]


def update_doc(doc: str, ex: dict[str, Any], sizes: dict[str, Any]) -> str:
    """``doc`` with its generated example block and size sentence rebuilt."""
    k, m = _between(doc, *SIZE_MARKS)
    doc = doc[:k] + size_sentence(ex) + doc[m:]
    i, j = _between(doc, BEGIN_MARK, END_MARK)
    return doc[:i] + to_markdown(ex, sizes) + doc[j:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--markdown", action="store_true", help="the block FORMAT.md embeds")
    group.add_argument("--json", action="store_true", help="build_example() as JSON")
    group.add_argument("--write", action="store_true",
                       help="rewrite the generated parts of docs/FORMAT.md in place")
    args = parser.parse_args(argv)
    ex = build_example()
    if args.write:
        doc = FORMAT_MD.read_text(encoding="utf-8")
        FORMAT_MD.write_text(update_doc(doc, ex, size_table()), encoding="utf-8")
    elif args.markdown:
        print(to_markdown(ex, size_table()))
    elif args.json:
        print(json.dumps(ex, ensure_ascii=False, indent=2))
    else:
        print(to_text(ex))
    return 0


if __name__ == "__main__":
    sys.exit(main())
