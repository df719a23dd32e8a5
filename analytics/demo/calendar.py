"""The demo's quarters: statistics cover 2012Q1-2025Q4; park paths run one year longer
internally so that 2026 roadmap targets can be set from the same simulated path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.quarter import Quarter

FIRST = Quarter(2012, 1)
FIRST_QUARTER = pd.Timestamp(FIRST.start)
LAST_QUARTER = pd.Timestamp("2025-10-01")
QUARTERS = pd.date_range(FIRST_QUARTER, LAST_QUARTER, freq="QS")  # quarter = its first day
N_QUARTERS = len(QUARTERS)  # 56
# Internal horizon for park paths: through 2026Q4 (never reported, only used for targets).
N_QUARTERS_EXTENDED = N_QUARTERS + 4
QUARTER_OF_YEAR = np.arange(N_QUARTERS_EXTENDED) % 4  # 0 = Q1
YEAR = FIRST_QUARTER.year + np.arange(N_QUARTERS_EXTENDED) // 4
LAST_TARGET_YEAR = 2026


def quarter_start(index: int) -> pd.Timestamp:
    """The first day of quarter ``index`` (0 = 2012Q1), also beyond the reported range."""
    return pd.Timestamp((FIRST + int(index)).start)


def quarter_index(day: dt.date | pd.Timestamp) -> int:
    """Index of the quarter containing ``day`` (0 = 2012Q1)."""
    return Quarter.of(day) - FIRST


def year_q4_index(year: int) -> int:
    """Index of the fourth quarter of ``year``."""
    return (year - FIRST_QUARTER.year) * 4 + 3


def ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise along the last axis: rows are units, columns are quarters."""
    shocks = rng.normal(0.0, sd, size=shape)
    out = np.empty(shape)
    out[:, 0] = shocks[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, shape[1]):
        out[:, t] = rho * out[:, t - 1] + shocks[:, t]
    return out
