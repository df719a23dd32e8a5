"""Confidence sets under relative magnitudes, Delta^RM(Mbar) (Rambachan & Roth 2023, 2.4.1),
as HonestDiD's ``computeConditionalCS_DeltaRM`` builds them.

Event-study coefficients ``beta = (beta_pre, beta_post)`` (the reference period, event time -1,
left out and normalised to 0) are effect plus bias ``delta``. Delta^RM(Mbar) allows every
post-period change of the bias ``|delta_{t+1} - delta_t|`` to be at most ``Mbar`` times the
largest pre-period change. It is the union over the location ``s`` of that largest change
(every pre-period difference, the reference's included) and its sign of polyhedra
``A_s delta <= 0`` (footnote 9 of the paper; HonestDiD's ``.create_A_RM``), and a confidence set
for a union is the union of the sets (Lemma 2.2). For each polyhedron the set of
``theta = l'tau_post`` is the ARP test inverted on a grid (:mod:`honest_arp`), on the
post-period moments only (``postPeriodMomentsOnly``), with the least-favourable hybrid
(``C-LF``, HonestDiD's default) or the plain conditional test (``Conditional``).

Grid: HonestDiD tests 1,000 points on ``[-20 sd, 20 sd]`` around 0 (``sd`` the standard error
of ``l'beta_post``), which misses the set when the estimate is more than about 20 standard
errors from zero. By default we centre the grid on the estimate and widen it by the largest
bias the identified set allows (``Mbar * sum_t t |l_t| * max pre change``, as moderndid does),
then refine each end by bisection between the last rejected and the first accepted point, so
the bounds do not move with the grid. ``grid=(lb, ub)`` and ``refine=False`` give HonestDiD's
own computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.optimize import linprog

from analytics.effects.honest_arp import Hybrid, NoNuisanceTest, NuisanceTest

GRID_POINTS = 1000
REFINE_POINTS = 65
REFINE_ROUNDS = 3


def rm_constraints(n_pre: int, n_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """HonestDiD's ``.create_A_RM``: rows of ``A`` with ``A delta <= 0`` on Delta^RM_{s,sign},
    ``s`` in ``-(n_pre - 1) .. 0`` (R's index of the largest pre-period difference)."""
    n = n_pre + n_post
    first_diff = np.zeros((n, n + 1))
    first_diff[np.arange(n), np.arange(n)] = -1.0
    first_diff[np.arange(n), np.arange(n) + 1] = 1.0
    largest = np.zeros(n + 1)
    largest[n_pre + s - 1 : n_pre + s + 1] = (-1.0, 1.0)
    if not positive:
        largest = -largest
    upper = np.vstack([np.tile(largest, (n_pre, 1)), np.tile(mbar * largest, (n_post, 1))])
    a = np.vstack([first_diff - upper, -first_diff - upper])
    a = a[(a * a).sum(axis=1) > 1e-10]
    return np.delete(a, n_pre, axis=1)  # the reference period (t = 0) is normalised away


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """HonestDiD's ``.construct_Gamma``: an invertible matrix with ``l'`` as its first row and
    unit vectors (the pivots of rref([l, I])) after it."""
    rows = [l_vec]
    for j in range(len(l_vec)):
        unit = np.eye(len(l_vec))[j]
        if np.linalg.matrix_rank(np.vstack([*rows, unit])) > len(rows):
            rows.append(unit)
    return np.vstack(rows)


@dataclass(frozen=True)
class EventStudy:
    """Event-study coefficients without the reference period and their covariance."""

    betahat: np.ndarray
    sigma: np.ndarray
    n_pre: int
    n_post: int
    l_vec: np.ndarray

    @property
    def theta(self) -> float:
        return float(self.l_vec @ self.betahat[self.n_pre :])

    @property
    def sd_theta(self) -> float:
        post = self.sigma[self.n_pre :, self.n_pre :]
        return float(np.sqrt(self.l_vec @ post @ self.l_vec))

    @cached_property
    def max_pre_change(self) -> float:
        path = np.concatenate([self.betahat[: self.n_pre], [0.0]])
        return float(np.abs(np.diff(path)).max()) if self.n_pre else 0.0


@dataclass(frozen=True)
class _Polyhedron:
    """One Delta^RM_{s,sign}: the test of ``theta`` it gives, vectorised over a grid."""

    study: EventStudy
    a: np.ndarray

    @cached_property
    def _post_rows(self) -> np.ndarray:
        n_pre = self.study.n_pre
        if self.study.n_post > 1:
            return np.flatnonzero((self.a[:, n_pre:] != 0).any(axis=1))
        return np.flatnonzero(self.a[:, -1] != 0)

    @cached_property
    def _parts(self):
        s = self.study
        if s.n_post == 1:
            a = self.a[self._post_rows]
            return NoNuisanceTest(a=a, d=np.zeros(len(a)), sigma=s.sigma), None, None
        a_gamma = self.a[:, s.n_pre :] @ np.linalg.inv(_gamma(s.l_vec))
        rows = self._post_rows
        y = self.a @ s.betahat
        sigma_y = self.a @ s.sigma @ self.a.T
        test = NuisanceTest(x=a_gamma[rows, 1:], sigma=sigma_y[np.ix_(rows, rows)])
        return test, y[rows], a_gamma[rows, 0]

    def critical_value(self, hybrid: Hybrid, kappa: float) -> float:
        return self._parts[0].least_favorable_cv(kappa) if hybrid == "LF" else np.inf

    def accept(self, thetas: np.ndarray, alpha: float, hybrid: Hybrid, kappa: float, cv: float):
        test, y, slope = self._parts
        if y is None:  # one post-period: test beta - theta e_post
            values = np.tile(self.study.betahat, (len(thetas), 1))
            values[:, -1] -= thetas
        else:
            values = y[None, :] - np.outer(thetas, slope)
        return test.accept(values, alpha, hybrid, kappa, cv)


@dataclass(frozen=True)
class ConfidenceSet:
    """``lb``/``ub``: the smallest and largest accepted theta (NaN when none is), and the grid."""

    lb: float
    ub: float
    grid: np.ndarray
    accept: np.ndarray

    @property
    def open_ended(self) -> bool:
        """The set reaches an end of the grid (its bound there is not a real bound)."""
        return bool(self.accept[0] or self.accept[-1])


def rm_confidence_set(
    study: EventStudy,
    mbar: float,
    *,
    alpha: float = 0.05,
    hybrid: Hybrid = "LF",
    grid: tuple[float, float] | None = None,
    grid_points: int = GRID_POINTS,
    refine: bool = True,
) -> ConfidenceSet:
    """The union over ``s`` and sign of the ARP sets for ``theta`` under Delta^RM(Mbar)."""
    if mbar < 0:
        raise ValueError(f"Mbar must be non-negative; got {mbar}")
    kappa = alpha / 10
    pieces = [
        _Polyhedron(study, rm_constraints(study.n_pre, study.n_post, mbar, s, positive))
        for s in range(-(study.n_pre - 1), 1)
        for positive in (True, False)
    ]
    cvs = [piece.critical_value(hybrid, kappa) for piece in pieces]

    def accepted(thetas: np.ndarray) -> np.ndarray:
        out = np.zeros(len(thetas), dtype=bool)
        for piece, cv in zip(pieces, cvs, strict=True):
            open_ = ~out
            if open_.any():
                out[open_] = piece.accept(thetas[open_], alpha, hybrid, kappa, cv)
        return out

    lb, ub = grid if grid is not None else default_grid(study, mbar)
    thetas = np.linspace(lb, ub, grid_points)
    accept = accepted(thetas)
    if not accept.any():
        return ConfidenceSet(np.nan, np.nan, thetas, accept)
    first, last = np.flatnonzero(accept)[[0, -1]]
    low, high = float(thetas[first]), float(thetas[last])
    if refine:
        if first > 0:
            low = _refine(accepted, float(thetas[first - 1]), low)
        if last < grid_points - 1:
            high = _refine(accepted, float(thetas[last + 1]), high)
    return ConfidenceSet(low, high, thetas, accept)


def default_grid(study: EventStudy, mbar: float) -> tuple[float, float]:
    steps = np.arange(1, study.n_post + 1) @ np.abs(study.l_vec)
    half = mbar * steps * study.max_pre_change + 20 * study.sd_theta
    return study.theta - half, study.theta + half


def _refine(accepted, rejected_at: float, accepted_at: float) -> float:
    """The accepted theta nearest the boundary between a rejected and an accepted grid point,
    on nested sub-grids (each ``REFINE_POINTS`` wide) to ``REFINE_POINTS ** -REFINE_ROUNDS``
    of the grid step."""
    for _ in range(REFINE_ROUNDS):
        points = np.linspace(rejected_at, accepted_at, REFINE_POINTS)
        inside = accepted(points)
        # The first accepted point walking from the rejected end.
        first = int(np.argmax(inside)) if inside.any() else REFINE_POINTS - 1
        first = max(first, 1)
        rejected_at, accepted_at = float(points[first - 1]), float(points[first])
    return accepted_at


def rm_identified_set(study: EventStudy, mbar: float) -> tuple[float, float]:
    """The identified set of theta under Delta^RM(Mbar) with ``delta_pre = beta_pre``
    (HonestDiD's ``.compute_IDset_DeltaRM``): the union of the polyhedra's bounds."""
    bounds = [
        rm_identified_set_at(study, mbar, s, positive)
        for s in range(-(study.n_pre - 1), 1)
        for positive in (True, False)
    ]
    return min(low for low, _ in bounds), max(high for _, high in bounds)


def rm_identified_set_at(
    study: EventStudy, mbar: float, s: int, positive: bool
) -> tuple[float, float]:
    """The linear-programming bounds of theta on one Delta^RM_{s,sign}; a polyhedron without
    solution contributes the estimate itself (as in HonestDiD)."""
    n_pre, n_post = study.n_pre, study.n_post
    objective = np.concatenate([np.zeros(n_pre), study.l_vec])
    a = rm_constraints(n_pre, n_post, mbar, s, positive)
    common = dict(
        A_ub=a,
        b_ub=np.zeros(len(a)),
        A_eq=np.hstack([np.eye(n_pre), np.zeros((n_pre, n_post))]),
        b_eq=study.betahat[:n_pre],
        bounds=[(None, None)] * (n_pre + n_post),
        method="highs",
    )
    largest = linprog(-objective, **common)
    smallest = linprog(objective, **common)
    if largest.status != 0 and smallest.status != 0:
        return study.theta, study.theta
    return study.theta + largest.fun, study.theta - smallest.fun
