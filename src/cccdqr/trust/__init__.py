"""Layer 2, who is trusted: the trust store, X.509 chains, JWKS key sets and the
revocation list.

Owns keys, certificates, trust-list files and the SQLite revocation list. May
import ``cccdqr.core`` and ``cccdqr.wire``.
"""

from cccdqr.trust.store import (
    SIGNED_TRUST_LIST_FORMAT,
    TRUST_LIST_FORMAT,
    TrustedKey,
    TrustStore,
    make_trusted_certificate,
    make_trusted_key,
)

__all__ = ["SIGNED_TRUST_LIST_FORMAT", "TRUST_LIST_FORMAT", "TrustStore", "TrustedKey",
           "make_trusted_certificate", "make_trusted_key"]
