"""Imputation / two-stage DiD against outside numbers (issue 16, section 2).

References, all computed outside this project:

* R ``did2s``'s published result on pyfixest's ``df_het`` panel (shipped in the pyfixest
  0.60.0 wheel, ``pyfixest/did/data/df_het.csv``, MIT licence), as printed in pyfixest's
  ``tests/test_did.py::test_event_study``: ``did2s(df_het, yname = "dep_var", first_stage =
  ~ 0 | state + year, second_stage = ~ i(treat, ref = FALSE), treatment = "treat",
  cluster_var = "state")`` -> estimate 2.152215, std. error 0.047607 (6 decimals);
* pyfixest 0.60.0 run live: ``pf.did2s(data, yname, first_stage="~ 0 | unit + year",
  second_stage="~ 0 + treat" or "~ i(rel_year, ref=-1.0)", treatment="treat", cluster=...)``
  and, for BJS's pre-trend regression, ``pf.feols("y ~ i(lead, ref=...) | unit + year",
  data=untreated rows, vcov={"CRV1": unit})``, compared to 1e-6 (pyfixest's fixed effects are
  demeaned iteratively to about 1e-8).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.imputation import imputation_did
from analytics.effects.reading import read_result
from analytics.errors import UserError

pf = pytest.importorskip("pyfixest")
ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-6
HET = dict(unit="unit", time="year", outcome="dep_var", treat_time="g")


@pytest.fixture(scope="module")
def df_het() -> pd.DataFrame:
    path = resources.files("pyfixest.did.data").joinpath("df_het.csv")
    data = pd.read_csv(path)
    data["x"] = np.random.default_rng(12345).normal(size=len(data))
    return data


def _did2s(data, second_stage: str, *, cluster: str = "unit", first: str = "~ 0 | unit + year"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.did2s(
            data,
            yname="dep_var",
            first_stage=first,
            second_stage=second_stage,
            treatment="treat",
            cluster=cluster,
        )


def test_matches_r_did2s_published_values(df_het):
    result = imputation_did(df_het, **HET, unit_effects="state", cluster="state")
    assert result.estimate == pytest.approx(2.152215, abs=5e-7)
    assert result.se == pytest.approx(0.047607, abs=5e-7)
    # fixest's interval uses Student t with its residual degrees of freedom (about 1.96001
    # here), ours the normal quantile: the bounds agree to 1e-5.
    assert (result.ci_low, result.ci_high) == pytest.approx((2.058905, 2.245524), abs=1e-5)


@pytest.mark.parametrize(
    ("covariates", "cluster", "gaps"),
    [((), "unit", False), (("x",), "unit", False), ((), "state", True), (("x",), "state", True)],
)
def test_matches_pyfixest_did2s(df_het, covariates, cluster, gaps):
    data = df_het
    if gaps:  # rows missing at random: the estimator uses every observed row
        data = df_het.loc[np.random.default_rng(4).random(len(df_het)) > 0.1].reset_index(drop=True)
    first = "~ 0 | unit + year" if not covariates else "~ x | unit + year"
    result = imputation_did(data, **HET, covariates=covariates, cluster=cluster)
    static = _did2s(data, "~ 0 + treat", cluster=cluster, first=first)
    # On an unbalanced panel pyfixest recovers the first-stage fixed effects from its
    # alternating projections only to about 2e-6 (see the exact check below); balanced, 1e-8.
    tol = 1e-5 if gaps else TOL
    assert result.estimate == pytest.approx(float(static.coef().iloc[0]), abs=tol)
    assert result.se == pytest.approx(float(static.se().iloc[0]), abs=tol)
    assert result.n_obs == len(data)

    dynamic = _did2s(data, "~ i(rel_year, ref=-1.0)", cluster=cluster, first=first)
    post = result.event_study.loc[result.event_study["rel_time"] >= 0]
    terms = [f"rel_year::{float(h)}" for h in post["rel_time"]]
    np.testing.assert_allclose(post["estimate"], dynamic.coef()[terms], atol=tol, rtol=0)
    np.testing.assert_allclose(post["se"], dynamic.se()[terms], atol=tol, rtol=0)


def test_unbalanced_estimate_is_the_exact_least_squares_imputation(df_het):
    """Dense least squares with every unit and year dummy (numpy lstsq) on the untreated rows,
    then the mean imputed gap: the estimate to 1e-9."""
    data = df_het.loc[np.random.default_rng(4).random(len(df_het)) > 0.1].reset_index(drop=True)
    units = pd.factorize(data["unit"])[0]
    years = pd.factorize(data["year"], sort=True)[0]
    design = np.zeros((len(data), units.max() + 1 + years.max()))
    design[np.arange(len(data)), units] = 1
    later = years > 0
    design[np.flatnonzero(later), units.max() + years[later]] = 1
    untreated = ~data["treat"].to_numpy()
    y = data["dep_var"].to_numpy()
    coef = np.linalg.lstsq(design[untreated], y[untreated], rcond=None)[0]
    expected = (y - design @ coef)[~untreated].mean()
    assert imputation_did(data, **HET).estimate == pytest.approx(expected, abs=1e-9)


def test_pretrend_regression_matches_pyfixest_feols(df_het):
    result = imputation_did(df_het, **HET)
    untreated = df_het.loc[~df_het["treat"]].copy()
    lead = np.where(untreated["g"] > 0, untreated["year"] - untreated["g"], 1)
    farthest = lead[untreated["g"] > 0].min()
    untreated["lead"] = np.where(lead == farthest, 1, lead)  # the farthest lead is the reference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols(
            "dep_var ~ i(lead, ref=1) | unit + year", data=untreated, vcov={"CRV1": "unit"}
        )
    pre = result.event_study.loc[result.event_study["rel_time"] < 0]
    terms = [f"lead::{int(h)}" for h in pre["rel_time"]]
    np.testing.assert_allclose(pre["estimate"], model.coef()[terms], atol=TOL, rtol=0)
    np.testing.assert_allclose(pre["se"], model.se()[terms], atol=TOL, rtol=0)
    b = model.coef()[terms].to_numpy()
    v = model._vcov[np.ix_(*[[list(model.coef().index).index(t) for t in terms]] * 2)]
    assert result.pretrend.statistic == pytest.approx(float(b @ np.linalg.solve(v, b)), rel=1e-6)
    assert result.pretrend.df == len(terms) == 19
    # Parallel by construction in df_het: the test should not reject.
    assert result.pretrend.p_value > 0.05


def test_effects_per_observation_average_to_the_att(df_het):
    result = imputation_did(df_het, **HET)
    assert result.effects["tau"].mean() == pytest.approx(result.estimate, abs=1e-12)
    assert result.n_treated_obs == int(df_het["treat"].sum()) == len(result.effects)
    # df_het's treatment effects are known: te + te_dynamic on the treated rows.
    truth = df_het.loc[df_het["treat"], ["te", "te_dynamic"]].sum(axis=1).mean()
    assert abs(result.estimate - truth) < 3 * result.se


def test_contract_and_reading(df_het):
    result = imputation_did(df_het, **HET)
    tidy = result.tidy()
    assert tidy.iloc[0]["term"] == "ATT" and "rel_time::0" in set(tidy["term"])
    assert result.glance().loc[0, "ci_method"].startswith("normal")
    data = result.to_dict()
    json.dumps(data)
    assert {"event_study", "pretrend_test", "ci_method", "sample"} <= set(data)
    for lang, word in (("en", "raised"), ("ru", "увеличил"), ("uk", "збільшив")):
        assert word in read_result(result, lang)


def test_unit_effects_must_be_constant_within_unit(df_het):
    data = df_het.copy()
    data.loc[0, "state"] = 999
    with pytest.raises(UserError) as info:
        imputation_did(data, **HET, unit_effects="state")
    assert info.value.key == "effects_modern.unit_effects_vary"


def test_treated_rows_without_untreated_period_are_dropped_with_a_warning(df_het):
    # Without never-treated units, the last periods (everyone treated) cannot be imputed.
    data = df_het.loc[df_het["g"] > 0]
    result = imputation_did(data, **HET)
    assert any("cannot be imputed" in w for w in result.warnings)
    assert result.n_obs < len(data)


def test_cli_imputation_json(tmp_path, df_het):
    path = tmp_path / "het.csv"
    df_het.to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "effects", "--data", str(path)]
        + ["--unit", "unit", "--time", "year", "--outcome", "dep_var", "--treat-time", "g"]
        + ["--method", "imputation", "--unit-effects", "state", "--cluster", "state", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["method"] == "imputation"
    assert out["estimate"] == pytest.approx(2.152215, abs=5e-7)
    assert out["se"] == pytest.approx(0.047607, abs=5e-7)
    assert {"event_study", "pretrend_test", "dropped", "ci_method", "p_value"} <= set(out)
    assert out["pretrend_test"]["df"] >= 1
