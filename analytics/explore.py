"""Any indicator by any dimension and period, for analysts (the app's Explore page and notebooks).

Park indicators come from the ``park_quarter`` mart, area statistics from ``region_quarter``
and ``municipality_quarter``, annual area statistics (frequency ``year`` in the catalogue)
from ``region_year`` and ``municipality_year``: a series is by quarter or by year as its
indicator is, and an annual value is never added to quarterly ones. Values are aggregated
across the units of a group with the indicator's own rule from the catalogue (sums for flows
and stocks; an unweighted mean for rates and wages), and every result keeps the number of
units behind each value so gaps in reporting stay visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd

from analytics.errors import UserError
from analytics.i18n import fmt_period

Level = Literal["park", "municipality", "region"]
LEVELS: tuple[str, ...] = ("park", "municipality", "region")
PARK_GROUPS = ("park", "park_type", "status", "ownership", "region")
AREA_GROUPS = {"municipality": ("municipality", "region"), "region": ("region", "district")}
_SQL_AGGREGATE = {"sum": "sum", "mean": "avg", "last": "sum"}


@dataclass(frozen=True)
class Series:
    """A tidy indicator series: one row per group x period with ``value`` and ``units``.

    ``frequency`` is the indicator's: ``quarter`` (``data.quarter`` is the quarter's first
    day) or ``year`` (``data.quarter`` is the year's 1 January)."""

    level: str
    indicator: str
    group_by: str
    aggregation: str
    data: pd.DataFrame  # group, quarter, value, units
    frequency: str = "quarter"

    def period_labels(self, lang: str) -> pd.Series:
        """Each row's period as users write it ("III кв. 2024", "2024 г.")."""
        return self.data["quarter"].map(lambda d: fmt_period(d, self.frequency, lang))


def indicators(con: duckdb.DuckDBPyConnection, level: Level) -> pd.DataFrame:
    """The catalogue entries available at a level (code, unit, names, descriptions)."""
    _check_level(level)
    return con.execute("SELECT * FROM indicator WHERE entity = ? ORDER BY kind, code", [level]).df()


def indicators_with_data(con: duckdb.DuckDBPyConnection, level: Level) -> set[str]:
    """The codes of the level's catalogue indicators that have at least one value: a park
    indicator stored in ``park_quarter`` with a value (a derived one once any park reported),
    an area statistic with a row in its quarterly or annual mart."""
    _check_level(level)
    catalogue = indicators(con, level)
    if level == "park":
        stored = _park_columns(con)
        counts = (
            con.execute(
                "SELECT count(*) AS reports"
                + "".join(f", count({c}) AS {c}" for c in catalogue["code"] if c in stored)
                + " FROM park_quarter"
            )
            .df()
            .iloc[0]
        )
        return {
            code
            for code in catalogue["code"]
            if (counts[code] if code in stored else counts["reports"]) > 0
        }
    rows = con.execute(
        f"SELECT DISTINCT indicator FROM {level}_quarter"
        f" UNION SELECT DISTINCT indicator FROM {level}_year"
    ).fetchall()
    return {r[0] for r in rows} & set(catalogue["code"])


def group_options(level: Level) -> tuple[str, ...]:
    _check_level(level)
    return PARK_GROUPS if level == "park" else AREA_GROUPS[level]


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise UserError("explore.bad_level", level=level, allowed=", ".join(LEVELS))


def _aggregation(con: duckdb.DuckDBPyConnection, level: str, indicator: str) -> tuple[str, str]:
    """The indicator's aggregation rule and frequency (quarter, year)."""
    row = con.execute(
        "SELECT aggregation, frequency FROM indicator WHERE entity = ? AND code = ?",
        [level, indicator],
    ).fetchone()
    if row is None:
        raise UserError("explore.unknown_indicator", indicator=indicator, level=level)
    return row[0], row[1]


def _park_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("DESCRIBE park_quarter").fetchall()}


def series(
    con: duckdb.DuckDBPyConnection,
    level: Level,
    indicator: str,
    *,
    group_by: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    region: str | None = None,
) -> Series:
    """Indicator values per group and quarter between ``start`` and ``end`` (inclusive); for
    an annual indicator, per group and year, for the years ``start`` and ``end`` fall in.

    ``group_by`` defaults to the level itself (one line per park, municipality or region).
    ``region`` restricts to one region's parks or areas.
    """
    _check_level(level)
    group_by = group_by or level
    if group_by not in group_options(level):
        raise UserError(
            "explore.bad_group", group=group_by, allowed=", ".join(group_options(level))
        )
    aggregation, frequency = _aggregation(con, level, indicator)
    fn = _SQL_AGGREGATE[aggregation]
    params: list[object] = []
    if level == "park" and indicator not in _park_columns(con):
        data = _derived_park_series(con, indicator, group_by, aggregation, start, end, region)
        return Series(level, indicator, group_by, aggregation, data)
    if level == "park":
        group_sql = {"park": "p.park_id", "region": "p.region_code"}.get(group_by, f"p.{group_by}")
        sql = (
            f"SELECT {group_sql} AS group_key, pq.quarter, {fn}(pq.{indicator}) AS value,"
            f" count(pq.{indicator}) AS units"
            " FROM park_quarter pq JOIN park p USING (park_id) WHERE true"
        )
        if region:
            sql += " AND p.region_code = ?"
            params.append(region)
    else:
        table = f"{level}_{frequency}"  # region_quarter, region_year...
        if level == "municipality":
            group_sql = {"municipality": "s.municipality_code", "region": "a.region_code"}[group_by]
            join = "JOIN municipality a ON a.code = s.municipality_code"
            region_filter = "a.region_code"
        else:
            group_sql = {"region": "s.region_code", "district": "a.district_code"}[group_by]
            join = "JOIN region a ON a.code = s.region_code"
            region_filter = "s.region_code"
        period = "s.quarter" if frequency == "quarter" else "make_date(s.year, 1, 1)"
        sql = (
            f"SELECT {group_sql} AS group_key, {period} AS quarter, {fn}(s.value) AS value,"
            f" count(s.value) AS units FROM {table} s {join} WHERE s.indicator = ?"
        )
        params.append(indicator)
        if region:
            sql += f" AND {region_filter} = ?"
            params.append(region)
    quarter_col = "pq.quarter" if level == "park" else "s.quarter"
    if level != "park" and frequency == "year":
        quarter_col = "s.year"
        start = start and start.year
        end = end and end.year
    if start:
        sql += f" AND {quarter_col} >= ?"
        params.append(start)
    if end:
        sql += f" AND {quarter_col} <= ?"
        params.append(end)
    sql += " GROUP BY ALL ORDER BY group_key, quarter"
    data = con.execute(sql, params).df().rename(columns={"group_key": "group"})
    return Series(level, indicator, group_by, aggregation, data, frequency)


def _derived_park_series(con, indicator, group_by, aggregation, start, end, region) -> pd.DataFrame:
    """A derived park KPI (computed by analytics.kpi.formulas) aggregated like a stored one."""
    from analytics.kpi.formulas import park_kpis

    kpis = park_kpis(con, start, end, region)
    if indicator not in kpis.columns:
        raise UserError("explore.not_stored", indicator=indicator)
    parks = con.execute("SELECT park_id, park_type, status, ownership, region_code FROM park").df()
    key = {"park": "park_id", "region": "region_code"}.get(group_by, group_by)
    frame = kpis[["park_id", "quarter", indicator]].merge(parks, on="park_id", how="left")
    grouped = frame.groupby([key, "quarter"])[indicator]
    value = grouped.mean() if aggregation == "mean" else grouped.sum(min_count=1)
    data = pd.DataFrame({"value": value, "units": grouped.count()}).reset_index()
    data = data.rename(columns={key: "group"})
    data["quarter"] = pd.to_datetime(data["quarter"])
    return data.sort_values(["group", "quarter"], ignore_index=True)


def group_labels(con: duckdb.DuckDBPyConnection, group_by: str, lang: str) -> dict[str, str]:
    """Display names for group keys that are registry entities (park, municipality, region, district)."""
    table = {
        "park": ("park", "park_id"),
        "municipality": ("municipality", "code"),
        "region": ("region", "code"),
        "district": ("district", "code"),
    }.get(group_by)
    if table is None:
        return {}
    name, key = table
    rows = con.execute(f"SELECT {key}, name_{lang} FROM {name}").fetchall()
    return dict(rows)


def currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """The currency money values are in, when the warehouse holds one country; else None
    (money of several countries is then labelled in generic currency units)."""
    rows = con.execute("SELECT DISTINCT currency FROM country").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def quarters(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Every quarter that has park reports or area statistics, in order; a year of annual
    statistics counts with its first and last quarter (a period slider then spans it)."""
    years = " UNION ".join(
        f"SELECT make_date(year, month, 1) FROM {mart}, (VALUES (1), (10)) m(month)"
        for mart in ("region_year", "municipality_year")
    )
    rows = con.execute(
        "SELECT DISTINCT quarter FROM (SELECT quarter FROM park_quarter"
        " UNION SELECT quarter FROM region_quarter UNION SELECT quarter FROM municipality_quarter"
        f" UNION {years}) ORDER BY quarter"
    ).fetchall()
    return [r[0] for r in rows]
