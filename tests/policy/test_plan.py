"""Plan vs fact and the commitment forecast, checked against statsmodels run directly.

Reference: statsmodels (version in requirements; calls written out below) on the same series:
``sm.OLS(y, sm.add_constant(t)).fit().get_prediction([[1, t_target]]).summary_frame(0.05)`` and
``ExponentialSmoothing(y, trend="add", initialization_method="estimated").fit().forecast(h)``.
The probability is checked against scipy's t distribution with the same mean and standard error.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from analytics.errors import UserError
from analytics.policy.plan import (
    commitment_forecast,
    forecast_series,
    passport_frames,
    plan_vs_fact,
    quarterly_series,
)
from analytics.warehouse import connect


def _series() -> pd.Series:
    rng = np.random.default_rng(3)
    quarters = pd.date_range("2019-01-01", "2025-10-01", freq="QS")
    values = 40 + 12.5 * np.arange(len(quarters)) + rng.normal(0, 6, len(quarters))
    return pd.Series(values, index=quarters)


def test_linear_forecast_equals_statsmodels_ols():
    series = _series()
    forecast, low, high, probability = forecast_series(
        series, pd.Timestamp("2028-10-01"), "linear", 0.05, commitment=500.0
    )
    y = series.to_numpy()
    t = np.arange(len(y), dtype=float)
    fit = sm.OLS(y, sm.add_constant(t)).fit()
    h = 12  # 2025Q4 -> 2028Q4
    frame = fit.get_prediction(np.array([[1.0, len(y) - 1 + h]])).summary_frame(alpha=0.05)
    assert forecast == pytest.approx(frame["mean"].iloc[0], abs=1e-6)
    assert low == pytest.approx(frame["obs_ci_lower"].iloc[0], abs=1e-6)
    assert high == pytest.approx(frame["obs_ci_upper"].iloc[0], abs=1e-6)
    se_obs = np.sqrt(frame["mean_se"].iloc[0] ** 2 + fit.scale)
    expected = 1 - stats.t.cdf((500.0 - frame["mean"].iloc[0]) / se_obs, fit.df_resid)
    assert probability == pytest.approx(expected, abs=1e-9)
    # The interval's bounds are the 2.5% and 97.5% points of the same distribution.
    assert stats.t.sf((high - forecast) / se_obs, fit.df_resid) == pytest.approx(0.025, abs=1e-9)


def test_holt_forecast_equals_statsmodels_exponential_smoothing():
    series = _series()
    forecast, low, _, probability = forecast_series(series, pd.Timestamp("2027-10-01"), "holt")
    fit = ExponentialSmoothing(
        series.to_numpy(), trend="add", initialization_method="estimated"
    ).fit()
    assert forecast == pytest.approx(fit.forecast(8)[-1], abs=1e-6)
    assert np.isnan(low) and np.isnan(probability)


def test_gaps_are_interpolated_and_counted():
    series = _series().drop(pd.Timestamp("2020-04-01"))
    regular, filled = quarterly_series(series)
    assert filled == 1 and len(regular) == len(_series())
    before, after = series[pd.Timestamp("2020-01-01")], series[pd.Timestamp("2020-07-01")]
    assert regular[pd.Timestamp("2020-04-01")] == pytest.approx((before + after) / 2)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="linear"):
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
        assert "%" in result.reading("en") and result.commitment_year >= 2027
        assert result.to_dict()["park_id"] == park
    assert min(shares) < 1 < max(shares)  # some parks on course, some not
    with pytest.raises(UserError):
        commitment_forecast(quarters, targets, "XD-P999")
