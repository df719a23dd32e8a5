"""Plan vs fact and the commitment forecast, checked against statsmodels run directly.

References (statsmodels 0.15.0, scipy 1.17.1; calls written out in the tests) on the same series:

* the random walk with drift: ``sm.OLS(gains, ones).fit().get_prediction([[1]], weights=h)``,
  whose interval for the mean of ``h`` new gains, times ``h`` and added to the last value, is
  the interval of the value ``h`` quarters ahead; ``ARIMA(y, order=(0, 1, 0), trend="t")``
  (the same model as a state space, missing quarters as NaN) for the point forecast, the
  gains' part of the variance and the maximum likelihood drift;
* Holt: ``ExponentialSmoothing(y, trend="add", initialization_method="estimated")``.

The coverage study simulates random walks with drift, where the truth at the horizon is known.
"""

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analytics.errors import UserError
from analytics.policy.plan import (
    CommitmentForecast,
    commitment_forecast,
    forecast_series,
    passport_frames,
    plan_vs_fact,
    quarterly_series,
)
from analytics.warehouse import connect

QUARTERS = pd.date_range("2019-01-01", "2025-10-01", freq="QS")  # 28 quarters, last 2025Q4


def _series() -> pd.Series:
    """A cumulative indicator: 40 at the start, then gains of 12.5 a quarter on average."""
    rng = np.random.default_rng(3)
    return pd.Series(40 + np.cumsum(rng.normal(12.5, 6, len(QUARTERS))), index=QUARTERS)


def _arima_mle(y: np.ndarray):
    with warnings.catch_warnings():  # the optimiser's convergence chatter
        warnings.simplefilter("ignore")
        return ARIMA(y, order=(0, 1, 0), trend="t").fit()


def test_drift_forecast_equals_statsmodels_on_the_quarterly_gains():
    series = _series()
    h = 12  # 2025Q4 -> 2028Q4
    forecast, low, high, probability = forecast_series(
        series, pd.Timestamp("2028-10-01"), "drift", 0.05, commitment=500.0
    )
    y = series.to_numpy()
    gains = np.diff(y)
    fit = sm.OLS(gains, np.ones((len(gains), 1))).fit()
    # weights=h: the interval of the mean of h new gains (variance scale / h + se(mean)^2)
    frame = fit.get_prediction(np.ones((1, 1)), weights=h).summary_frame(alpha=0.05)
    assert forecast == pytest.approx(y[-1] + h * frame["mean"].iloc[0], abs=1e-6)
    assert low == pytest.approx(y[-1] + h * frame["obs_ci_lower"].iloc[0], abs=1e-6)
    assert high == pytest.approx(y[-1] + h * frame["obs_ci_upper"].iloc[0], abs=1e-6)
    # The same model in statsmodels' ARIMA, at the drift and variance of the gains: the same
    # point forecast, and h * s^2 as the forecast variance when the drift is taken as known.
    arima = ARIMA(y, order=(0, 1, 0), trend="t").filter(np.array([fit.params[0], fit.scale]))
    ahead = arima.get_forecast(h)
    assert forecast == pytest.approx(ahead.predicted_mean[-1], abs=1e-6)
    assert ahead.var_pred_mean[-1] == pytest.approx(h * fit.scale, rel=1e-9)
    # ... and the drift is ARIMA's maximum likelihood drift (its likelihood is no higher).
    mle = _arima_mle(y)
    assert fit.params[0] == pytest.approx(mle.params[0], rel=1e-4)
    ours = ARIMA(y, order=(0, 1, 0), trend="t").loglike(
        np.array([fit.params[0], fit.scale * (len(gains) - 1) / len(gains)])
    )
    assert ours >= mle.llf - 1e-9
    # The chance and the interval come from one t distribution (df = gains - 1).
    se = np.sqrt(h * fit.scale + h**2 * fit.bse[0] ** 2)
    expected = stats.t.sf((500.0 - forecast) / se, len(gains) - 1)
    assert probability == pytest.approx(expected, abs=1e-9)
    assert stats.t.sf((high - forecast) / se, len(gains) - 1) == pytest.approx(0.025, abs=1e-9)


def test_a_missing_report_is_a_longer_gain_not_an_invented_value():
    full = _series()
    gaps = [pd.Timestamp("2020-04-01"), pd.Timestamp("2023-01-01"), pd.Timestamp("2023-04-01")]
    series = full.drop(gaps)
    h = 8
    forecast, low, high, _ = forecast_series(series, pd.Timestamp("2027-10-01"))
    y = full.to_numpy().copy()
    y[full.index.isin(gaps)] = np.nan  # the Kalman filter skips missing quarters exactly
    mle = _arima_mle(y)
    # By hand: the drift is (last - first) / quarters elapsed; a gain over k quarters has
    # variance k s^2, so s^2 = sum((gain - k drift)^2 / k) / (gains - 1).
    quarters = 27
    drift = (series.iloc[-1] - series.iloc[0]) / quarters
    elapsed = np.array([1.0] * 4 + [2.0] + [1.0] * 9 + [3.0] + [1.0] * 9)
    gains = np.diff(series.to_numpy())
    assert elapsed.sum() == quarters and len(elapsed) == len(gains)
    scale = np.sum((gains - elapsed * drift) ** 2 / elapsed) / (len(gains) - 1)
    assert drift == pytest.approx(mle.params[0], rel=1e-4)
    ahead = ARIMA(y, order=(0, 1, 0), trend="t").filter(np.array([drift, scale])).get_forecast(h)
    assert forecast == pytest.approx(ahead.predicted_mean[-1], abs=1e-6)
    se = np.sqrt(h * scale + h**2 * scale / quarters)
    half = stats.t.ppf(0.975, len(gains) - 1) * se
    assert (low, high) == pytest.approx((forecast - half, forecast + half), abs=1e-6)


def test_drift_interval_covers_simulated_truth_at_its_nominal_rate():
    """500 random walks with drift (16 quarters reported, the truth 12 quarters later): the
    drift interval covers at about its level; an OLS trend on the levels (the method this
    module used before, statsmodels' obs_ci) covers the truth less than half the time."""
    rng = np.random.default_rng(20251123)
    n, h, runs = 16, 12, 500
    index = pd.date_range("2022-01-01", periods=n, freq="QS")
    target = index[-1] + pd.DateOffset(months=3 * h)
    covered = {"drift": {0.10: 0, 0.05: 0}, "ols_trend": {0.10: 0, 0.05: 0}}
    trend = sm.add_constant(np.arange(n, dtype=float))
    for _ in range(runs):
        path = 40 + np.cumsum(rng.normal(10.0, 8.0, n + h))
        y, truth = path[:n], path[-1]
        ols = sm.OLS(y, trend).fit()
        for alpha in (0.10, 0.05):
            _, low, high, _ = forecast_series(pd.Series(y, index=index), target, "drift", alpha)
            covered["drift"][alpha] += low <= truth <= high
            old = ols.get_prediction(np.array([[1.0, n - 1 + h]])).summary_frame(alpha=alpha)
            covered["ols_trend"][alpha] += (
                old["obs_ci_lower"].iloc[0] <= truth <= old["obs_ci_upper"].iloc[0]
            )
    rate = {m: {a: c / runs for a, c in v.items()} for m, v in covered.items()}
    # Binomial standard error at 500 runs: about 0.013 at 90%, 0.010 at 95%.
    assert rate["drift"][0.10] == pytest.approx(0.90, abs=0.035), rate
    assert rate["drift"][0.05] == pytest.approx(0.95, abs=0.03), rate
    assert rate["ols_trend"][0.10] < 0.65 and rate["ols_trend"][0.05] < 0.70, rate


def test_the_reading_names_the_park_and_states_interval_and_chance():
    found = CommitmentForecast(
        park_id="P1", indicator="high_productivity_jobs", method="drift",
        commitment_year=2030, commitment=800.0, forecast=600.0, ci_low=450.0, ci_high=1250.0,
        probability=0.2, alpha=0.05, n_obs=20, interpolated=0,
        last_quarter=dt.date(2025, 10, 1),
    )  # fmt: skip
    # 600 / 800 = 75%; level 1 - 0.05 = 95%.
    assert found.reading("en", "High-productivity jobs", park_name="Northern Park") == (
        "Northern Park: on current trend (average quarterly gain since the first report) the"
        ' park reaches 75% of its 2030 commitment for "High-productivity jobs" (600 of 800;'
        " 95% prediction interval: 450 to 1,250); the chance of meeting it is about 20%."
    )
    assert found.reading("ru", "ВПРМ", park_name="Северный") == (
        "Северный: при текущей динамике (средний квартальный прирост с первого отчёта) парк к"
        " 2030 г. выйдет на 75\xa0% обязательства по показателю «ВПРМ» (600 из 800; интервал"
        " прогноза 95\xa0%: от 450 до 1\xa0250); вероятность выполнить его — около 20\xa0%."
    )
    assert found.reading("en").startswith("P1: ")  # no name given: the id
    sure = CommitmentForecast(**{**found.__dict__, "probability": 0.9996})
    assert sure.reading("en").endswith("the chance of meeting it is over 99%.")
    hopeless = CommitmentForecast(**{**found.__dict__, "probability": 0.004})
    assert hopeless.reading("uk").endswith("імовірність виконати його — менше 1%.")


def test_holt_forecast_equals_statsmodels_exponential_smoothing():
    series = _series()
    forecast, low, _, probability = forecast_series(series, pd.Timestamp("2027-10-01"), "holt")
    fit = ExponentialSmoothing(
        series.to_numpy(), trend="add", initialization_method="estimated"
    ).fit()
    assert forecast == pytest.approx(fit.forecast(8)[-1], abs=1e-6)
    assert np.isnan(low) and np.isnan(probability)
    # Holt needs every quarter: a missing one is filled halfway between its neighbours.
    gap = pd.Timestamp("2021-07-01")
    filled = series.copy()
    filled[gap] = (series[pd.Timestamp("2021-04-01")] + series[pd.Timestamp("2021-10-01")]) / 2
    holed = forecast_series(series.drop(gap), pd.Timestamp("2027-10-01"), "holt")[0]
    fit = ExponentialSmoothing(
        filled.to_numpy(), trend="add", initialization_method="estimated"
    ).fit()
    assert holed == pytest.approx(fit.forecast(8)[-1], abs=1e-6)


def test_gaps_are_interpolated_and_counted():
    series = _series().drop(pd.Timestamp("2020-04-01"))
    regular, filled = quarterly_series(series)
    assert filled == 1 and len(regular) == len(_series())
    before, after = series[pd.Timestamp("2020-01-01")], series[pd.Timestamp("2020-07-01")]
    assert regular[pd.Timestamp("2020-04-01")] == pytest.approx((before + after) / 2)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="drift"):
        forecast_series(_series(), pd.Timestamp("2027-10-01"), "arima")


def test_plan_vs_fact_on_hand_built_passport():
    targets = pd.DataFrame(
        {
            "park_id": "P1",
            "indicator": "high_productivity_jobs",
            "period_type": "year",
            "period_start": pd.to_datetime(["2024-01-01", "2025-01-01", "2026-01-01"]),
            "target_value": [10.0, 30.0, 100.0],
            "document": "Паспорт парка «Тест» на 2024–2026 гг.",
        }
    )
    roadmap = targets.assign(indicator="jobs_total", document="Дорожная карта")
    quarters = pd.DataFrame(
        {
            "park_id": "P1",
            "quarter": pd.to_datetime(["2024-07-01", "2024-10-01", "2025-04-01", "2025-07-01"]),
            "high_productivity_jobs": [8.0, 12.0, 20.0, 25.0],
        }
    )
    table = plan_vs_fact(pd.concat([targets, roadmap]), quarters)
    assert list(table["indicator"].unique()) == ["high_productivity_jobs"]
    # 2024: Q4 value 12 >= 10; 2025: no Q4, last report (Q3) 25 < 30; 2026: nothing reported.
    assert table["actual"].tolist()[:2] == [12.0, 25.0] and np.isnan(table["actual"].iloc[2])
    assert table["met"].tolist()[:2] == [True, False]
    assert (table["commitment"] == 100.0).all() and (table["commitment_year"] == 2026).all()


def test_demo_passports_forecast_and_reading(demo_db):
    with connect(demo_db, read_only=True) as con:
        quarters, targets = passport_frames(con)
    table = plan_vs_fact(targets, quarters)
    parks = sorted(table["park_id"].unique())
    assert 1 <= len(parks) <= 8
    # Steps up to 2025 were set below the reported values (so the review is unchanged).
    past = table[(table["year"] <= 2025) & table["actual"].notna()]
    assert past["met"].all()
    shares = []
    for park in parks:
        result = commitment_forecast(quarters, targets, park, "high_productivity_jobs")
        own = quarters[quarters["park_id"] == park].set_index("quarter")
        series, _ = quarterly_series(own["high_productivity_jobs"])
        expected = forecast_series(series, pd.Timestamp(result.commitment_year, 10, 1))[0]
        assert result.forecast == pytest.approx(expected, abs=1e-6)
        shares.append(result.share)
        assert result.reading("en", park_name="Park X").startswith("Park X: ")
        assert result.commitment_year >= 2027 and result.ci_low < result.forecast < result.ci_high
        assert result.to_dict()["park_id"] == park
    assert min(shares) < 1 < max(shares)  # some parks on course, some not
    with pytest.raises(UserError):
        commitment_forecast(quarters, targets, "XD-P999")


def test_drift_forecast_with_missing_reports_equals_statsmodels_wls_and_scipy_t():
    """Missing reports make unequal gains (two quarters in one): the drift is statsmodels'
    WLS of gain / quarters elapsed on a constant weighted by the quarters elapsed, and the
    interval and chance come from scipy's t distribution (the module computes both itself,
    without importing statsmodels)."""
    series = _series().drop(QUARTERS[[3, 4, 11, 20]])
    h = 12
    forecast, low, high, probability = forecast_series(
        series, pd.Timestamp("2028-10-01"), "drift", 0.1, commitment=500.0
    )
    elapsed = np.diff(QUARTERS.get_indexer(series.index)).astype(float)
    gains = np.diff(series.to_numpy())
    fit = sm.WLS(gains / elapsed, np.ones((len(gains), 1)), weights=elapsed).fit()
    mean = series.iloc[-1] + h * fit.params[0]
    se = np.sqrt(h * fit.scale + h**2 * fit.bse[0] ** 2)
    half = stats.t.ppf(0.95, fit.df_resid) * se
    assert (forecast, low, high) == pytest.approx((mean, mean - half, mean + half), abs=1e-9)
    assert probability == pytest.approx(stats.t.sf((500.0 - mean) / se, fit.df_resid), abs=1e-12)
