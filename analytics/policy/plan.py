"""Plan vs fact: passport targets (e.g. the 10-year commitments of RU Decree 1119) against the
reported values, and a forecast of where the park's current trend leads by the commitment year.

Passport rows are ``park_target`` rows whose document names a passport ("паспорт", "passport")
with annual periods. The value of a year is its Q4 report (the last report of the year when Q4
is missing). The forecast runs on the park's quarterly reports from its first report:

* ``drift`` (default): a random walk with drift, i.e. ARIMA(0,1,0) with a constant. Passport
  indicators are cumulative (jobs created, revenue since opening), so every quarter's shock
  stays in all later values: deviations from a straight line through the levels are strongly
  autocorrelated and the forecast error grows with the horizon. An OLS trend on the levels
  treats them as independent and its prediction interval is far too narrow (on simulated
  random walks with drift, 16 quarters forecast 12 ahead, its nominal 95% interval covers
  the truth 45% of the time, the drift interval 94.6%; tests/policy/test_plan.py). The gains
  are what is roughly independent, so the model is fitted on them: the drift is the mean
  gain per quarter (``WLS`` of gain / quarters elapsed on a constant, weighted by
  the quarters elapsed, so a missing report is a two-quarter gain, not an invented value) and
  the forecast ``h`` quarters after the last report is ``last + h * drift`` with variance
  ``h * s^2 + h^2 * se(drift)^2``: the next ``h`` gains' own noise plus the uncertainty of the
  drift, which dominates far ahead. ``(Y - forecast) / se`` is t with m - 1 degrees of freedom
  for m gains under normal gains, so the prediction interval and ``P(Y >= commitment)`` are
  exact in small samples, unlike the Gaussian, parameters-known interval of statsmodels'
  ``ARIMA.get_forecast``. The model has too few parameters to learn a slowdown: a park whose
  gains stopped recently is still credited with its average gain since the first report, and
  the wide interval is the only hint of it.
* ``holt``: Holt's additive-trend exponential smoothing (statsmodels ``ExponentialSmoothing``,
  trend="add", initialization_method="estimated") on the quarterly series with gaps filled by
  linear interpolation (counted in ``interpolated``); point forecast only.

The reading: "on current trend the park reaches X% of its year-10 commitment", with the
prediction interval and the chance of meeting the commitment from the same t distribution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.distributions import t_ppf, t_sf
from analytics.errors import UserError
from analytics.i18n import fmt_number, fmt_percent, t
from analytics.i18n.message import Message, Name
from analytics.quarter import Quarter, quarter_index

Method = Literal["drift", "holt"]
METHODS: tuple[str, ...] = ("drift", "holt")
PASSPORT_WORDS = ("паспорт", "passport")
MIN_POINTS = 4
# Chances this close to 0 or 1 are read as "under 1%" / "over 99%": the model is too rough
# for "about 100%".
CHANCE_BOUNDS = (0.01, 0.99)


@dataclass(frozen=True)
class CommitmentForecast:
    """Where the trend of one indicator leads by Q4 of the commitment year."""

    park_id: str
    indicator: str
    method: str
    commitment_year: int
    commitment: float
    forecast: float
    ci_low: float  # prediction interval at level 1 - alpha (drift only; NaN for holt)
    ci_high: float
    probability: float  # P(value >= commitment) (drift only; NaN for holt)
    alpha: float
    n_obs: int  # reported quarters
    interpolated: int  # quarters without a report in between (filled in for holt only)
    last_quarter: dt.date

    @property
    def share(self) -> float:
        """Forecast as a share of the commitment (1 = reaches it)."""
        return self.forecast / self.commitment if self.commitment > 0 else float("nan")

    def reading(
        self, lang: str, indicator_name: str | None = None, park_name: str | None = None
    ) -> str:
        """The forecast in one sentence, naming the park by ``park_name`` (default: its id)."""
        with_chance = np.isfinite(self.probability)
        return t(
            "policy.forecast.reading" + ("_probability" if with_chance else ""),
            lang,
            park=park_name or self.park_id,
            indicator=indicator_name or self.indicator,
            share=fmt_percent(self.share, lang, 0),
            year=self.commitment_year,
            forecast=fmt_number(self.forecast, lang, 0),
            commitment=fmt_number(self.commitment, lang, 0),
            level=fmt_percent(1 - self.alpha, lang, 0),
            low=fmt_number(self.ci_low, lang, 0),
            high=fmt_number(self.ci_high, lang, 0),
            probability=chance_text(self.probability, lang) if with_chance else "",
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


def chance_text(probability: float, lang: str) -> str:
    """The chance in words: about 45%, or over 99% / under 1% near the ends."""
    low, high = CHANCE_BOUNDS
    if probability > high:
        return t("policy.forecast.chance_above", lang, p=fmt_percent(high, lang, 0))
    if probability < low:
        return t("policy.forecast.chance_below", lang, p=fmt_percent(low, lang, 0))
    return t("policy.forecast.chance", lang, p=fmt_percent(probability, lang, 0))


def _wls_constant(y: np.ndarray, weights: np.ndarray) -> tuple[float, float, float, int]:
    """Weighted least squares of ``y`` on a constant, as statsmodels ``WLS(y, 1, weights)``
    computes it: (estimate, its standard error, residual scale, residual degrees of freedom).
    Written out because importing statsmodels costs a report's whole time budget (about
    1.5 s of a 3 s brief; bench/bench_report.py); tests/policy/test_plan.py checks it
    against statsmodels."""
    estimate = float(np.sum(weights * y) / np.sum(weights))
    df_resid = len(y) - 1
    scale = float(np.sum(weights * (y - estimate) ** 2) / df_resid)
    return estimate, float(np.sqrt(scale / np.sum(weights))), scale, df_resid


def drift_forecast(
    series: pd.Series, steps: int, alpha: float = 0.05, commitment: float | None = None
) -> tuple[float, float, float, float]:
    """Random walk with drift ``steps`` quarters after the last value of ``series`` (values
    indexed by quarter start; gaps allowed): (forecast, ci_low, ci_high, P(>= commitment)).
    See the module docstring for the model and why."""
    observed = series.dropna().sort_index()
    if len(observed) < 3:  # two gains at least, for a spread of the gains
        raise ValueError("a drift forecast needs at least 3 reported values")
    elapsed = np.diff(quarter_index(observed.index)).astype(float)
    gains = np.diff(observed.to_numpy(float))
    # gain / quarters elapsed has variance s^2 / elapsed: weight by elapsed
    drift, drift_se, scale, df_resid = _wls_constant(gains / elapsed, elapsed)
    mean = float(observed.iloc[-1]) + steps * drift
    se = float(np.sqrt(steps * scale + steps**2 * drift_se**2))
    if commitment is None:
        probability = np.nan
    elif se > 0:
        probability = float(t_sf((commitment - mean) / se, df_resid))
    else:  # identical gains every quarter: nothing to be unsure about
        probability = float(mean >= commitment)
    half = float(t_ppf(1 - alpha / 2, df_resid)) * se
    return mean, mean - half, mean + half, probability


def forecast_series(
    series: pd.Series,
    target_quarter: dt.date | pd.Timestamp,
    method: Method = "drift",
    alpha: float = 0.05,
    commitment: float | None = None,
) -> tuple[float, float, float, float]:
    """(forecast, ci_low, ci_high, probability of >= commitment) at ``target_quarter`` from a
    quarterly ``series`` (index = quarter starts; missing quarters allowed: ``drift`` uses the
    reported values only, ``holt`` fills them by linear interpolation)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    observed = series.dropna().sort_index()
    steps = Quarter.of(target_quarter) - Quarter.of(observed.index[-1])
    if steps < 0:
        raise ValueError("target_quarter lies before the last observation")
    if method == "drift":
        return drift_forecast(observed, steps, alpha, commitment)
    regular, _ = quarterly_series(observed)
    y = regular.to_numpy(float)
    # imported here: statsmodels takes about 1.5 s to import and only Holt needs it
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    fit = ExponentialSmoothing(y, trend="add", initialization_method="estimated").fit()
    value = float(fit.forecast(steps)[-1]) if steps > 0 else float(fit.fittedvalues[-1])
    return value, np.nan, np.nan, np.nan


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
    method: Method = "drift",
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
    reported = own.set_index(pd.to_datetime(own["quarter"]))[indicator].astype(float).dropna()
    if len(reported) < MIN_POINTS:
        raise UserError("policy.series_too_short", park=park_id, n=len(reported))
    series, filled = quarterly_series(reported)
    target_quarter = pd.Timestamp(Quarter(year, 4).start)
    forecast, low, high, probability = forecast_series(
        reported, target_quarter, method, alpha, commitment
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
        n_obs=len(reported),
        interpolated=filled,
        last_quarter=series.index[-1].date(),
    )


@dataclass(frozen=True)
class PlannedIndicator:
    """One committed indicator of a park: its forecast, or why there is none (a message such
    as "too few reports", rendered in the reader's language)."""

    indicator: str
    forecast: CommitmentForecast | None
    problem: Message | None = None


def commitment_forecasts(
    quarters: pd.DataFrame, targets: pd.DataFrame, park: Mapping[str, Any], indicators
) -> tuple[PlannedIndicator, ...]:
    """:func:`commitment_forecast` of each of ``indicators`` for the ``park`` (a registry row:
    park_id and its names), keeping the reason in words where a forecast cannot be made."""
    out = []
    for indicator in indicators:
        try:
            found = commitment_forecast(quarters, targets, park["park_id"], indicator)
            out.append(PlannedIndicator(indicator, found))
        except UserError as exc:  # named by the park's name, not its id
            problem = Message(exc.key, {**exc.params, "park": Name.of(park)})
            out.append(PlannedIndicator(indicator, None, problem))
    return tuple(out)


@dataclass(frozen=True)
class ParkPlan:
    """A park's passport: plan vs fact, its reports and a forecast per committed indicator."""

    table: pd.DataFrame  # plan_vs_fact rows of the park
    reports: pd.DataFrame  # the park's park_quarter rows
    indicators: tuple[PlannedIndicator, ...]


def park_plan(con: duckdb.DuckDBPyConnection, park_id: str) -> ParkPlan:
    """The passport plan vs fact of ``park_id`` with a forecast of each committed indicator."""
    quarters, targets = passport_frames(con)
    own_targets = targets[targets["park_id"] == park_id]
    table = plan_vs_fact(own_targets, quarters)
    park = con.execute(
        "SELECT park_id, name_ru, name_uk, name_en FROM park WHERE park_id = ?", [park_id]
    ).df()
    indicators = table["indicator"].unique()
    planned = (
        commitment_forecasts(quarters, own_targets, park.iloc[0].to_dict(), indicators)
        if len(park)
        else ()
    )
    own = quarters[quarters["park_id"] == park_id].reset_index(drop=True)
    return ParkPlan(table, own, planned)


def forecast_path(con: duckdb.DuckDBPyConnection, park_id: str, indicator: str) -> pd.DataFrame:
    """The forecast at Q4 of each year from the last report to the commitment year (quarter,
    forecast), by the same method as :func:`commitment_forecast`, for a plan-vs-fact chart."""
    quarters, targets = passport_frames(con)
    found = commitment_forecast(quarters, targets, park_id, indicator)
    own = quarters[quarters["park_id"] == park_id]
    series, _ = quarterly_series(
        own.set_index(pd.to_datetime(own["quarter"]))[indicator].astype(float)
    )
    # the trend line from the last report (steps = 0) to Q4 of each year up to the commitment
    last = pd.Timestamp(found.last_quarter)
    years = range(last.year, found.commitment_year + 1)
    q4s = (pd.Timestamp(Quarter(y, 4).start) for y in years)
    steps = sorted({s for s in [last, *q4s] if s >= last})
    values = [forecast_series(series, s, found.method, found.alpha)[0] for s in steps]
    return pd.DataFrame({"quarter": steps, "forecast": values})


def passport_frames(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(park_quarter, park_target) from the warehouse, for the functions above."""
    quarters = con.execute("SELECT * FROM park_quarter ORDER BY park_id, quarter").df()
    targets = con.execute("SELECT * FROM park_target ORDER BY park_id, indicator").df()
    return quarters, targets
