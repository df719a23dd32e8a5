"""Numerical core of synthetic control: donor weights on the simplex and the data-driven V.

Inner problem (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010):

    W* = argmin_W (X1 - X0 W)' V (X1 - X0 W)   subject to  W >= 0,  sum(W) = 1

with V diagonal. Writing C = V^(1/2) (X0 - X1 1'), the objective is ||C W||^2 because the
weights sum to one, so W* is the point of the convex hull of C's columns nearest the origin.

We solve it exactly instead of handing it to a general-purpose SQP (pysyncon uses SLSQP from
equal weights, which stops early on ill-conditioned problems):

1. Lawson & Hanson's NNLS on the augmented system [C; 1'] u = [0; 1] gives u* = s W* with
   s = 1 / (1 + ||C W*||^2): for a fixed direction W the best scale is that s and the
   remaining objective d^2 / (1 + d^2) increases with d^2 = ||C W||^2, so the NNLS minimiser
   points at W*. Normalising u* gives W*.
2. A primal active-set pass (Nocedal & Wright, algorithm 16.3) on the simplex then polishes
   the support NNLS found until the KKT conditions hold to rounding error. We keep whichever
   of the two candidates has the lower objective, so polishing can never make things worse.

Outer problem: V is chosen to minimise the pre-treatment outcome MSPE of the synthetic unit
(nested optimisation, as in R Synth and pysyncon) with Nelder-Mead over |x| / sum|x|,
started from equal weights like pysyncon, restarted from its own optimum and from a
regression-based start; the best V found wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, nnls

# Relative tolerance on the KKT multipliers of the simplex QP.
KKT_TOL = 1e-12


def _objective(gram: np.ndarray, w: np.ndarray) -> float:
    return float(w @ gram @ w)


def _equality_qp(gram_f: np.ndarray) -> np.ndarray:
    """Minimise v' G v subject to sum(v) = 1 (no sign constraint) via the KKT system."""
    k = gram_f.shape[0]
    kkt = np.zeros((k + 1, k + 1))
    kkt[:k, :k] = 2.0 * gram_f
    kkt[:k, k] = 1.0
    kkt[k, :k] = 1.0
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    # lstsq: gram_f is singular whenever the support is larger than the number of matched
    # rows; the minimum-norm KKT solution is then one of the (equally good) minimisers.
    sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
    return sol[:k]


def _active_set_polish(gram: np.ndarray, w: np.ndarray, max_iter: int) -> np.ndarray:
    """Primal active-set iterations on the simplex, started from a feasible ``w``."""
    n = gram.shape[0]
    free = w > 0
    if not free.any():
        free[int(np.argmin(np.diag(gram)))] = True
        w = free.astype(float)
    for _ in range(max_iter):
        idx = np.flatnonzero(free)
        v = _equality_qp(gram[np.ix_(idx, idx)])
        if np.all(v >= 0):
            w = np.zeros(n)
            w[idx] = v
            grad = 2.0 * gram @ w
            lam = float(w @ grad)  # equals every free gradient component at the EQP optimum
            scale = max(1.0, float(np.abs(grad).max()))
            slack = np.where(free, np.inf, grad - lam)
            j = int(np.argmin(slack))
            if slack[j] >= -KKT_TOL * scale:
                return w
            free[j] = True
            continue
        # Step from w towards v until the first free weight reaches zero, then drop it.
        current = w[idx]
        step = v - current
        shrinking = step < 0
        ratios = np.full(idx.size, np.inf)
        ratios[shrinking] = current[shrinking] / -step[shrinking]
        alpha = float(min(1.0, ratios.min()))
        new = current + alpha * step
        blocking = int(np.argmin(ratios))
        new[blocking] = 0.0
        new = np.clip(new, 0.0, None)
        w = np.zeros(n)
        w[idx] = new / new.sum()
        free = w > 0
    return w


def simplex_least_squares(c: np.ndarray) -> np.ndarray:
    """Weights w >= 0 with sum(w) = 1 minimising ||c @ w||^2 (c: rows x donors)."""
    n_rows, n_donors = c.shape
    if n_donors == 1:
        return np.ones(1)
    scale = float(np.abs(c).max()) if c.size else 0.0
    if scale == 0.0 or not np.isfinite(scale):
        return np.full(n_donors, 1.0 / n_donors)
    cs = c / scale
    gram = cs.T @ cs
    augmented = np.vstack([cs, np.ones((1, n_donors))])
    target = np.zeros(n_rows + 1)
    target[-1] = 1.0
    u, _ = nnls(augmented, target, maxiter=max(50 * n_donors, 500))
    total = u.sum()
    start = u / total if total > 0 else np.full(n_donors, 1.0 / n_donors)
    polished = _active_set_polish(gram, start.copy(), max_iter=5 * n_donors + 20)
    if _objective(gram, polished) <= _objective(gram, start):
        return polished
    return start


def weights_for_v(x0: np.ndarray, x1: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Donor weights for predictor matrix ``x0`` (k x J), treated vector ``x1`` (k) and diag V."""
    c = np.sqrt(v)[:, None] * (x0 - x1[:, None])
    return simplex_least_squares(c)


def v_loss(x0: np.ndarray, x1: np.ndarray, v: np.ndarray) -> float:
    """V-weighted predictor loss (X1 - X0 W)' V (X1 - X0 W) at the optimal W for ``v``."""
    w = weights_for_v(x0, x1, v)
    r = x1 - x0 @ w
    return float(r @ (v * r))


@dataclass(frozen=True)
class VFit:
    """Outcome of the nested V search."""

    v: np.ndarray
    weights: np.ndarray
    mspe: float  # pre-period outcome MSPE over the V-fit window at the chosen V
    starts_tried: int


def _normalise(x: np.ndarray) -> np.ndarray:
    a = np.abs(np.asarray(x, dtype=float))
    total = a.sum()
    return a / total if total > 0 else np.full(a.size, 1.0 / a.size)


def _regression_start(x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray):
    """Synth's regression-based starting V: squared coefficients of outcomes on predictors."""
    x_all = np.hstack([x0, x1[:, None]]).T  # units x k
    design = np.hstack([np.ones((x_all.shape[0], 1)), x_all])
    z_all = np.hstack([z0, z1[:, None]]).T  # units x periods
    beta, *_ = np.linalg.lstsq(design, z_all, rcond=None)
    start = np.sum(beta[1:] ** 2, axis=1)
    return start if np.all(np.isfinite(start)) and start.sum() > 0 else None


def optimise_v(
    x0: np.ndarray,
    x1: np.ndarray,
    z0: np.ndarray,
    z1: np.ndarray,
    *,
    maxiter: int = 1000,
) -> VFit:
    """Data-driven V: minimise the outcome MSPE over the fit window (rows of z0/z1)."""
    k = x0.shape[0]

    def mspe_for(x: np.ndarray) -> float:
        w = weights_for_v(x0, x1, _normalise(x))
        r = z1 - z0 @ w
        return float(r @ r) / r.size

    if k == 1:
        v = np.ones(1)
        w = weights_for_v(x0, x1, v)
        return VFit(v, w, mspe_for(v), 0)

    starts: list[np.ndarray] = [np.full(k, 1.0 / k)]
    reg = _regression_start(x0, x1, z0, z1)
    if reg is not None:
        starts.append(reg / reg.sum())
    best_x, best_loss, tried = starts[0], mspe_for(starts[0]), 0
    for start in starts:
        x, loss = _nelder_mead(mspe_for, start, maxiter)
        # A restart from the optimum escapes Nelder-Mead's collapsed simplex (a cheap polish).
        x2, loss2 = _nelder_mead(mspe_for, _normalise(x), maxiter)
        tried += 1
        for cand, cand_loss in ((x, loss), (x2, loss2)):
            if cand_loss < best_loss:
                best_x, best_loss = cand, cand_loss
    v = _normalise(best_x)
    return VFit(v, weights_for_v(x0, x1, v), mspe_for(best_x), tried)


def _nelder_mead(fun: Callable[[np.ndarray], float], x0: np.ndarray, maxiter: int):
    res = minimize(fun, x0, method="Nelder-Mead", options={"maxiter": maxiter})
    return np.asarray(res.x), float(res.fun)
