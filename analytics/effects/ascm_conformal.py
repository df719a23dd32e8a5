"""Conformal inference for a constant post-period effect (Chernozhukov, Wüthrich & Zhu 2021).

To test ``H0: the effect is h0 in every post period``, ``h0`` is subtracted from the treated
unit's post-period outcomes and the ridge ASCM is refitted over the *whole* window (every
period, at the fitted ridge penalty; with ``fixedeff`` every unit is centred on its
whole-window mean), as R augsynth's ``compute_permute_test_stats`` and augsynth-py's
``conformal_null_residuals`` do. Under ``H0`` the residuals are exchangeable over time; the
statistic is the sum of absolute post-period residuals, ranked among its values under the
``T`` cyclic shifts of the residuals (the moving-block scheme, deterministic): ``p(h0) =
#{S_j >= S_0} / T``, never below ``1 / T``.

The interval is the set ``{h0 : p(h0) > alpha}`` (CWZ's strict inequality, as augsynth-py;
R augsynth accepts ``p >= alpha``), found on augsynth-py's grid: 100 points over ``att +- 6
sd(post-period gaps)`` and zero, the span doubled (at most 8 times) while an accepted point
reaches its edge. Its bounds are grid points, accurate to a grid step (reported).

Unbounded intervals: for large ``|h0|`` the refit's residuals grow like ``h0 (I - H) d``
(``H`` the ridge hat matrix over the donors, ``d`` the centred post-period indicator), so
``p(+-inf)`` is the block p-value of ``(I - H) d``. When it exceeds ``alpha`` no constant
effect however large is rejected and the interval is the whole line: typically when there are
more donors than periods and the ridge refit reproduces any path. augsynth-py then widens its
grid until it gives up and returns finite, truncated bounds with a warning; we report the
interval as unbounded instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analytics.effects.ascm_fit import centred, simplex_weights

GRID_SIZE = 100
GRID_SDS = 6.0
MAX_DOUBLINGS = 8
TIE_TOLERANCE = 1e-12
IntervalStatus = Literal["bounded", "unbounded", "empty"]


@dataclass(frozen=True)
class ConformalInterval:
    """The inverted test: bounds, the p-value of ``h0 = 0``, whether the accepted grid points
    are contiguous, the grid step (the bounds' resolution) and the status."""

    low: float
    high: float
    p_value: float
    status: IntervalStatus
    grid_step: float
    contiguous: bool
    p_value_infinity: float  # p(h0) as |h0| grows without bound


class ConformalTest:
    """The CWZ test of ``H0: effect = h0`` for one ridge ASCM (column 0 of ``y`` treated)."""

    def __init__(self, y: np.ndarray, post: np.ndarray, lambda_: float, fixedeff: bool) -> None:
        self.post = post
        self.n_periods = post.size
        treated = y[:, 0] - (y[:, 0].mean() if fixedeff else 0.0)
        donors = y[:, 1:] - (y[:, 1:].mean(axis=0) if fixedeff else 0.0)
        # The donors (hence their centring and the ridge operator) do not depend on h0; the
        # treated unit moves by -h0 * d, d the post indicator less its whole-window mean.
        self.y1, self.y0 = centred(treated, donors)
        indicator = post.astype(float)
        self.direction = indicator - indicator.mean() if fixedeff else indicator
        # What the ridge step leaves of a residual r: r - Y0 (Y0'Y0 + lambda I)^-1 Y0' r, written
        # lambda (Y0 Y0' + lambda I)^-1 r so that nothing cancels when the ridge nearly
        # interpolates (small lambda, more donors than periods).
        values, vectors = np.linalg.eigh(self.y0 @ self.y0.T)
        kept = lambda_ / (np.clip(values, 0.0, None) + lambda_)
        self.leftover = (vectors * kept) @ vectors.T  # T x T
        # Row j, column i: the period that lands on i under the cyclic shift by j (np.roll).
        periods = np.arange(self.n_periods)
        self.shifts = (periods[None, :] - periods[:, None]) % self.n_periods

    def residuals(self, h0: float) -> np.ndarray:
        """Whole-window residuals of the refit under ``H0: effect = h0``."""
        y1 = self.y1 - h0 * self.direction
        omega = simplex_weights(y1, self.y0)
        return self.leftover @ (y1 - self.y0 @ omega)

    def p_value(self, h0: float) -> float:
        return block_p_value(self.residuals(h0), self.post, self.shifts)

    def p_value_infinity(self) -> float:
        return block_p_value(self.leftover @ self.direction, self.post, self.shifts)


def block_p_value(
    residuals: np.ndarray, post: np.ndarray, shifts: np.ndarray | None = None
) -> float:
    """Share of the ``T`` cyclic shifts whose post-period sum of absolute residuals is at
    least the observed one (the identity shift included). ``shifts``: the index matrix of the
    shifts (``ConformalTest.shifts``), else built here."""
    if shifts is None:
        periods = np.arange(residuals.size)
        shifts = (periods[None, :] - periods[:, None]) % residuals.size
    stats = np.abs(residuals[shifts][:, post]).sum(axis=1)
    # The observed statistic is the identity shift's, summed the same way; a shift that ties
    # it up to rounding counts as a tie.
    observed = stats[0] * (1 - TIE_TOLERANCE)
    return float(np.count_nonzero(stats >= observed)) / residuals.size


def conformal_interval(
    test: ConformalTest,
    estimate: float,
    post_gaps: np.ndarray,
    alpha: float,
    grid_size: int = GRID_SIZE,
) -> ConformalInterval:
    """Invert the test on augsynth-py's grid (see the module docstring)."""
    p_zero = test.p_value(0.0)
    p_infinity = test.p_value_infinity()
    sd = float(np.std(post_gaps, ddof=1)) if post_gaps.size > 1 else 0.0
    scale = abs(estimate) if estimate != 0 else 1.0
    spread = GRID_SDS * sd
    if spread < 1e-6 * scale:  # no usable spread of the gaps: a span on the estimate's scale
        spread = scale
    if p_infinity > alpha:
        step = 2 * spread / (grid_size - 1)
        return ConformalInterval(-math.inf, math.inf, p_zero, "unbounded", step, True, p_infinity)
    for attempt in range(MAX_DOUBLINGS + 1):
        edges = np.linspace(estimate - spread, estimate + spread, grid_size)
        candidates = np.union1d(edges, [0.0])
        accepted = np.flatnonzero([test.p_value(float(h0)) > alpha for h0 in candidates])
        if accepted.size == 0:
            step = 2 * spread / (grid_size - 1)
            return ConformalInterval(math.nan, math.nan, p_zero, "empty", step, True, p_infinity)
        low, high = float(candidates[accepted[0]]), float(candidates[accepted[-1]])
        truncated = low <= edges[0] or high >= edges[-1]
        if not truncated or attempt == MAX_DOUBLINGS:
            break
        spread *= 2.0
    if truncated:
        # Bounded in the limit yet still at the edge after every doubling: the region is far
        # wider than the gaps suggest; say so rather than report a truncated bound.
        low = -math.inf if low <= edges[0] else low
        high = math.inf if high >= edges[-1] else high
    contiguous = bool(np.all(np.diff(accepted) == 1))
    step = 2 * spread / (grid_size - 1)
    status: IntervalStatus = (
        "bounded" if math.isfinite(low) and math.isfinite(high) else "unbounded"
    )
    return ConformalInterval(low, high, p_zero, status, step, contiguous, p_infinity)
