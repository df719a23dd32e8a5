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

Beyond 8 post-periods the vertices are too many to enumerate quickly (C(2T, T) bases). Then
:class:`SearchedVertices` finds them one linear programme at a time, where a statistic needs
one, and keeps them: a vertex is taken as the answer for a new ``y`` only once its basis
proves it optimal there (the primal solution of the basis is feasible, so by duality no other
vertex is larger), else the linear programme is solved. The truncation points are checked the
same way: each end is tried with a linear programme until no vertex beats it. The answers are
exactly those of the enumeration (the tests compare them), at the cost of the programmes.

Without nuisance parameters (one post-period, :class:`NoNuisanceTest`) the conditional test of
``E[A y] - d <= 0`` conditions on the location of the largest standardised moment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import combinations
from math import comb
from typing import Literal

import numpy as np
from scipy import special
from scipy.optimize import linprog

from analytics.effects.honest_rng import r_mvnorm

Hybrid = Literal["LF", "ARP"]
TOL_LAMBDA = 1e-6  # HonestDiD: multipliers above this mark binding moments
LF_SIMS = 1000  # HonestDiD's draws for the least-favourable critical value
ROUND_EPS = np.finfo(float).eps ** 0.75  # HonestDiD's .roundeps
# Bases we enumerate, once per event study, in chunks of CHUNK (C(2T, T) for T post-periods
# under relative magnitudes: 12,870 at T = 8, 705,432 at T = 11). Beyond, the vertices are
# searched for (SearchedVertices), which from T = 9 on is the faster (ehec-like event study
# at T = 11, Mbar = 0.5: 2.1 s enumerated, 0.16 s searched).
MAX_BASES = 20_000
CHUNK = 20_000
PROOF_TOL = 1e-9  # relative slack allowed in the primal feasibility that proves a vertex optimal
MAX_BOUND_ROUNDS = 200  # a truncation point is checked at most this many times


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


def can_enumerate(m: int, k: int) -> bool:
    """Whether the dual polytope of ``m`` moments and ``k`` nuisance parameters is small enough
    to enumerate all its vertices."""
    return comb(m, k + 1) <= MAX_BASES


class EnumeratedVertices:
    """Every vertex of the dual polytope, each a row of ``table``."""

    complete = True

    def __init__(self, table: np.ndarray):
        self.table = table

    @property
    def empty(self) -> bool:
        return self.table.size == 0

    def best(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``eta`` (the linear programme's value) at each row of ``y`` and its vertex."""
        values = y @ self.table.T
        best = values.argmax(axis=1)
        return values[np.arange(len(y)), best], best


class RayPool:
    """Extreme rays of ``{v >= 0 : X'v = 0}`` (sum 1) found so far, with the bases (row sets)
    found to give each. Rays depend on ``X`` alone, so one pool serves every polyhedron of an
    event study that shares it (relative magnitudes: every Mbar, location and sign)."""

    def __init__(self, m: int):
        self.rays = np.zeros((0, m))
        self.bases: list[set[tuple[int, ...]]] = []
        self.feasible: bool | None = None  # whether the cone has a ray at all, once known
        self._index: dict[float, int] = {}
        self._projection = np.random.default_rng(0).uniform(1, 2, m)
        self._lock = threading.Lock()

    def add(self, ray: np.ndarray, basis: tuple[int, ...] | None) -> int:
        key = float(np.round(np.round(ray, 13) @ self._projection, 10))
        # The app's sessions are threads sharing the pool: a ray's bases are in place before
        # the ray shows in ``rays``, so a reader never finds a ray without its entry.
        with self._lock:
            j = self._index.get(key)
            if j is None:
                j = self._index[key] = len(self.rays)
                self.bases.append(set())
                self.rays = np.vstack([self.rays, ray])
            if basis is not None:
                self.bases[j] = self.bases[j] | {basis}  # a new set: a reader may iterate the old
        return j


@lru_cache(maxsize=16)
def _ray_pool(data: bytes, m: int) -> RayPool:
    return RayPool(m)


def ray_pool(x: np.ndarray) -> RayPool:
    x = np.ascontiguousarray(x, dtype=float)
    return _ray_pool(x.tobytes() + str(x.shape).encode(), x.shape[0])


class SearchedVertices:
    """The vertices of ``{lambda >= 0 : W'lambda = e1}`` (``W = [sd, X]``) that the questions
    asked so far needed, found by linear programmes and proved optimal by their bases."""

    complete = False

    def __init__(self, pool: RayPool, w: np.ndarray):
        self.pool = pool
        self.w = w
        self._inverses: dict[tuple[int, ...], np.ndarray | None] = {}
        self._e1 = np.eye(w.shape[1])[0]
        if pool.feasible is None:
            self._solve(w[:, 0])  # any objective: learns whether the polytope is empty

    @property
    def empty(self) -> bool:
        return not self.pool.feasible

    @property
    def table(self) -> np.ndarray:
        rays = self.pool.rays
        return rays / (rays @ self.w[:, 0])[:, None]

    def best(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``eta`` at each row of ``y`` and its vertex (an index into ``table``): the best
        known vertex where its basis proves it optimal, the linear programme's elsewhere."""
        eta = np.empty(len(y))
        best = np.empty(len(y), dtype=np.intp)
        todo = np.arange(len(y))
        while todo.size:
            table = self.table
            if len(table):
                values = y[todo] @ table.T
                guess = values.argmax(axis=1)
                proved = self._proved(y[todo], guess)
                eta[todo[proved]] = values[proved, guess[proved]]
                best[todo[proved]] = guess[proved]
                todo = todo[~proved]
            if todo.size:
                best[todo[0]], eta[todo[0]] = self._solve(y[todo[0]])
                todo = todo[1:]
        return eta, best

    def _proved(self, y: np.ndarray, guess: np.ndarray) -> np.ndarray:
        """Whether some basis of the guessed vertex has a feasible primal solution at ``y``:
        then the vertex is optimal (weak duality)."""
        proved = np.zeros(len(y), dtype=bool)
        for j in np.unique(guess):
            rows = np.flatnonzero(guess == j)
            for basis in self.pool.bases[j]:
                inverse = self._inverse(basis)
                if inverse is None:
                    continue
                open_ = rows[~proved[rows]]
                z = y[np.ix_(open_, basis)] @ inverse.T  # the primal (eta, tau) of the basis
                slack = z @ self.w.T - y[open_]
                proved[open_] = (slack >= -PROOF_TOL * (1 + np.abs(y[open_]))).all(axis=1)
        return proved

    def _inverse(self, basis: tuple[int, ...]) -> np.ndarray | None:
        if basis not in self._inverses:
            w_b = self.w[list(basis)]
            regular = abs(np.linalg.det(w_b)) > 1e-12 * np.prod(np.linalg.norm(w_b, axis=1))
            self._inverses[basis] = np.linalg.inv(w_b) if regular else None
        return self._inverses[basis]

    def _solve(self, y: np.ndarray) -> tuple[int, float]:
        """The dual linear programme ``max lambda'y`` at one ``y``: its vertex (kept in the
        pool with the basis that proves it) and value."""
        res = linprog(-y, A_eq=self.w.T, b_eq=self._e1, bounds=(0, None), method="highs-ds")
        if res.status == 2:  # no vertex at all: the same for every y
            self.pool.feasible = False
            return -1, np.nan
        if res.status != 0:
            raise RuntimeError(f"the ARP linear programme failed: {res.message}")
        self.pool.feasible = True
        vertex = np.maximum(res.x, 0.0)
        z = -res.eqlin.marginals  # the primal (eta, tau): HiGHS' duals of W'lambda = e1
        j = self.pool.add(vertex / vertex.sum(), self._basis(vertex, z, y))
        return j, float(vertex @ y)

    def _basis(self, vertex: np.ndarray, z: np.ndarray, y: np.ndarray) -> tuple[int, ...] | None:
        """``k + 1`` rows holding the vertex's support, completed by rows the primal solution
        makes tight, with ``W_B`` regular; None if there is none such."""
        q = self.w.shape[1]
        support = list(np.flatnonzero(vertex > 1e-12))
        slack = self.w @ z - y
        tight = np.flatnonzero(np.abs(slack) <= 1e-7 * (1 + np.abs(y)))
        rows = []
        for i in support + [i for i in tight if i not in support]:
            if np.linalg.matrix_rank(self.w[[*rows, i]]) == len(rows) + 1:
                rows.append(int(i))
            if len(rows) == q:
                return tuple(sorted(rows))
        return None


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
    def vertices(self) -> EnumeratedVertices | SearchedVertices:
        """The vertices of the dual polytope: all of them (see :func:`extreme_rays`) where
        they can be enumerated, else those found as needed."""
        if can_enumerate(*self.x.shape):
            rays = extreme_rays(self.x)
            return EnumeratedVertices(rays / (rays @ self.sd)[:, None])
        return SearchedVertices(ray_pool(self.x), self.w)

    def least_favorable_cv(self, kappa: float, seed: int = 0) -> float:
        """The ``1 - kappa`` quantile of ``eta`` over HonestDiD's 1,000 draws of ``y`` under
        the least favourable null (mean zero)."""
        if self.vertices.empty:
            return np.nan
        draws = r_mvnorm(LF_SIMS, self.sigma, seed)
        eta, _ = self.vertices.best(draws)
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
        if self.vertices.empty:  # the LP has no solution: HonestDiD does not reject
            return accepted
        eta, best = self.vertices.best(y)
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
        multipliers = self.vertices.table[vertex]
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
        # HonestDiD searches from max(100, eta + 20 sd) and min(-100, eta - 20 sd): beyond
        # them the bound is infinite.
        top = np.maximum(100.0, eta + 20 * sigma_b)
        bottom = np.minimum(-100.0, eta - 20 * sigma_b)
        vlo, vup = self._crossings(s, b)
        for _ in range(MAX_BOUND_ROUNDS if not self.vertices.complete else 0):
            # Known vertices only narrow [vlo, vup] from outside: an end is right once no
            # vertex beats c there (the linear programme's eta(s + b c) is c).
            ends = np.concatenate([np.minimum(vup, top), np.maximum(vlo, bottom)])
            reached, _ = self.vertices.best(np.vstack([s, s]) + np.outer(ends, b))
            if not (reached > ends + PROOF_TOL * (1 + np.abs(ends))).any():
                break
            vlo, vup = self._crossings(s, b)
        vup = np.where(vup >= top, np.inf, vup)
        vlo = np.where(vlo <= bottom, -np.inf, vlo)
        return vlo, vup, sigma_b

    def _crossings(self, s: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The c with max_v v'(s + b c) = c form [vlo, vup]: the known vertices' lines through
        the binding one's."""
        table = self.vertices.table
        slope = 1.0 - table @ b
        level = s @ table.T
        level[np.abs(level) < ROUND_EPS] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = level / slope
        vup = _min_or(crossing[:, slope < -1e-12], np.inf)
        vlo = _max_or(crossing[:, slope > 1e-12], -np.inf)
        return vlo, vup


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
