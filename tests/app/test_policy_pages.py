"""Statutory monitoring on the app's pages (issue 8 shown): the review's compliance section and
ranking within peer groups, the park card's legal timeline / flags / plan vs fact / cost per
job / peer percentiles, the regions page's relative growth. References: the demo generator's
planted ``truth_compliance`` table and plain SQL on the warehouse."""

import duckdb
import pandas as pd
import pytest

from analytics.i18n import LANGUAGES, t
from analytics.policy.compliance import compliance_check
from tests.app.conftest import open_section, shown


def frame_with(at, header: str) -> pd.DataFrame:
    """The first st.dataframe with a column ``header``."""
    found = [shown(d) for d in at.dataframe if header in d.value.columns]
    assert found, f"no table with a column {header!r}"
    return found[0]


def planted_breaches(db) -> set[tuple[str, str]]:
    """Outside reference: the violations the demo generator planted (park, rule)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT park_id, rule FROM truth_compliance").fetchall()
    return set(rows)


def listed_breaches(table: pd.DataFrame, lang: str) -> set[tuple[str, str]]:
    from analytics.policy.compliance import load_config, rule_title

    titles = {rule_title(r.rule_id, r.kind, lang): r.rule_id for r in load_config().rules}
    ids, rules = table[t("report.col.park_id", lang)], table[t("policy.col.rule", lang)]
    return {(p, titles[r]) for p, r in zip(ids, rules, strict=True)}


# ------------------------------------------------------------------ review


@pytest.mark.parametrize("lang", LANGUAGES)
def test_review_compliance_lists_the_planted_breaches_in_each_language(app, demo_db, lang):
    at = app(lang, page="review")
    assert not at.exception, [e.value for e in at.exception]
    assert t("policy_app.compliance.title", lang) in [h.value for h in at.subheader]
    table = frame_with(at, t("policy.col.rule", lang))
    # the latest quarter (the page's default) as of which the generator planted its breaches
    assert listed_breaches(table, lang) == planted_breaches(demo_db)
    assert len(table) == len(planted_breaches(demo_db))


def test_review_compliance_follows_the_quarter_and_region(app, demo_db):
    at = app("en", page="review")
    at.selectbox(key="review_quarter").set_value("2023Q2").run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = compliance_check(con, "2023Q2").flags
    table = frame_with(at, "Rule")
    assert listed_breaches(table, "en") == set(
        zip(expected["park_id"], expected["rule"], strict=True)
    )
    assert set(planted_breaches(demo_db)) != set(
        zip(expected["park_id"], expected["rule"], strict=True)
    )
    # one region: only its parks' flags
    region = "XD-07"
    at.selectbox(key="review_quarter").set_value("2025Q4").run()
    at.selectbox(key="review_region").set_value(region).run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        in_region = {r[0] for r in con.execute(
            "SELECT park_id FROM park WHERE region_code = ?", [region]).fetchall()}  # fmt: skip
    expected = {(p, r) for p, r in planted_breaches(demo_db) if p in in_region}
    assert expected  # the demo plants breaches in this region
    assert listed_breaches(frame_with(at, "Rule"), "en") == expected


def test_review_ranking_within_peer_groups(app):
    at = open_section(app("en", page="review"), "ranking")
    overall = frame_with(at, "Rank")
    assert "Peer group" not in overall.columns
    at.toggle(key="review_rank_peers").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    peers = frame_with(at, "Peer group")
    # every group ranks from 1
    firsts = peers.loc[peers["Rank"] == "1", "Peer group"]
    assert set(firsts) == set(peers["Peer group"]) and len(set(firsts)) > 1
    assert len(peers) == len(overall)


# ------------------------------------------------------------------ park card

BREACH_AND_PASSPORT = "XD-P045"  # planted: occupancy below the minimum; has a passport


def open_park(app_db, park: str, lang: str = "en"):
    from tests.app.conftest import new_app

    at = new_app(lang)
    at.query_params["park"] = park
    at.run()
    at.switch_page("app_pages/parks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", LANGUAGES)
def test_park_card_shows_the_planted_breach_and_the_forecast_reading(app_db, demo_db, lang):
    at = open_park(app_db, BREACH_AND_PASSPORT, lang)
    headers = [h.value for h in at.subheader]
    assert t("policy_app.timeline.title", lang) in headers
    assert t("policy_app.plan.title", lang) in headers
    planted = {(p, r) for p, r in planted_breaches(demo_db) if p == BREACH_AND_PASSPORT}
    assert planted == {(BREACH_AND_PASSPORT, "ru_occupancy_after_years")}
    assert listed_breaches(frame_with(at, t("policy.col.rule", lang)), lang) == planted
    # the reading names the commitment of the passport's last year (plain SQL on park_target)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        year, commitment = con.execute(
            "SELECT year(period_start), target_value FROM park_target WHERE park_id = ?"
            " AND indicator = 'high_productivity_jobs' AND period_type = 'year'"
            " ORDER BY period_start DESC LIMIT 1",
            [BREACH_AND_PASSPORT],
        ).fetchone()
    from analytics.i18n import fmt_number

    with duckdb.connect(str(demo_db), read_only=True) as con:
        name = con.execute(
            f"SELECT name_{lang} FROM park WHERE park_id = ?", [BREACH_AND_PASSPORT]
        ).fetchone()[0]
    readings = [i.value for i in at.info if str(year) in i.value]
    assert len(readings) == 1 and fmt_number(commitment, lang, 0) in readings[0]
    assert readings[0].startswith(name)
    assert at.selectbox(key="parks_plan_indicator").value == "high_productivity_jobs"


def test_park_card_gross_and_net_jobs_and_timeline_equal_the_registry(app_db, demo_db):
    park = "XD-P003"
    at = open_park(app_db, park)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        jobs, relocated, moved = con.execute(
            "SELECT jobs_total, jobs_at_relocated_firms, jobs_moved_in FROM park_quarter"
            " WHERE park_id = ? ORDER BY quarter DESC LIMIT 1",
            [park],
        ).fetchone()
        registered = con.execute(
            "SELECT registered_on FROM park WHERE park_id = ?", [park]
        ).fetchone()[0]
    shown = frame_with(at, "Indicator").set_index("Indicator")["Value"]
    assert float(shown["Gross jobs"].replace(",", "")) == jobs
    # net jobs as the issue defines them: new firms' jobs + relocated firms' growth since moving
    net = jobs - relocated + max(relocated - moved, 0)
    assert float(shown["Net jobs"].replace(",", "")) == net
    assert shown["Share of jobs brought by relocated firms"] == f"{100 * moved / jobs:.1f}%"
    steps = frame_with(at, "Milestone")
    assert steps.loc[steps["Milestone"] == "Registered", "Date"].tolist() == [
        registered.strftime("%-d %b %Y")
    ]
    assert any(c.proto.spec for c in at.get("plotly_chart"))


def test_park_without_passport_says_so(app_db):
    at = open_park(app_db, "XD-P001")
    assert t("policy_app.plan.none", "en") in [i.value for i in at.info]
    assert t("policy_app.compliance.park_none", "en") in [s.value for s in at.success]


# ------------------------------------------------------------------ regions page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_regions_growth_section_renders_in_each_language(app, lang):
    at = app(lang, page="regions")
    assert not at.exception, [e.value for e in at.exception]
    assert t("policy_app.growth.title", lang) in [h.value for h in at.subheader]
    assert frame_with(at, t("policy_app.col.relative", lang)).shape[0] > 0


def test_regions_relative_growth_equals_plain_sql(app, demo_db):
    region, base, quarter = "XD-05", "2020Q1", "2025Q4"
    at = app("en", page="regions")
    at.selectbox(key="regions_region").set_value(region).run()
    at.selectbox(key="regions_growth_indicator").set_value("employment").run()
    at.selectbox(key="regions_growth_base").set_value(base).run()
    assert not at.exception, [e.value for e in at.exception]
    sql = (
        "SELECT sum(value) FILTER (WHERE region_code = ?), sum(value) FROM region_quarter"
        " WHERE indicator = 'employment' AND quarter = CAST(? AS DATE)"
    )
    with duckdb.connect(str(demo_db), read_only=True) as con:
        own_now, country_now = con.execute(sql, [region, "2025-10-01"]).fetchone()
        own_base, country_base = con.execute(sql, [region, "2020-01-01"]).fetchone()
        munis = con.execute(
            "SELECT count(*) FROM municipality WHERE region_code = ?", [region]
        ).fetchone()[0]
    expected = (own_now / own_base) / (country_now / country_base) - 1  # employment sums
    shown = next(m.value for m in at.metric if m.label.startswith("Relative growth by"))
    assert quarter[-1] in next(m.label for m in at.metric if m.label.startswith("Relative growth"))
    assert float(shown.rstrip("%").replace("+", "")) == pytest.approx(100 * expected, abs=0.05)
    assert len(frame_with(at, "Relative growth")) == munis
    at.toggle(key="regions_growth_show").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "regions_growth_chart" in [c.key for c in at.get("plotly_chart")]


def test_peer_ranking_and_compliance_of_a_region_in_ukrainian(app):
    at = app("uk", page="review")
    at.selectbox(key="review_region").set_value("XD-07").run()
    open_section(at, "ranking")
    at.toggle(key="review_rank_peers").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    peers = frame_with(at, t("policy_app.col.peer_group", "uk"))
    assert len(peers) > 0 and peers[t("policy_app.col.peer_group", "uk")].str.len().min() > 0


def test_a_passport_park_with_too_few_reports_is_named_in_the_message(app_db):
    with duckdb.connect(str(app_db)) as con:
        # keep the first three reports only: a forecast needs at least four
        con.execute(
            "DELETE FROM park_quarter WHERE park_id = ? AND quarter > (SELECT quarter FROM"
            " park_quarter WHERE park_id = ? ORDER BY quarter LIMIT 1 OFFSET 2)",
            [BREACH_AND_PASSPORT, BREACH_AND_PASSPORT],
        )
        name = con.execute(
            "SELECT name_en FROM park WHERE park_id = ?", [BREACH_AND_PASSPORT]
        ).fetchone()[0]
    at = open_park(app_db, BREACH_AND_PASSPORT)
    expected = t("policy.series_too_short", "en", park=name, n=3)
    shown = [m.value for m in (*at.info, *at.caption, *at.warning)]
    assert expected in shown, shown


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_months_past_a_deadline_are_whole_months(app, demo_db, lang):
    """Issue 15: the compliance table printed "33,000 мес." (thirty-three, to three decimals)
    for the months since a park entered the register. Reference: the flag's months from the
    check, written as Babel writes a whole number in the locale."""
    from babel.numbers import format_decimal

    at = app(lang, page="review")
    table = frame_with(at, t("policy.col.rule", lang))
    with duckdb.connect(str(demo_db), read_only=True) as con:
        flags = compliance_check(con, "2025Q4").flags
    months = flags[flags["unit"] == "months"]
    assert len(months)  # the demo plants deadline breaches
    locale = {"ru": "ru_RU", "uk": "uk_UA"}[lang]
    from analytics.policy.compliance import rule_title

    keys = zip(table[t("report.col.park_id", lang)], table[t("policy.col.rule", lang)],
               strict=True)  # fmt: skip
    shown_values = dict(zip(keys, table[t("policy.col.value", lang)], strict=True))
    for row in months.itertuples():
        number = format_decimal(round(row.value), format="#,##0", locale=locale)
        key = (row.park_id, rule_title(row.rule, row.kind, lang))
        assert shown_values[key] == t("policy.unit.months", lang, value=number)
