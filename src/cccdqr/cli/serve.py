"""``cccdqr serve``: the HTTP verification service and the checkpoint page
(see docs/serve.md). The service itself is :mod:`cccdqr.serve`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cccdqr.cli.common import EXIT_USAGE, UsageError, add_clock, add_command

if TYPE_CHECKING:
    from cccdqr.cli.common import Commands


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from cccdqr.serve.run import ServeOptions, serve
        from cccdqr.serve.state import LoadError, Sources
    except ImportError as exc:  # starlette or uvicorn missing
        raise UsageError(f"cccdqr serve needs the 'serve' extra ({exc.name} is missing)") from None
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    sources = Sources(trust=args.trust, policy=args.policy, revocation=args.revocation,
                      trust_root=args.trust_root, rules=args.rules)
    options = ServeOptions(sources=sources, host=args.host, port=args.port, workers=args.workers,
                           at=args.at, watch_interval=args.watch or None,
                           access_log=not args.no_access_log)
    try:
        return serve(options)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # the address is taken, or not ours
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return EXIT_USAGE


def register(commands: Commands) -> None:
    """``serve``."""
    c = add_command(commands, "serve", "serve the HTTP verification API and the checkpoint page")
    c.add_argument("--trust", required=True, metavar="JSON")
    c.add_argument("--trust-root", metavar="PEM", help="root public key of a signed trust list")
    c.add_argument("--policy", metavar="TOML", help="entry rules: a TOML file or 'default'")
    c.add_argument("--rules", metavar="PATH",
                   help="entry rules as CertLogic (rule.json, a list, a folder) or 'default'; "
                        "not with --policy")
    c.add_argument("--revocation", metavar="DB", help="revocation list (SQLite)")
    c.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    c.add_argument("--port", type=int, default=8080)
    c.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    c.add_argument("--watch", type=float, default=1.0, metavar="SECONDS",
                   help="look for changed trust/policy/revocation files this often (0: only on SIGHUP)")
    c.add_argument("--no-access-log", action="store_true")
    add_clock(c)
    c.set_defaults(run=cmd_serve)
