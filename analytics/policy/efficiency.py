"""Cost and efficiency of public money, and gross vs net jobs.

Reuses ``analytics.kpi.formulas`` (``park_kpis``: public money and taxes, cumulative over the
reported quarters; ``budget_efficiency``; ``payback_year``) and adds per park x quarter:

* ``net_jobs`` = (jobs − jobs at residents relocated from elsewhere in the region)
  + max(jobs at relocated residents − jobs they brought along, 0): jobs at new firms plus the
  growth of relocated firms since they moved (the park_quarter mart computes the same);
* ``relocated_jobs_share`` = jobs brought along / jobs (the share of gross jobs that are not new);
* ``cost_per_job`` and ``cost_per_net_job`` = cumulative public money / jobs (net jobs), in
  millions of the currency per job (undefined without jobs);
* ``revenue_per_public_money`` = residents' revenue since opening / cumulative public money;
* ``taxes_per_public_money`` = ``budget_efficiency`` of the KPI formulas (cumulative taxes /
  cumulative public money) and ``payback_year`` as there.

The cost ratios are derived indicators of the catalogue (``COST_KPIS`` of the KPI formulas,
which define them); here they are recomputed with the net jobs of this module, so a frame
without the mart's ``net_jobs`` works too.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.kpi.formulas import cost_per_job, park_kpis, parse_quarter, per_unit_of_public_money

EFFICIENCY_COLUMNS = (
    "jobs_total",
    "net_jobs",
    "relocated_jobs_share",
    "public_money_cumulative",
    "cost_per_job",
    "cost_per_net_job",
    "taxes_cumulative",
    "taxes_per_public_money",
    "residents_revenue_cumulative",
    "revenue_per_public_money",
    "payback_year",
)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    return num / den.where(den > 0)


def net_jobs(
    jobs_total: pd.Series, jobs_at_relocated_firms: pd.Series, jobs_moved_in: pd.Series
) -> pd.Series:
    """Jobs at new firms + growth of relocated firms since they moved (persons); NaN when any
    input is blank."""
    jobs, relocated, moved = (pd.to_numeric(s, errors="coerce").astype(float) for s in
                              (jobs_total, jobs_at_relocated_firms, jobs_moved_in))  # fmt: skip
    expansion = np.maximum(relocated - moved, 0.0).where(relocated.notna() & moved.notna())
    return jobs - relocated + expansion


def add_efficiency(kpis: pd.DataFrame) -> pd.DataFrame:
    """``park_kpis`` rows with the columns of the module docstring added."""
    frame = kpis.copy()
    frame["net_jobs"] = net_jobs(
        frame["jobs_total"], frame["jobs_at_relocated_firms"], frame["jobs_moved_in"]
    )
    frame["relocated_jobs_share"] = _ratio(frame["jobs_moved_in"], frame["jobs_total"])
    frame["cost_per_job"] = cost_per_job(frame["public_money_cumulative"], frame["jobs_total"])
    frame["cost_per_net_job"] = cost_per_job(frame["public_money_cumulative"], frame["net_jobs"])
    frame["taxes_per_public_money"] = frame["budget_efficiency"]
    frame["revenue_per_public_money"] = per_unit_of_public_money(
        frame["residents_revenue_cumulative"], frame["public_money_cumulative"]
    )
    return frame


def cost_efficiency(
    con: duckdb.DuckDBPyConnection,
    quarter: str | dt.date | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """One row per park reporting in ``quarter`` (default: every reported quarter) with
    park_id, quarter and EFFICIENCY_COLUMNS. Money in millions of the country's currency."""
    kpis = park_kpis(con, None, None, region)
    frame = add_efficiency(kpis)
    if quarter is not None:
        frame = frame[frame["quarter"] == pd.Timestamp(parse_quarter(quarter))]
    return frame[["park_id", "quarter", *EFFICIENCY_COLUMNS]].reset_index(drop=True)
