"""TWFE against pyfixest on real panels; Goodman-Bacon decomposition against published output."""

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.effects.twfe import twfe, within_two_way
from tests.effects.conftest import simulated_staggered

pf = pytest.importorskip("pyfixest")
TOL = 1e-6


def pyfixest_fit(formula: str, data: pd.DataFrame, cluster: str):
    # pyfixest 0.60.0, default ssc(); CRV1 clustered SEs, t(G-1) intervals.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, data=data, vcov={"CRV1": cluster})


def assert_matches(result, model, term_count=1):
    np.testing.assert_allclose(
        result.coefficients["estimate"].to_numpy()[:term_count],
        model.coef().to_numpy()[:term_count],
        atol=TOL,
    )
    np.testing.assert_allclose(
        result.coefficients["se"].to_numpy()[:term_count],
        model.se().to_numpy()[:term_count],
        atol=TOL,
    )
    ci = model.confint().to_numpy()[0]
    assert result.ci_low == pytest.approx(ci[0], abs=TOL)
    assert result.ci_high == pytest.approx(ci[1], abs=TOL)
    assert result.p_value == pytest.approx(float(model.pvalue().iloc[0]), abs=TOL)
    assert result.n_obs == model._N


def test_castle_doctrine_matches_pyfixest(castle):
    result = twfe(castle, unit="sid", time="year", outcome="l_homicide", treated="post")
    model = pyfixest_fit("l_homicide ~ post | sid + year", castle, "sid")
    assert_matches(result, model)
    assert result.n_units == 50


def test_castle_with_covariates_and_other_cluster_matches_pyfixest(castle):
    result = twfe(
        castle,
        unit="sid",
        time="year",
        outcome="l_homicide",
        treat_time="effyear",
        covariates=["unemployrt", "poverty"],
        cluster="region",
    )
    model = pyfixest_fit("l_homicide ~ post + unemployrt + poverty | sid + year", castle, "region")
    assert_matches(result, model, term_count=3)


def test_organ_donations_quarters_match_pyfixest(organ_donations):
    result = twfe(organ_donations, unit="State", time="Quarter", outcome="Rate", treated="treated")
    model = pyfixest_fit("Rate ~ treated | State + Quarter_Num", organ_donations, "State")
    assert_matches(result, model)
    # One treated state: the result says cluster-robust inference is unreliable.
    assert any("Treated units: 1, too few" in w for w in result.warnings)


def test_unbalanced_panel_matches_pyfixest():
    data = simulated_staggered().sample(frac=0.8, random_state=3)
    result = twfe(data, unit="unit", time="year", outcome="y", treated="d", covariates=["x"])
    model = pyfixest_fit("y ~ d + x | unit + year", data, "unit")
    assert_matches(result, model, term_count=2)
    assert result.bacon is None  # the decomposition needs a balanced panel


def test_within_transformation_is_orthogonal_to_both_effects():
    rng = np.random.default_rng(0)
    units = rng.integers(0, 40, 500)
    times = rng.integers(0, 9, 500)
    keep = ~pd.DataFrame({"u": units, "t": times}).duplicated().to_numpy()
    units, times = pd.factorize(units[keep])[0], pd.factorize(times[keep])[0]
    z = within_two_way(units, times, rng.normal(size=(units.size, 2)))
    for codes in (units, times):
        sums = np.stack([np.bincount(codes, weights=z[:, j]) for j in range(2)])
        np.testing.assert_allclose(sums, 0, atol=1e-10)


def test_bacon_published_three_unit_example():
    """Stata bacondecomp on the example of A. Naqvi's DiD guide ("Bacon decomposition",
    https://asjadnaqvi.github.io/DiD/docs/code/06_02_bacon/, quoted on Statalist thread
    1751536): Early_v_Late beta 2, weight .1818; Late_v_Early beta 4, weight .1364;
    Never_v_timing beta 2.9333, weight .6818."""
    unit = np.repeat([1, 2, 3], 10)
    period = np.tile(np.arange(1, 11), 3)
    early, late = (unit == 2) & (period >= 5), (unit == 3) & (period >= 8)
    data = pd.DataFrame(
        {"id": unit, "t": period, "D": (early | late).astype(int), "Y": 2.0 * early + 4.0 * late}
    )
    result = twfe(data, unit="id", time="t", outcome="Y", treated="D")
    summary = result.bacon_summary.set_index("comparison")
    assert summary.loc["earlier_vs_later", "estimate"] == pytest.approx(2, abs=1e-9)
    assert summary.loc["earlier_vs_later", "weight"] == pytest.approx(0.1818, abs=5e-5)
    assert summary.loc["later_vs_earlier", "estimate"] == pytest.approx(4, abs=1e-9)
    assert summary.loc["later_vs_earlier", "weight"] == pytest.approx(0.1364, abs=5e-5)
    assert summary.loc["treated_vs_never", "estimate"] == pytest.approx(2.9333, abs=5e-5)
    assert summary.loc["treated_vs_never", "weight"] == pytest.approx(0.6818, abs=5e-5)
    assert result.forbidden_share == pytest.approx(0.1364, abs=5e-5)
    assert any("forbidden" in w for w in result.warnings)


@pytest.mark.parametrize("dataset", ["castle", "simulated"])
def test_bacon_two_by_twos_average_to_the_pyfixest_coefficient(dataset, castle):
    if dataset == "castle":
        data, spec = castle, ("sid", "year", "l_homicide", "post")
    else:
        data, spec = simulated_staggered(), ("unit", "year", "y", "d")
    unit, time, outcome, treated = spec
    result = twfe(data, unit=unit, time=time, outcome=outcome, treated=treated)
    model = pyfixest_fit(f"{outcome} ~ {treated} | {unit} + {time}", data, unit)
    assert result.bacon["weight"].sum() == pytest.approx(1, abs=1e-12)
    weighted = float((result.bacon["weight"] * result.bacon["estimate"]).sum())
    assert weighted == pytest.approx(float(model.coef().iloc[0]), abs=1e-9)


def test_negative_weights_flagged_under_staggered_timing():
    result = twfe(simulated_staggered(), unit="unit", time="year", outcome="y", treat_time="g")
    assert 0 < result.negative_weight_share < 1
    assert result.to_dict()["estimate"] == pytest.approx(result.estimate)
    assert list(result.tidy().columns) == [
        "term",
        "estimate",
        "se",
        "t",
        "p_value",
        "ci_low",
        "ci_high",
    ]


@pytest.mark.slow
def test_twfe_interval_coverage_on_non_staggered_panels():
    """Short version of bench/coverage_twfe.py (which runs 1,000 replications)."""
    from bench.coverage_twfe import coverage

    share, _ = coverage(reps=300, seed=11)
    assert 0.93 <= share <= 0.97
