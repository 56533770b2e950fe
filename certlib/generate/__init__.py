"""Synthetic state generator: a deterministic, vectorized state with planted defects and drift.

>>> from certlib.generate import generate_state          # doctest: +SKIP
>>> summary = generate_state("/tmp/g", students=1500, seed=7)
"""

from certlib.generate.state import GenerateSummary, generate_state

__all__ = ["GenerateSummary", "generate_state"]
