"""Plain-language readings: deterministic, localised, hedged when the evidence is weak."""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from analytics.effects.diagnostics import event_study_diagnostics
from analytics.effects.reading import read_result
from analytics.effects.results import Diagnostics, EffectResult
from analytics.i18n import fmt_number


@dataclass(frozen=True)
class WithEvents(EffectResult):
    """An event-study result as Sun-Abraham's: its diagnostics are the event study's."""

    event_study: pd.DataFrame = field(default_factory=pd.DataFrame)
    event_vcov: np.ndarray | None = None
    n_treated_units: int = 40
    reference_period: int = -1

    def _diagnostics(self) -> Diagnostics:
        events = event_study_diagnostics(self)
        return Diagnostics(
            pretrend=events.pretrend,
            breakdown_mbar=events.breakdown_mbar,
            n_treated_units=self.n_treated_units,
        )


def result(estimate=120.0, low=80.0, high=160.0, pre=(1.0, -1.0), pre_se=5.0, n_treated=40):
    rel = list(range(-len(pre) - 1, 0)) + [0, 1]
    est = [*pre, 0.0, estimate - 10, estimate + 10]
    se = [pre_se] * len(pre) + [np.nan, 20.0, 20.0]
    events = pd.DataFrame({"rel_time": rel, "estimate": est, "se": se})
    events["ci_low"] = events["estimate"] - 2 * events["se"]
    events["ci_high"] = events["estimate"] + 2 * events["se"]
    return WithEvents(
        method="sa",
        estimate=estimate,
        se=(high - low) / 3.92,
        ci_low=low,
        ci_high=high,
        n_units=100,
        n_obs=2000,
        outcome="jobs",
        event_study=events,
        event_vcov=np.diag(np.nan_to_num(events["se"].to_numpy()) ** 2),
        n_treated_units=n_treated,
    )


def test_english_reading_with_numbers_and_pretrend():
    text = read_result(result(), "en", outcome_label="employment", place="Kaluga region")
    assert text.startswith(
        "The park raised employment in Kaluga region by about 120 (95% CI 80 – 160)."
    )
    assert "pre-trends do not reject parallel trends (p = " in text
    assert "robust" in text


def test_russian_and_ukrainian_use_decimal_comma_and_grouping():
    big = result(estimate=1234.5, low=1000.25, high=1468.75)
    ru = read_result(big, "ru", outcome_label="Занятость")
    # Babel's CLDR data: ru groups thousands with a no-break space and uses a decimal comma.
    assert f"увеличил «Занятость» примерно на {fmt_number(1234.5, 'ru')}" in ru
    assert fmt_number(1234.5, "ru") in ("1\xa0234", "1\u202f234", "1\xa0235", "1\u202f235")
    assert f"{fmt_number(1000.25, 'ru')} – {fmt_number(1468.75, 'ru')}" in ru
    uk = read_result(result(estimate=0.125, low=0.05, high=0.2), "uk")
    assert "0,12" in uk or "0,13" in uk
    assert "збільшив" in uk


def test_hedges_when_interval_spans_zero():
    text = read_result(result(estimate=10.0, low=-20.0, high=40.0), "en")
    assert "no clear effect" in text and "includes zero" in text


def test_hedges_when_pretrends_reject():
    text = read_result(result(pre=(30.0, -30.0), pre_se=5.0), "en")
    assert text.count("Caution") == 1 and "p < 0.001" in text


def test_hedges_when_breakdown_is_small_and_few_treated():
    text = read_result(result(pre=(40.0, -40.0), pre_se=40.0, n_treated=3), "en")
    assert "fragile" in text
    assert "Units with a park: 3, too few" in text


def test_lowered_and_deterministic():
    low = result(estimate=-50.0, low=-80.0, high=-20.0)
    assert read_result(low, "en").startswith("The park lowered jobs by about 50")
    assert read_result(low, "ru") == read_result(low, "ru")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        read_result(result(), "de")


def test_reading_without_any_inference_draws_no_conclusion():
    # Issue 16: an estimate without a standard error (or any interval) is not read as a finding.
    res = EffectResult("sc", 5.0, math.nan, math.nan, math.nan, 10, 100, outcome="jobs")
    text = read_result(res, "en")
    assert text.startswith("No conclusion") and "raised" not in text


def test_thin_cohorts_turn_a_rejecting_pretrend_into_a_weak_signal():
    rejecting = result(pre=(30.0, -30.0), pre_se=5.0)
    plain = read_result(rejecting, "en")
    thin = read_result(rejecting, "en", thin_cohorts=True)
    assert "Caution" in plain and "Caution" not in thin
    assert "a weak signal, not a finding" in thin and "p < 0.001" in thin
    assert thin.split(". ")[0] == plain.split(". ")[0]  # the headline is read as usual
    # a passing pre-trend test reads the same either way
    assert read_result(result(), "en", thin_cohorts=True) == read_result(result(), "en")


def test_the_demo_park_effect_has_thin_cohorts_and_says_so(demo_db):
    import duckdb

    from analytics.effects.parks import park_effect

    with duckdb.connect(str(demo_db), read_only=True) as con:
        # Outside check of the premise, from the registry: municipalities by the quarter their
        # first park opened (its first resident); most quarters hold one or two of them.
        per_quarter = [
            n
            for (n,) in con.execute(
                "SELECT count(*) FROM (SELECT municipality_code,"
                " date_trunc('quarter', min(first_resident_on)) AS q FROM park"
                " WHERE first_resident_on IS NOT NULL GROUP BY ALL) GROUP BY q"
            ).fetchall()
        ]
        effect = park_effect(con, outcome="employment")
        twfe = park_effect(con, outcome="employment", method="twfe")
    assert np.mean(np.array(per_quarter) < 3) > 0.5
    assert effect.thin_cohorts
    # the default seed's pre-trend test rejects (p = 0.013) although trends are parallel
    assert "a weak signal, not a finding" in effect.reading("en")
    assert "Caution: the trends already differed" not in effect.reading("en")
    assert not twfe.thin_cohorts  # TWFE's clustered errors are not built per cohort
