"""The three distributions the experiment statistics need, without scipy.

- normal: the standard library (`statistics.NormalDist` for the quantile, `math.erfc` for
  the upper tail, which keeps its relative precision far out where `1 - cdf` would round
  to 0);
- Student t and chi-square: mpmath (pure Python, arbitrary precision, sympy's numerics
  library), through the regularized incomplete beta and gamma functions they are defined
  by. mpmath is imported on first use: only the admin function's results endpoint and
  the rollup's summaries call these, never template resolution.

Each is checked against scipy.stats to 1e-12 in tests/unit/test_results.py.
"""

from __future__ import annotations

import math
from functools import cache
from statistics import NormalDist
from typing import Any

_STANDARD_NORMAL = NormalDist()
# 30 significant digits: every answer is exact to the float64 it is rounded to.
_DIGITS = 30
_MAX_NEWTON_STEPS = 500


@cache
def _mpmath() -> Any:
    import mpmath

    mpmath.mp.dps = _DIGITS
    return mpmath


def norm_sf(z: float) -> float:
    """P(Z > z) of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def norm_ppf(p: float) -> float:
    """The standard normal's quantile: z with P(Z <= z) = p, 0 < p < 1."""
    return _STANDARD_NORMAL.inv_cdf(p)


def _t_upper(mp: Any, t: Any, df: Any) -> Any:
    """P(T > t) for t >= 0: half the regularized incomplete beta I_x(df/2, 1/2), x = df/(df+t^2)."""
    x = df / (df + t**2)
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2


def t_sf(t: float, df: float) -> float:
    """P(T > t) of Student's t with `df` (> 0, not necessarily whole) degrees of freedom."""
    mp = _mpmath()
    tail = _t_upper(mp, mp.mpf(abs(t)), mp.mpf(df))
    return float(tail if t >= 0 else 1 - tail)


def t_ppf(p: float, df: float) -> float:
    """Student's t quantile: t with P(T <= t) = p, 0 < p < 1.

    Newton's method on the upper tail from t = 0: the tail is decreasing and convex for
    t >= 0, so each tangent lands short of the root and the iteration climbs to it without
    overshooting, also for the heavy tails of one or two degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie in (0, 1), not {p}")
    if p < 0.5:
        return -t_ppf(1 - p, df)
    mp = _mpmath()
    nu = mp.mpf(df)
    target = 1 - mp.mpf(p)
    log_norm = mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2
    t = mp.mpf(0)
    for _ in range(_MAX_NEWTON_STEPS):
        density = mp.exp(log_norm - (nu + 1) / 2 * mp.log(1 + t * t / nu))
        step = (_t_upper(mp, t, nu) - target) / density
        t += step
        if abs(step) <= abs(t) * mp.mpf(10) ** (10 - _DIGITS):
            return float(t)
    raise ArithmeticError(f"t quantile did not converge (p={p}, df={df})")


def chi2_sf(statistic: float, df: float) -> float:
    """P(X > statistic) of the chi-square distribution with `df` degrees of freedom."""
    if statistic <= 0:
        return 1.0
    mp = _mpmath()
    return float(mp.gammainc(mp.mpf(df) / 2, mp.mpf(statistic) / 2, mp.inf, regularized=True))
