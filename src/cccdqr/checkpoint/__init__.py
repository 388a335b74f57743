"""Layer 6, at the checkpoint: the CCCD card's own QR, binding a certificate to
the card, and the decision (certificate plus card) a reader shows.

May import every layer below, up to ``engine``.
"""
