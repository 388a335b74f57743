"""The batch tests' shared fixtures: the one SoftHSM2 token of the run."""

from softhsm_token import softhsm

__all__ = ["softhsm"]
