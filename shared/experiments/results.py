"""Experiment results from the audit pipeline's per-user aggregates (pure; the distributions
are in distributions.py, scipy-free).

Inputs are the per-variant sufficient statistics `rollup_analytics` keeps in
`experiment_summaries/{id}` (users, executions, successes, totals, and sums and sums of
squares of per-user means), so a results request reads one document, never the executions.

Per variant: users, executions, success rate (Wald CI), mean latency and mean cost per user
(t CIs), tokens per execution. Each treatment against the control (the first variant):

- success rate: two-proportion z-test (pooled), difference CI (unpooled Wald), relative
  lift with a delta-method CI. Executions, not users, are the unit here (the seed's success rate);
  when users repeat, executions are correlated and this test is optimistic. The per-user
  success rate is therefore also compared with Welch's t-test (`success_rate_per_user`),
  which is the one to trust when users run many executions each;
- latency and cost: Welch's t-test on per-user means (users are the independent unit;
  per-request tests understate the variance when users repeat), difference CI with
  Welch-Satterthwaite degrees of freedom, relative lift with a delta-method CI;
- an always-valid p-value (mSPRT, normal mixture, Johari et al. 2017) per metric, so
  admins may look every day without inflating false positives. It is computed at the
  current look (conservative against the running minimum over looks, which would need
  every past look);
- a sample-ratio-mismatch check: chi-square of users per variant against the weights
  among users in the experiment; p < 0.001 is flagged and blocks a recommendation;
- minimum sample: users per variant needed to detect a `MDE` relative change in the
  primary metric at alpha 0.05 and power 0.8; no winner is recommended before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.experiments.distributions import chi2_sf, norm_ppf, norm_sf, t_ppf, t_sf

ALPHA = 0.05
POWER = 0.8
MDE = 0.05  # relative minimum detectable effect the sample guidance is sized for
SRM_P = 0.001
MSPRT_TAU_RELATIVE = 0.1  # mixing scale: effects of ~10% of the control mean


class Interval(BaseModel):
    low: float | None
    high: float | None


class VariantSummary(BaseModel):
    name: str
    version: int
    weight: float
    users: int
    executions: int
    success_rate: float | None
    success_rate_ci: Interval
    mean_latency_ms: float | None
    mean_latency_ms_ci: Interval
    mean_cost_usd: float | None
    mean_cost_usd_ci: Interval
    input_tokens_per_execution: float | None
    output_tokens_per_execution: float | None


class MetricComparison(BaseModel):
    metric: str
    test: str
    control: float | None
    treatment: float | None
    difference: float | None
    difference_ci: Interval
    relative_lift: float | None
    relative_lift_ci: Interval
    statistic: float | None
    p_value: float | None
    always_valid_p_value: float | None
    significant: bool


class Comparison(BaseModel):
    variant: str
    against: str
    metrics: list[MetricComparison]


class SampleRatio(BaseModel):
    observed_users: dict[str, int]
    expected_share: dict[str, float]
    chi_square: float | None
    p_value: float | None
    mismatch: bool


class Guidance(BaseModel):
    primary_metric: str
    min_users_per_variant: int | None
    sample_size_reached: bool
    recommendation: str
    winner: str | None


class ExperimentResults(BaseModel):
    experiment_id: str
    status: str
    computed_at: str | None
    sample_ratio: SampleRatio
    guidance: Guidance
    variants: list[VariantSummary]
    comparisons: list[Comparison]
    notes: list[str]


@dataclass(frozen=True)
class Moments:
    n: float
    mean: float | None
    variance: float | None  # sample variance of the per-user values

    @property
    def variance_of_mean(self) -> float | None:
        return None if self.variance is None or self.n <= 0 else self.variance / self.n


# --- the tests (each verified against scipy/statsmodels in tests/unit/test_results.py) ---


def two_proportion_z(s1: float, n1: float, s2: float, n2: float) -> tuple[float, float] | None:
    """(z, two-sided p) of p1 - p2 with the pooled proportion, as statsmodels' proportions_ztest."""

    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    z = (s1 / n1 - s2 / n2) / se
    return z, 2 * norm_sf(abs(z))


def welch(
    first: Moments, second: Moments
) -> tuple[float, float, float, tuple[float, float]] | None:
    """(t, df, two-sided p, CI of first - second): Welch's t-test from summary statistics."""

    if (
        first.mean is None
        or second.mean is None
        or first.variance is None
        or second.variance is None
    ):
        return None
    n1, n2 = first.n, second.n
    if n1 < 2 or n2 < 2:
        return None
    a, b = first.variance / n1, second.variance / n2
    se = math.sqrt(a + b)
    if se == 0:
        return None
    diff = first.mean - second.mean
    statistic = diff / se
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    p = 2 * t_sf(abs(statistic), df)
    half = t_ppf(1 - ALPHA / 2, df) * se
    return statistic, df, p, (diff - half, diff + half)


def relative_lift_ci(
    treatment: float, var_t: float, control: float, var_c: float
) -> tuple[float, tuple[float, float]] | None:
    """Lift t/c - 1 and its delta-method CI; var_* are variances of the two means."""

    if control == 0:
        return None
    lift = treatment / control - 1
    variance = var_t / control**2 + treatment**2 * var_c / control**4
    half = norm_ppf(1 - ALPHA / 2) * math.sqrt(variance)
    return lift, (lift - half, lift + half)


def msprt_p_value(difference: float, variance: float, tau: float) -> float | None:
    """Always-valid p-value of H0: difference = 0 with a normal mixing distribution N(0, tau^2)."""
    if variance <= 0 or tau <= 0:
        return None
    tau2 = tau * tau
    log_lambda = 0.5 * math.log(variance / (variance + tau2)) + (
        tau2 * difference * difference / (2 * variance * (variance + tau2))
    )
    return float(min(1.0, math.exp(-log_lambda)))


def sample_ratio(observed: list[float], weights: list[float]) -> tuple[float, float] | None:

    total = sum(observed)
    if total <= 0 or len(observed) < 2:
        return None
    expected = [total * w / sum(weights) for w in weights]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return statistic, chi2_sf(statistic, len(observed) - 1)


def users_needed(variance: float, baseline: float) -> int | None:
    """Users per variant to detect a relative change MDE of `baseline` (two-sided)."""

    delta = MDE * abs(baseline)
    if delta == 0 or variance <= 0:
        return None
    z = norm_ppf(1 - ALPHA / 2) + norm_ppf(POWER)
    return math.ceil(2 * variance * z * z / (delta * delta))


# --- assembling the report ----------------------------------------------------------------


def _moments(n: float, total: float, total_sq: float) -> Moments:
    if n <= 0:
        return Moments(0, None, None)
    mean = total / n
    if n < 2:
        return Moments(n, mean, None)
    return Moments(n, mean, max(0.0, (total_sq - n * mean * mean) / (n - 1)))


def _t_interval(m: Moments) -> Interval:

    if m.mean is None or m.variance is None:
        return Interval(low=None, high=None)
    half = t_ppf(1 - ALPHA / 2, m.n - 1) * math.sqrt(m.variance / m.n)
    return Interval(low=m.mean - half, high=m.mean + half)


def _rate_interval(successes: float, n: float) -> Interval:

    if n <= 0:
        return Interval(low=None, high=None)
    p = successes / n
    half = norm_ppf(1 - ALPHA / 2) * math.sqrt(p * (1 - p) / n)
    return Interval(low=max(0.0, p - half), high=min(1.0, p + half))


def _per_user(stats: dict[str, float], metric: str) -> Moments:
    return _moments(
        stats.get("users", 0),
        stats.get(f"user_{metric}_sum", 0),
        stats.get(f"user_{metric}_sumsq", 0),
    )


def _compare_means(metric: str, control: Moments, treatment: Moments) -> MetricComparison:
    result = welch(treatment, control)
    difference = lift = always_valid = None
    # welch() answers only when both arms have a mean and a variance.
    if (
        result is not None
        and treatment.mean is not None
        and control.mean is not None
        and treatment.variance_of_mean is not None
        and control.variance_of_mean is not None
    ):
        difference = treatment.mean - control.mean
        lift = relative_lift_ci(
            treatment.mean, treatment.variance_of_mean, control.mean, control.variance_of_mean
        )
        tau = MSPRT_TAU_RELATIVE * abs(control.mean)
        always_valid = msprt_p_value(
            difference, treatment.variance_of_mean + control.variance_of_mean, tau
        )
    return MetricComparison(
        metric=metric,
        test="welch_t_per_user_means",
        control=control.mean,
        treatment=treatment.mean,
        difference=difference,
        difference_ci=Interval(low=result[3][0], high=result[3][1])
        if result
        else Interval(low=None, high=None),
        relative_lift=lift[0] if lift else None,
        relative_lift_ci=Interval(low=lift[1][0], high=lift[1][1])
        if lift
        else Interval(low=None, high=None),
        statistic=None if result is None else result[0],
        p_value=None if result is None else result[2],
        always_valid_p_value=always_valid,
        significant=bool(result and result[2] < ALPHA),
    )


def _compare_rates(control: dict[str, float], treatment: dict[str, float]) -> MetricComparison:

    n_c, n_t = control.get("executions", 0), treatment.get("executions", 0)
    s_c, s_t = control.get("successes", 0), treatment.get("successes", 0)
    tested = two_proportion_z(s_t, n_t, s_c, n_c)
    p_c = s_c / n_c if n_c else None
    p_t = s_t / n_t if n_t else None
    diff_ci = Interval(low=None, high=None)
    lift = None
    always_valid = None
    if p_c is not None and p_t is not None:
        var_t, var_c = p_t * (1 - p_t) / n_t, p_c * (1 - p_c) / n_c
        half = norm_ppf(1 - ALPHA / 2) * math.sqrt(var_t + var_c)
        diff_ci = Interval(low=p_t - p_c - half, high=p_t - p_c + half)
        lift = relative_lift_ci(p_t, var_t, p_c, var_c)
        always_valid = msprt_p_value(p_t - p_c, var_t + var_c, MSPRT_TAU_RELATIVE * p_c)
    return MetricComparison(
        metric="success_rate",
        test="two_proportion_z_pooled",
        control=p_c,
        treatment=p_t,
        difference=None if p_c is None or p_t is None else p_t - p_c,
        difference_ci=diff_ci,
        relative_lift=lift[0] if lift else None,
        relative_lift_ci=Interval(low=lift[1][0], high=lift[1][1])
        if lift
        else Interval(low=None, high=None),
        statistic=None if tested is None else tested[0],
        p_value=None if tested is None else tested[1],
        always_valid_p_value=always_valid,
        significant=bool(tested and tested[1] < ALPHA),
    )


def analyze(experiment: Any, summary: dict[str, Any] | None) -> ExperimentResults:
    """The whole report for an experiment (`ExperimentOut`) and its stored summary."""
    stats_by_variant: dict[str, dict[str, float]] = (summary or {}).get("variants", {})
    names = [v.name for v in experiment.variants]
    weights = [v.weight for v in experiment.variants]
    stats = [stats_by_variant.get(name, {}) for name in names]

    variants = []
    for variant, s in zip(experiment.variants, stats, strict=True):
        executions = s.get("executions", 0)
        latency, cost = _per_user(s, "latency"), _per_user(s, "cost")
        variants.append(
            VariantSummary(
                name=variant.name,
                version=variant.version,
                weight=variant.weight,
                users=int(s.get("users", 0)),
                executions=int(executions),
                success_rate=s.get("successes", 0) / executions if executions else None,
                success_rate_ci=_rate_interval(s.get("successes", 0), executions),
                mean_latency_ms=latency.mean,
                mean_latency_ms_ci=_t_interval(latency),
                mean_cost_usd=cost.mean,
                mean_cost_usd_ci=_t_interval(cost),
                input_tokens_per_execution=s.get("input_tokens", 0) / executions
                if executions
                else None,
                output_tokens_per_execution=s.get("output_tokens", 0) / executions
                if executions
                else None,
            )
        )

    comparisons = []
    control = stats[0]
    for name, treatment in zip(names[1:], stats[1:], strict=True):
        metrics = [
            _compare_rates(control, treatment),
            _compare_means(
                "success_rate_per_user",
                _per_user(control, "success"),
                _per_user(treatment, "success"),
            ),
            _compare_means(
                "latency_ms", _per_user(control, "latency"), _per_user(treatment, "latency")
            ),
            _compare_means("cost_usd", _per_user(control, "cost"), _per_user(treatment, "cost")),
        ]
        comparisons.append(Comparison(variant=name, against=names[0], metrics=metrics))

    observed = [int(s.get("users", 0)) for s in stats]
    srm = sample_ratio([float(o) for o in observed], weights)
    ratio = SampleRatio(
        observed_users=dict(zip(names, observed, strict=True)),
        expected_share={n: w / sum(weights) for n, w in zip(names, weights, strict=True)},
        chi_square=None if srm is None else srm[0],
        p_value=None if srm is None else srm[1],
        mismatch=bool(srm and srm[1] < SRM_P),
    )
    guidance = _guidance(experiment, stats, comparisons, ratio)
    return ExperimentResults(
        experiment_id=experiment.id,
        status=experiment.status,
        computed_at=str((summary or {}).get("computed_at")) if summary else None,
        sample_ratio=ratio,
        guidance=guidance,
        variants=variants,
        comparisons=comparisons,
        notes=[
            "success_rate compares executions (z-test); success_rate_per_user compares users "
            "(Welch): trust the per-user test when users repeat.",
            "always_valid_p_value (mSPRT) may be checked at every look; p_value only once, at "
            "the planned sample size.",
        ],
    )


_PRIMARY = {
    "success_rate": ("success_rate_per_user", "success"),
    "latency_ms": ("latency_ms", "latency"),
    "cost_usd": ("cost_usd", "cost"),
}


def _guidance(
    experiment: Any,
    stats: list[dict[str, float]],
    comparisons: list[Comparison],
    ratio: SampleRatio,
) -> Guidance:
    metric_name, moment_key = _PRIMARY[experiment.primary_metric]
    control = _per_user(stats[0], moment_key)
    needed = None
    if control.mean is not None and control.variance is not None:
        needed = users_needed(control.variance, control.mean)
    reached = needed is not None and all(s.get("users", 0) >= needed for s in stats)
    winner = None
    if ratio.mismatch:
        recommendation = "sample ratio mismatch: fix assignment or reporting before reading results"
    elif not reached:
        recommendation = "keep running: the minimum sample is not reached"
    else:
        better = []
        for comparison in comparisons:
            metric = next(m for m in comparison.metrics if m.metric == metric_name)
            if metric.always_valid_p_value is not None and metric.always_valid_p_value < ALPHA:
                improves = (
                    (metric.difference or 0) > 0
                    if metric_name.startswith("success")
                    else (metric.difference or 0) < 0
                )
                if improves:
                    better.append((metric.always_valid_p_value, comparison.variant))
        if better:
            winner = min(better)[1]
            recommendation = (
                f"{winner} beats the control on {metric_name} (always-valid p < {ALPHA})"
            )
        else:
            recommendation = "no variant beats the control on the primary metric"
    return Guidance(
        primary_metric=metric_name,
        min_users_per_variant=needed,
        sample_size_reached=reached,
        recommendation=recommendation,
        winner=winner,
    )
