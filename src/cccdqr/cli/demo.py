"""The end-to-end demo behind ``make demo`` (and ``cccdqr demo``).

Makes a fresh TEST-ONLY signing key and a trust list, issues a certificate for
a sample citizen, renders its QR to PNG, turns the PNG into a camera-like frame
(tilted, blurred, noisy, JPEG-compressed, on a cluttered background), scans that
frame back, verifies the text and prints the verdict.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cccdqr.cli.common import add_command
from cccdqr.cli.output import print_verdict
from cccdqr.engine.issue import Issuer
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination
from cccdqr.core.reasons import Status
from cccdqr.trust.store import TrustStore
from cccdqr.engine.verify import verify

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from cccdqr.cli.common import Commands

SAMPLE = HealthCertificate(
    subject=Subject(id_number="079095012345", name="Nguyễn Văn An", dob="1995-08-15",
                    sex=Sex.MALE),
    vaccinations=(
        Vaccination(product="EU/1/20/1528", dose_number=1, doses_in_series=2,
                    date=dt.date(2021, 8, 1)),
        Vaccination(product="EU/1/20/1528", dose_number=2, doses_in_series=2,
                    date=dt.date(2021, 9, 1)),
        Vaccination(product="EU/1/20/1507", dose_number=3, doses_in_series=2,
                    date=dt.date(2022, 3, 15)),
    ),
)


def camera_frame(png: bytes, *, seed: int, size: int = 320, angle: float = 0.0,
                 tilt: float = 0.0, blur: float = 0.8, noise: float = 0.08,
                 contrast: float = 1.0, quality: int = 70) -> bytes:
    """A 1280x720 JPEG that looks like a webcam frame of the printed code.

    Every degradation is a parameter and all randomness comes from ``seed`` (PIL's
    effect_noise is not seeded, so it is not used): the vectors' camera JPEGs
    regenerate byte for byte.
    ``tilt`` squeezes one side of the code (perspective), ``contrast`` < 1 fades it.
    """
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    code = Image.open(io.BytesIO(png)).convert("L")
    code = code.resize((size, size), Image.Resampling.NEAREST)
    if tilt:
        d = size * tilt
        # quad: upper-left, lower-left, lower-right, upper-right of the source area
        code = code.transform((size, size), Image.Transform.QUAD,
                              (0, -d, 0, size + d, size, size, size, 0),
                              resample=Image.Resampling.BICUBIC, fillcolor=225)
    if angle:
        code = code.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=225)
    frame = Image.new("L", (1280, 720), 150)
    draw = ImageDraw.Draw(frame)
    for _ in range(40):  # clutter: boxes and lines
        x, y = rng.randrange(1280), rng.randrange(720)
        shade = rng.randrange(60, 220)
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(10, 120)),
                           fill=shade)
        else:
            draw.line((x, y, rng.randrange(1280), rng.randrange(720)), fill=shade, width=3)
    x = rng.randrange(40, 1280 - code.width - 40)
    y = rng.randrange(20, max(21, 720 - code.height - 20))
    frame.paste(code, (x, y))
    if contrast != 1.0:
        frame = frame.point(lambda v: int(128 + (v - 128) * contrast))
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        grain = Image.frombytes("L", frame.size, rng.randbytes(frame.width * frame.height))
        frame = Image.blend(frame, grain, noise)
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=quality)
    return out.getvalue()


def run_demo(out_dir: Path, *, now: dt.datetime | None = None) -> int:
    """The five steps of ``make demo``; exit code 0 when the scanned code verifies."""
    from rich.console import Console

    console = Console(highlight=False)
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    issuer, trust = _keys_and_trust(out_dir, now, console)
    text, png = _issue_and_render(issuer, out_dir, now, console)
    scanned = _scan_camera_frame(text, png, out_dir, console)
    if scanned is None:
        return 1
    console.rule("5. verify")
    result = verify(scanned, trust, now=now)
    print_verdict(result, "vi")
    print_verdict(result, "en")
    return 0 if result.status is Status.VALID else 1


def _keys_and_trust(out_dir: Path, now: dt.datetime, console: Console) -> tuple[Issuer, TrustStore]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    console.rule("1. keys and trust list")
    key = ec.generate_private_key(ec.SECP256R1())
    key_path = out_dir / "TEST-ONLY-issuer-key.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    issuer = Issuer(key, issuer="VN")
    trust = TrustStore([issuer.trusted_key(not_before=now - dt.timedelta(days=1),
                                           not_after=now + dt.timedelta(days=730),
                                           label="cccdqr demo TEST-ONLY key")])
    trust.save(out_dir / "trust.json")
    console.print(f"ES256 key {key_path} · trust list {out_dir / 'trust.json'} "
                  f"(kid {issuer.kid.hex()})")
    return issuer, trust


def _issue_and_render(issuer: Issuer, out_dir: Path, now: dt.datetime,
                      console: Console) -> tuple[str, bytes]:
    """Steps 2 and 3: the certificate's text and its PNG."""
    from cccdqr.qr import render

    console.rule("2. issue")
    text = issuer.issue(SAMPLE, now=now, valid_for=dt.timedelta(days=365))
    (out_dir / "certificate.txt").write_text(text + "\n")
    console.print(f"{SAMPLE.subject.name}, CCCD {SAMPLE.subject.id_number}, "
                  f"{len(SAMPLE.vaccinations)} doses → {len(text)} characters")
    console.print(text, style="dim")

    console.rule("3. render")
    qr = render(text, kind="png", error="M", scale=8)
    qr.save(out_dir / "certificate.png")
    console.print(f"{out_dir / 'certificate.png'}: QR version {qr.version}-{qr.error}, "
                  f"{qr.mode} mode, {qr.modules}×{qr.modules} modules")
    return text, qr.data


def _scan_camera_frame(text: str, png: bytes, out_dir: Path, console: Console) -> str | None:
    """Step 4: the PNG as a camera would see it, scanned back; None if unreadable."""
    from cccdqr.qr import scan

    console.rule("4. scan a camera-like frame")
    frame_path = out_dir / "camera.jpg"
    frame_path.write_bytes(camera_frame(png, seed=7, size=300, angle=9, blur=1.0, quality=60))
    codes = scan(frame_path, backend="auto")
    console.print(f"{frame_path}: {len(codes)} code(s) found"
                  + (f" by {codes[0].backend}" if codes else ""))
    if not codes:
        console.print("no QR code found in the frame", style="bold red")
        return None
    scanned = codes[0].text
    console.print("scanned text equals issued text: " + ("yes" if scanned == text else "NO"))
    return scanned


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(Path(args.out_dir))


def register(commands: Commands) -> None:
    """``demo``."""
    c = add_command(commands, "demo", "run the end-to-end demo (keys, issue, QR, scan, verify)")
    c.add_argument("out_dir", nargs="?", default="demo-out")
    c.set_defaults(run=cmd_demo)


if __name__ == "__main__":
    sys.exit(run_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-out")))
