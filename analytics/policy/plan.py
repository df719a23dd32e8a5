"""Plan vs fact: passport targets (e.g. the 10-year commitments of RU Decree 1119) against the
reported values, and a forecast of where the park's current trend leads by the commitment year.

Passport rows are ``park_target`` rows whose document names a passport ("паспорт", "passport")
with annual periods. The value of a year is its Q4 report (the last report of the year when Q4
is missing). The forecast runs on the park's quarterly reports from its first report: quarters
without a value are filled by linear interpolation between their neighbours (said in
``interpolated``), then

* ``linear``: OLS of the value on a time trend (statsmodels ``OLS``), predicted at Q4 of the
  commitment year with its prediction interval; the probability of reaching the commitment is
  ``P(Y >= commitment)`` under the t distribution of that prediction (mean, standard error of a
  new observation ``sqrt(se_mean^2 + scale)``, residual degrees of freedom);
* ``holt``: Holt's additive-trend exponential smoothing (statsmodels ``ExponentialSmoothing``,
  trend="add", initialization_method="estimated"), point forecast only.

The reading: "on current trend the park reaches X% of its year-10 commitment".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analytics.errors import UserError
from analytics.i18n import fmt_number, fmt_percent, t

Method = Literal["linear", "holt"]
METHODS: tuple[str, ...] = ("linear", "holt")
PASSPORT_WORDS = ("паспорт", "passport")
MIN_POINTS = 4


@dataclass(frozen=True)
class CommitmentForecast:
    """Where the trend of one indicator leads by Q4 of the commitment year."""

    park_id: str
    indicator: str
    method: str
    commitment_year: int
    commitment: float
    forecast: float
    ci_low: float  # prediction interval (linear only; NaN for holt)
    ci_high: float
    probability: float  # P(value >= commitment) (linear only; NaN for holt)
    alpha: float
    n_obs: int
    interpolated: int
    last_quarter: dt.date

    @property
    def share(self) -> float:
        """Forecast as a share of the commitment (1 = reaches it)."""
        return self.forecast / self.commitment if self.commitment > 0 else float("nan")

    def reading(self, lang: str, indicator_name: str | None = None) -> str:
        key = "policy.forecast.reading" + ("_probability" if np.isfinite(self.probability) else "")
        return t(
            key,
            lang,
            park=self.park_id,
            indicator=indicator_name or self.indicator,
            share=fmt_percent(self.share, lang, 0),
            year=self.commitment_year,
            forecast=fmt_number(self.forecast, lang, 0),
            commitment=fmt_number(self.commitment, lang, 0),
            probability=fmt_percent(self.probability, lang, 0),
            method=t(f"policy.forecast.method.{self.method}", lang),
        )

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["last_quarter"] = self.last_quarter.isoformat()
        out["share"] = self.share
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()
        }


def quarterly_series(values: pd.Series) -> tuple[pd.Series, int]:
    """Values indexed by quarter start, on a regular quarterly index from the first to the last
    value; gaps filled by linear interpolation. Returns the series and how many were filled."""
    clean = values.dropna().sort_index()
    if clean.empty:
        return clean.astype(float), 0
    index = pd.date_range(clean.index[0], clean.index[-1], freq="QS")
    regular = clean.reindex(index).astype(float)
    filled = int(regular.isna().sum())
    return regular.interpolate(method="linear"), filled


def forecast_series(
    series: pd.Series,
    target_quarter: dt.date | pd.Timestamp,
    method: Method = "linear",
    alpha: float = 0.05,
    commitment: float | None = None,
) -> tuple[float, float, float, float]:
    """(forecast, ci_low, ci_high, probability of >= commitment) at ``target_quarter`` from a
    regular quarterly ``series`` (index = quarter starts, no gaps)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    y = series.to_numpy(float)
    last = pd.Timestamp(series.index[-1])
    target = pd.Timestamp(target_quarter)
    steps = (target.year - last.year) * 4 + (target.month - last.month) // 3
    if steps < 0:
        raise ValueError("target_quarter lies before the last observation")
    if method == "holt":
        fit = ExponentialSmoothing(y, trend="add", initialization_method="estimated").fit()
        value = float(fit.forecast(steps)[-1]) if steps > 0 else float(fit.fittedvalues[-1])
        return value, np.nan, np.nan, np.nan
    time = np.arange(len(y), dtype=float)
    fit = sm.OLS(y, sm.add_constant(time)).fit()
    exog = np.array([[1.0, len(y) - 1 + steps]])
    frame = fit.get_prediction(exog).summary_frame(alpha=alpha)
    mean = float(frame["mean"].iloc[0])
    probability = np.nan
    if commitment is not None:
        se_obs = float(np.sqrt(frame["mean_se"].iloc[0] ** 2 + fit.scale))
        probability = float(stats.t.sf((commitment - mean) / se_obs, fit.df_resid))
    return (
        mean,
        float(frame["obs_ci_lower"].iloc[0]),
        float(frame["obs_ci_upper"].iloc[0]),
        probability,
    )


# ---------------------------------------------------------------------------------------
# Passports


def is_passport(document: pd.Series) -> pd.Series:
    text = document.fillna("").str.lower()
    return text.str.contains("|".join(PASSPORT_WORDS))


def plan_vs_fact(targets: pd.DataFrame, quarters: pd.DataFrame) -> pd.DataFrame:
    """Passport targets beside the reported value of each year.

    ``targets``: park_target rows; ``quarters``: park_quarter rows. One row per passport
    target: park_id, indicator, year, target_value, actual (Q4 value, else the year's last
    reported value; NaN for years without a report), reported_quarter, met (actual >= target),
    gap (actual - target), commitment_year and commitment (the passport's last year and target).
    """
    passport = targets[is_passport(targets["document"]) & (targets["period_type"] == "year")]
    passport = passport.assign(year=pd.to_datetime(passport["period_start"]).dt.year)
    last = passport.sort_values("year").groupby(["park_id", "indicator"]).tail(1)
    last = last[["park_id", "indicator", "year", "target_value"]].set_axis(
        ["park_id", "indicator", "commitment_year", "commitment"], axis=1
    )
    rows = []
    for indicator in passport["indicator"].unique():
        if indicator not in quarters:
            continue
        values = quarters[["park_id", "quarter", indicator]].dropna()
        values = values.assign(year=pd.to_datetime(values["quarter"]).dt.year)
        latest = values.sort_values("quarter").groupby(["park_id", "year"]).tail(1)
        rows.append(
            latest.rename(columns={indicator: "actual", "quarter": "reported_quarter"}).assign(
                indicator=indicator
            )
        )
    actual = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["park_id", "year", "indicator", "actual", "reported_quarter"])
    )
    table = passport[["park_id", "indicator", "year", "target_value", "document"]].merge(
        actual, on=["park_id", "indicator", "year"], how="left"
    )
    table["actual"] = table["actual"].astype(float)
    table["met"] = (table["actual"] >= table["target_value"]).where(table["actual"].notna())
    table["gap"] = table["actual"] - table["target_value"]
    table = table.merge(last, on=["park_id", "indicator"], how="left")
    return table.sort_values(["park_id", "indicator", "year"], ignore_index=True)


def commitment_forecast(
    quarters: pd.DataFrame,
    targets: pd.DataFrame,
    park_id: str,
    indicator: str = "high_productivity_jobs",
    method: Method = "linear",
    alpha: float = 0.05,
) -> CommitmentForecast:
    """Forecast ``indicator`` of ``park_id`` to Q4 of its passport's last year and compare it
    with the commitment (the last year's target)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    table = plan_vs_fact(targets[targets["park_id"] == park_id], quarters)
    table = table[table["indicator"] == indicator]
    if table.empty:
        raise UserError("policy.no_passport", park=park_id, indicator=indicator)
    year, commitment = int(table["commitment_year"].iloc[0]), float(table["commitment"].iloc[0])
    own = quarters[quarters["park_id"] == park_id]
    series, filled = quarterly_series(
        own.set_index(pd.to_datetime(own["quarter"]))[indicator].astype(float)
    )
    if series.notna().sum() < MIN_POINTS:
        raise UserError("policy.series_too_short", park=park_id, n=int(series.notna().sum()))
    target_quarter = pd.Timestamp(year, 10, 1)
    forecast, low, high, probability = forecast_series(
        series, target_quarter, method, alpha, commitment
    )
    return CommitmentForecast(
        park_id=park_id,
        indicator=indicator,
        method=method,
        commitment_year=year,
        commitment=commitment,
        forecast=forecast,
        ci_low=low,
        ci_high=high,
        probability=probability,
        alpha=alpha,
        n_obs=len(series) - filled,
        interpolated=filled,
        last_quarter=series.index[-1].date(),
    )


def passport_frames(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(park_quarter, park_target) from the warehouse, for the functions above."""
    quarters = con.execute("SELECT * FROM park_quarter ORDER BY park_id, quarter").df()
    targets = con.execute("SELECT * FROM park_target ORDER BY park_id, indicator").df()
    return quarters, targets
