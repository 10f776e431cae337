"""The validation tests' shared rule: agree within Z standard errors, and be able to fail.

A simulated mean over R independent replications must lie within Z = 4 standard errors
(estimated from the replications) of theory; a correct model fails that with probability
< 0.01% for any seed. Each named wrong answer must lie more than 2 tolerances away, so that
a model producing it would fail too: a test that cannot fail is refused.
"""

from __future__ import annotations

import math

import numpy as np

Z = 4.0


def mean_and_tolerance(values: np.ndarray) -> tuple[float, float]:
    """Mean of the replications and Z standard errors of it."""
    return float(values.mean()), Z * float(values.std(ddof=1)) / math.sqrt(len(values))


def check(values: np.ndarray, theory: float, wrong: dict[str, float]) -> None:
    """Assert agreement with ``theory`` and that every ``wrong`` value would be caught."""
    mean, tol = mean_and_tolerance(values)
    assert abs(mean - theory) <= tol, (
        f"simulated {mean:.5f} vs theory {theory:.5f}, tolerance {tol:.5f}"
    )
    for label, value in wrong.items():
        assert abs(value - theory) > 2 * tol, (
            f"test too weak: {label} ({value:.5f}) is within reach"
        )
