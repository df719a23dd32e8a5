"""Recommendations support: budget table, effect readings and rule-based suggestions."""

import datetime as dt

from analytics.effects.results import EffectResult
from analytics.kpi.recommendations import recommendations_support
from analytics.kpi.review import quarterly_review
from analytics.warehouse import connect
from tests.kpi.test_review import warehouse  # noqa: F401  (module-scoped fixture)


def test_suggestions_rest_on_the_numbers(warehouse):  # noqa: F811
    with connect(warehouse, read_only=True) as con:
        review = quarterly_review(con, dt.date(2024, 10, 1))
    clear = EffectResult("cs", 12.0, 2.0, 8.0, 16.0, 5, 100, outcome="employment")
    unclear = EffectResult("cs", 1.0, 2.0, -3.0, 5.0, 5, 100, outcome="avg_wage")
    support = recommendations_support(review, [clear, unclear])
    codes = [s.code for s in support.suggestions]
    assert codes == [
        "hearings",
        "roadmap",
        "training",
        "effect_clear",
        "effect_unclear",
        "coverage",
    ]
    texts = {s.code: s.text("en") for s in support.suggestions}
    assert "(Park B)" in texts["hearings"]
    assert "2 of 5 parks" in texts["roadmap"]  # B late, C missing, of A B C D F
    assert "12.00" in texts["effect_clear"] and "8.00" in texts["effect_clear"]
    assert list(support.effects_table("en")["outcome"]) == ["employment", "avg_wage"]
    assert support.budget["park_id"].tolist() == ["A", "B", "D", "F"]
