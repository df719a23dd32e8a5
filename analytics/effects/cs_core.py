"""Numerical core of Callaway & Sant'Anna (2021) group-time ATTs on numpy arrays.

Everything here works on a balanced panel held as a units x periods outcome matrix, with one
row per unit and the units' first treated periods (0 = never treated). The public entry point
(:mod:`analytics.effects.cs`) prepares those arrays; this module plans the (g, t) cells exactly
as R ``did`` 2.5 (``compute.att_gt``) does and runs the 2x2 estimators of R ``DRDID`` on them:

* ``reg``: ``reg_did_panel`` (outcome regression, OLS of the outcome change on the controls);
* ``ipw``: ``std_ipw_did_panel`` (normalised / Hajek inverse probability weighting);
* ``dr``: ``drdid_panel`` (the locally efficient doubly robust estimator of Sant'Anna & Zhao
  2020: logit propensity score and OLS outcome regression on the controls), which is what
  R ``did`` calls for ``est_method = "dr"``.

Speed comes from batching: cells that share the same treated cohort, the same comparison units
and the same covariate period share one propensity fit and one OLS design, so their outcome
changes are stacked as columns and every estimator step is a matrix product over the batch.
The per-unit influence functions are returned as one dense units x cells matrix, scaled as R
``did`` scales them (``n / n1`` times the 2x2 influence function), so that analytic standard
errors, clustering and the multiplier bootstrap all read the same matrix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import special

# Propensity scores are capped below one and control units with a score above this level are
# trimmed, as in R DRDID (trim.level = 0.995).
PS_CAP = 1 - 1e-6
PS_TRIM = 0.995
# R did declares an overlap violation (and returns NA for the cell) when the preliminary logit
# predicts a score this close to one.
OVERLAP_LIMIT = 0.999
LOGIT_MAX_ITER = 50


class SingularDesignError(Exception):
    """Covariates are collinear (or constant) in a cell's sample: the model cannot be fitted."""

    def __init__(self, model: str, group: int, period: int) -> None:
        self.model = model
        self.group = group
        self.period = period
        super().__init__(f"singular {model} design for cohort {group}, period {period}")


@dataclass(frozen=True)
class Cell:
    """One ATT(g, t): cohort ``group`` at period ``times[current]`` against ``times[base]``."""

    group: int
    current: int
    base: int
    post: bool
    # The cell is the universal base period itself: ATT fixed at 0 (R did reports it so).
    reference: bool = False


@dataclass
class CellPlan:
    cells: list[Cell]
    dropped_groups: list[int] = field(default_factory=list)


def last_pre_index(group: int, times: np.ndarray, anticipation: int) -> int | None:
    """Index of the last period before treatment (net of anticipation), None if there is none."""
    idx = np.flatnonzero(times + anticipation < group)
    return int(idx[-1]) if idx.size else None


def plan_cells(
    groups: np.ndarray, times: np.ndarray, base_period: str, anticipation: int
) -> CellPlan:
    """The (g, t) cells of R ``did``: which periods are compared for each cohort.

    Varying base: each pre-period is compared with the period just before it, each period from
    ``g - anticipation`` on with the last period before ``g - anticipation``. Universal base:
    every period is compared with that last pre-period (the base cell itself is reported as 0).
    """
    cells: list[Cell] = []
    dropped: list[int] = []
    universal = base_period == "universal"
    for g in groups:
        g = int(g)
        pre = last_pre_index(g, times, anticipation)
        if pre is None:
            dropped.append(g)
            continue
        for current in range(0 if universal else 1, len(times)):
            base = pre if universal or g - anticipation <= times[current] else current - 1
            post = bool(g <= times[current])
            cells.append(Cell(g, current, base, post, reference=universal and base == current))
    return CellPlan(cells, dropped)


@dataclass(frozen=True)
class CoreResult:
    att: np.ndarray  # (K,) NaN where the cell could not be estimated
    influence: np.ndarray  # (n, K) per-unit influence functions, scaled as in R did
    n_treated: np.ndarray  # (K,)
    n_control: np.ndarray  # (K,)
    overlap_failures: list[tuple[int, int]]  # (group, period) cells left NaN
    no_control: list[tuple[int, int]]  # (group, period) cells without comparison units
    # Unbalanced panels: cells whose cohort has no row in one of the two compared periods.
    no_treated: list[tuple[int, int]] = field(default_factory=list)


def estimate_cells(
    outcomes: np.ndarray,
    first_treated: np.ndarray,
    times: np.ndarray,
    cells: list[Cell],
    *,
    control: str,
    est_method: str,
    covariates: np.ndarray | None,
    anticipation: int,
) -> CoreResult:
    """ATT(g, t) and its influence function for every planned cell.

    ``outcomes``: (n, T) outcome per unit and period; ``first_treated``: (n,) first treated
    period (0 = never); ``covariates``: (n, T, k) or None. Covariates are read in the earlier of
    the two compared periods (the base period except for universal-base pre-periods), as
    R ``did`` does when it reshapes the two periods to one row per unit.
    """
    n, _ = outcomes.shape
    n_cells = len(cells)
    att = np.full(n_cells, np.nan)
    influence = np.zeros((n, n_cells))
    n_treated = np.zeros(n_cells, dtype=np.int64)
    n_control = np.zeros(n_cells, dtype=np.int64)
    overlap_failures: list[tuple[int, int]] = []
    no_control: list[tuple[int, int]] = []
    time_varying = covariates is not None and _varies_over_time(covariates)

    for key, members in _batches(cells, times, control, time_varying, anticipation).items():
        group, threshold, cov_period = key
        treated = first_treated == group
        if control == "never":
            comparison = first_treated == 0
        else:
            comparison = (first_treated == 0) | (
                (first_treated > threshold + anticipation) & ~treated
            )
        sample = np.flatnonzero(treated | comparison)
        d = treated[sample].astype(float)
        columns = np.array([c for c, _ in members])
        n_treated[columns] = int(d.sum())
        n_control[columns] = int(len(sample) - d.sum())
        if d.sum() == len(sample) or d.sum() == 0:
            no_control.extend((group, int(times[cells[c].current])) for c in columns)
            continue
        y_now = outcomes[np.ix_(sample, [cells[c].current for c in columns])]
        y_base = outcomes[np.ix_(sample, [cells[c].base for c in columns])]
        delta = y_now - y_base
        design = _design(covariates, sample, cov_period)
        period = int(times[cells[columns[0]].current])
        try:
            batch_att, batch_inf = _two_by_two(delta, d, design, est_method)
        except _Overlap:
            overlap_failures.extend((group, int(times[cells[c].current])) for c in columns)
            continue
        except _Singular as exc:
            raise SingularDesignError(exc.model, group, period) from None
        att[columns] = batch_att
        influence[np.ix_(sample, columns)] = (n / len(sample)) * batch_inf

    for c, cell in enumerate(cells):
        if cell.reference:
            att[c] = 0.0
            influence[:, c] = 0.0
    return CoreResult(att, influence, n_treated, n_control, overlap_failures, no_control)


def _varies_over_time(covariates: np.ndarray) -> bool:
    return bool(np.any(covariates != covariates[:, :1, :]))


def _batches(
    cells: list[Cell],
    times: np.ndarray,
    control: str,
    time_varying: bool,
    anticipation: int,
) -> dict[tuple[int, int, int], list[tuple[int, Cell]]]:
    """Cells that share treated units, comparison units and covariate values.

    Not-yet-treated comparisons depend on the later of the two periods (R did: units not
    treated by ``max(t, base) + anticipation``); covariates on the earlier one.
    """
    batches: dict[tuple[int, int, int], list[tuple[int, Cell]]] = defaultdict(list)
    for c, cell in enumerate(cells):
        if cell.reference:
            continue
        threshold = int(times[max(cell.current, cell.base)]) if control == "notyet" else 0
        cov_period = min(cell.current, cell.base) if time_varying else 0
        batches[(cell.group, threshold, cov_period)].append((c, cell))
    return batches


def _design(covariates: np.ndarray | None, sample: np.ndarray, period: int) -> np.ndarray:
    ones = np.ones((len(sample), 1))
    if covariates is None or covariates.shape[2] == 0:
        return ones
    return np.hstack([ones, covariates[sample, period, :]])


class _Overlap(Exception):
    pass


class _Singular(Exception):
    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(model)


def _two_by_two(
    delta: np.ndarray, d: np.ndarray, x: np.ndarray, est_method: str
) -> tuple[np.ndarray, np.ndarray]:
    """2x2 panel DiD for a batch of outcome changes (n1 x m) sharing treated/control units.

    Returns the ATTs (m,) and the 2x2 influence functions (n1 x m) of R DRDID's
    ``reg_did_panel`` / ``std_ipw_did_panel`` / ``drdid_panel`` with unit weights.
    """
    if est_method == "reg":
        return _reg_did(delta, d, x)
    ps = _propensity(d, x)
    if est_method == "ipw":
        return _ipw_did(delta, d, x, ps)
    return _dr_did(delta, d, x, ps)


def _check_rank(gram: np.ndarray, model: str) -> None:
    if gram.shape[0] == 1:
        if gram[0, 0] <= 0:
            raise _Singular(model)
        return
    rcond = 1.0 / np.linalg.cond(gram, 1)
    if not np.isfinite(rcond) or rcond < np.finfo(float).eps:
        raise _Singular(model)


def _control_ols(delta: np.ndarray, d: np.ndarray, x: np.ndarray):
    """OLS of the outcome change on the covariates among controls: fitted values for all units
    and the inverse of the (scaled) control Gram matrix used by the influence functions."""
    n1 = len(d)
    control = d == 0
    xc = x[control]
    gram = xc.T @ xc
    _check_rank(gram, "outcome")
    coef = np.linalg.solve(gram, xc.T @ delta[control])
    fitted = x @ coef
    gram_inv_scaled = np.linalg.inv(gram / n1)
    return fitted, gram_inv_scaled


def _reg_did(delta: np.ndarray, d: np.ndarray, x: np.ndarray):
    fitted, gram_inv = _control_ols(delta, d, x)
    mean_treat = d.mean()
    dc = d[:, None]
    eta_treat = (dc * delta).mean(axis=0) / mean_treat
    eta_cont = (dc * fitted).mean(axis=0) / mean_treat
    inf_treat = dc * (delta - eta_treat) / mean_treat
    inf_cont_1 = dc * (fitted - eta_cont)
    # asy_lin_rep_ols %*% M1 = (1-D) e_i x_i' (X'X/n)^-1 M1: one direction shared by the batch.
    m1 = (d[:, None] * x).mean(axis=0)
    lin = (1 - dc) * (delta - fitted) * (x @ (gram_inv @ m1))[:, None]
    inf_control = (inf_cont_1 + lin) / mean_treat
    return eta_treat - eta_cont, inf_treat - inf_control


def _propensity(d: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Logit propensity scores (maximum likelihood); overlap and rank checked as R did does."""
    # Intercept only: the MLE is the treated share.
    ps = np.full(len(d), d.mean()) if x.shape[1] == 1 else _logit_fit(d, x)
    if ps.max() >= OVERLAP_LIMIT:
        raise _Overlap
    return ps


def _logit_fit(d: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Newton-Raphson logit MLE. Collinear covariates are an error; (quasi-)separation, where
    the information matrix degenerates as scores run to 0 or 1, stops the iterations and is
    then caught as an overlap violation, as R did's preliminary logit would catch it."""
    _check_rank(x.T @ x, "propensity")
    beta = np.zeros(x.shape[1])
    # Start from the treated share so the first Newton step is well scaled.
    share = np.clip(d.mean(), 1e-6, 1 - 1e-6)
    beta[0] = np.log(share / (1 - share))
    for _ in range(LOGIT_MAX_ITER):
        p = _expit(x @ beta)
        info = x.T @ (x * (p * (1 - p))[:, None])
        try:
            _check_rank(info, "propensity")
        except _Singular:
            break
        step = np.linalg.solve(info, x.T @ (d - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(beta))):
            break
    return _expit(x @ beta)


def _expit(z: np.ndarray) -> np.ndarray:
    return special.expit(z)


def _ps_parts(d: np.ndarray, x: np.ndarray, ps: np.ndarray):
    """Capped scores, trimmed weights and the linear representation of the logit estimate."""
    n1 = len(d)
    ps = np.minimum(ps, PS_CAP)
    keep = np.where(d == 1, ps < 1.01, ps < PS_TRIM).astype(float)
    w_treat = keep * d
    w_cont = keep * ps * (1 - d) / (1 - ps)
    info = x.T @ (x * (ps * (1 - ps))[:, None])
    _check_rank(info, "propensity")
    hessian = np.linalg.inv(info) * n1
    # asy_lin_rep_ps = score_ps %*% Hessian, (n1 x p), shared by every cell of the batch.
    lin_ps = ((d - ps)[:, None] * x) @ hessian
    return w_treat, w_cont, lin_ps


def _ipw_did(delta: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray):
    n1 = len(d)
    w_treat, w_cont, lin_ps = _ps_parts(d, x, ps)
    wt, wc = w_treat[:, None], w_cont[:, None]
    mean_wt, mean_wc = w_treat.mean(), w_cont.mean()
    eta_treat = (wt * delta).mean(axis=0) / mean_wt
    eta_cont = (wc * delta).mean(axis=0) / mean_wc
    inf_treat = wt * (delta - eta_treat) / mean_wt
    inf_cont_1 = wc * (delta - eta_cont)
    m2 = x.T @ (wc * (delta - eta_cont)) / n1  # (p x m)
    inf_control = (inf_cont_1 + lin_ps @ m2) / mean_wc
    return eta_treat - eta_cont, inf_treat - inf_control


def _dr_did(delta: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray):
    n1 = len(d)
    w_treat, w_cont, lin_ps = _ps_parts(d, x, ps)
    fitted, gram_inv = _control_ols(delta, d, x)
    resid = delta - fitted
    wt, wc = w_treat[:, None], w_cont[:, None]
    mean_wt, mean_wc = w_treat.mean(), w_cont.mean()
    eta_treat = (wt * resid).mean(axis=0) / mean_wt
    eta_cont = (wc * resid).mean(axis=0) / mean_wc
    # asy_lin_rep_wols %*% M = (1-D) e_i x_i' (X'X/n)^-1 M for the two fixed directions M1, M3.
    ols_rep = (1 - d)[:, None] * resid
    m1 = (wt * x).mean(axis=0)
    m3 = (wc * x).mean(axis=0)
    inf_treat_2 = ols_rep * (x @ (gram_inv @ m1))[:, None]
    inf_treat = (wt * (resid - eta_treat) - inf_treat_2) / mean_wt
    m2 = x.T @ (wc * (resid - eta_cont)) / n1
    inf_cont_3 = ols_rep * (x @ (gram_inv @ m3))[:, None]
    inf_control = (wc * (resid - eta_cont) + lin_ps @ m2 - inf_cont_3) / mean_wc
    return eta_treat - eta_cont, inf_treat - inf_control
