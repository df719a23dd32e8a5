"""Callaway & Sant'Anna group-time ATTs against outside numbers.

References, all computed outside this project:

* R ``did``'s documented output on ``mpdta`` (tests/reference/cs_r_did_mpdta.json, with the
  calls and where they are printed): estimates to their 4 printed decimals;
* csdid 0.4.3 (a port of R did 2.5 that reproduces R's analytic standard errors), run live
  here on the same data: ``ATTgt(yname, tname, idname, gname, data, control_group, xformla)
  .fit(est_method, base_period, bstrap=False)`` and ``.aggte(typec, bstrap=False)``, compared
  to 1e-6 (the estimators are the same);
* the castle doctrine panel of Cheng & Hoekstra (2013) shipped in causaldata 0.1.5
  (``causaldata.castle``), against csdid 0.4.3 with time-varying covariates.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.cs import AggregateResult, ATTGTResult, aggte, att_gt
from analytics.errors import UserError

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
TOL = 1e-6
MPDTA = dict(unit="countyreal", time="year", outcome="lemp", treat_time="first.treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cs_mpdta.csv")


@pytest.fixture(scope="module")
def r_did() -> dict:
    return json.loads((REFERENCE / "cs_r_did_mpdta.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def castle() -> pd.DataFrame:
    from causaldata import castle as castle_data

    data = castle_data.load_pandas().data
    first = data.loc[data["post"] == 1].groupby("sid")["year"].min()
    data = data.assign(effyear=data["sid"].map(first).fillna(0).astype(int))
    return data[["sid", "year", "effyear", "l_homicide", "unemployrt", "l_police", "poverty"]]


def _csdid(data, *, y, g, i, t, control, covariates, est, base, **kwargs):
    """csdid 0.4.3 fitted quietly (it prints its summaries)."""
    from csdid.att_gt import ATTgt

    formula = f"{y}~{'+'.join(covariates)}" if covariates else None
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return ATTgt(
            yname=y,
            gname=g,
            idname=i,
            tname=t,
            data=data,
            control_group="nevertreated" if control == "never" else "notyettreated",
            xformla=formula,
            **kwargs,
        ).fit(est_method=est, base_period=base, bstrap=False)


def _csdid_aggte(ref, kind: str, **kwargs) -> dict:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref.aggte(typec=kind, bstrap=False, **kwargs)
    return ref.atte


def _assert_cells_match(ours: ATTGTResult, ref) -> None:
    ref_att = np.asarray(ref.results["att"], dtype=float)
    ref_se = np.asarray(ref.results["se"], dtype=float)
    np.testing.assert_array_equal(ours.att_gt["group"], ref.results["group"])
    np.testing.assert_array_equal(ours.att_gt["time"], ref.results["year"])
    np.testing.assert_allclose(ours.att_gt["estimate"], ref_att, atol=TOL, rtol=0)
    np.testing.assert_allclose(ours.att_gt["se"], ref_se, atol=TOL, rtol=0)


# --- R did's documented numbers -------------------------------------------------------------


def test_mpdta_att_gt_matches_r_did_documented_estimates(mpdta, r_did):
    result = att_gt(mpdta, **MPDTA)
    rows = np.array(r_did["att_gt_varying"]["rows"], dtype=float)
    table = result.att_gt
    np.testing.assert_array_equal(table[["group", "time"]].to_numpy(), rows[:, :2])
    # Printed to 4 decimals.
    np.testing.assert_allclose(table["estimate"], rows[:, 2], atol=5e-5 + 1e-12, rtol=0)
    # R printed bootstrap SEs (random, IQR-based); analytic SEs agree in distribution.
    np.testing.assert_allclose(table["se"], rows[:, 3], rtol=0.2)


def test_mpdta_universal_base_matches_r_did_documented_estimates(mpdta, r_did):
    result = att_gt(mpdta, **MPDTA, base_period="universal")
    rows = r_did["att_gt_universal"]["rows"]
    table = result.att_gt
    assert len(table) == len(rows)
    for row, (g, period, estimate, se) in zip(table.itertuples(), rows, strict=True):
        assert (row.group, row.time) == (g, period)
        assert abs(row.estimate - estimate) <= 5e-5 + 1e-12
        if se is None:
            # The base period itself is normalised to 0 with no standard error.
            assert row.estimate == 0.0 and np.isnan(row.se)


def test_mpdta_dynamic_aggregation_matches_r_did_documented(mpdta, r_did):
    result = att_gt(mpdta, **MPDTA)
    for key, kwargs in (("dynamic", {}), ("dynamic_balance_e1", {"balance_e": 1})):
        reference = r_did[key]
        agg = aggte(result, "dynamic", **kwargs)
        assert abs(agg.estimate - reference["overall"][0]) <= 5e-5 + 1e-12
        rows = np.array(reference["rows"], dtype=float)
        study = agg.event_study
        np.testing.assert_array_equal(study["rel_time"], rows[:, 0])
        np.testing.assert_allclose(study["estimate"], rows[:, 1], atol=5e-5 + 1e-12, rtol=0)
        np.testing.assert_allclose(study["se"], rows[:, 2], rtol=0.2)


# --- csdid 0.4.3, live ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "est_method", "covariates", "base_period"),
    list(
        itertools.product(
            ("never", "notyet"), ("dr", "ipw", "reg"), ((), ("lpop",)), ("varying", "universal")
        )
    ),
)
def test_mpdta_matches_csdid(mpdta, control, est_method, covariates, base_period):
    ours = att_gt(
        mpdta,
        **MPDTA,
        control=control,
        est_method=est_method,
        covariates=covariates,
        base_period=base_period,
    )
    ref = _csdid(
        mpdta,
        y="lemp",
        g="first.treat",
        i="countyreal",
        t="year",
        control=control,
        covariates=covariates,
        est=est_method,
        base=base_period,
    )
    _assert_cells_match(ours, ref)
    for kind in ("simple", "dynamic", "group", "calendar"):
        expected = _csdid_aggte(ref, kind)
        agg = aggte(ours, kind)
        assert agg.estimate == pytest.approx(expected["overall_att"], abs=TOL)
        assert agg.se == pytest.approx(expected["overall_se"], abs=TOL)
        if kind == "simple":
            assert ours.estimate == pytest.approx(expected["overall_att"], abs=TOL)
            assert ours.se == pytest.approx(expected["overall_se"], abs=TOL)
            continue
        np.testing.assert_allclose(agg.table["estimate"], expected["att_egt"], atol=TOL, rtol=0)
        np.testing.assert_allclose(
            agg.table["se"], np.asarray(expected["se_egt"], dtype=float), atol=TOL, rtol=0
        )


def test_mpdta_windows_match_csdid(mpdta):
    ours = att_gt(mpdta, **MPDTA, control="notyet")
    ref = _csdid(
        mpdta,
        y="lemp",
        g="first.treat",
        i="countyreal",
        t="year",
        control="notyet",
        covariates=(),
        est="dr",
        base="varying",
    )
    for kind, kwargs in (
        ("dynamic", {"min_e": -2, "max_e": 2}),
        ("dynamic", {"balance_e": 1}),
        ("simple", {"max_e": 1}),
        ("group", {"max_e": 1}),
    ):
        expected = _csdid_aggte(ref, kind, **kwargs)
        agg = aggte(ours, kind, **kwargs)
        assert agg.estimate == pytest.approx(expected["overall_att"], abs=TOL)
        assert agg.se == pytest.approx(expected["overall_se"], abs=TOL)
        if kind != "simple":
            np.testing.assert_allclose(agg.table["estimate"], expected["att_egt"], atol=TOL)


def test_mpdta_anticipation_matches_csdid(mpdta):
    ours = att_gt(mpdta, **MPDTA, anticipation=1, covariates=("lpop",))
    ref = _csdid(
        mpdta,
        y="lemp",
        g="first.treat",
        i="countyreal",
        t="year",
        control="never",
        covariates=("lpop",),
        est="dr",
        base="varying",
        anticipation=1,
    )
    _assert_cells_match(ours, ref)


def test_mpdta_clustered_analytic_se_matches_csdid(mpdta):
    """Clustering counties by state (the first digits of the county FIPS code)."""
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    ours = att_gt(data, **MPDTA, cluster="state")
    ref = _csdid(
        data,
        y="lemp",
        g="first.treat",
        i="countyreal",
        t="year",
        control="never",
        covariates=(),
        est="dr",
        base="varying",
        clustervar="state",
    )
    _assert_cells_match(ours, ref)
    assert ours.n_clusters == data["state"].nunique()
    unclustered = att_gt(mpdta, **MPDTA)
    assert not np.allclose(ours.att_gt["se"], unclustered.att_gt["se"])


def test_no_never_treated_notyet_matches_csdid(mpdta):
    """R did without never-treated units: the last cohort is only a comparison."""
    data = mpdta.loc[mpdta["first.treat"] > 0]
    ours = att_gt(data, **MPDTA, control="notyet")
    ref = _csdid(
        data,
        y="lemp",
        g="first.treat",
        i="countyreal",
        t="year",
        control="notyet",
        covariates=(),
        est="dr",
        base="varying",
    )
    _assert_cells_match(ours, ref)
    assert any("last cohort" in w for w in ours.warnings)


@pytest.mark.parametrize(
    ("control", "est_method", "covariates"),
    [
        ("never", "dr", ()),
        ("never", "dr", ("unemployrt", "l_police")),
        ("notyet", "ipw", ("unemployrt",)),
        ("notyet", "reg", ("unemployrt", "poverty")),
    ],
)
def test_castle_doctrine_matches_csdid(castle, control, est_method, covariates):
    """A second real staggered panel: 50 states, 2000-2010, log homicide rate."""
    ours = att_gt(
        castle,
        unit="sid",
        time="year",
        outcome="l_homicide",
        treat_time="effyear",
        control=control,
        est_method=est_method,
        covariates=covariates,
    )
    ref = _csdid(
        castle,
        y="l_homicide",
        g="effyear",
        i="sid",
        t="year",
        control=control,
        covariates=covariates,
        est=est_method,
        base="varying",
    )
    _assert_cells_match(ours, ref)
    # Cells with a violated overlap condition are NaN in both; R/csdid need na_rm to skip them.
    expected = _csdid_aggte(ref, "dynamic", na_rm=True)
    agg = aggte(ours, "dynamic")
    assert agg.estimate == pytest.approx(expected["overall_att"], abs=TOL)
    np.testing.assert_allclose(agg.table["se"], expected["se_egt"], atol=TOL)
    # One-state cohorts (R did's "small groups" warning).
    assert any("small groups" in w for w in ours.warnings)


# --- bootstrap ----------------------------------------------------------------------------


def test_bootstrap_se_agrees_with_analytic_and_band_is_uniform(mpdta):
    analytic = att_gt(mpdta, **MPDTA)
    boot = att_gt(mpdta, **MPDTA, bootstrap=4999, seed=11)
    # IQR-based bootstrap SEs (R mboot) run a few percent above the analytic ones for the
    # small 2004 cohort (20 counties), as in R did's own printed output.
    np.testing.assert_allclose(boot.att_gt["se"], analytic.att_gt["se"], rtol=0.12)
    assert boot.uniform_band and 1.96 < boot.crit_val < 3.5
    width = boot.att_gt["ci_high"] - boot.att_gt["ci_low"]
    np.testing.assert_allclose(width, 2 * boot.crit_val * boot.att_gt["se"])
    assert boot.se == pytest.approx(analytic.se, rel=0.12)
    dynamic = aggte(boot, "dynamic")
    assert dynamic.uniform_band and dynamic.crit_val > 1.96
    np.testing.assert_allclose(
        dynamic.table["se"], aggte(analytic, "dynamic").table["se"], rtol=0.08
    )


def test_bootstrap_is_reproducible_and_mammen_weights_work(mpdta):
    first = att_gt(mpdta, **MPDTA, bootstrap=199, seed=5)
    again = att_gt(mpdta, **MPDTA, bootstrap=199, seed=5)
    pd.testing.assert_frame_equal(first.att_gt, again.att_gt)
    assert aggte(first, "group").se == aggte(again, "group").se
    mammen = att_gt(mpdta, **MPDTA, bootstrap=2999, seed=5, bootstrap_weights="mammen")
    analytic = att_gt(mpdta, **MPDTA)
    np.testing.assert_allclose(mammen.att_gt["se"], analytic.att_gt["se"], rtol=0.12)


def test_clustered_bootstrap_draws_per_cluster(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    analytic = att_gt(data, **MPDTA, cluster="state")
    boot = att_gt(data, **MPDTA, cluster="state", bootstrap=2999, seed=3)
    # 29 clusters: the bootstrap SE tracks the clustered analytic SE, not the unit one.
    np.testing.assert_allclose(boot.att_gt["se"], analytic.att_gt["se"], rtol=0.2)


# --- the result contract ------------------------------------------------------------------


def test_result_contract(mpdta):
    result = att_gt(mpdta, **MPDTA, covariates=("lpop",))
    assert isinstance(result, ATTGTResult)
    assert result.method == "cs" and result.n_units == 500 and result.n_obs == 2500
    payload = json.loads(json.dumps(result.to_dict()))
    assert {"method", "estimate", "se", "ci_low", "ci_high", "n_units", "n_obs"} <= set(payload)
    assert payload["att_gt"][0] == {
        "group": 2004,
        "time": 2004,
        "estimate": pytest.approx(result.att_gt["estimate"].iloc[0]),
        "se": pytest.approx(result.att_gt["se"].iloc[0]),
    }
    tidy = result.tidy()
    assert list(tidy.columns) == ["term", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]
    assert len(tidy) == 1 + len(result.att_gt)
    assert result.glance().loc[0, "n_cells"] == 12
    assert "group-time ATTs" in result.summary()
    with pytest.raises(AttributeError):
        result.estimate = 0.0  # frozen

    dynamic = aggte(result, "dynamic")
    assert isinstance(dynamic, AggregateResult)
    assert list(dynamic.event_study.columns) == ["rel_time", "estimate", "se", "ci_low", "ci_high"]
    assert dynamic.event_vcov.shape == (len(dynamic.event_study),) * 2
    np.testing.assert_allclose(np.sqrt(np.diag(dynamic.event_vcov)), dynamic.event_study["se"])
    payload = json.loads(json.dumps(dynamic.to_dict()))
    assert payload["event_study"][0]["rel_time"] == -3
    for kind in ("simple", "group", "calendar"):
        json.dumps(aggte(result, kind).to_dict())
        assert aggte(result, kind).summary()


def test_quarterly_periods_are_labelled_in_the_users_notation(mpdta):
    quarters = {2003: "2003Q1", 2004: "2003Q2", 2005: "2003Q3", 2006: "2003Q4", 2007: "2004Q1"}
    data = mpdta.assign(
        quarter=mpdta["year"].map(quarters),
        start=mpdta["first.treat"].map(lambda g: quarters.get(g, "")),
    )
    result = att_gt(data, unit="countyreal", time="quarter", outcome="lemp", treat_time="start")
    yearly = att_gt(mpdta, **MPDTA)
    np.testing.assert_allclose(result.att_gt["estimate"], yearly.att_gt["estimate"], atol=1e-12)
    assert result.to_dict()["att_gt"][0]["group"] == "2003Q2"
    assert list(aggte(result, "dynamic").event_study["rel_time"]) == [-3, -2, -1, 0, 1, 2, 3]


# --- errors users can act on --------------------------------------------------------------


def test_options_are_checked_at_the_door(mpdta):
    with pytest.raises(ValueError, match="control must be one of"):
        att_gt(mpdta, **MPDTA, control="later")
    with pytest.raises(ValueError, match="est_method must be one of"):
        att_gt(mpdta, **MPDTA, est_method="ols")
    with pytest.raises(ValueError, match="base_period"):
        att_gt(mpdta, **MPDTA, base_period="fixed")
    with pytest.raises(ValueError, match="kind must be one of"):
        aggte(att_gt(mpdta, **MPDTA), "event")


def test_never_control_without_never_treated_units_is_a_user_error(mpdta):
    treated_only = mpdta.loc[mpdta["first.treat"] > 0]
    with pytest.raises(UserError) as info:
        att_gt(treated_only, **MPDTA, control="never")
    assert info.value.key == "effects.no_never_treated"


def test_collinear_covariates_are_a_user_error(mpdta):
    data = mpdta.assign(lpop2=2 * mpdta["lpop"])
    with pytest.raises(UserError) as info:
        att_gt(data, **MPDTA, covariates=("lpop", "lpop2"))
    assert info.value.key == "effects_cs.singular_propensity"
    with pytest.raises(UserError) as info:
        att_gt(data, **MPDTA, covariates=("lpop", "lpop2"), est_method="reg")
    assert info.value.key == "effects_cs.singular_outcome"
    assert "cohort 2004" in info.value.message("en")
    assert info.value.message("ru") and info.value.message("uk")


def test_cluster_changing_within_unit_is_a_user_error(mpdta):
    data = mpdta.assign(region=np.arange(len(mpdta)) % 3)
    with pytest.raises(UserError) as info:
        att_gt(data, **MPDTA, cluster="region")
    assert info.value.key == "effects_cs.cluster_varies"


def test_tiny_never_treated_group_is_a_user_error(mpdta):
    never = mpdta.loc[mpdta["first.treat"] == 0, "countyreal"].unique()
    data = mpdta.loc[~mpdta["countyreal"].isin(never[3:])]
    with pytest.raises(UserError) as info:
        att_gt(data, **MPDTA)
    assert info.value.key == "effects_cs.never_group_too_small"
    # Not-yet-treated comparisons still work.
    assert np.isfinite(att_gt(data, **MPDTA, control="notyet").estimate)


def test_unbalanced_units_are_dropped_with_a_warning(mpdta):
    data = mpdta.drop(index=[0, 7])
    result = att_gt(data, **MPDTA)
    assert result.n_units == 498
    assert any("Balancing the panel dropped 2 of 500 units" in w for w in result.warnings)
    assert any("пропущенными периодами" in w for w in result.warnings_in("ru"))
    assert result.sample.n_dropped == 2
