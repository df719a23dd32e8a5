"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

For a block design (the treated units all start in the same period, the others never do):
unit weights ``omega`` make the weighted controls' pre-period path parallel to the treated
units' average (ridge-penalised, with an intercept), time weights ``lambda`` make the weighted
pre-periods predict the controls' post-period average, and the effect is the doubly weighted
difference in differences

    tau = (Ybar_treated,post - lambda' Y_treated,pre) - (omega' Y_control,post - omega' Y_control,pre lambda).

The weights are found as in the reference R package ``synthdid`` (Algorithm 1 of the paper):
Frank-Wolfe with exact line search on the simplex, regularisation ``zeta_omega =
(N1 T1)^(1/4) * sigma`` and ``zeta_lambda = 1e-6 * sigma`` (``sigma``: the standard deviation
of the controls' first differences before treatment), stopping when an iteration improves the
objective by less than ``(1e-5 sigma)^2``, then a second round from the weights with the small
ones (at most a quarter of the largest) set to zero.

Standard errors: ``placebo`` (Algorithm 4: relabel ``N1`` random controls as treated and
re-estimate with the fitted weights, 200 times by default; the only choice with one treated
unit) or ``jackknife`` (Algorithm 3, fixed weights, deterministic; needs two treated units).
Intervals are normal. Outcomes are in their own units and so is the effect.

Validated against synthdid-py 0.1.0 (a port of R synthdid) run live and against the published
Proposition 99 estimate in ``tests/effects/test_sdid.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from analytics.effects.distributions import norm_ppf
from analytics.effects.panel import prepare_panel
from analytics.effects.results import Diagnostics, EffectResult, coded_warnings, json_safe
from analytics.effects.sample import sample_report
from analytics.effects.twfe import _call, _check_alpha, panel_warnings
from analytics.errors import UserError

METHOD = "sdid"
SeMethod = Literal["placebo", "jackknife"]
SE_METHODS: tuple[str, ...] = get_args(SeMethod)
CI_METHODS = {
    "placebo": "normal, placebo standard error (Arkhangelsky et al. 2021, Algorithm 4)",
    "jackknife": "normal, fixed-weight jackknife standard error (Algorithm 3)",
}
MAX_ITER = 10_000
MAX_ITER_FIRST_ROUND = 100
ETA_LAMBDA = 1e-6
MIN_DECREASE = 1e-5


@dataclass(frozen=True)
class SDIDResult(EffectResult):
    """Synthetic DiD ATT of the treated units over the post-treatment periods.

    ``weights``: unit weights of the control units (sum 1); ``time_weights``: weights of the
    pre-treatment periods (sum 1); ``trajectory``: per period the treated average, the
    omega-weighted control average and their gap.
    """

    ci_method: str = CI_METHODS["placebo"]
    se_method: str = "placebo"
    replications: int = 0
    weights: pd.Series = field(default_factory=pd.Series, repr=False, compare=False)
    time_weights: pd.Series = field(default_factory=pd.Series, repr=False, compare=False)
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    n_treated_units: int = 0
    n_pre_periods: int = 0
    n_post_periods: int = 0
    noise_level: float = math.nan
    frequency: str = "integer"

    def _diagnostics(self) -> Diagnostics:
        return Diagnostics(n_treated_units=self.n_treated_units)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["ci_method"] = self.ci_method
        out["n_treated_units"] = self.n_treated_units
        out["n_pre_periods"] = self.n_pre_periods
        out["n_post_periods"] = self.n_post_periods
        out["effective_controls"] = _effective(self.weights)
        out["effective_pre_periods"] = _effective(self.time_weights)
        return out

    def summary(self) -> str:
        top = self.weights.sort_values(ascending=False).head(5)
        lines = [super().summary(), f"  interval: {self.ci_method}", "  largest unit weights:"]
        lines += [f"    {unit}: {w:.3f}" for unit, w in top.items()]
        lines.append(
            "  time weights: "
            + ", ".join(
                f"{p}: {w:.3f}" for p, w in self.time_weights[self.time_weights > 0].items()
            )
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("weights", "time_weights", "trajectory"):
            out.pop(name, None)
        out["weights"] = weights_dict(self.weights)
        out["time_weights"] = weights_dict(self.time_weights)
        return out


def weights_dict(weights: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in weights.items()}


def _effective(weights: pd.Series) -> float:
    square = float((weights**2).sum())
    return 1 / square if square else math.nan


def synthetic_did(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str | None = None,
    treated: str | None = None,
    se_method: SeMethod = "placebo",
    replications: int = 200,
    seed: int | None = None,
    alpha: float = 0.05,
) -> SDIDResult:
    """Synthetic DiD on a balanced block design (see the module docstring).

    ``treat_time`` (first treated period, 0/empty = never) or ``treated`` (0/1) defines the
    treated units; they must all start in the same period. ``se_method``: "placebo" (random,
    ``replications`` draws, ``seed``) or "jackknife".
    """
    call = _call(locals(), df)
    _check_alpha(alpha)
    if se_method not in SE_METHODS:
        raise ValueError(
            f"se_method must be one of {', '.join(map(repr, SE_METHODS))}; got {se_method!r}"
        )
    if int(replications) < 2:
        raise ValueError(f"replications must be at least 2; got {replications!r}")
    panel = prepare_panel(
        df, unit=unit, time=time, outcome=outcome, treat_time=treat_time, treated=treated
    )
    # Cluster-robust inference is not used here: its few-treated warning does not apply.
    codes = [c for c in panel_warnings(panel) if c[0] != "effects.warn.few_treated"]
    if not panel.balanced:
        raise UserError(
            "effects_modern.sdid_unbalanced",
            units=panel.n_incomplete_units,
            missing=panel.n_missing_cells,
        )
    if len(panel.cohorts) > 1:
        listed = ", ".join(panel.period_label(g) for g in panel.cohorts)
        raise UserError("effects_modern.sdid_staggered", cohorts=listed)
    if panel.n_never_treated < 2:
        raise UserError("effects_modern.sdid_few_controls", n=panel.n_never_treated)
    wide = panel.data.pivot(index=panel.unit, columns=panel.time, values=panel.outcome)
    cohort = panel.unit_cohorts()
    controls = cohort.index[cohort == 0]
    treated_units = cohort.index[cohort > 0]
    y = wide.loc[list(controls) + list(treated_units)].to_numpy(dtype=float)
    n0 = len(controls)
    t0 = int(np.searchsorted(wide.columns.to_numpy(), panel.cohorts[0]))
    fit = sdid_fit(y, n0, t0)
    n1 = len(treated_units)
    if se_method == "jackknife" and n1 < 2:
        raise UserError("effects_modern.sdid_jackknife_one_treated")
    if se_method == "placebo":
        if n0 <= n1:
            raise UserError("effects_modern.sdid_placebo_few_controls", n0=n0, n1=n1)
        se = placebo_se(y, n0, t0, fit, int(replications), seed)
    else:
        se = jackknife_se(y, n0, t0, fit)
        if not math.isfinite(se):
            codes.append(("effects_modern.warn_jackknife_one_control", {}))
    z = float(norm_ppf(1 - alpha / 2))
    periods = [panel.period_label(p) for p in wide.columns]
    trajectory = pd.DataFrame(
        {
            "time": periods,
            "treated": y[n0:].mean(axis=0),
            "synthetic": fit.omega @ y[:n0],
        }
    )
    trajectory["gap"] = trajectory["treated"] - trajectory["synthetic"]
    return SDIDResult(
        method=METHOD,
        estimate=fit.tau,
        se=se,
        ci_low=fit.tau - z * se,
        ci_high=fit.tau + z * se,
        n_units=n0 + n1,
        n_obs=y.size,
        alpha=alpha,
        outcome=panel.outcome,
        call=call,
        **coded_warnings(codes),
        sample=sample_report(panel),
        ci_method=CI_METHODS[se_method],
        se_method=se_method,
        replications=int(replications) if se_method == "placebo" else 0,
        weights=pd.Series(fit.omega, index=[str(u) for u in controls], name="weight"),
        time_weights=pd.Series(fit.lam, index=periods[:t0], name="weight"),
        trajectory=trajectory,
        n_treated_units=n1,
        n_pre_periods=t0,
        n_post_periods=y.shape[1] - t0,
        noise_level=fit.noise_level,
        frequency=panel.frequency,
    )


@dataclass(frozen=True)
class SDIDFit:
    tau: float
    omega: np.ndarray  # (N0,)
    lam: np.ndarray  # (T0,)
    zeta_omega: float
    zeta_lambda: float
    min_decrease: float
    noise_level: float


def sdid_fit(
    y: np.ndarray,
    n0: int,
    t0: int,
    *,
    omega: np.ndarray | None = None,
    lam: np.ndarray | None = None,
    regularisation: tuple[float, float, float] | None = None,
) -> SDIDFit:
    """SDID on an outcome matrix whose first ``n0`` rows are controls and first ``t0`` columns
    pre-periods. Given ``omega``/``lam`` are kept fixed (placebo and jackknife replicates);
    ``regularisation`` (zeta_omega, zeta_lambda, min_decrease) fixes the penalties."""
    n, t = y.shape
    n1, t1 = n - n0, t - t0
    if regularisation is None:
        noise = float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))
        zeta_omega = (n1 * t1) ** 0.25 * noise
        zeta_lambda = ETA_LAMBDA * noise
        min_decrease = MIN_DECREASE * noise
    else:
        zeta_omega, zeta_lambda, min_decrease = regularisation
        noise = math.nan
    collapsed = _collapsed(y, n0, t0)
    if lam is None:
        lam = _two_rounds(collapsed[:n0, :], zeta_lambda, min_decrease)
    if omega is None:
        omega = _two_rounds(collapsed[:, :t0].T, zeta_omega, min_decrease)
    unit_coef = np.concatenate([-omega, np.full(n1, 1 / n1)])
    time_coef = np.concatenate([-lam, np.full(t1, 1 / t1)])
    tau = float(unit_coef @ y @ time_coef)
    return SDIDFit(tau, omega, lam, zeta_omega, zeta_lambda, min_decrease, noise)


def _collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """(N0 + 1) x (T0 + 1): treated rows and post-period columns averaged."""
    top = np.column_stack([y[:n0, :t0], y[:n0, t0:].mean(axis=1)])
    bottom = np.append(y[n0:, :t0].mean(axis=0), y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def _two_rounds(
    target: np.ndarray, zeta: float, min_decrease: float, start: np.ndarray | None = None
) -> np.ndarray:
    """R synthdid's two Frank-Wolfe rounds: 100 iterations, sparsify, then to convergence."""
    first = simplex_ridge_weights(target, zeta, start, min_decrease, MAX_ITER_FIRST_ROUND)
    return simplex_ridge_weights(target, zeta, _sparsify(first), min_decrease, MAX_ITER)


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max() / 4, 0.0, v)
    return v / v.sum()


def simplex_ridge_weights(
    target: np.ndarray, zeta: float, start: np.ndarray | None, min_decrease: float, max_iter: int
) -> np.ndarray:
    """Weights on the simplex over the first columns of ``target`` predicting its last column,
    with an intercept (columns centred) and ridge penalty ``zeta^2 ||w||^2``: Frank-Wolfe with
    exact line search, stopping when the objective falls by less than ``min_decrease^2``."""
    starts = None if start is None else start[None, :]
    return simplex_ridge_batch(target[None], zeta, starts, min_decrease, max_iter)[0]


def simplex_ridge_batch(
    targets: np.ndarray,
    zeta: float,
    starts: np.ndarray | None,
    min_decrease: float,
    max_iter: int,
) -> np.ndarray:
    """:func:`simplex_ridge_weights` for a stack of problems (R x rows x (k + 1)) at once.

    Every quantity of an iteration is written through the Gram matrices ``A'A`` and kept up to
    date along the step (``A'A x`` moves towards column ``i``), so an iteration costs a few
    operations on R x k arrays; each problem stops by its own rule (then stays frozen), so the
    result is the one of solving them one by one."""
    n_problems, n_rows, width = targets.shape
    k = width - 1
    centred = targets - targets.mean(axis=1, keepdims=True)
    a, b = centred[:, :, :k], centred[:, :, k]
    gram = np.einsum("rnk,rnj->rkj", a, a)
    ab = np.einsum("rnk,rn->rk", a, b)
    bb = np.einsum("rn,rn->r", b, b)
    eta = n_rows * zeta**2
    x = np.full((n_problems, k), 1 / k) if starts is None else starts.astype(float).copy()
    gx = np.einsum("rkj,rj->rk", gram, x)
    rows = np.arange(n_problems)
    active = np.ones(n_problems, dtype=bool)
    last = np.full(n_problems, np.inf)
    before = np.full(n_problems, np.inf)
    for iteration in range(max_iter):
        if iteration >= 2:
            active &= before - last > min_decrease**2
            if not active.any():
                break
        half_grad = gx - ab + eta * x
        i = np.argmin(half_grad, axis=1)
        xx = np.einsum("rk,rk->r", x, x)
        xgx = np.einsum("rk,rk->r", x, gx)
        d_norm = 1 - 2 * x[rows, i] + xx
        denominator = gram[rows, i, i] - 2 * gx[rows, i] + xgx + eta * d_norm
        moves = active & (d_norm > 0) & (denominator > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -(half_grad[rows, i] - np.einsum("rk,rk->r", half_grad, x)) / denominator
        step = np.where(moves, np.clip(step, 0.0, 1.0), 0.0)
        x = (1 - step)[:, None] * x
        x[rows, i] += step
        gx = (1 - step)[:, None] * gx + step[:, None] * gram[rows, :, i]
        value = (
            zeta**2 * np.einsum("rk,rk->r", x, x)
            + (np.einsum("rk,rk->r", x, gx) - 2 * np.einsum("rk,rk->r", x, ab) + bb) / n_rows
        )
        before = np.where(active, last, before)
        last = np.where(active, value, last)
    return x


def _two_rounds_batch(targets, zeta, min_decrease, starts):
    first = simplex_ridge_batch(targets, zeta, starts, min_decrease, MAX_ITER_FIRST_ROUND)
    sparse = np.where(first <= first.max(axis=1, keepdims=True) / 4, 0.0, first)
    sparse /= sparse.sum(axis=1, keepdims=True)
    return simplex_ridge_batch(targets, zeta, sparse, min_decrease, MAX_ITER)


def placebo_se(
    y: np.ndarray, n0: int, t0: int, fit: SDIDFit, replications: int, seed: int | None
) -> float:
    """Algorithm 4 as R synthdid runs it: ``N1`` random controls play the treated, and both
    weights are re-solved in two rounds starting from the fitted time weights and the kept
    controls' unit weights (renormalised); all replicates are solved together."""
    rng = np.random.default_rng(seed)
    n1 = y.shape[0] - n0
    keep = n0 - n1
    t1 = y.shape[1] - t0
    orders = np.stack([rng.permutation(n0) for _ in range(replications)])
    samples = y[orders]  # (R, n0, T): the first `keep` rows are the placebo controls
    collapsed = np.stack([_collapsed(sample, keep, t0) for sample in samples])
    lam_start = np.tile(fit.lam, (replications, 1))
    lam = _two_rounds_batch(collapsed[:, :keep, :], fit.zeta_lambda, fit.min_decrease, lam_start)
    start = fit.omega[orders[:, :keep]]
    total = start.sum(axis=1, keepdims=True)
    start = np.where(total > 0, start / np.where(total > 0, total, 1), 1 / keep)
    units = np.transpose(collapsed[:, :, :t0], (0, 2, 1))
    omega = _two_rounds_batch(units, fit.zeta_omega, fit.min_decrease, start)
    unit_coef = np.concatenate([-omega, np.full((replications, n1), 1 / n1)], axis=1)
    time_coef = np.concatenate([-lam, np.full((replications, t1), 1 / t1)], axis=1)
    draws = np.einsum("rn,rnt,rt->r", unit_coef, samples, time_coef)
    return float(math.sqrt((replications - 1) / replications) * np.std(draws, ddof=1))


def jackknife_se(y: np.ndarray, n0: int, t0: int, fit: SDIDFit) -> float:
    """Algorithm 3 with the fitted weights held fixed (renormalised without the left-out unit)."""
    n = y.shape[0]
    if np.count_nonzero(fit.omega) == 1:
        return math.nan
    taus = np.empty(n)
    for i in range(n):
        rows = np.delete(np.arange(n), i)
        controls = rows[rows < n0]
        omega = fit.omega[controls]
        omega = omega / omega.sum()
        taus[i] = sdid_fit(y[rows], len(controls), t0, omega=omega, lam=fit.lam).tau
    return float(math.sqrt(((n - 1) / n) * (n - 1) * np.var(taus, ddof=1)))


def json_weights(result: SDIDResult) -> dict[str, Any]:
    """The CLI JSON keys of a synthetic DiD result."""
    return {
        "weights": weights_dict(result.weights),
        "time_weights": weights_dict(result.time_weights),
        "trajectory": json_safe(result.trajectory),
        "se_method": result.se_method,
    }
