"""Layer 4, what a checkpoint accepts: the entry policy evaluated over a verified
certificate.

Owns the policy file, its evaluation and its outcome. May import the layers
below (``core``, ``wire``, ``trust``, ``formats``); the engine calls it.
"""

from cccdqr.policy.toml_policy import (
    ENGINE_VERSION,
    PATHS,
    TEST_TYPE_NAMES,
    Policy,
    PolicyOutcome,
    RuleResult,
)

__all__ = ["ENGINE_VERSION", "PATHS", "TEST_TYPE_NAMES", "Policy", "PolicyOutcome", "RuleResult"]
