"""``cccdqr render`` and ``cccdqr scan``: text to a QR image and back.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cccdqr.cli.common import (
    EXIT_INVALID,
    EXIT_VALID,
    UsageError,
    add_command,
    add_text_input,
    console,
    read_input,
)

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def cmd_render(args: argparse.Namespace) -> int:
    from cccdqr.qr import render

    text = read_input(args).strip()
    kind = "svg" if args.out.endswith(".svg") else "png"
    qr = render(text, kind=kind, error=args.error, scale=args.scale)
    qr.save(args.out)
    console().print(f"{args.out}: QR version {qr.version}-{qr.error}, {qr.mode} mode, "
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


def register(commands: Commands) -> None:
    """``render`` and ``scan``."""
    c = add_command(commands, "render", "render text as a QR image (PNG or SVG by extension)")
    add_text_input(c)
    c.add_argument("--out", required=True, metavar="PATH")
    c.add_argument("--error", choices=("L", "M", "Q", "H"), default="M")
    c.add_argument("--scale", type=int, default=8)
    c.set_defaults(run=cmd_render)

    c = add_command(commands, "scan", "print the text of every QR code in images")
    c.add_argument("images", nargs="+")
    c.add_argument("--backend", choices=("auto", "zxing", "zbar"), default="auto")
    c.set_defaults(run=cmd_scan)
