"""The database overview: parks by type and status, quarterly totals across parks, freshness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

PARK_TYPES = ("industrial_park", "technopark", "sez", "industrial_site")
PARK_STATUSES = ("project", "under_construction", "operating", "closed")


@dataclass(frozen=True)
class Overview:
    parks_by_type_status: pd.DataFrame  # park_type, status, parks
    quarterly_totals: (
        pd.DataFrame
    )  # quarter, jobs_total, investment_total (mln), residents, parks_reporting
    freshness: pd.DataFrame  # table, rows, last_period, frequency (quarter; year: an int)
    latest_quarter: dt.date | None
    parks_total: int
    last_loaded_at: dt.datetime | None
    simulated: bool


def parks_by_type_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Park counts for every type x status pair (zeros included so charts keep their order)."""
    counts = con.execute("SELECT park_type, status, count(*) AS parks FROM park GROUP BY ALL").df()
    grid = pd.MultiIndex.from_product([PARK_TYPES, PARK_STATUSES], names=["park_type", "status"])
    return (
        counts.set_index(["park_type", "status"])["parks"]
        .reindex(grid, fill_value=0)
        .astype(int)
        .reset_index()
    )


def quarterly_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sums across reporting parks per quarter. Missing reports are not imputed, so
    ``parks_reporting`` is shown beside the totals."""
    return con.execute(
        """
        SELECT quarter,
               sum(jobs_total) AS jobs_total,
               sum(investment_total) AS investment_total,
               sum(residents_count) AS residents_count,
               count(*) AS parks_reporting
        FROM park_quarter
        GROUP BY quarter
        ORDER BY quarter
        """
    ).df()


def overview(con: duckdb.DuckDBPyConnection) -> Overview:
    from analytics.warehouse.info import warehouse_info

    info = warehouse_info(con)
    totals = quarterly_totals(con)
    latest = totals["quarter"].max() if len(totals) else None
    latest_date = pd.Timestamp(latest).date() if latest is not None else None
    loaded = info.sources["loaded_at"].max() if len(info.sources) else None
    return Overview(
        parks_by_type_status=parks_by_type_status(con),
        quarterly_totals=totals,
        freshness=info.tables[["table", "rows", "last_period", "frequency"]],
        latest_quarter=latest_date,
        parks_total=int(con.execute("SELECT count(*) FROM park").fetchone()[0]),
        last_loaded_at=None
        if loaded is None or pd.isna(loaded)
        else pd.Timestamp(loaded).to_pydatetime(),
        simulated=info.simulated,
    )
