"""Layer 0, the vocabulary: reason codes, errors, limits, the certificate model,
products, CCCD numbers and names.

Owns every type the other layers speak in. Imports nothing from cccdqr outside
``cccdqr.core`` (and ``cccdqr.testkeys`` is beside it, also layer 0).
"""
