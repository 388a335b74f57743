"""Layer 8, the ``cccdqr`` command: one module per command group, each building
its own parser beside its code, and the demo.

May import every layer below, and the ``cccdqr`` facade. Nothing imports it but
readers and the console script.
"""

from cccdqr.cli.app import main

__all__ = ["main"]
