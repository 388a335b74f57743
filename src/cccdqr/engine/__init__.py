"""Layer 5, the engine: ``verify``, ``inspect`` and ``Issuer``, and the result they
return.

Owns the order of the checks (format, signature, times, limits, policy,
revocation) and the result object. May import every layer below: ``core``,
``wire``, ``trust``, ``formats``, ``policy``.
"""
