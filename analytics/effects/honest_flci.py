"""Fixed-length confidence intervals under smoothness, Delta^SD(M) (Rambachan & Roth 2023,
section 4.1; Armstrong & Kolesar), as HonestDiD's ``findOptimalFLCI`` computes them (HonestDiD
0.2.8, ``R/flci.R``), the package's default for Delta^SD.

Delta^SD(M) bounds the change in slope of the bias between consecutive periods by ``M``. The
interval is an affine estimator ``a + v'beta`` with ``v = (v_pre, l)`` and a fixed half-length
``cv_alpha(bias / sd) * sd``, where ``bias`` is the estimator's worst-case bias over Delta^SD(M)
and ``cv_alpha(t)`` the ``1 - alpha`` quantile of ``|N(t, 1)|``. HonestDiD writes the
pre-period weights as ``v_pre = D w`` (``D`` first differences) and

* finds the smallest standard deviation ``h_min`` any such estimator reaches and the one of the
  estimator that puts all weight on the last pre-period, ``h_0``;
* for a standard deviation bound ``h`` in between, minimises the worst-case bias
  ``M * (c + sum_i |sum_{j<=i} w_j|)`` subject to ``sum w = sum_t t l_t`` and
  ``sd <= h`` (a second-order cone programme; we solve it with Clarabel through cvxpy where
  the package uses ECOS through CVXR);
* finds the ``h`` that minimises the half-length by bisection on its numerical derivative
  (the half-length is convex in ``h``), falling back to a 100-point grid when the derivative
  misbehaves;
* evaluates ``cv_alpha`` by simulation, as the quantile of ``|z + t|`` over 1,000,000 normal
  draws after ``set.seed(0)`` (:func:`honest_rng.r_folded_normal_quantile` draws the same).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analytics.effects.honest_rm import EventStudy
from analytics.effects.honest_rng import r_folded_normal_quantile

GRID_POINTS = 100
TIGHT = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11}
EPS = np.finfo(float).eps


@dataclass(frozen=True)
class FLCI:
    lb: float
    ub: float
    half_length: float
    weights: np.ndarray  # v = (v_pre, l): the interval is v'beta +- half_length
    h: float


@dataclass(frozen=True)
class _Problem:
    study: EventStudy

    @cached_property
    def _matrices(self):
        s = self.study
        k = s.n_pre
        diff = np.eye(k) - np.eye(k, k=-1)  # w -> v_pre (HonestDiD's WtoLPreMat)
        pre = s.sigma[:k, :k]
        pre_post = s.sigma[:k, k:]
        quadratic = diff.T @ pre @ diff
        linear = 2 * diff.T @ pre_post @ s.l_vec
        constant = float(s.l_vec @ s.sigma[k:, k:] @ s.l_vec)
        return diff, quadratic, linear, constant

    @property
    def target_sum(self) -> float:
        return float(np.arange(1, self.study.n_post + 1) @ self.study.l_vec)

    @property
    def bias_constant(self) -> float:
        l_vec, n_post = self.study.l_vec, self.study.n_post
        parts = [abs(np.arange(1, s + 1) @ l_vec[n_post - s :]) for s in range(1, n_post + 1)]
        return float(sum(parts) - self.target_sum)

    def variance(self, w: np.ndarray) -> float:
        _, quadratic, linear, constant = self._matrices
        return float(w @ quadratic @ w + linear @ w + constant)

    def h_for_minimum_bias(self) -> float:
        w = np.zeros(self.study.n_pre)
        w[-1] = self.target_sum
        return float(np.sqrt(self.variance(w)))

    @cached_property
    def _least_variance_w(self) -> np.ndarray:
        """The weights of least variance under ``sum w = target`` (a linear KKT system)."""
        _, quadratic, linear, _ = self._matrices
        k = self.study.n_pre
        kkt = np.zeros((k + 1, k + 1))
        kkt[:k, :k] = 2 * quadratic
        kkt[:k, k] = kkt[k, :k] = 1.0
        rhs = np.concatenate([-linear, [self.target_sum]])
        return np.linalg.lstsq(kkt, rhs, rcond=None)[0][:k]

    def lowest_h(self) -> float:
        return float(np.sqrt(max(self.variance(self._least_variance_w), 0.0)))

    def _bias_of(self, w: np.ndarray) -> float:
        return self.bias_constant + float(np.abs(np.cumsum(w)).sum())

    @cached_property
    def _bias_program(self):
        import cvxpy as cp  # loaded on first use: an optional, heavy dependency

        k = self.study.n_pre
        diff, quadratic, linear, constant = self._matrices
        w = cp.Variable(k)
        h2 = cp.Parameter(nonneg=True)
        cumulative = np.tril(np.ones((k, k)))
        factor = _psd_factor(quadratic)
        variance = cp.sum_squares(factor @ w) + linear @ w + constant
        problem = cp.Problem(
            cp.Minimize(self.bias_constant + cp.norm1(cumulative @ w)),
            [cp.sum(w) == self.target_sum, variance <= h2],
        )
        return problem, w, h2

    def worst_case_bias(self, h: float) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias (per unit of M) with standard deviation at most ``h``, and
        the pre-period weights ``v_pre`` that reach it (inf when infeasible)."""
        import cvxpy as cp

        least = self._least_variance_w
        if h * h <= self.variance(least) * (1 + 1e-9):
            # Only the least-variance weights have this standard deviation: no programme to
            # solve (a solver on a one-point feasible set is at best inaccurate).
            return (self._bias_of(least), self._matrices[0] @ least) if h > 0 else (np.inf, least)
        problem, w, h2 = self._bias_program
        h2.value = h * h
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cvxpy's "may be inaccurate": the status says it
            for tolerances in (TIGHT, {}):  # tight first; Clarabel's defaults if that fails
                try:
                    problem.solve(solver=cp.CLARABEL, **tolerances)
                    break
                except cp.error.SolverError:
                    continue
            else:
                return np.inf, np.full(self.study.n_pre, np.nan)
        if problem.status not in ("optimal", "optimal_inaccurate"):
            return np.inf, np.full(self.study.n_pre, np.nan)
        return float(problem.value), self._matrices[0] @ w.value


def _psd_factor(matrix: np.ndarray) -> np.ndarray:
    """``F`` with ``F'F = matrix`` for a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.maximum(values, 0.0))).T


def sd_flci(study: EventStudy, m: float, *, alpha: float = 0.05) -> FLCI:
    """HonestDiD's FLCI for ``theta = l'tau_post`` under Delta^SD(M)."""
    if m < 0:
        raise ValueError(f"M must be non-negative; got {m}")
    problem = _Problem(study)
    h0 = problem.h_for_minimum_bias()
    h_min = problem.lowest_h()

    def half_length(h: float) -> float:
        bias, _ = problem.worst_case_bias(h)
        if not np.isfinite(bias):
            return np.nan
        return r_folded_normal_quantile(1 - alpha, m * bias / h) * h

    h = _derivative_bisection(half_length, h_min, h0)
    if np.isnan(h):  # HonestDiD falls back on a grid when the derivative misbehaves
        grid = np.linspace(h_min, h0, GRID_POINTS)
        lengths = np.array([half_length(x) for x in grid])
        h = float(grid[np.nanargmin(lengths)])
    bias, pre_weights = problem.worst_case_bias(h)
    half = r_folded_normal_quantile(1 - alpha, m * bias / h) * h
    weights = np.concatenate([pre_weights, study.l_vec])
    centre = float(weights @ study.betahat)
    return FLCI(centre - half, centre + half, half, weights, h)


def _derivative_bisection(f, a: float, b: float) -> float:
    """HonestDiD's ``.findOptimalCIDerivativeBisection``: the minimiser of a convex ``f`` on
    ``[a, b]`` from one-sided numerical derivatives, NaN when they contradict convexity."""
    fail_tol = EPS**0.5
    dif = min((b - a) / GRID_POINTS, abs(b) * EPS ** (1 / 3))
    fa, fb = f(a), f(b)
    if np.isnan(fa) or np.isnan(fb):
        return np.nan
    fpa = (f(a + dif) - fa) / dif
    fpb = (f(b - dif) - fb) / -dif
    if fpa > fpb:
        return np.nan
    if fpb < 0:
        return b
    if fpa > 0:
        return a
    max_iter = 10 * int(np.ceil(np.log(abs(b - a) / dif) / np.log(2)))
    iteration = 1
    while abs(b - a) > dif:
        iteration += 1
        x = (a + b) / 2
        fpx = (f(x + dif) - f(x - dif)) / (2 * dif)
        if fpx > fpb + fail_tol or fpx + fail_tol < fpa or iteration > max_iter:
            return np.nan
        if fpx > 0:
            b = x
        else:
            a = x
    return (a + b) / 2
