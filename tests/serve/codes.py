"""The codes the service and page tests show: a valid VN1, a tampered one, an EU
DCC, one signed by an unknown key, and a CCCD card with its own certificate.
All keys are TEST-ONLY (cccdqr.testkeys)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from PIL import Image
from cryptography.hazmat.primitives import hashes

import cccdqr
from cccdqr import testkeys

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CARD = "001303004567||Trần Thị Bình|11022003|Nữ|Hà Nội|01012022"


@dataclass(frozen=True)
class World:
    trust: Path
    valid: str
    tampered: str
    dcc: str
    unknown: str
    card: str
    card_cert: str

    def named(self) -> dict[str, str]:
        return {"valid": self.valid, "tampered": self.tampered, "dcc": self.dcc,
                "unknown": self.unknown, "card": self.card, "card_cert": self.card_cert}


def _person(name: str, dob: str, id_number: str, sex: cccdqr.Sex) -> cccdqr.HealthCertificate:
    doses = tuple(cccdqr.Vaccination(product="EU/1/20/1528", dose_number=n, doses_in_series=2,
                                     date=dt.date(2021, 7, 1) + dt.timedelta(days=60 * (n - 1)))
                  for n in (1, 2))
    return cccdqr.HealthCertificate(subject=cccdqr.Subject(name=name, dob=dob, id_number=id_number,
                                                           sex=sex), vaccinations=doses)


def _dsc(key: object) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Ban Co Yeu")])
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(16)  # type: ignore[attr-defined]
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=730))
            .sign(key, hashes.SHA256()))  # type: ignore[arg-type]


def tamper(text: str) -> str:
    """One Base45 character changed near the end (in the signature)."""
    i = len(text) - 10
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]


def build(directory: Path) -> World:
    es256 = cccdqr.Issuer(testkeys.test_es256_key(), deterministic=True)
    stranger = cccdqr.Issuer(testkeys.test_es256_key("serve stranger"), deterministic=True)
    dcc_key = testkeys.test_es256_key("serve hc1")
    dsc = _dsc(dcc_key)
    dcc_issuer = cccdqr.Issuer(dcc_key, format="HC1", certificate=dsc)
    year = dt.timedelta(days=365)
    an = _person("Nguyễn Văn An", "1990-05-17", "001090123456", cccdqr.Sex.MALE)
    binh = _person("Trần Thị Bình", "2003-02-11", "001303004567", cccdqr.Sex.FEMALE)
    valid = es256.issue(an, now=NOW, valid_for=year, cti=bytes(range(1, 13)))
    duy = cccdqr.HealthCertificate(
        subject=cccdqr.Subject(name="Nguyễn Bảo Duy", dob="1983-10-10"),
        vaccinations=(cccdqr.Vaccination(product="EU/1/21/1529", dose_number=2, doses_in_series=2,
                                         date=dt.date(2021, 3, 18)),))
    trust = cccdqr.TrustStore([es256.trusted_key()]).with_certificate(dsc)
    path = directory / "trust.json"
    trust.save(path)
    return World(trust=path, valid=valid, tampered=tamper(valid),
                 dcc=dcc_issuer.issue(duy, now=NOW, valid_for=year),
                 unknown=stranger.issue(an, now=NOW, valid_for=year, cti=bytes(12)),
                 card=CARD, card_cert=es256.issue(binh, now=NOW, valid_for=year, cti=bytes([7] * 12)))


def qr_image(text: str, scale: int = 4) -> Image.Image:
    """The rendered QR of ``text`` as a greyscale PIL image."""
    import io

    from cccdqr.qr import render

    return Image.open(io.BytesIO(render(text, scale=scale).data)).convert("L")


def frame(text: str | None, size: tuple[int, int]) -> Image.Image:
    """A camera frame: grey paper with the code's QR in the middle (or none)."""
    canvas = Image.new("L", size, 235)
    if text is not None:
        probe = qr_image(text, scale=1)
        scale = max(1, int(min(size) * 0.85) // probe.width)
        code = qr_image(text, scale=scale)
        canvas.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    return canvas


def write_y4m(path: Path, frames: list[Image.Image], fps: int) -> None:
    """A YUV4MPEG2 video (4:2:0) of greyscale frames, for Chromium's fake camera."""
    width, height = frames[0].size
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for f in frames:
            out.write(b"FRAME\n")
            out.write(f.tobytes())
            out.write(chroma)


def sequence(world: World) -> list[tuple[str, str | None]]:
    """The fake camera's script: each code, in order, between empty frames."""
    return [(name, getattr(world, name)) for name in
            ("valid", "tampered", "dcc", "unknown", "card", "card_cert")]
