"""Layer 8, the ``cccdqr`` command: one module per command group, each building
its own parser beside its code, and the demo.

May import every layer below (not the ``cccdqr`` facade, which sits above it).
Nothing imports it but
readers and the console script.
"""

from cccdqr.cli.app import main

__all__ = ["main"]
