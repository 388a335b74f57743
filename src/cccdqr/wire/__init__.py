"""Layer 1, bytes on the wire: Base45, bounded CBOR, bounded inflate, COSE_Sign1
and CWT claims.

Owns the encodings every signed format is built from, with their limits. May
import ``cccdqr.core`` only. Nothing here knows a health certificate.
"""
