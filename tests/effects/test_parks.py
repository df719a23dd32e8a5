"""Park effects from the demo warehouse recover the effects planted by the demo generator.

The reference is the generator's ``truth_effect`` table (the exact effect of every operating
park in every quarter, written by ``analytics.demo`` before any noise is added), aggregated by
``analytics.demo.truth.park_effect_truth`` the way each estimator aggregates: it is never our
estimate. The demo
generator's docstring (``PLANTED_EFFECTS``) says employment and avg_wage carry effects, the
other municipal statistics do not (placebo outcomes), and parallel trends hold in logs.

Hosts get no spillover, so their truth is their parks' own effect; but municipalities near a
park gain spillover jobs (``analytics.demo.spillover``) and some of them are the host
estimate's comparisons. That contamination is real (comparisons near parks are treated a
little too) and measured from the truth below; it is small next to the CIs.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.demo.truth import park_effect_truth, true_effects
from analytics.effects import park_panel as panels
from analytics.effects import parks
from analytics.effects.diagnostics import pretrend_test
from analytics.effects.park_panel import park_panel
from analytics.effects.park_spec import ParkEffectSpec
from analytics.effects.parks import park_effect
from analytics.effects.results import CI_METHODS, EffectContract, ci_method_key
from analytics.effects.synth_inference import placebo_band
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, fmt_number
from analytics.quarter import Quarter

# The demo's largest park effect: an SEZ whose municipality gains ~20% employment.
BIG_PARK = "XD-P021"


@pytest.fixture(scope="module")
def con(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as connection:
        yield connection


def _covers(effect, truth) -> bool:
    return effect.result.ci_low <= truth.estimate <= effect.result.ci_high


@pytest.mark.parametrize(
    ("method", "aggregation"), [("cs", "simple"), ("cs", "dynamic"), ("sa", "simple")]
)
@pytest.mark.parametrize("outcome", ["employment", "avg_wage"])
def test_planted_effect_recovered_within_ci(con, method, aggregation, outcome):
    kwargs = dict(outcome=outcome, method=method, aggregation=aggregation)
    effect = park_effect(con, **kwargs)
    truth = park_effect_truth(con, **kwargs)
    assert truth is not None and truth.estimate > 0.01  # a real effect of a few percent
    assert effect.result.ci_low > 0  # detected
    assert _covers(effect, truth), (effect.result.estimate, effect.result.ci_low, truth.estimate)


@pytest.mark.parametrize("outcome", ["unemployment_rate", "firms_count"])
def test_placebo_outcome_interval_covers_zero(con, outcome):
    effect = park_effect(con, outcome=outcome, method="cs")
    assert park_effect_truth(con, outcome=outcome, method="cs").estimate == 0
    assert effect.result.ci_low <= 0 <= effect.result.ci_high


def test_event_study_truth_lines_up_with_estimates(con):
    effect = park_effect(con, outcome="employment", method="cs", aggregation="dynamic")
    truth = park_effect_truth(con, outcome="employment", method="cs", aggregation="dynamic")
    merged = effect.event_study.event_study.merge(truth.event_study, on="rel_time")
    post = merged.loc[merged["rel_time"].between(0, 20)]
    covered = (post["ci_low"] <= post["truth"]) & (post["truth"] <= post["ci_high"])
    assert covered.mean() >= 0.8
    # Pre-periods carry no effect in the truth.
    assert (merged.loc[merged["rel_time"] < 0, "truth"] == 0).all()


def test_truth_by_hand_for_one_cohort_cell(con, demo_db):
    """The truth of a cell is the mean over the cohort's units of log(Y) - log(Y - effect)."""
    panel = park_panel(con, outcome="employment")
    unit = panel.treated_units.iloc[0]
    row = panel.data.loc[(panel.data["unit"] == unit["unit"]) & ~panel.data["filled"]].iloc[-1]
    quarter = Quarter.parse(row["quarter"]).start
    observed, effect = con.execute(
        "SELECT q.value, (SELECT sum(effect) FROM truth_effect e WHERE e.outcome = 'employment'"
        " AND e.municipality_code = q.municipality_code AND e.quarter = q.quarter)"
        " FROM municipality_quarter q WHERE q.indicator = 'employment'"
        " AND q.municipality_code = ? AND q.quarter = ?",
        [unit["unit"], quarter],
    ).fetchone()
    assert row["raw"] == pytest.approx(observed)
    expected = np.log(observed) - np.log(observed - effect)
    assert true_effects(con, panel)[row.name] == pytest.approx(expected, rel=1e-12)


def _contamination(con, panel) -> float:
    """How much the spillover grew the not-yet-treated comparisons' log employment, averaged
    like CS's simple aggregation: cells (g, t >= g) weighted by cohort size, each the mean
    over units never treated or first treated after t of s[t] - s[g - 1], s the true log
    spillover of a unit and quarter (truth rows of parks outside the unit)."""
    spill = con.execute(
        "SELECT e.municipality_code AS unit, e.quarter, sum(e.effect) AS spill"
        " FROM truth_effect e JOIN park p USING (park_id)"
        " WHERE e.outcome = 'employment' AND e.municipality_code <> p.municipality_code"
        " GROUP BY ALL"
    ).df()
    spill["quarter"] = spill["quarter"].map(lambda day: Quarter.of(day).label)
    data = panel.data.merge(spill, on=["unit", "quarter"], how="left").fillna({"spill": 0.0})
    data["s"] = np.log(data["raw"]) - np.log(data["raw"] - data["spill"])
    s = data.pivot(index="unit", columns="quarter", values="s")
    first = data.groupby("unit")["first_quarter"].first()
    quarters = list(s.columns)
    total = weight = 0.0
    for cohort, size in first[first != ""].value_counts().items():
        base = quarters[quarters.index(cohort) - 1]
        for quarter in quarters[quarters.index(cohort) :]:
            comparisons = first.index[(first == "") | (first > quarter)]
            total += size * (s.loc[comparisons, quarter] - s.loc[comparisons, base]).mean()
            weight += size
    return total / weight


def test_spillovers_contaminate_the_comparisons_a_little(con):
    panel = park_panel(con, outcome="employment")
    assert panel.cohorts[0] > panel.quarters[0]  # every cohort has a base quarter
    contamination = _contamination(con, panel)
    effect = park_effect(con, outcome="employment", method="cs")
    truth = park_effect_truth(con, outcome="employment", method="cs").estimate
    # Real (comparisons near parks gained jobs) and small next to the host effect...
    assert 0.001 < contamination < 0.2 * truth
    # ...so the interval covers both the hosts' truth and what CS targets against them.
    assert effect.result.ci_low <= truth - contamination <= effect.result.ci_high


def test_synthetic_control_recovers_the_big_park_path(con):
    effect = park_effect(con, outcome="employment", method="sc", park_id=BIG_PARK)
    truth = park_effect_truth(con, outcome="employment", method="sc", park_id=BIG_PARK)
    result = effect.result
    assert result.treated_unit == effect.treated_units["unit"].iloc[0]
    low, high = effect.ci_low, effect.ci_high
    assert low <= truth.estimate <= high
    assert low > 0
    band = placebo_band(result.gaps, result.placebo_gaps, result.alpha).merge(truth.path, on="time")
    post = band.loc[band["post"]]
    inside = (post["low"] <= post["truth"]) & (post["truth"] <= post["high"])
    # Pointwise 95% bands over ~25 post quarters: a few misses are expected (22 of 25 here).
    assert inside.mean() >= 0.8
    assert result.permutation_p_value < 0.05


def test_panel_rules(con):
    panel = park_panel(con, outcome="employment")
    data = panel.data
    # Balanced: every unit in every quarter.
    assert len(data) == data["unit"].nunique() * data["quarter"].nunique()
    # Treatment timing is the first opening in the unit (checked with plain SQL).
    first = dict(
        con.execute(
            "SELECT municipality_code, min(opened_on) FROM park WHERE opened_on IS NOT NULL"
            " GROUP BY 1"
        ).fetchall()
    )
    for row in panel.treated_units.itertuples():
        assert row.first_quarter == Quarter.of(first[row.unit]).label
    # Units hosting only unopened parks are neither treated nor comparisons.
    pending = {
        code
        for (code,) in con.execute(
            "SELECT municipality_code FROM park WHERE opened_on IS NULL AND closed_on IS NULL"
        ).fetchall()
    } - set(first)
    assert pending <= set(panel.dropped.loc[panel.dropped["reason"] == "park_pending", "unit"])
    assert not pending & set(data["unit"])
    assert panel.n_filled > 0 and data["filled"].sum() == panel.n_filled


def test_gap_filling_keeps_common_seasonality():
    quarters = [f"2020Q{q}" for q in range(1, 5)] * 2
    season = np.tile([0.0, 0.1, -0.05, 0.02], 2)
    wide = pd.DataFrame(
        {"a": season + 1.0, "b": season + 2.0, "c": season + 3.0},
        index=[f"{2020 + i // 4}Q{i % 4 + 1}" for i in range(8)],
    )
    del quarters
    holed = wide.copy()
    holed.iloc[3, 1] = np.nan
    holed.iloc[0, 2] = np.nan  # leading gap: not filled
    filled, mask = panels._fill_gaps(holed)
    assert filled.iloc[3, 1] == pytest.approx(wide.iloc[3, 1])
    assert np.isnan(filled.iloc[0, 2])
    assert mask.to_numpy().sum() == 1


def test_cache_is_keyed_by_parameters_and_data_stamp(con):
    first = park_effect(con, outcome="employment", method="twfe")
    assert park_effect(con, outcome="employment", method="twfe") is first
    assert park_effect(con, outcome="employment", method="twfe", alpha=0.1) is not first
    parks.clear_cache()
    assert park_effect(con, outcome="employment", method="twfe") is not first


def test_reading_in_every_language(con):
    effect = park_effect(con, outcome="employment", method="cs", aggregation="dynamic")
    for lang in LANGUAGES:
        text = effect.reading(lang)
        name = effect.outcome.names[lang]
        assert name in text or name.lower() in text


def test_bad_requests_are_user_errors(con):
    with pytest.raises(UserError):
        park_effect(con, outcome="jobs_total", method="cs")
    with pytest.raises(UserError):
        park_effect(con, outcome="employment", method="sc")
    with pytest.raises(UserError):
        park_effect(con, outcome="employment", method="sc", park_id="XD-P999")
    with pytest.raises(ValueError, match="method"):
        park_effect(con, outcome="employment", method="ols")


# --------------------------------------------------------------------------------------------
# One result contract (issue 14): the park effect answers what every estimator's result answers


@pytest.mark.parametrize(("outcome", "transform"), [("employment", "log"), ("avg_wage", "level")])
def test_json_and_tidy_table_name_the_indicator_and_its_unit(con, outcome, transform):
    """Not "effect on value" (the panel's column): the indicator's code and its catalogue
    unit, and the unit of the estimate (log points on the log scale)."""
    effect = park_effect(con, outcome=outcome, method="twfe", transform=transform)
    (unit,) = con.execute(
        "SELECT unit FROM indicator WHERE code = ? AND entity = 'municipality'", [outcome]
    ).fetchone()
    effect_unit = "log_points" if transform == "log" else unit
    assert effect.to_dict()["outcome"] == {
        "code": outcome,
        "unit": unit,
        "transform": transform,
        "effect_unit": effect_unit,
    }
    tidy = effect.tidy()
    assert (tidy["outcome"] == outcome).all() and (tidy["effect_unit"] == effect_unit).all()
    assert effect.result.outcome == outcome  # the estimator saw the indicator, not "value"
    assert "value" not in effect.summary() and "value" not in effect.result.summary()
    json.dumps(effect.to_dict())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "cs"},
        {"method": "cs", "aggregation": "dynamic"},
        {"method": "sa"},
        {"method": "twfe"},
        {"method": "sc", "park_id": BIG_PARK},
    ],
)
def test_park_effect_answers_the_result_contract(con, kwargs):
    effect = park_effect(con, outcome="employment", **kwargs)
    assert isinstance(effect, EffectContract) and isinstance(effect.result, EffectContract)
    assert not hasattr(type(effect), "__getattr__")  # no wrapper passing unknown names on
    head = effect.tidy().iloc[0]
    for name in ("estimate", "ci_low", "ci_high", "p_value"):
        assert getattr(effect, name) == getattr(effect.result, name)
        assert head[name] == pytest.approx(getattr(effect, name), nan_ok=True)
    payload = effect.to_dict()
    glance = effect.glance().iloc[0]
    for name in ("estimate", "ci_low", "ci_high", "ci_method"):
        assert payload[name] == getattr(effect, name) == glance[name]
    assert ci_method_key(effect.ci_method) is not None
    # Diagnostics computed once, from the event study where there is one.
    assert effect.diagnostics is effect.diagnostics
    if effect.event_study is not None:
        outside = pretrend_test(effect.event_study)
        assert effect.diagnostics.pretrend.p_value == pytest.approx(outside.p_value, rel=1e-12)
        said = (
            "p < 0.001"
            if outside.p_value < 0.001
            else f"p = {fmt_number(outside.p_value, 'en', 3)}"
        )
        assert said in effect.reading("en")


def test_synthetic_control_reports_the_placebo_estimate_interval(con):
    """The interval is estimate +- the m-th largest size of the placebos' own estimates
    (their mean post-period gaps), m = floor(alpha (J + 1)), recomputed here from the
    placebo gaps; it excludes zero exactly when its test's p-value is at most alpha."""
    effect = park_effect(con, outcome="avg_wage", method="sc", park_id=BIG_PARK)
    result = effect.result
    post = result.gaps["post"].to_numpy()
    sizes = np.sort(np.abs(result.placebo_gaps.to_numpy()[post].mean(axis=0)))[::-1]
    m = int(np.floor(effect.alpha * (sizes.size + 1)))
    assert effect.ci_method == CI_METHODS["placebo_estimates"]
    assert (effect.ci_low, effect.ci_high) == pytest.approx(
        (effect.estimate - sizes[m - 1], effect.estimate + sizes[m - 1]), rel=1e-12
    )
    p = (1 + np.sum(sizes >= abs(effect.estimate))) / (sizes.size + 1)
    assert effect.p_value == pytest.approx(p)
    assert (effect.ci_low > 0) == (effect.p_value <= effect.alpha)
    # The other interval is kept, named, beside it.
    methods = set(result.intervals["method"])
    assert methods == {"constant_effect", "placebo_estimates"}


def test_one_specification_for_the_estimate_its_panel_and_its_truth(con):
    spec = ParkEffectSpec(outcome="employment", method="sc", park_id=BIG_PARK)
    assert spec == ParkEffectSpec(
        outcome="employment", method="sc", park_id=BIG_PARK, alpha=0.05, start=None
    )
    assert ParkEffectSpec(outcome="employment", park_id=BIG_PARK).park_id is None  # sc only
    assert ParkEffectSpec(outcome="employment", start=dt.date(2016, 5, 1)).start == Quarter(2016, 2)
    assert ParkEffectSpec(outcome="employment", end="2024Q3").to_dict()["end"] == "2024Q3"
    assert park_effect(con, spec) is park_effect(con, **spec.to_dict())  # one cache entry
    assert park_panel(con, spec).sc_unit == park_effect(con, spec).result.treated_unit
    assert park_effect_truth(con, spec).path is not None
    twfe = park_effect(con, spec, method="twfe")  # keywords replace the spec's fields
    assert twfe.spec == ParkEffectSpec(outcome="employment", method="twfe")
    with pytest.raises(ValueError, match="'cs', 'twfe', 'sa', 'imputation', 'dcdh', 'sc'"):
        ParkEffectSpec(outcome="employment", method="ols")
    with pytest.raises(ValueError, match="park_types"):
        ParkEffectSpec(outcome="employment", park_types=("casino",))


def test_annual_statistics_are_not_offered_as_quarterly_outcomes(con):
    """GRP and the other annual indicators have one value a year: a quarterly park panel of
    them would be three empty quarters in four, so they are neither offered nor estimated."""
    for level in ("region", "municipality"):
        codes = set(panels.area_outcomes(con, level)["code"])
        assert "employment" in codes
        assert not codes & {"grp", "grp_per_capita", "employment_annual", "avg_wage_annual"}
    with pytest.raises(UserError) as caught:
        park_effect(con, outcome="grp", level="region", method="twfe")
    assert caught.value.key == "effects_parks.unknown_outcome"
