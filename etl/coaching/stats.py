"""The statistics of coaching flags, vectorised over numpy arrays (one element per comparison). No I/O.

Rates: Wilson's score interval for one proportion; Newcombe's hybrid score interval for a difference of two
independent proportions (Newcombe 1998, Statistics in Medicine 17:873-890, method 10); the one-sided mid-p value
of the conditional exact test (Lancaster 1961) for the test. All are defined at 0 and n successes. (The p-value
that inverts Newcombe's interval was tried and rejected: in the far tail BH works in, it errs 24 % more often than
its nominal level; the mid-p is within 1 % — see docs/coaching.md.) Handle time: Welch's t on log handle times
(long-tailed times become roughly normal; the comparison is of typical, i.e. geometric-mean, times). Many
comparisons at once: Benjamini-Hochberg's step-up procedure.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

ArrayLike = np.ndarray | list | float | int


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95."""
    return float(stats.norm.ppf((1 + confidence) / 2))


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def wilson_interval(num: ArrayLike, den: ArrayLike, confidence: float = 0.95,
                    z: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for num/den (no continuity correction); (nan, nan) where den is 0.
    `z` (scalar or per element) overrides the confidence level."""
    num, den = _arrays(num, den)
    z = np.asarray(z_value(confidence) if z is None else z, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (num + z * z / 2) / (den + z * z)
        half = z * np.sqrt(num * (den - num) / den + z * z / 4) / (den + z * z)
    empty = den <= 0
    return np.where(empty, np.nan, np.clip(centre - half, 0, 1)), np.where(empty, np.nan, np.clip(centre + half, 0, 1))


def _newcombe_bounds(x1, n1, x2, n2, z) -> tuple[np.ndarray, np.ndarray]:
    """Method 10 bounds of p1 - p2 at normal quantile z (arrays broadcast)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z=z)
    l2, u2 = wilson_interval(x2, n2, z=z)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def newcombe_interval(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike,
                      confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p1 - p2 of two independent proportions with Newcombe's hybrid score interval (method 10):
    (difference, low, high); nan where either n is 0."""
    x1, n1, x2, n2 = _arrays(x1, n1, x2, n2)
    empty = (n1 <= 0) | (n2 <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(empty, np.nan, x1 / n1 - x2 / n2)
    low, high = _newcombe_bounds(x1, n1, x2, n2, z_value(confidence))
    return d, np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def midp_lower(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """One-sided mid-p value of the conditional exact test (Fisher's, with Lancaster's mid-p) that p1 is lower
    than p2: P(X < x1) + P(X = x1) / 2 where X is hypergeometric given both groups' sizes and the total number of
    successes. Exact arithmetic at any n, including 0 and n successes (0.5 when there is no success or no
    failure at all); nan where either n is 0. Its error rate is close to the nominal level where Fisher's own
    p-value is conservative."""
    x1, n1, x2, n2 = _arrays(x1, n1, x2, n2)
    total, successes = n1 + n2, x1 + x2
    with np.errstate(invalid="ignore"):
        p = stats.hypergeom.cdf(x1 - 1, total, successes, n1) + 0.5 * stats.hypergeom.pmf(x1, total, successes, n1)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


def log_moments(n: ArrayLike, log_sum: ArrayLike, log_sumsq: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample variance of log values from their count, sum and sum of squares (nan where n < 2)."""
    n, s, ss = _arrays(n, log_sum, log_sumsq)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s / n
        var = np.clip((ss - n * mean * mean) / (n - 1), 0, None)
    return np.where(n > 0, mean, np.nan), np.where(n > 1, var, np.nan)


def welch(mean1: ArrayLike, var1: ArrayLike, n1: ArrayLike, mean2: ArrayLike, var2: ArrayLike, n2: ArrayLike,
          confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Welch's unequal-variance t for mean1 - mean2: (difference, low, high, one-sided p for "mean1 is higher").
    Welch-Satterthwaite degrees of freedom; nan where either n < 2."""
    mean1, var1, n1, mean2, var2, n2 = _arrays(mean1, var1, n1, mean2, var2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = var1 / n1, var2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
        diff = mean1 - mean2
        half = stats.t.ppf((1 + confidence) / 2, df) * se
        t = diff / se
        p = stats.t.sf(t, df)
    degenerate = se == 0  # every value identical on both sides: the sign of the difference decides
    p = np.where(degenerate, np.where(diff > 0, 0.0, np.where(diff < 0, 1.0, 0.5)), p)
    low = np.where(degenerate, diff, diff - half)
    high = np.where(degenerate, diff, diff + half)
    invalid = (n1 < 2) | (n2 < 2)
    return (np.where(invalid, np.nan, diff), np.where(invalid, np.nan, low), np.where(invalid, np.nan, high),
            np.where(invalid, np.nan, p))


def benjamini_hochberg(p: ArrayLike, fdr: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg step-up over every non-nan p-value: (rejected, adjusted p). Rejects the k smallest
    where k is the largest rank with p_(k) <= k * fdr / m. nan p-values are not tests: never rejected,
    adjusted p nan."""
    p = np.asarray(p, dtype=float)
    valid = ~np.isnan(p)
    m = int(valid.sum())
    adjusted = np.full(p.shape, np.nan)
    if m == 0:
        return np.zeros(p.shape, dtype=bool), adjusted
    order = np.argsort(p[valid], kind="stable")
    ranked = p[valid][order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    values = np.empty(m)
    values[order] = ranked
    adjusted[valid] = values
    return valid & (adjusted <= fdr), adjusted
