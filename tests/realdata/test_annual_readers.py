"""Annual statistics beside quarterly ones in one warehouse: every reader takes each at its
own frequency and none adds an annual value to quarterly ones (Explore, the map and series
of the Regions page, the country's sums, the marts park effects read, info and check)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from analytics import explore, geo
from analytics.cli import main
from analytics.effects.panel import to_period_index
from analytics.kpi.country import country_statistics
from analytics.registries.subdivisions import subdivisions
from analytics.warehouse import build, run_data_tests
from tests.realdata.conftest import load

QUARTERS = ("2023Q1", "2023Q2", "2023Q3", "2023Q4")
REGIONS = tuple(subdivisions("RU")["region_code"])


def written() -> list[tuple[str, str, str, float]]:
    """(region, period, indicator, value) as the file gives them: quarterly investment and
    employment for every region, and the annual investment and wage for 2023 (the annual
    investment deliberately not the sum of the quarters, so a mix-up shows)."""
    found = []
    for i, region in enumerate(REGIONS, start=1):
        for q, quarter in enumerate(QUARTERS, start=1):
            found.append((region, quarter, "fixed_investment", i * 10.0 + q))
            found.append((region, quarter, "employment", i * 1000.0 + q))
        found.append((region, "2023", "fixed_investment_annual", i * 100.0 + 0.5))
        found.append((region, "2023", "avg_wage_annual", 50000.0 + i))
    return found


@pytest.fixture
def both(ru_db, tmp_path):
    path = tmp_path / "stats.csv"
    lines = ["region_code;quarter;indicator;value"]
    lines += [f"{r};{p};{ind};{v}".replace(".", ",") for r, p, ind, v in written()]
    path.write_text("\n".join(lines), encoding="utf-8")
    report, summary = load(ru_db, path)
    assert report.ok and summary.inserted == len(written()), report.messages("en")
    return ru_db


def _values(indicator: str, period: str | None = None) -> dict[str, float]:
    return {r: v for r, p, ind, v in written() if ind == indicator and period in (None, p)}


def _start(quarter: str) -> dt.date:
    return dt.date(int(quarter[:4]), 3 * (int(quarter[-1]) - 1) + 1, 1)


def test_the_country_sums_only_quarterly_values(both):
    con = duckdb.connect(str(both), read_only=True)
    try:
        stats = country_statistics(con)
    finally:
        con.close()
    assert [d.date() for d in stats["quarter"]] == [_start(q) for q in QUARTERS]
    for quarter, row in zip(QUARTERS, stats.itertuples(), strict=True):
        assert row.fixed_investment == pytest.approx(
            sum(_values("fixed_investment", quarter).values()), rel=1e-12
        )
        assert row.employment == pytest.approx(
            sum(_values("employment", quarter).values()), rel=1e-12
        )


def test_explore_gives_each_indicator_at_its_frequency(both):
    con = duckdb.connect(str(both), read_only=True)
    try:
        by_quarter = explore.series(con, "region", "fixed_investment", region="RU-MOW")
        by_year = explore.series(con, "region", "fixed_investment_annual", region="RU-MOW")
        country = explore.series(con, "region", "fixed_investment_annual", group_by="district")
        late = explore.series(
            con, "region", "avg_wage_annual", start=dt.date(2024, 1, 1), region="RU-MOW"
        )
        in_year = explore.series(
            con, "region", "avg_wage_annual", start=dt.date(2023, 7, 1), region="RU-MOW"
        )
        periods = explore.quarters(con)
    finally:
        con.close()
    moscow = [(r, p, ind, v) for r, p, ind, v in written() if r == "RU-MOW"]
    assert by_quarter.frequency == "quarter"
    assert list(by_quarter.data["value"]) == [
        v for _, _, ind, v in moscow if ind == "fixed_investment"
    ]
    assert by_year.frequency == "year" and len(by_year.data) == 1
    assert by_year.data["value"].iloc[0] == _values("fixed_investment_annual")["RU-MOW"]
    assert list(by_year.period_labels("ru")) == ["2023 г."]
    assert list(by_year.period_labels("uk")) == ["2023 р."]
    assert list(by_quarter.period_labels("en")) == ["Q1 2023", "Q2 2023", "Q3 2023", "Q4 2023"]
    # all regions in one group: the sum of the annual values, nothing quarterly in it
    assert country.data["value"].iloc[0] == pytest.approx(
        sum(_values("fixed_investment_annual").values()), rel=1e-12
    )
    assert int(country.data["units"].iloc[0]) == len(REGIONS)
    assert late.data.empty and len(in_year.data) == 1  # a year counts where its quarters do
    assert periods == [_start(q) for q in QUARTERS]


def test_the_map_and_series_of_an_annual_indicator_are_its_years(both):
    con = duckdb.connect(str(both), read_only=True)
    try:
        on_map = geo.region_indicator(con, "fixed_investment_annual", dt.date(2023, 7, 1))
        no_year = geo.region_indicator(con, "fixed_investment_annual", dt.date(2022, 7, 1))
        quarter_map = geo.region_indicator(con, "fixed_investment", dt.date(2023, 7, 1))
        series = geo.region_series(con, "avg_wage_annual", "RU-SMO")
        quarterly = geo.region_series(con, "employment", "RU-SMO")
    finally:
        con.close()
    assert dict(zip(on_map["region_code"], on_map["value"], strict=True)) == _values(
        "fixed_investment_annual"
    )
    assert no_year["value"].isna().all()
    assert dict(zip(quarter_map["region_code"], quarter_map["value"], strict=True)) == _values(
        "fixed_investment", "2023Q3"
    )
    assert [(d.date(), v) for d, v in zip(series["quarter"], series["value"], strict=True)] == [
        (dt.date(2023, 1, 1), _values("avg_wage_annual")["RU-SMO"])
    ]
    assert list(quarterly["value"]) == [
        v for r, _, ind, v in written() if r == "RU-SMO" and ind == "employment"
    ]


def test_the_marts_park_effects_read_hold_no_annual_value(both):
    con = duckdb.connect(str(both), read_only=True)
    try:
        kinds = con.execute("SELECT DISTINCT indicator FROM region_quarter ORDER BY 1").fetchall()
        years = con.execute("SELECT DISTINCT indicator FROM region_year ORDER BY 1").fetchall()
        stored = con.execute(
            "SELECT quarter FROM raw_region_quarter WHERE indicator = 'avg_wage_annual'"
        ).df()["quarter"]
    finally:
        con.close()
    assert kinds == [("employment",), ("fixed_investment",)]
    assert years == [("avg_wage_annual",), ("fixed_investment_annual",)]
    # an annual value read as a date is a year to the effects' panels, never a quarter
    assert to_period_index(stored)[1] == "year"


def test_check_passes_and_catches_an_annual_value_stored_in_a_quarter(both, capsys):
    assert main(["--lang", "ru", "check", "--db", str(both)]) == 0
    assert main(["--lang", "ru", "info", "--db", str(both)]) == 0
    out = capsys.readouterr().out
    assert "region_year" in out and "2023 г. – 2023 г." in out
    con = duckdb.connect(str(both))
    try:
        con.execute(
            "INSERT INTO raw_region_quarter VALUES (1, 'RU-MOW', DATE '2023-04-01', 'grp', 1.0)"
        )
        build(con)
        failed = {r.name: r for r in run_data_tests(con) if not r.passed}
    finally:
        con.close()
    assert list(failed) == ["frequencies"]
    bad = failed["frequencies"].bad_rows_in("ru")
    assert bad[["area", "indicator", "problem"]].values.tolist() == [
        ["RU-MOW", "grp", "годовое значение не на 1 января"]
    ]


def test_getting_started_counts_annual_statistics_as_loaded(ru_db, tmp_path):
    from analytics.registries.getting_started import loading_state

    path = tmp_path / "grp.csv"
    path.write_text("region_code;quarter;indicator;value\nRU-MOW;2022;grp;26 123 000\n")
    assert load(ru_db, path)[0].ok
    con = duckdb.connect(str(ru_db), read_only=True)
    try:
        steps = {s.step: s.rows for s in loading_state(con).steps}
    finally:
        con.close()
    assert steps["statistics"] == 1


def test_municipal_annual_statistics_are_kept_and_explored_by_year(ua_db, tmp_path):
    municipalities = tmp_path / "m.csv"
    municipalities.write_text(
        "municipality_code;name_uk;region_code;kind\nUA-09-POPASNA;Попасна;Луганська обл.;city\n"
    )
    assert load(ua_db, municipalities)[0].ok
    stats = tmp_path / "s.csv"
    stats.write_text(
        "municipality_code;quarter;indicator;value\n"
        "UA-09-POPASNA;2021;avg_wage_annual;11 502,5\n"
        "UA-09-POPASNA;2021Q4;avg_wage;12 000\n"
    )
    report, summary = load(ua_db, stats, kind="municipality_quarter")
    assert report.ok and summary.inserted == 2, report.messages("en")
    con = duckdb.connect(str(ua_db), read_only=True)
    try:
        by_year = explore.series(con, "municipality", "avg_wage_annual")
        by_quarter = explore.series(con, "municipality", "avg_wage")
        years = con.execute("SELECT * EXCLUDE (source_id) FROM municipality_year").fetchall()
    finally:
        con.close()
    assert years == [("UA-09-POPASNA", 2021, "avg_wage_annual", 11502.5)]
    assert list(by_year.period_labels("uk")) == ["2021 р."] and list(by_year.data["value"]) == [
        11502.5
    ]
    assert list(by_quarter.period_labels("uk")) == ["IV кв. 2021"]
    assert list(by_quarter.data["value"]) == [12000.0]
