"""Andrews-Roth-Pakes conditional and hybrid tests of linear moment inequalities, as HonestDiD
runs them (R package HonestDiD 0.2.8, ``R/arp-nuisance.R`` and ``R/arp-nonuisance.R``).

With nuisance parameters (:class:`NuisanceTest`) the null is ``E[y - X tau] <= 0`` for some
``tau``, ``y ~ N(mu, Sigma)``. The statistic is the value of the linear program
``eta = min_{eta, tau} eta  s.t.  y - X tau <= eta * sd(y)``. Its dual is
``max lambda'y  s.t.  lambda >= 0, W'lambda = e1`` with ``W = [sd, X]``, so ``eta`` is the
largest ``v'y`` over the finitely many vertices ``v`` of that dual polytope. We enumerate the
vertices once per event study (:func:`extreme_rays`) and evaluate every grid point, every simulated draw and every conditioning bound
exactly with them, where HonestDiD solves one linear program per grid point and draw (it also
finds the dual's truncation points ``vlo``/``vup`` by bisection; the vertices give them in closed
form). The tests themselves follow the package line by line: the binding moments from the
multipliers (tolerance 1e-6), the primal formulas when exactly ``k + 1`` moments bind with full
rank, the dual ones otherwise, the least-favourable first stage (``LF``: reject when ``eta``
exceeds the ``1 - kappa`` quantile of ``eta`` over 1,000 draws under the least favourable null,
then condition with size ``(alpha - kappa) / (1 - kappa)``) and the critical value
``max(0, c_{1-alpha})`` of the truncated normal.

Without nuisance parameters (one post-period, :class:`NoNuisanceTest`) the conditional test of
``E[A y] - d <= 0`` conditions on the location of the largest standardised moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import combinations
from math import comb
from typing import Literal

import numpy as np
from scipy import special

from analytics.effects.honest_rng import r_mvnorm

Hybrid = Literal["LF", "ARP"]
TOL_LAMBDA = 1e-6  # HonestDiD: multipliers above this mark binding moments
LF_SIMS = 1000  # HonestDiD's draws for the least-favourable critical value
ROUND_EPS = np.finfo(float).eps ** 0.75  # HonestDiD's .roundeps
# Bases we are willing to enumerate, once per event study (C(2T, T) for T post-periods under
# relative magnitudes: 705,432 at T = 11, a few seconds), in chunks of CHUNK.
MAX_BASES = 800_000
CHUNK = 20_000


class TooManyPostPeriods(ValueError):
    """The event study has more post-periods than the exact enumeration handles."""


@lru_cache(maxsize=32)
def _bases(m: int, q: int) -> np.ndarray:
    return np.array(list(combinations(range(m), q)), dtype=np.intp).reshape(-1, q)


def extreme_rays(x: np.ndarray) -> np.ndarray:
    """The extreme rays (rows, each summing to 1) of the cone ``{v >= 0 : X'v = 0}``.

    The dual polytope ``{v >= 0 : sd'v = 1, X'v = 0}`` is this cone cut by ``sd'v = 1``, so its
    vertices are the rays divided by ``sd'ray`` (``sd > 0``): the rays depend on ``X`` alone,
    which relative magnitudes share across every Mbar, location and sign of the largest
    pre-period change. They are the vertices of ``{v >= 0 : 1'v = 1, X'v = 0}``, every basis of
    ``k + 1`` rows with non-negative multipliers."""
    x = np.ascontiguousarray(x, dtype=float)
    return _extreme_rays(x.tobytes(), x.shape)


@lru_cache(maxsize=16)
def _extreme_rays(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    x = np.frombuffer(data, dtype=float).reshape(shape)
    m, k = shape
    q = k + 1
    if comb(m, q) > MAX_BASES:
        raise TooManyPostPeriods(f"{comb(m, q)} bases to enumerate (at most {MAX_BASES})")
    if m < q:
        return np.zeros((0, m))
    norms = np.linalg.norm(x, axis=0)
    norms[norms == 0] = 1.0
    w = np.column_stack([np.ones(m), x / norms])  # scale-free columns
    e1 = np.zeros(q)
    e1[0] = 1.0
    bases = _bases(m, q)
    found = [np.zeros((0, m))]
    for start in range(0, len(bases), CHUNK):  # bounded memory
        chunk = bases[start : start + CHUNK]
        systems = np.transpose(w[chunk], (0, 2, 1))  # W_B' for every basis B
        regular = np.abs(np.linalg.det(systems)) > 1e-10
        count = int(regular.sum())
        if not count:
            continue
        rhs = np.broadcast_to(e1, (count, q))[..., None]
        multipliers = np.linalg.solve(systems[regular], rhs)[..., 0]
        feasible = (multipliers >= -1e-12).all(axis=1)
        rays = np.zeros((int(feasible.sum()), m))
        rows = np.arange(len(rays))[:, None]
        rays[rows, chunk[regular][feasible]] = np.maximum(multipliers[feasible], 0.0)
        found.append(rays)
    rays = np.vstack(found)
    rays = np.round(rays, 13)
    # Many bases give the same ray (degenerate cone): keep one of each, by a random projection.
    key = np.round(rays @ np.random.default_rng(0).uniform(1, 2, m), 10)
    rays = rays[np.unique(key, return_index=True)[1]]
    rays.setflags(write=False)
    return rays


def truncated_normal_quantile(p: float, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The ``p``-quantile of the standard normal truncated to ``[lower, upper]``
    (TruncatedNormal::norminvp), in log space so that far tails keep their precision: from
    the lower tail where the interval lies mostly below 0, from the upper tail otherwise."""
    lower, upper = np.broadcast_arrays(np.asarray(lower, float), np.asarray(upper, float))
    right = lower > -upper  # the interval's centre is positive: work with survival functions
    a = np.where(right, -upper, lower)  # mirrored so the tail of interest is the lower one
    b = np.where(right, -lower, upper)
    share = np.where(right, 1 - p, p)
    log_a, log_b = special.log_ndtr(a), special.log_ndtr(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mass = log_b + np.log1p(-np.exp(log_a - log_b))  # log(Phi(b) - Phi(a))
        q = special.ndtri_exp(np.logaddexp(log_a, np.log(share) + log_mass))
    q = np.where(right, -q, q)
    return np.where(lower >= upper, lower, np.clip(q, lower, upper))


@dataclass(frozen=True)
class NuisanceTest:
    """ARP test of ``E[y - X tau] <= 0`` on the rows HonestDiD tests (``rowsForARP``)."""

    x: np.ndarray  # (m, k)
    sigma: np.ndarray  # (m, m), covariance of y

    @cached_property
    def sd(self) -> np.ndarray:
        return np.sqrt(np.diag(self.sigma))

    @cached_property
    def w(self) -> np.ndarray:
        return np.column_stack([self.sd, self.x])

    @cached_property
    def vertices(self) -> np.ndarray:
        """The vertices of the dual polytope (see :func:`extreme_rays`)."""
        rays = extreme_rays(self.x)
        return rays / (rays @ self.sd)[:, None]

    def least_favorable_cv(self, kappa: float, seed: int = 0) -> float:
        """The ``1 - kappa`` quantile of ``eta`` over HonestDiD's 1,000 draws of ``y`` under
        the least favourable null (mean zero)."""
        if self.vertices.size == 0:
            return np.nan
        draws = r_mvnorm(LF_SIMS, self.sigma, seed)
        eta = (draws @ self.vertices.T).max(axis=1)
        return float(np.quantile(eta, 1 - kappa))

    def accept(
        self,
        y: np.ndarray,
        alpha: float,
        hybrid: Hybrid,
        kappa: float,
        lf_cv: float = np.inf,
    ) -> np.ndarray:
        """Whether the test accepts at each row of ``y`` (n, m)."""
        accepted = np.ones(len(y), dtype=bool)
        if self.vertices.size == 0:  # the LP has no solution: HonestDiD does not reject
            return accepted
        values = y @ self.vertices.T
        best = values.argmax(axis=1)
        eta = values[np.arange(len(y)), best]
        if hybrid == "LF":
            size = (alpha - kappa) / (1 - kappa)
            open_ = ~(eta > lf_cv)
            accepted[~open_] = False
        else:
            size, lf_cv, open_ = alpha, np.inf, np.ones(len(y), dtype=bool)
        for vertex in np.unique(best[open_]):
            rows = np.flatnonzero(open_ & (best == vertex))
            accepted[rows] = self._second_stage(vertex, y[rows], eta[rows], size, lf_cv)
        return accepted

    def _second_stage(
        self, vertex: int, y: np.ndarray, eta: np.ndarray, size: float, lf_cv: float
    ) -> np.ndarray:
        multipliers = self.vertices[vertex]
        binding = multipliers > TOL_LAMBDA
        x_binding = self.x[binding]
        full_rank = x_binding.size > 0 and np.linalg.matrix_rank(x_binding) == min(x_binding.shape)
        if binding.sum() == self.x.shape[1] + 1 and full_rank:
            bounds = self._primal_bounds(binding, y)
        else:
            bounds = self._dual_bounds(multipliers, y, eta)
            if bounds is None:  # no variance along the binding direction
                return ~(eta > 0)
        vlo, vup, sigma_b = bounds
        maxstat = eta / sigma_b
        zlo, zup = vlo / sigma_b, np.minimum(vup, lf_cv) / sigma_b
        inside = (zlo <= maxstat) & (maxstat <= zup)
        accepted = np.ones(len(y), dtype=bool)
        if inside.any():
            cval = np.maximum(0.0, truncated_normal_quantile(1 - size, zlo[inside], zup[inside]))
            accepted[inside] = ~(maxstat[inside] > cval)
        return accepted

    def _primal_bounds(self, binding: np.ndarray, y: np.ndarray):
        b_rows, c_rows = np.flatnonzero(binding), np.flatnonzero(~binding)
        w_inv = np.linalg.inv(self.w[b_rows])
        m = len(self.sd)
        gamma_b = np.zeros((len(c_rows), m))
        gamma_b[:, b_rows] = self.w[c_rows] @ w_inv
        gamma_b[np.arange(len(c_rows)), c_rows] -= 1.0
        v_b = np.zeros(m)
        v_b[b_rows] = w_inv[0]
        sigma2_b = float(v_b @ self.sigma @ v_b)
        rho = gamma_b @ self.sigma @ v_b / sigma2_b
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = -(y @ gamma_b.T) / rho + (y @ v_b)[:, None]
        vlo = _max_or(bound[:, rho > 0], -np.inf)
        vup = _min_or(bound[:, rho < 0], np.inf)
        return vlo, vup, np.sqrt(sigma2_b)

    def _dual_bounds(self, gamma: np.ndarray, y: np.ndarray, eta: np.ndarray):
        sigma2 = float(gamma @ self.sigma @ gamma)
        if abs(sigma2) < np.finfo(float).eps:
            return None
        sigma_b = np.sqrt(sigma2)
        b = self.sigma @ gamma / sigma2
        s = y - np.outer(y @ gamma, b)
        # The c with max_v v'(s + b c) = c form [vlo, vup] (the vertices' lines through it).
        slope = 1.0 - self.vertices @ b
        level = s @ self.vertices.T
        level[np.abs(level) < ROUND_EPS] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = level / slope
        vup = _min_or(crossing[:, slope < -1e-12], np.inf)
        vlo = _max_or(crossing[:, slope > 1e-12], -np.inf)
        # HonestDiD searches from max(100, eta + 20 sd) and min(-100, eta - 20 sd): beyond
        # them the bound is infinite.
        vup = np.where(vup >= np.maximum(100.0, eta + 20 * sigma_b), np.inf, vup)
        vlo = np.where(vlo <= np.minimum(-100.0, eta - 20 * sigma_b), -np.inf, vlo)
        return vlo, vup, sigma_b


@dataclass(frozen=True)
class NoNuisanceTest:
    """ARP conditional test of ``E[A y] - d <= 0`` for ``y ~ N(mu, Sigma)`` (one post-period)."""

    a: np.ndarray  # (r, p)
    d: np.ndarray  # (r,)
    sigma: np.ndarray  # (p, p), covariance of y

    @cached_property
    def _scale(self) -> np.ndarray:
        return np.sqrt(np.diag(self.a @ self.sigma @ self.a.T))

    def least_favorable_cv(self, kappa: float, seed: int = 0) -> float:
        sigma_a = self.a @ self.sigma @ self.a.T
        draws = r_mvnorm(LF_SIMS, sigma_a, seed) / np.sqrt(np.diag(sigma_a))
        return float(np.quantile(draws.max(axis=1), 1 - kappa))

    def accept(
        self, y: np.ndarray, alpha: float, hybrid: Hybrid, kappa: float, lf_cv: float = np.inf
    ) -> np.ndarray:
        a_tilde = self.a / self._scale[:, None]
        d_tilde = self.d / self._scale
        moments = y @ a_tilde.T - d_tilde
        location = moments.argmax(axis=1)
        top = moments[np.arange(len(y)), location]
        accepted = np.ones(len(y), dtype=bool)
        open_ = np.ones(len(y), dtype=bool)
        if hybrid == "LF":
            open_ = ~(top > lf_cv)
            accepted[~open_] = False
            alpha = (alpha - kappa) / (1 - kappa)
        for j in np.unique(location[open_]):
            rows = np.flatnonzero(open_ & (location == j))
            gamma = a_tilde[j]
            a_bar = a_tilde - gamma
            d_bar = d_tilde - d_tilde[j]
            sigma2 = float(gamma @ self.sigma @ gamma)
            sigma_bar = np.sqrt(sigma2)
            c = self.sigma @ gamma / sigma2
            z = y[rows] - np.outer(y[rows] @ gamma, c)
            ac = a_bar @ c
            with np.errstate(divide="ignore", invalid="ignore"):
                bound = (d_bar - z @ a_bar.T) / ac
            vlo = _max_or(bound[:, ac < 0], -np.inf)
            vup = _min_or(bound[:, ac > 0], np.inf)
            mu = d_tilde[j]
            q = truncated_normal_quantile(1 - alpha, (vlo - mu) / sigma_bar, (vup - mu) / sigma_bar)
            critical = np.maximum(0.0, mu + q * sigma_bar)
            accepted[rows] = ~(top[rows] + mu > critical)
        return accepted


def _max_or(values: np.ndarray, empty: float) -> np.ndarray:
    return values.max(axis=1) if values.shape[1] else np.full(len(values), empty)


def _min_or(values: np.ndarray, empty: float) -> np.ndarray:
    return values.min(axis=1) if values.shape[1] else np.full(len(values), empty)
