"""The whole country as one area: every park's totals against the sum of the regions' statistics.

The regions page's "all regions" view. Region employment (persons) and fixed investment (mln)
add up to the country's; a quarter in which some region has no figure gets no country figure
(and no share) rather than a total that silently leaves that region out.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.kpi.formulas import region_totals

COUNTRY = "__country__"
ADDITIVE_STATISTICS = ("employment", "fixed_investment")


def country_statistics(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """quarter, employment, fixed_investment summed over all regions (NaN where a region lacks
    the figure that quarter)."""
    regions = con.execute("SELECT count(*) FROM region").fetchone()[0]
    frame = con.execute(
        "SELECT quarter, indicator, sum(value) AS total, count(value) AS reporting"
        " FROM region_quarter WHERE indicator IN (?, ?) GROUP BY quarter, indicator",
        list(ADDITIVE_STATISTICS),
    ).df()
    frame["total"] = np.where(frame["reporting"] == regions, frame["total"], np.nan)
    wide = frame.pivot(index="quarter", columns="indicator", values="total")
    return wide.reindex(columns=list(ADDITIVE_STATISTICS)).reset_index().rename_axis(columns=None)


def country_kpis(con: duckdb.DuckDBPyConnection, park_kpis: pd.DataFrame) -> pd.DataFrame:
    """Quarter totals of every park (``park_kpis`` of all regions) and their shares of the
    country's jobs and investment; the columns of :func:`analytics.kpi.formulas.region_kpis`
    with ``region_code`` None."""
    stats = country_statistics(con).assign(region_code=COUNTRY)
    totals = region_totals(park_kpis.assign(region_code=COUNTRY), stats)
    return totals.assign(region_code=None)
