"""Sun-Abraham against pyfixest's saturated cohort x relative-period regression.

Reference: pyfixest 0.60.0, ``feols("y ~ i(rel_time, cohort, ref=-1, ref2=0) | unit + time",
vcov={"CRV1": unit})`` (the regression of ``pyfixest.did.saturated_twfe``), aggregated with
pyfixest's own ``compute_period_weights`` (cohort shares per relative period).
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.effects.sunab import sun_abraham
from analytics.errors import UserError
from tests.effects.conftest import simulated_staggered

pf = pytest.importorskip("pyfixest")
from pyfixest.did.saturated_twfe import compute_period_weights  # noqa: E402

TOL = 1e-6


def saturated(data, unit, time, outcome, cohort, covariates="", cluster=None):
    data = data.copy()
    data["rel_time"] = np.where(data[cohort] > 0, data[time] - data[cohort], -1)
    data["is_treated"] = ((data[cohort] > 0) & (data[time] >= data[cohort])).astype(int)
    formula = f"{outcome} ~ i(rel_time, {cohort}, ref=-1, ref2=0){covariates} | {unit} + {time}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols(formula, data=data, vcov={"CRV1": cluster or unit})
    pattern = re.compile(r"rel_time::(-?\d+):" + cohort + r"::(\d+)")
    cells = []
    for i, name in enumerate(model.coef().index):
        found = pattern.search(name)
        if found:
            cells.append((int(found[2]), int(found[1]), i))
    return model, data, pd.DataFrame(cells, columns=["cohort", "rel_time", "index"])


def reference_event_study(model, data, cells, cohort):
    weights = compute_period_weights(
        data=data[data[cohort] > 0], cohort=cohort, period="rel_time", treatment="is_treated"
    ).set_index([cohort, "rel_time"])["weight"]
    coef, vcov = model.coef().to_numpy(), model._vcov
    rows = []
    for rel in sorted(cells["rel_time"].unique()):
        r = np.zeros(coef.size)
        for cell in cells[cells["rel_time"] == rel].itertuples():
            r[cell.index] = weights.loc[(cell.cohort, rel)]
        rows.append((rel, r @ coef, np.sqrt(r @ vcov @ r)))
    return pd.DataFrame(rows, columns=["rel_time", "estimate", "se"])


def check_against_reference(result, model, data, cells, cohort):
    ours = result.cells.merge(cells, on=["cohort", "rel_time"], validate="one_to_one")
    assert len(ours) == len(cells) == len(result.cells)
    coef, se = model.coef().to_numpy(), model.se().to_numpy()
    np.testing.assert_allclose(ours["estimate"], coef[ours["index"]], atol=TOL)
    np.testing.assert_allclose(ours["se"], se[ours["index"]], atol=TOL)
    reference = reference_event_study(model, data, cells, cohort)
    events = result.event_study.merge(reference, on="rel_time", suffixes=("", "_ref"))
    # l = 0 has weight 0 in pyfixest's grid helper; compare every other relative period.
    events = events[events["rel_time"] != 0]
    np.testing.assert_allclose(events["estimate"], events["estimate_ref"], atol=TOL)
    np.testing.assert_allclose(events["se"], events["se_ref"], atol=TOL)
    # Headline: post-period cells weighted by their observation counts (fixest agg = "ATT").
    post = ours[ours["rel_time"] >= 0]
    r = np.zeros(coef.size)
    r[post["index"]] = post["n_obs"] / post["n_obs"].sum()
    assert result.estimate == pytest.approx(r @ coef, abs=TOL)
    assert result.se == pytest.approx(np.sqrt(r @ model._vcov @ r), abs=TOL)


def test_castle_doctrine_matches_pyfixest_saturated_regression(castle):
    result = sun_abraham(
        castle, unit="sid", time="year", outcome="l_homicide", treat_time="effyear"
    )
    model, data, cells = saturated(castle, "sid", "year", "l_homicide", "effyear")
    check_against_reference(result, model, data, cells, "effyear")
    reference_row = result.event_study.set_index("rel_time").loc[-1]
    assert reference_row["estimate"] == 0 and np.isnan(reference_row["se"])


def test_simulated_with_covariate_and_cluster_matches_pyfixest():
    data = simulated_staggered()
    result = sun_abraham(
        data,
        unit="unit",
        time="year",
        outcome="y",
        treat_time="g",
        covariates=["x"],
        cluster="region",
    )
    model, frame, cells = saturated(data, "unit", "year", "y", "g", " + x", "region")
    check_against_reference(result, model, frame, cells, "g")


def test_unbalanced_panel_matches_pyfixest():
    data = simulated_staggered(seed=4).sample(frac=0.85, random_state=2)
    result = sun_abraham(data, unit="unit", time="year", outcome="y", treat_time="g")
    model, frame, cells = saturated(data, "unit", "year", "y", "g")
    check_against_reference(result, model, frame, cells, "g")


def test_last_treated_cohort_as_control_matches_pyfixest():
    data = simulated_staggered(seed=5)
    data = data[data["g"] > 0]  # no never-treated units
    result = sun_abraham(
        data, unit="unit", time="year", outcome="y", treat_time="g", control="last"
    )
    # Reference sample: periods before the last cohort starts, last cohort as control.
    sample = data[data["year"] < 2009].copy()
    sample["g"] = sample["g"].where(sample["g"] != 2009, 0)
    model, frame, cells = saturated(sample, "unit", "year", "y", "g")
    check_against_reference(result, model, frame, cells, "g")
    assert result.cohorts == (2004, 2006)


def test_recovers_dynamic_effects():
    result = sun_abraham(
        simulated_staggered(n_units=600), unit="unit", time="year", outcome="y", treat_time="g"
    )
    post = result.event_study[result.event_study["rel_time"].between(0, 2)]
    truth = 1 + 0.2 * post["rel_time"]
    assert np.all(np.abs(post["estimate"] - truth) < 4 * post["se"])
    assert result.event_vcov.shape == (len(result.event_study),) * 2


def test_never_treated_control_needs_never_treated_units():
    data = simulated_staggered()
    with pytest.raises(UserError) as info:
        sun_abraham(data[data["g"] > 0], unit="unit", time="year", outcome="y", treat_time="g")
    assert info.value.key == "effects.no_never_treated"
    with pytest.raises(ValueError, match="never, last"):
        sun_abraham(data, unit="unit", time="year", outcome="y", treat_time="g", control="x")
