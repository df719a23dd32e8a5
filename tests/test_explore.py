"""Which indicators have data (the Explore page opens on one that does)."""

import duckdb
import pytest

from analytics.explore import indicators_with_data


@pytest.mark.parametrize("level", ["municipality", "region"])
def test_area_indicators_with_data_are_those_with_rows(demo_db, level):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        found = indicators_with_data(con, level)
        # Outside reference: the marts' own rows, by plain SQL.
        expected = {
            code
            for (code,) in con.execute(
                f"SELECT DISTINCT indicator FROM {level}_quarter WHERE value IS NOT NULL"
                f" UNION SELECT DISTINCT indicator FROM {level}_year WHERE value IS NOT NULL"
            ).fetchall()
        }
        catalogue = {
            c for (c,) in con.execute(
                "SELECT code FROM indicator WHERE entity = ?", [level]
            ).fetchall()
        }  # fmt: skip
    assert found == expected & catalogue
    assert "employment" in found
    # the parks' shares are derived for regions by the app, never stored for an area
    assert "park_jobs_share" not in found


def test_park_indicators_with_data_follow_the_reports(demo_db, tmp_path):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        found = indicators_with_data(con, "park")
        empty_columns = [
            c
            for (c,) in con.execute(
                "SELECT code FROM indicator WHERE entity = 'park' AND kind = 'reported'"
            ).fetchall()
            if con.execute(f"SELECT count({c}) FROM park_quarter").fetchone()[0] == 0
        ]
    assert "jobs_total" in found and "occupancy_rate" in found
    assert not set(empty_columns) & found

    from analytics.cli import main

    path = tmp_path / "empty.duckdb"
    assert main(["init", "--country", "RU", "--db", str(path)]) == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert indicators_with_data(con, "park") == set()
        assert indicators_with_data(con, "municipality") == set()
