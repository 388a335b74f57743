"""Benchmark: cccdqr.qr.scan on synthetic 1280x720 camera-like grey frames.

Not a test. Measures, single-threaded, for the backends zxing, zbar and auto:

* wall time of one ``scan(frame, backend=...)`` call on frames with a code and
  on cluttered frames without one (median and p95), and its CPU time (the
  thread's own, less sensitive to other processes on a shared machine);
* decode success on a seeded degraded set: VN1 Base45 payloads (issued with a
  deterministic test key) and a CCCD card UTF-8 text, rendered with
  ``cccdqr.qr.render``, placed on cluttered frames at 2/3/4/6 px per module
  under 12 conditions. Success = a decoded text equals the payload exactly.

    python bench/qr_frames.py            # full run, writes bench/qr_frames.md
    python bench/qr_frames.py --quick    # tiny set (smoke), prints only

``main(argv)`` returns the Markdown report (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

import cccdqr
import cccdqr.testkeys
from cccdqr.core.model import HealthCertificate, Sex, Subject, Vaccination
from cccdqr.qr import render, scan
from cccdqr.qr.scan import available_backends

if "cv2" in sys.modules:  # only when something else imported it
    sys.modules["cv2"].setNumThreads(1)

W, H = 1280, 720
BACKENDS = ("zxing", "zbar", "auto")
MODULE_SIZES = (2, 3, 4, 6)
CONDITIONS = (
    "none", "blur σ1", "blur σ2", "noise σ10", "noise σ25", "rot 15°", "rot 45°",
    "tilt 25°", "jpeg q30", "low contrast", "light gradient", "glare 5%",
)
GOALS = {"success": 95.0, "ms_code": 10.0, "ms_nocode": 5.0}  # for auto
OUT = Path(__file__).with_name("qr_frames.md")
# Written with the measurements that led to cccdqr.qr.scan's "auto" (2026-11-23,
# frames of this script, seed 20261123, 10 seeds); kept in the report so the
# numbers above can be read against them.
NOTES = """\
### How auto reads, and what did not work

auto = zxing-cpp on the frame (numpy array in, several times faster than a PIL
image); only when that finds nothing at all, zxing-cpp on a half-size copy
sharpened with a 3×3 kernel (centre 9, neighbours −1), which locates blurred
symbols; only for symbols located but not decoded, a crop (≥ 384 px, one per
place, at most 4) read by zxing-cpp after 2× bicubic enlargement + the same
sharpening, then after Wiener deconvolution for a Gaussian blur of σ = 1, 1.5,
2, 2.5 px (numpy FFT), stopping at the first decode.

Tried on the frames the fast pass missed, and left out:

* pyzbar on the crops (the earlier fallback): read none of the 119 frames
  the fast pass missed.
* Whole-frame sharpening before zxing-cpp: locates every blur σ2 / 3 px
  symbol, but ≈ 11 ms per frame without a code; whole-frame Wiener
  deconvolution: 29 of 30 of those decoded, ≈ 55 ms per frame.
* Cheaper locators: 3× reduction + sharpening (3 of 30 located), Lanczos
  2× downscale (0 of 30), Gaussian unsharp mask at half size (9 of 30),
  zxing-cpp's GlobalHistogram binarizer (1 of 30).
* `try_downscale=False` on the full pass: 4 frames lost (noise σ25 at
  4–6 px), no gain on frames without a code.
* A single deconvolution width: it must be within about ±0.25 px of the
  true blur (on blur σ2 / 3 px crops, σ = 2 read 12 of 22, σ = 1.5 and
  σ = 2.5 none), hence the ladder.
* Blur σ2 at 2 px modules stays unread: at the module frequency the blur
  leaves e^(−2π²σ²/16) ≈ 0.7 % of the contrast, below 8-bit quantisation.
* WeChat QR (OpenCV contrib < 5 with its CNN models) was not tried again:
  the pure zxing-cpp route passed 95 %.
"""


# --------------------------------------------------------------------------- payloads


@dataclass(frozen=True)
class Symbol:
    name: str
    text: str
    modules: np.ndarray  # bool, True = dark, without quiet zone
    version: str
    mode: str


def _vn1_payloads() -> list[tuple[str, str]]:
    issuer = cccdqr.Issuer(cccdqr.testkeys.test_es256_key("bench"), deterministic=True)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    doses = (
        Vaccination(product="EU/1/20/1528", dose_number=1, doses_in_series=2, date=dt.date(2021, 8, 1)),
        Vaccination(product="EU/1/20/1528", dose_number=2, doses_in_series=2, date=dt.date(2021, 9, 1)),
        Vaccination(product="EU/1/20/1507", dose_number=3, doses_in_series=2, date=dt.date(2022, 3, 15)),
    )
    a = HealthCertificate(
        subject=Subject(id_number="079095012345", name="Nguyễn Văn An", dob="1995-08-15", sex=Sex.MALE),
        vaccinations=doses,
    )
    b = HealthCertificate(
        subject=Subject(id_number="001188004321", name="Trần Thị Bích Ngọc", dob="1988-02-29",
                        sex=Sex.FEMALE),
        vaccinations=doses,
    )
    return [
        ("vn1-a", issuer.issue(a, now=now, valid_for=dt.timedelta(days=365), cti=b"bench-01")),
        ("vn1-b", issuer.issue(b, now=now, valid_for=dt.timedelta(days=730), cti=b"bench-02")),
    ]


CCCD_TEXT = (
    "079095012345|025123456|Nguyễn Văn An|15081995|Nam|"
    "Số 12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh|01072021"
)


def symbols() -> list[Symbol]:
    out = []
    for name, text in [*_vn1_payloads(), ("cccd", CCCD_TEXT)]:
        qr = render(text, kind="png", error="M", scale=1, border=0)
        img = np.asarray(Image.open(io.BytesIO(qr.data)).convert("L"))
        out.append(Symbol(name, text, img < 128, f"{qr.version}-{qr.error}", qr.mode))
    return out


# --------------------------------------------------------------------------- frames


def background(rng: np.random.Generator) -> Image.Image:
    """Cluttered grey frame: shading, boxes, lines and printed text."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    a, b = rng.uniform(-0.06, 0.06, 2)
    base = rng.uniform(90, 170) + a * (xx - W / 2) + b * (yy - H / 2)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "L")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(25, 45))):
        x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
        shade = int(rng.integers(30, 235))
        kind = rng.random()
        if kind < 0.45:
            draw.rectangle((x, y, x + int(rng.integers(15, 220)), y + int(rng.integers(8, 140))), fill=shade)
        elif kind < 0.8:
            draw.line((x, y, int(rng.integers(0, W)), int(rng.integers(0, H))), fill=shade,
                      width=int(rng.integers(1, 5)))
        else:
            words = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(8, 30))))
            draw.text((x, y), words, fill=shade, font_size=int(rng.integers(10, 28)))
    return img


def symbol_patch(sym: Symbol, px: int, rng: np.random.Generator, glare: bool) -> Image.Image:
    """The code on paper: quiet zone 4 + 2 modules, ink 20-60, paper 185-235."""
    n = sym.modules.shape[0]
    pad = 6
    grid = np.zeros((n + 2 * pad, n + 2 * pad), dtype=bool)
    grid[pad:pad + n, pad:pad + n] = sym.modules
    ink, paper = rng.uniform(20, 60), rng.uniform(185, 235)
    arr = np.where(grid, ink, paper).astype(np.float32)
    if glare:  # one bright patch over 5 % of the modules, away from the finders
        side = max(1, round(math.sqrt(0.05) * n))
        lo, hi = pad + 8, pad + n - 8 - side
        gx, gy = (int(rng.integers(lo, max(lo + 1, hi))) for _ in range(2))
        arr[gy:gy + side, gx:gx + side] = 252.0
    arr = np.kron(arr, np.ones((px, px), dtype=np.float32))
    return Image.fromarray(arr.astype(np.uint8), "L")


def _homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    rows = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    _, _, vt = np.linalg.svd(np.asarray(rows, dtype=np.float64))
    h = vt[-1].reshape(3, 3)
    return h / h[2, 2]


def placement(size: int, condition: str, rng: np.random.Generator) -> np.ndarray | None:
    """Frame corners (4x2) of the square patch, or None when it does not fit."""
    half = size / 2
    pts = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]])
    if condition == "tilt 25°":  # out-of-plane rotation about a random in-plane axis
        phi = rng.uniform(0, math.pi)
        axis = np.array([math.cos(phi), math.sin(phi), 0.0])
        t = math.radians(25)
        k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        r = np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * k @ k
        f = 1100.0
        p = pts @ r.T
        p[:, 2] += f
        xy = f * p[:, :2] / p[:, 2:3]
    else:
        angle = {"rot 15°": 15.0, "rot 45°": 45.0}.get(condition, rng.uniform(-3, 3))
        angle *= rng.choice([-1, 1])
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        xy = pts[:, :2] @ np.array([[c, s], [-s, c]])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    margin = 4
    if (hi - lo)[0] > W - 2 * margin or (hi - lo)[1] > H - 2 * margin:
        return None
    cx = rng.uniform(margin - lo[0], W - margin - hi[0])
    cy = rng.uniform(margin - lo[1], H - margin - hi[1])
    return xy + np.array([cx, cy])


def degrade(img: Image.Image, condition: str, rng: np.random.Generator,
            corners: np.ndarray | None) -> Image.Image:
    if condition.startswith("blur"):
        return img.filter(ImageFilter.GaussianBlur(float(condition[-1])))
    if condition.startswith("noise"):
        sigma = float(condition.split("σ")[1])
        arr = np.asarray(img, dtype=np.float32) + rng.normal(0, sigma, (H, W)).astype(np.float32)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if condition == "jpeg q30":
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=30)
        buf.seek(0)
        return Image.open(buf).convert("L")
    if condition == "low contrast":  # whole frame squeezed into 100..160
        arr = 100 + np.asarray(img, dtype=np.float32) * (60 / 255)
        return Image.fromarray(arr.astype(np.uint8), "L")
    if condition == "light gradient":  # illumination 0.25 -> 1.0 across the code
        phi = rng.uniform(0, 2 * math.pi)
        d = np.array([math.cos(phi), math.sin(phi)])
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        proj = xx * d[0] + yy * d[1]
        if corners is None:
            p0, p1 = float(proj.min()), float(proj.max())
        else:
            cp = corners @ d
            p0, p1 = float(cp.min()), float(cp.max())
        gain = 0.25 + 0.75 * np.clip((proj - p0) / max(p1 - p0, 1.0), 0, 1)
        arr = np.asarray(img, dtype=np.float32) * gain
        return Image.fromarray(arr.astype(np.uint8), "L")
    return img


def make_frame(sym: Symbol | None, px: int, condition: str, seed: int) -> np.ndarray | None:
    rng = np.random.default_rng(seed)
    frame = background(rng)
    corners = None
    if sym is not None:
        patch = symbol_patch(sym, px, rng, glare=condition == "glare 5%")
        corners = placement(patch.width, condition, rng)
        if corners is None:
            return None
        s = patch.width
        src = np.array([[0, 0], [s, 0], [s, s], [0, s]], dtype=np.float64)
        inv = _homography(corners, src)  # frame -> patch, what PIL wants
        coeffs = tuple((inv / inv[2, 2]).flatten()[:8])
        warped = patch.transform((W, H), Image.Transform.PERSPECTIVE, coeffs,
                                 resample=Image.Resampling.BICUBIC)
        mask = Image.new("L", patch.size, 255).transform(
            (W, H), Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BILINEAR)
        frame.paste(warped, (0, 0), mask)
    frame = degrade(frame, condition, rng, corners)
    return np.ascontiguousarray(np.asarray(frame, dtype=np.uint8))


# --------------------------------------------------------------------------- measuring


@dataclass
class Record:
    backend: str
    symbol: str
    px: int
    condition: str
    ok: bool
    wrong: bool
    ms: float
    cpu: float


def timed_scan(frame: np.ndarray, backend: str) -> tuple[list[str], float, float]:
    """Texts found, wall ms, CPU ms of this thread."""
    c0, t0 = time.thread_time(), time.perf_counter()
    codes = scan(frame, backend=backend)
    ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
    return [c.text for c in codes], ms, cpu


def pct(values: Sequence[bool]) -> float:
    return 100.0 * sum(values) / len(values) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(seeds: int, noqr: int, base_seed: int, quick: bool,
        log: Callable[[str], None]) -> dict[str, object]:
    backends = [b for b in BACKENDS if b == "auto" or b in available_backends()]
    missing = [b for b in BACKENDS if b not in backends]
    syms = symbols()
    sizes = (3, 6) if quick else MODULE_SIZES
    conds = ("none", "blur σ1", "rot 45°") if quick else CONDITIONS
    warm = make_frame(syms[0], 4, "none", base_seed)
    for b in backends:  # imports and first-call costs stay out of the numbers
        scan(warm, backend=b)
    records: list[Record] = []
    skipped = 0
    t_start = time.perf_counter()
    for si, sym in enumerate(syms):
        for pi, px in enumerate(sizes):
            for ci, cond in enumerate(conds):
                for k in range(seeds):
                    seed = base_seed * 1_000_003 + ((si * 16 + pi) * 16 + ci) * 1000 + k
                    frame = make_frame(sym, px, cond, seed)
                    if frame is None:
                        skipped += 1
                        continue
                    for b in backends:
                        texts, ms, cpu = timed_scan(frame, b)
                        ok = sym.text in texts
                        records.append(Record(b, sym.name, px, cond, ok, bool(texts) and not ok, ms, cpu))
        log(f"  {sym.name}: done ({time.perf_counter() - t_start:.0f} s)")
    noqr_ms: dict[str, list[float]] = {b: [] for b in backends}
    noqr_cpu: dict[str, list[float]] = {b: [] for b in backends}
    false_hits: dict[str, int] = {b: 0 for b in backends}
    for k in range(noqr):
        cond = CONDITIONS[k % len(CONDITIONS)]
        frame = make_frame(None, 0, cond, base_seed * 7919 + k)
        assert frame is not None
        for b in backends:
            texts, ms, cpu = timed_scan(frame, b)
            noqr_ms[b].append(ms)
            noqr_cpu[b].append(cpu)
            false_hits[b] += bool(texts)
    return {
        "backends": backends, "missing": missing, "symbols": syms, "sizes": sizes,
        "conditions": conds, "records": records, "skipped": skipped, "noqr_ms": noqr_ms,
        "noqr_cpu": noqr_cpu, "false_hits": false_hits, "seeds": seeds, "noqr": noqr,
        "base_seed": base_seed,
    }


# --------------------------------------------------------------------------- report


def report(res: dict[str, object], argv: Sequence[str], elapsed: float) -> str:
    backends: list[str] = res["backends"]  # type: ignore[assignment]
    records: list[Record] = res["records"]  # type: ignore[assignment]
    noqr_ms: dict[str, list[float]] = res["noqr_ms"]  # type: ignore[assignment]
    noqr_cpu: dict[str, list[float]] = res["noqr_cpu"]  # type: ignore[assignment]
    syms: list[Symbol] = res["symbols"]  # type: ignore[assignment]
    by_b = {b: [r for r in records if r.backend == b] for b in backends}
    n_frames = len(by_b[backends[0]]) if backends else 0
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"

    lines = [
        f"Generated by `{' '.join(['python bench/qr_frames.py', *argv])}`"
        f" (seed {res['base_seed']}, {res['seeds']} seeds per cell) in {elapsed / 60:.1f} min "
        f"on {platform.machine()} / Python {platform.python_version()}; single-threaded, "
        f"wall time of one `cccdqr.qr.scan(frame, backend=...)` call on a 1280×720 uint8 array. "
        f"zxing-cpp {ver('zxing-cpp')}, pyzbar {ver('pyzbar')}, Pillow {ver('pillow')}, "
        f"numpy {np.__version__}. Load average (1 min) on the shared machine: "
        f"{res['load'][0]:.1f} at the start, {res['load'][1]:.1f} at the end; wall times grow "
        "with it, CPU times much less. Re-run the script instead of editing this file.",
        "",
        f"{n_frames} frames with a code ({res['skipped']} skipped: rotated code does not fit), "
        f"{res['noqr']} cluttered frames without one (conditions cycled). Symbols: "
        + ", ".join(f"{s.name} ({len(s.text)} ch, {s.version}, {s.mode})" for s in syms)
        + f". Module sizes {', '.join(str(p) for p in res['sizes'])} px; conditions: "
        + ", ".join(res["conditions"]) + ". Success = a decoded text equals the payload exactly.",
    ]
    if res["missing"]:
        lines += ["", f"Unavailable backends (skipped): {', '.join(res['missing'])}."]
    lines += ["", "| backend | success % | wrong text | median ms (code) | p95 ms (code) "
              "| median ms (no code) | p95 ms (no code) | CPU median ms (code / no code) "
              "| CPU p95 ms (code / no code) | false hits (no code) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for b in backends:
        rs = by_b[b]
        ms, cpu = [r.ms for r in rs], [r.cpu for r in rs]
        lines.append(
            f"| {b} | **{pct([r.ok for r in rs]):.1f}** | {sum(r.wrong for r in rs)} | {med(ms):.1f} "
            f"| {p95(ms):.1f} | {med(noqr_ms[b]):.1f} | {p95(noqr_ms[b]):.1f} "
            f"| {med(cpu):.1f} / {med(noqr_cpu[b]):.1f} | {p95(cpu):.1f} / {p95(noqr_cpu[b]):.1f} "
            f"| {res['false_hits'][b]} |"
        )

    def table(title: str, key: Callable[[Record], object], values: Sequence[object],
              fmt: Callable[[object], str] = str) -> None:
        lines.extend(["", f"### {title}", "", "| | " + " | ".join(backends) + " |",
                      "|---|" + "---|" * len(backends)])
        for v in values:
            cells = [f"{pct([r.ok for r in by_b[b] if key(r) == v]):.0f}" for b in backends]
            lines.append(f"| {fmt(v)} | " + " | ".join(cells) + " |")

    table("Success % by condition", lambda r: r.condition, res["conditions"])
    table("Success % by module size", lambda r: r.px, res["sizes"], lambda v: f"{v} px")
    table("Success % by symbol", lambda r: r.symbol, [s.name for s in syms])

    if "auto" in by_b:
        auto = by_b["auto"]
        lines += ["", "### auto: success % by condition × module size", "",
                  "| condition | " + " | ".join(f"{p} px" for p in res["sizes"]) + " |",
                  "|---|" + "---|" * len(res["sizes"])]
        for c in res["conditions"]:
            cells = [f"{pct([r.ok for r in auto if r.condition == c and r.px == p]):.0f}"
                     for p in res["sizes"]]
            lines.append(f"| {c} | " + " | ".join(cells) + " |")
        lines += ["", "### ms with a code by condition (median / p95)", "",
                  "| condition | " + " | ".join(backends) + " |", "|---|" + "---|" * len(backends)]
        for c in res["conditions"]:
            cells = []
            for b in backends:
                ms = [r.ms for r in by_b[b] if r.condition == c]
                cells.append(f"{med(ms):.1f} / {p95(ms):.1f}")
            lines.append(f"| {c} | " + " | ".join(cells) + " |")
        s = pct([r.ok for r in auto])
        best_single = max((pct([r.ok for r in by_b[b]]) for b in backends if b != "auto"), default=0.0)
        m1, m0 = med([r.ms for r in auto]), med(noqr_ms["auto"])
        c1, c0 = med([r.cpu for r in auto]), med(noqr_cpu["auto"])
        lines += ["", "### Goals (auto)", "", "| goal | measured (wall) | met | CPU |",
                  "|---|---|---|---|",
                  f"| success ≥ {GOALS['success']:.0f} % | {s:.1f} % | "
                  f"{'yes' if s >= GOALS['success'] else 'NO'} | |",
                  f"| success above every single backend ({best_single:.1f} %) | {s:.1f} % | "
                  f"{'yes' if s > best_single else 'NO'} | |",
                  f"| median ≤ {GOALS['ms_code']:.0f} ms with a code | {m1:.1f} ms | "
                  f"{'yes' if m1 <= GOALS['ms_code'] else 'NO'} | {c1:.1f} ms |",
                  f"| median ≤ {GOALS['ms_nocode']:.0f} ms without a code | {m0:.1f} ms | "
                  f"{'yes' if m0 <= GOALS['ms_nocode'] else 'NO'} | {c0:.1f} ms |", "", NOTES.rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> str:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny set for a smoke run; writes no file")
    ap.add_argument("--seeds", type=int, default=None,
                    help="frames per (symbol, size, condition); default 10")
    ap.add_argument("--noqr", type=int, default=None, help="frames without a code; default 40")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--out", type=Path, default=None,
                    help=f"report file (default {OUT.name}; none with --quick)")
    args = ap.parse_args(argv)
    seeds = args.seeds or (1 if args.quick else 10)
    noqr = args.noqr or (3 if args.quick else 40)
    out = args.out or (None if args.quick else OUT)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    res = run(seeds, noqr, args.seed, args.quick, log)
    res["load"] = (load0, os.getloadavg()[0])
    md = report(res, argv, time.perf_counter() - t0)
    print(md)
    if out is not None:
        out.write_text("# QR scan benchmark: synthetic 720p camera frames\n\n" + md, encoding="utf-8")
    return md


if __name__ == "__main__":
    main()
