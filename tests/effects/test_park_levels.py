"""Park effects in the indicator's own units (effect_level, effect_total, the counterfactual
path, the reading), checked against a hand computation from the warehouse read by SQL here:
on the log scale a treated municipality observed at ``Y`` in the last quarter would have been
at ``Y exp(-beta)`` without its park, so the park added ``(exp(beta) - 1) * Y exp(-beta)``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from analytics.effects.parks import park_effect
from analytics.i18n import LANGUAGES, fmt_number, fmt_percent, fmt_quarter, t, unit_label
from analytics.lookups import currency
from analytics.quarter import Quarter

ROOT = Path(__file__).resolve().parents[2]
BIG_PARK = "XD-P021"

TREATED_SQL = """
WITH opened AS (
    SELECT municipality_code AS unit, min(opened_on) AS opened
    FROM park
    WHERE opened_on IS NOT NULL AND (closed_on IS NULL OR closed_on >= opened_on)
    GROUP BY 1
), last AS (
    SELECT max(quarter) AS quarter FROM municipality_quarter WHERE indicator = ?
)
SELECT m.municipality_code AS unit, m.value
FROM municipality_quarter m JOIN opened o ON o.unit = m.municipality_code, last
WHERE m.indicator = ? AND m.quarter = last.quarter AND o.opened < last.quarter + INTERVAL 3 MONTH
ORDER BY 1
"""


def _by_hand(values: np.ndarray, beta: float) -> float:
    counterfactual = values * math.exp(-beta)
    return float(((math.exp(beta) - 1) * counterfactual).sum())


def _shown(value: float, spread: float, lang: str) -> str:
    digits = 1 - math.floor(math.log10(spread))
    return fmt_number(round(value, digits), lang, max(digits, 0))


def test_total_jobs_are_the_headline_applied_to_the_treated_municipalities(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="cs")
        rows = con.execute(TREATED_SQL, ["employment", "employment"]).df()
        money = currency(con)
    levels = effect.levels
    assert set(rows["unit"]) == set(effect.treated_units["unit"])
    values = rows["value"].to_numpy(dtype=float)
    total = levels.effect_total
    assert total.estimate == pytest.approx(_by_hand(values, effect.estimate), rel=1e-12)
    assert total.ci_low == pytest.approx(_by_hand(values, effect.ci_low), rel=1e-12)
    assert total.ci_high == pytest.approx(_by_hand(values, effect.ci_high), rel=1e-12)
    assert levels.effect_level.estimate == pytest.approx(total.estimate / len(rows), rel=1e-12)
    assert total.unit == "persons" and total.quarter == Quarter(2025, 4)
    assert total.n_units == len(rows)
    # The path: observed totals by SQL, unchanged before the first park, and the last quarter
    # carrying the total effect.
    path = levels.counterfactual
    assert path["observed"].iloc[-1] == pytest.approx(values.sum(), rel=1e-12)
    assert path["effect"].iloc[-1] == pytest.approx(total.estimate, rel=1e-12)
    before = path["n_treated"] == 0
    assert before.any() and (path.loc[before, "effect"] == 0).all()
    spread = (total.ci_high - total.ci_low) / 2
    for lang in LANGUAGES:
        expected = t(
            "effects_levels.read_total",
            lang,
            estimate="+" + _shown(total.estimate, spread, lang),
            unit=unit_label("persons", lang, money),
            n=fmt_number(len(rows), lang),
            quarter=fmt_quarter(Quarter(2025, 4), lang),
            level=fmt_percent(0.95, lang, 0),
            interval=f"{_shown(total.ci_low, spread, lang)} – {_shown(total.ci_high, spread, lang)}",
        )
        assert levels.reading(lang) == expected
        assert expected in effect.reading(lang)
    assert "к IV кв. 2025" in levels.reading("ru") and "by Q4 2025" in levels.reading("en")


def test_one_park_uses_its_synthetic_path(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="sc", park_id=BIG_PARK)
        (unit,) = con.execute(
            "SELECT municipality_code FROM park WHERE park_id = ?", [BIG_PARK]
        ).fetchone()
        observed = con.execute(
            "SELECT strftime(quarter, '%Y') || 'Q' || quarter(quarter) AS q, value"
            " FROM municipality_quarter WHERE indicator = 'employment'"
            " AND municipality_code = ? ORDER BY quarter",
            [unit],
        ).df()
    levels = effect.levels
    path = levels.counterfactual.set_index("quarter")
    series = observed.set_index("q")["value"].reindex(path.index)
    np.testing.assert_allclose(path["observed"], series, rtol=1e-12)
    gaps = effect.synthetic.gaps.set_index("time")["gap"].reindex(path.index)
    np.testing.assert_allclose(path["counterfactual"], series * np.exp(-gaps), rtol=1e-12)
    last = float(series.iloc[-1])
    assert levels.effect_total.estimate == pytest.approx(
        _by_hand(np.array([last]), effect.estimate)
    )
    assert levels.effect_total.n_units == 1
    assert levels.reading("en").startswith("In the indicator's own units: ≈ +")


def test_averages_have_no_total_and_levels_stay_levels(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        wage = park_effect(con, outcome="avg_wage", method="cs")
        jobs = park_effect(con, outcome="employment", method="twfe", transform="level")
        rows = con.execute(TREATED_SQL, ["avg_wage", "avg_wage"]).df()
    assert wage.levels.effect_total is None and wage.levels.aggregation == "mean"
    values = rows.set_index("unit")["value"].reindex(wage.treated_units["unit"]).to_numpy()
    assert wage.levels.effect_level.estimate == pytest.approx(
        _by_hand(values, wage.estimate) / len(values), rel=1e-12
    )
    assert "in an average unit with a park" in wage.levels.reading("en")
    # On the level scale the effect is already in persons per treated municipality.
    assert jobs.levels.effect_level.estimate == pytest.approx(jobs.estimate, rel=1e-12)
    assert jobs.levels.effect_total.estimate == pytest.approx(
        jobs.estimate * jobs.levels.effect_total.n_units, rel=1e-12
    )


def test_cli_json_carries_the_effect_in_units(demo_db):
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "park-effect", "--db", str(demo_db), "--outcome",
         "employment", "--method", "cs", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="cs")
    total = effect.levels.effect_total
    assert out["effect_total"] == {
        "estimate": pytest.approx(total.estimate),
        "ci_low": pytest.approx(total.ci_low),
        "ci_high": pytest.approx(total.ci_high),
        "unit": "persons",
        "quarter": "2025Q4",
        "n_units": total.n_units,
    }
    assert out["effect_level"]["estimate"] == pytest.approx(effect.levels.effect_level.estimate)
    assert out["counterfactual"][-1]["quarter"] == "2025Q4"
    assert set(out["counterfactual"][0]) == {
        "quarter",
        "observed",
        "counterfactual",
        "effect",
        "n_treated",
    }
    assert out["reading_in_units"]["ru"] == effect.levels.reading("ru")
