"""One synthetic-control fit on precomputed matrices, reused by the main fit, placebos and LOO.

:class:`SynthEngine` holds the outcome matrix (periods x units) and the raw predictor matrix
(predictors x units) as numpy arrays, so a placebo or leave-one-out refit is only a column
selection plus a simplex QP (and, with a data-driven V, the nested V search).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.effects.synth_data import SynthPanel
from analytics.effects.synth_qp import optimise_v, simplex_least_squares, weights_for_v


@dataclass(frozen=True)
class UnitFit:
    """Weights and path of one synthetic unit (columns refer to the engine's unit order)."""

    treated: int
    donors: np.ndarray
    weights: np.ndarray
    v: np.ndarray
    gaps: np.ndarray  # treated minus synthetic, every period
    loss_w: float  # (X1 - X0 W)' V (X1 - X0 W) on the matched (standardised) predictors
    loss_v: float  # outcome MSPE over the V-fit window


class SynthEngine:
    """Fits synthetic units for any (treated column, donor columns) pair of one panel."""

    def __init__(
        self,
        panel: SynthPanel,
        *,
        optimize_v: bool,
        custom_v: np.ndarray | None,
    ) -> None:
        self.y = panel.outcome.to_numpy(dtype=float)
        times = list(panel.outcome.index)
        position = {t: i for i, t in enumerate(times)}
        self.pre = np.array([position[t] for t in panel.pre_periods])
        self.post = np.array([position[t] for t in panel.post_periods])
        self.fit_rows = np.array([position[t] for t in panel.fit_periods])
        self.x_raw = None if panel.predictors is None else panel.predictors.to_numpy(dtype=float)
        self.optimize_v = optimize_v
        self.custom_v = custom_v
        # Without predictors the matched rows are the outcome over the fit window, unscaled.
        self.standardise = self.x_raw is not None

    def matched_rows(self, cols: np.ndarray) -> np.ndarray:
        """Rows to match (k x len(cols)) for the units ``cols``, standardised like Synth."""
        if self.x_raw is None:
            return self.y[self.fit_rows][:, cols]
        x = self.x_raw[:, cols]
        # R Synth and pysyncon divide each predictor by its standard deviation across the
        # units of this problem (treated + donors), so the scaling changes with the placebo.
        sd = x.std(axis=1, ddof=1)
        sd[~np.isfinite(sd) | (sd == 0)] = 1.0
        return x / sd[:, None]

    def fit(self, treated: int, donors: np.ndarray) -> UnitFit:
        cols = np.concatenate([[treated], donors])
        x = self.matched_rows(cols)
        x1, x0 = x[:, 0], x[:, 1:]
        k = x.shape[0]
        z1 = self.y[self.fit_rows, treated]
        z0 = self.y[self.fit_rows][:, donors]
        if self.custom_v is not None:
            v = self.custom_v / self.custom_v.sum()
            w = weights_for_v(x0, x1, v)
        elif self.optimize_v:
            vfit = optimise_v(x0, x1, z0, z1)
            v, w = vfit.v, vfit.weights
        else:
            v = np.full(k, 1.0 / k)
            w = simplex_least_squares(x0 - x1[:, None])
        resid = x1 - x0 @ w
        fit_resid = z1 - z0 @ w
        gaps = self.y[:, treated] - self.y[:, donors] @ w
        return UnitFit(
            treated=treated,
            donors=donors,
            weights=w,
            v=v,
            gaps=gaps,
            loss_w=float(resid @ (v * resid)),
            loss_v=float(fit_resid @ fit_resid) / fit_resid.size,
        )

    def rmspe(self, gaps: np.ndarray) -> tuple[float, float]:
        pre = float(np.sqrt(np.mean(gaps[self.pre] ** 2)))
        post = float(np.sqrt(np.mean(gaps[self.post] ** 2)))
        return pre, post
