"""The TWFE event study against pyfixest run live on the castle-doctrine panel (causaldata):
the same dynamic regression, written with explicit relative-period dummies."""

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.effects.twfe_events import twfe_event_study
from analytics.errors import UserError

pf = pytest.importorskip("pyfixest")
TOL = 1e-6


def dummies(data: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    rel = np.where(data["effyear"] > 0, data["year"] - data["effyear"], 0)
    periods = sorted(int(e) for e in np.unique(rel[data["effyear"] > 0]) if e != -1)
    out = data.copy()
    for e in periods:
        out[f"e{'m' if e < 0 else 'p'}{abs(e)}"] = ((data["effyear"] > 0) & (rel == e)).astype(int)
    return out, periods


def test_castle_event_study_matches_pyfixest(castle):
    data, periods = dummies(castle)
    terms = [f"e{'m' if e < 0 else 'p'}{abs(e)}" for e in periods]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # pyfixest 0.60.0: feols with unit and year effects, CRV1 by state, default ssc()
        model = pf.feols(f"l_homicide ~ {' + '.join(terms)} | sid + year", data=data,
                         vcov={"CRV1": "sid"})  # fmt: skip
    result = twfe_event_study(
        castle, unit="sid", time="year", outcome="l_homicide", treat_time="effyear"
    )
    events = result.event_study.set_index("rel_time")
    assert list(events.index) == sorted([*periods, -1])
    assert events.loc[-1, "estimate"] == 0 and np.isnan(events.loc[-1, "se"])
    shown = events.drop(index=-1)
    np.testing.assert_allclose(shown["estimate"], model.coef()[terms], atol=TOL)
    np.testing.assert_allclose(shown["se"], model.se()[terms], atol=TOL)
    intervals = model.confint().loc[terms].to_numpy()
    np.testing.assert_allclose(shown[["ci_low", "ci_high"]].to_numpy(), intervals, atol=TOL)
    # the window keeps rows and their covariance
    cut = twfe_event_study(
        castle, unit="sid", time="year", outcome="l_homicide", treat_time="effyear", window=(-3, 3)
    )
    assert list(cut.event_study["rel_time"]) == [-3, -2, -1, 0, 1, 2, 3]
    assert cut.event_vcov.shape == (7, 7)
    vcov = model._vcov  # pyfixest's covariance of the coefficients, in term order
    position = {term: i for i, term in enumerate(model.coef().index)}
    pre = [position["em3"], position["em2"]]
    np.testing.assert_allclose(cut.event_vcov[:2, :2], vcov[np.ix_(pre, pre)], atol=TOL)
    post = cut.event_study["rel_time"] >= 0
    assert cut.estimate == pytest.approx(cut.event_study.loc[post, "estimate"].mean(), abs=1e-12)
    assert cut.diagnostics.pretrend is not None


def test_without_never_treated_units_the_dynamic_fit_is_refused(castle):
    treated = castle[castle["effyear"] > 0]
    with pytest.raises(UserError) as failure:
        twfe_event_study(treated, unit="sid", time="year", outcome="l_homicide",
                         treat_time="effyear")  # fmt: skip
    assert failure.value.key == "effects.collinear"
