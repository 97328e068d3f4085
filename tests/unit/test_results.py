"""Experiment statistics: each verified against scipy/statsmodels on the same data (to 1e-9
where the formulas are the same), A/A simulations for false-positive rates, and the
report's sample-ratio check and guidance."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from shared.analytics.rollup import summarize_experiment
from shared.experiments.results import (
    ALPHA,
    Moments,
    _compare_rates,
    _moments,
    _t_interval,
    analyze,
    msprt_p_value,
    sample_ratio,
    two_proportion_z,
    users_needed,
    welch,
)

RNG = np.random.default_rng(20261125)


def moments_of(values: np.ndarray) -> Moments:
    return _moments(len(values), float(values.sum()), float((values * values).sum()))


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2"), [(480, 1000, 520, 1000), (90, 120, 700, 1000), (3, 50, 9, 60)]
)
def test_two_proportion_z_equals_statsmodels(s1, n1, s2, n2):
    z, p = two_proportion_z(s1, n1, s2, n2)
    expected_z, expected_p = proportions_ztest([s1, s2], [n1, n2])
    assert z == pytest.approx(expected_z, abs=1e-9)
    assert p == pytest.approx(expected_p, abs=1e-9)


def test_proportion_difference_ci_equals_statsmodels_wald():
    control = {"executions": 1000, "successes": 480}
    treatment = {"executions": 900, "successes": 470}
    compared = _compare_rates(control, treatment)
    low, high = confint_proportions_2indep(470, 900, 480, 1000, method="wald", compare="diff")
    assert compared.difference_ci.low == pytest.approx(low, abs=1e-9)
    assert compared.difference_ci.high == pytest.approx(high, abs=1e-9)


@pytest.mark.parametrize("sizes", [(200, 180), (30, 45), (1000, 1000)])
def test_welch_equals_scipy_on_per_user_means(sizes):
    a = RNG.lognormal(6.0, 0.5, sizes[0])
    b = RNG.lognormal(6.05, 0.6, sizes[1])
    statistic, df, p, (low, high) = welch(moments_of(a), moments_of(b))
    expected = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)
    assert df == pytest.approx(expected.df, rel=1e-9)
    interval = expected.confidence_interval(1 - ALPHA)
    assert low == pytest.approx(interval.low, rel=1e-9)
    assert high == pytest.approx(interval.high, rel=1e-9)


def test_per_variant_t_interval_equals_scipy():
    values = RNG.normal(100, 15, 57)
    interval = _t_interval(moments_of(values))
    low, high = scipy_stats.t.interval(
        1 - ALPHA, len(values) - 1, loc=values.mean(), scale=scipy_stats.sem(values)
    )
    assert interval.low == pytest.approx(low, rel=1e-9)
    assert interval.high == pytest.approx(high, rel=1e-9)


def test_sample_ratio_equals_scipy_chisquare():
    statistic, p = sample_ratio([5210.0, 4790.0, 2004.0], [0.4, 0.4, 0.2])
    total = 5210 + 4790 + 2004
    expected = scipy_stats.chisquare([5210, 4790, 2004], [total * 0.4, total * 0.4, total * 0.2])
    assert statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)


def test_minimum_sample_matches_statsmodels_power_analysis():
    variance, baseline = 40.0**2, 800.0
    needed = users_needed(variance, baseline)
    effect = 0.05 * baseline / math.sqrt(variance)
    expected = NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=0.8, ratio=1)
    assert abs(needed - math.ceil(expected)) <= 1  # statsmodels adds the far tail (~1e-8)


def test_one_thousand_aa_experiments_keep_the_false_positive_rate_at_alpha():
    """Same distribution in both arms: about 5% of fixed-horizon tests reject, within the
    binomial bound (99.9%), and the always-valid p-value, looked at ten times in each
    experiment, rejects at most alpha."""
    simulations, users = 1000, 300
    bound = 3.29 * math.sqrt(ALPHA * (1 - ALPHA) / simulations)
    welch_rejections = z_rejections = sequential_rejections = 0
    for _ in range(simulations):
        a = RNG.lognormal(6.0, 0.7, users)
        b = RNG.lognormal(6.0, 0.7, users)
        welch_rejections += welch(moments_of(a), moments_of(b))[2] < ALPHA
        successes_a, successes_b = RNG.binomial(users, 0.8), RNG.binomial(users, 0.8)
        z_rejections += two_proportion_z(successes_a, users, successes_b, users)[1] < ALPHA
        for look in range(30, users + 1, 30):  # ten looks, stopping at the first rejection
            first, second = moments_of(a[:look]), moments_of(b[:look])
            variance = first.variance_of_mean + second.variance_of_mean
            p = msprt_p_value(first.mean - second.mean, variance, 0.1 * second.mean)
            if p < ALPHA:
                sequential_rejections += 1
                break
    assert abs(welch_rejections / simulations - ALPHA) <= bound, welch_rejections
    assert abs(z_rejections / simulations - ALPHA) <= bound, z_rejections
    assert sequential_rejections / simulations <= ALPHA + bound, sequential_rejections


def experiment(weights=(0.5, 0.5), primary="latency_ms"):
    variants = [
        SimpleNamespace(name=name, version=index + 1, weight=weight)
        for index, (name, weight) in enumerate(zip(("control", "short"), weights, strict=True))
    ]
    return SimpleNamespace(id="exp-1", status="running", variants=variants, primary_metric=primary)


def user_documents(variant: str, latencies: np.ndarray, success_p: float) -> list[dict]:
    documents = []
    for index, latency in enumerate(latencies):
        runs = int(RNG.integers(1, 4))
        successes = int(RNG.binomial(runs, success_p))
        documents.append(
            {
                "experiment_id": "exp-1",
                "variant": variant,
                "user_key": f"k1:{variant}{index}",
                "hours": {
                    "2026112510": [runs, successes, float(latency) * runs, 1000 * runs, 10, 5]
                },
            }
        )
    return documents


def test_report_finds_a_real_latency_win_once_the_sample_is_reached():
    control = user_documents("control", RNG.normal(1000, 100, 2000), 0.9)
    short = user_documents("short", RNG.normal(800, 100, 2000), 0.9)
    report = analyze(experiment(), summarize_experiment(control + short))
    latency = next(m for m in report.comparisons[0].metrics if m.metric == "latency_ms")
    assert latency.p_value < 1e-9
    assert latency.relative_lift == pytest.approx(-0.2, abs=0.02)
    assert latency.relative_lift_ci.low < latency.relative_lift < latency.relative_lift_ci.high
    assert report.sample_ratio.mismatch is False
    assert report.guidance.sample_size_reached is True
    assert report.guidance.winner == "short"
    assert [v.users for v in report.variants] == [2000, 2000]


def test_a_sample_ratio_mismatch_is_flagged_and_blocks_a_winner():
    control = user_documents("control", RNG.normal(1000, 100, 2000), 0.9)
    short = user_documents("short", RNG.normal(800, 100, 1600), 0.9)
    report = analyze(experiment(), summarize_experiment(control + short))
    assert report.sample_ratio.mismatch is True
    assert report.sample_ratio.p_value < 0.001
    assert report.guidance.winner is None
    assert "sample ratio mismatch" in report.guidance.recommendation


def test_too_few_users_means_keep_running_and_an_empty_summary_is_not_an_error():
    control = user_documents("control", RNG.normal(1000, 300, 20), 0.9)
    short = user_documents("short", RNG.normal(900, 300, 20), 0.9)
    report = analyze(experiment(), summarize_experiment(control + short))
    assert report.guidance.sample_size_reached is False
    assert report.guidance.winner is None
    empty = analyze(experiment(), None)
    assert [v.users for v in empty.variants] == [0, 0]
    assert empty.comparisons[0].metrics[0].p_value is None


@pytest.mark.parametrize("df", [1, 1.5, 2, 3, 4.7, 10, 29.3, 100, 1000, 123456.7])
def test_the_scipy_free_distributions_equal_scipy_stats(df):
    """norm/t/chi2 without scipy (distributions.py): relative error under 1e-12, tails too."""
    from shared.experiments import distributions as d

    def close(ours, theirs):
        return ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)

    for p in (0.5, 0.6, 0.8, 0.95, 0.975, 0.995, 0.9999, 0.1, 0.025):
        assert close(d.t_ppf(p, df), scipy_stats.t.ppf(p, df))
    for t in (0.0, 0.1, 1.0, 2.5, -3.0, 10.0, 40.0):
        assert close(d.t_sf(t, df), scipy_stats.t.sf(t, df))
    for x in (0.0, 0.01, 1.0, 3.0, 10.0, 50.0, 200.0):
        assert close(d.chi2_sf(x, df), scipy_stats.chi2.sf(x, df))
    for z in (0.0, 0.5, 1.96, 5.0, 20.0, -2.0):
        assert close(d.norm_sf(z), scipy_stats.norm.sf(z))
    for p in (0.001, 0.5, 0.8, 0.975, 0.999999):
        assert close(d.norm_ppf(p), scipy_stats.norm.ppf(p))


def test_the_results_path_imports_no_scipy():
    import subprocess
    import sys

    from tests.conftest import ROOT

    program = (
        "import sys\n"
        "from shared.experiments.results import welch, sample_ratio, users_needed, Moments\n"
        "assert welch(Moments(30, 1.0, 2.0), Moments(40, 1.5, 2.5)) is not None\n"
        "assert sample_ratio([510, 490], [1, 1]) is not None\n"
        "assert users_needed(2.0, 1.0)\n"
        "print(sorted(m for m in ('scipy', 'numpy', 'statsmodels') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
