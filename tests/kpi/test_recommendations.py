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
    # The method is the shared word for every result, not an estimator's internal code.
    assert list(support.effects_table("ru")["method"]) == ["Каллауэй — Сант'Анна"] * 2
    assert support.budget["park_id"].tolist() == ["A", "B", "D", "F"]


def test_subsidies_suggestion_quotes_the_money_of_the_parks_it_names(demo_db):
    """ "N of M parks have not paid back (invested X, returned Y)": X and Y are the sums over
    those N parks, recomputed here in SQL from the reported quarters (cumulative public money
    and taxes, payback = a quarter where cumulative taxes reached cumulative public money)."""
    from analytics.i18n import fmt_number

    reference = """
        WITH reported AS (
            SELECT park_id, quarter, taxes_total,
                   CASE WHEN subsidies IS NULL AND infrastructure_spending IS NULL
                             AND investment_budget IS NULL THEN NULL
                        ELSE coalesce(subsidies, 0) + coalesce(infrastructure_spending, 0)
                             + coalesce(investment_budget, 0) END AS public_money
            FROM park_quarter WHERE quarter <= DATE '2025-10-01'
        ), running AS (
            SELECT park_id, quarter,
                   sum(public_money) OVER w AS public_cum, sum(taxes_total) OVER w AS taxes_cum
            FROM reported
            WINDOW w AS (PARTITION BY park_id ORDER BY quarter ROWS UNBOUNDED PRECEDING)
        ), paid AS (
            SELECT park_id, bool_or(public_cum > 0 AND taxes_cum >= public_cum) AS paid_back
            FROM running GROUP BY park_id
        )
        SELECT count(*) FILTER (WHERE NOT paid_back), count(*),
               sum(public_cum) FILTER (WHERE NOT paid_back),
               sum(taxes_cum) FILTER (WHERE NOT paid_back),
               sum(public_cum)
        FROM running JOIN paid USING (park_id)
        WHERE quarter = DATE '2025-10-01' AND public_cum > 0
    """
    with connect(demo_db, read_only=True) as con:
        unpaid, funded, public, taxes, public_all = con.execute(reference).fetchone()
        support = recommendations_support(quarterly_review(con, "2025Q4"))
    assert 0 < unpaid < funded and public < public_all  # the two sums differ on the demo
    text = next(s for s in support.suggestions if s.code == "subsidies").text("en")
    assert f"{unpaid} of {funded} parks" in text
    assert f"{fmt_number(public, 'en', 1)} " in text and f"{fmt_number(taxes, 'en', 1)} " in text
    assert fmt_number(public_all, "en", 1) not in text
