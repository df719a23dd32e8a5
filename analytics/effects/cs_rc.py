"""Callaway & Sant'Anna group-time ATTs on an unbalanced panel (R did's ``allow_unbalanced_panel``).

When units miss some periods, R ``did`` 2.5 (and csdid) keep every observed row and estimate
each ATT(g, t) with the *repeated cross-section* 2x2 estimators of R ``DRDID`` on the rows of
the two compared periods: ``reg_did_rc``, ``std_ipw_did_rc`` and the locally efficient
``drdid_rc`` (Sant'Anna & Zhao 2020). A unit observed in both periods contributes two rows, a
unit observed in one contributes one. The per-row influence functions are scaled by
``n / n_rows`` (``n`` units in the sample, ``n_rows`` rows in the cell) and summed within unit,
so the aggregations, clustering and the multiplier bootstrap of :mod:`cs` read the same units x
cells matrix as on a balanced panel. Covariates are read in each row's own period.

Without covariates the three estimators coincide: the ATT is the difference of the four cell
means ``(Ybar_treated,t - Ybar_treated,base) - (Ybar_control,t - Ybar_control,base)`` over the
rows available in each period, and the influence function of a unit is ``n`` times its
deviations from those means divided by the cells' row counts. That closed form is computed for
a whole batch of cells at once; with covariates each cell fits its own logit and regressions.

Validated against csdid 0.4.3 with ``allow_unbalanced_panel=True`` in
``tests/effects/test_cs_unbalanced.py``.
"""

from __future__ import annotations

import numpy as np

from analytics.effects.cs_core import (
    OVERLAP_LIMIT,
    PS_CAP,
    PS_TRIM,
    Cell,
    CoreResult,
    SingularDesignError,
    _batches,
    _check_rank,
    _logit_fit,
    _Singular,
)


def estimate_cells_unbalanced(
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
    """ATT(g, t) and per-unit influence functions from every observed row.

    ``outcomes``: (n, T), NaN where a unit has no row in a period; ``covariates``: (n, T, k)
    in each row's own period, or None. Cells missing treated or comparison rows in either
    period are left NaN and listed (``no_control`` / ``no_treated``).
    """
    n = outcomes.shape[0]
    observed = np.isfinite(outcomes)
    n_cells = len(cells)
    att = np.full(n_cells, np.nan)
    influence = np.zeros((n, n_cells))
    n_treated = np.zeros(n_cells, dtype=np.int64)
    n_control = np.zeros(n_cells, dtype=np.int64)
    overlap: list[tuple[int, int]] = []
    no_control: list[tuple[int, int]] = []
    no_treated: list[tuple[int, int]] = []
    has_covariates = covariates is not None and covariates.shape[2] > 0

    for key, members in _batches(cells, times, control, False, anticipation).items():
        group, threshold, _ = key
        treated = first_treated == group
        if control == "never":
            comparison = first_treated == 0
        else:
            comparison = (first_treated == 0) | (
                (first_treated > threshold + anticipation) & ~treated
            )
        sample = np.flatnonzero(treated | comparison)
        d = treated[sample]
        columns = np.array([c for c, _ in members])
        now = np.array([cells[c].current for c in columns])
        base = np.array([cells[c].base for c in columns])
        n_treated[columns] = int(d.sum())
        n_control[columns] = int((~d).sum())
        label = [(group, int(times[cells[c].current])) for c in columns]
        if not (~d).any():
            no_control.extend(label)
            continue
        obs_now = observed[np.ix_(sample, now)]
        obs_base = observed[np.ix_(sample, base)]
        counts = _cell_counts(d, obs_now, obs_base)
        lacks_control = (counts[2] == 0) | (counts[3] == 0)
        lacks_treated = ~lacks_control & ((counts[0] == 0) | (counts[1] == 0))
        no_control.extend(x for x, bad in zip(label, lacks_control, strict=True) if bad)
        no_treated.extend(x for x, bad in zip(label, lacks_treated, strict=True) if bad)
        usable = ~(lacks_control | lacks_treated)
        if not has_covariates:
            share = (counts[0] + counts[1]) / counts.sum(axis=0)
            if est_method != "reg":
                # The intercept-only propensity score is the treated share of the rows: R did's
                # overlap check (0.999) and DRDID's trimming of controls (0.995).
                fails = usable & (share >= min(OVERLAP_LIMIT, PS_TRIM))
                overlap.extend(x for x, bad in zip(label, fails, strict=True) if bad)
                usable &= ~fails
            if usable.any():
                keep = columns[usable]
                y_now = outcomes[np.ix_(sample, now[usable])]
                y_base = outcomes[np.ix_(sample, base[usable])]
                batch_att, batch_inf = _means_did(d, y_now, y_base, n)
                att[keep] = batch_att
                influence[np.ix_(sample, keep)] = batch_inf
            continue
        for j in np.flatnonzero(usable):
            c = int(columns[j])
            rows = _stack_rows(outcomes, covariates, sample, d, int(now[j]), int(base[j]))
            try:
                cell_att, cell_inf = _rc_two_by_two(*rows[:4], est_method)
            except _RCOverlap:
                overlap.append(label[j])
                continue
            except _Singular as exc:
                raise SingularDesignError(exc.model, group, label[j][1]) from None
            att[c] = cell_att
            influence[:, c] = np.bincount(
                rows[4], weights=cell_inf * (n / len(rows[0])), minlength=n
            )
    for c, cell in enumerate(cells):
        if cell.reference:
            att[c] = 0.0
            influence[:, c] = 0.0
    return CoreResult(att, influence, n_treated, n_control, overlap, no_control, no_treated)


def _cell_counts(d: np.ndarray, obs_now: np.ndarray, obs_base: np.ndarray) -> np.ndarray:
    """Rows per cell: treated now, treated base, control now, control base (4 x m)."""
    return np.vstack(
        [
            obs_now[d].sum(axis=0),
            obs_base[d].sum(axis=0),
            obs_now[~d].sum(axis=0),
            obs_base[~d].sum(axis=0),
        ]
    )


def _means_did(
    d: np.ndarray, y_now: np.ndarray, y_base: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Intercept-only RC DiD for a batch of cells: ATTs (m,) and unit influence (n_s x m)."""
    att = np.zeros(y_now.shape[1])
    inf = np.zeros(y_now.shape)
    for values, sign in ((y_now, 1.0), (y_base, -1.0)):
        seen = np.isfinite(values)
        for members, side in ((d, 1.0), (~d, -1.0)):
            block = values[members]
            mask = seen[members]
            count = mask.sum(axis=0)
            mean = np.where(mask, block, 0.0).sum(axis=0) / count
            att += sign * side * mean
            dev = np.where(mask, block - mean, 0.0)
            inf[members] += sign * side * n * dev / count
    return att, inf


def _stack_rows(
    outcomes: np.ndarray,
    covariates: np.ndarray,
    sample: np.ndarray,
    d: np.ndarray,
    now: int,
    base: int,
) -> tuple[np.ndarray, ...]:
    """The cell's rows: outcome, post indicator, treated indicator, design (with intercept)
    and each row's unit index."""
    parts = []
    for period, post in ((now, 1.0), (base, 0.0)):
        seen = np.isfinite(outcomes[sample, period])
        units = sample[seen]
        parts.append(
            (
                outcomes[units, period],
                np.full(len(units), post),
                d[seen].astype(float),
                covariates[units, period, :],
                units,
            )
        )
    y, post, treated, x, units = (np.concatenate(p) for p in zip(*parts, strict=True))
    design = np.hstack([np.ones((len(y), 1)), x])
    return y, post, treated, design, units


class _RCOverlap(Exception):
    pass


def _rc_two_by_two(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, est_method: str
) -> tuple[float, np.ndarray]:
    """One cell's ATT and per-row influence function (R DRDID's ``*_rc`` estimators)."""
    if est_method == "reg":
        return _reg_rc(y, post, d, x)
    ps = _logit_fit(d, x)
    if ps.max() >= OVERLAP_LIMIT:
        raise _RCOverlap
    ps = np.minimum(ps, PS_CAP)
    keep = np.where(d == 1, True, ps < PS_TRIM).astype(float)
    if est_method == "ipw":
        return _ipw_rc(y, post, d, x, ps, keep)
    return _dr_rc(y, post, d, x, ps, keep)


def _ols(y: np.ndarray, x: np.ndarray, mask: np.ndarray, model: str):
    """Fitted values of OLS on the ``mask`` rows for all rows, and the linear representation
    ``mask * e * x (X'X / r)^-1`` of its coefficients (r rows in the cell)."""
    xm = x[mask]
    gram = xm.T @ xm
    if xm.shape[0] < x.shape[1]:
        raise _Singular(model)
    _check_rank(gram, model)
    coef = np.linalg.solve(gram, xm.T @ y[mask])
    fitted = x @ coef
    resid = np.where(mask, y - fitted, 0.0)
    lin = (resid[:, None] * x) @ np.linalg.inv(gram / len(y))
    return fitted, lin


def _ps_lin(d: np.ndarray, x: np.ndarray, ps: np.ndarray) -> np.ndarray:
    info = x.T @ (x * (ps * (1 - ps))[:, None])
    _check_rank(info, "propensity")
    return ((d - ps)[:, None] * x) @ (np.linalg.inv(info) * len(d))


def _reg_rc(y, post, d, x):
    control = d == 0
    fit_pre, lin_pre = _ols(y, x, control & (post == 0), "outcome")
    fit_post, lin_post = _ols(y, x, control & (post == 1), "outcome")
    w_pre, w_post = d * (1 - post), d * post
    eta_pre = np.mean(w_pre * y) / np.mean(w_pre)
    eta_post = np.mean(w_post * y) / np.mean(w_post)
    change = d * (fit_post - fit_pre)
    eta_cont = np.mean(change) / np.mean(d)
    inf_pre = (w_pre * y - w_pre * eta_pre) / np.mean(w_pre)
    inf_post = (w_post * y - w_post * eta_post) / np.mean(w_post)
    moment = np.mean(d[:, None] * x, axis=0)
    inf_control = (change - d * eta_cont + (lin_post - lin_pre) @ moment) / np.mean(d)
    return float(eta_post - eta_pre - eta_cont), inf_post - inf_pre - inf_control


def _weighted_mean_inf(w: np.ndarray, value: np.ndarray) -> tuple[float, np.ndarray]:
    """Hajek mean of ``value`` with weights ``w`` and its influence function."""
    mean_w = np.mean(w)
    eta = w * value / mean_w
    att = float(np.mean(eta))
    return att, eta - w * att / mean_w


def _ipw_rc(y, post, d, x, ps, keep):
    odds = ps / (1 - ps)
    w_t0, w_t1 = keep * d * (1 - post), keep * d * post
    w_c0, w_c1 = keep * odds * (1 - d) * (1 - post), keep * odds * (1 - d) * post
    att_t0, inf_t0 = _weighted_mean_inf(w_t0, y)
    att_t1, inf_t1 = _weighted_mean_inf(w_t1, y)
    att_c0, inf_c0 = _weighted_mean_inf(w_c0, y)
    att_c1, inf_c1 = _weighted_mean_inf(w_c1, y)
    m2_pre = np.mean((w_c0 * (y - att_c0))[:, None] * x, axis=0) / np.mean(w_c0)
    m2_post = np.mean((w_c1 * (y - att_c1))[:, None] * x, axis=0) / np.mean(w_c1)
    inf_cont = inf_c1 - inf_c0 + _ps_lin(d, x, ps) @ (m2_post - m2_pre)
    att = (att_t1 - att_t0) - (att_c1 - att_c0)
    return float(att), (inf_t1 - inf_t0) - inf_cont


def _dr_rc(y, post, d, x, ps, keep):
    control, treated = d == 0, d == 1
    fit_c0, lin_c0 = _ols(y, x, control & (post == 0), "outcome")
    fit_c1, lin_c1 = _ols(y, x, control & (post == 1), "outcome")
    fit_t0, lin_t0 = _ols(y, x, treated & (post == 0), "outcome")
    fit_t1, lin_t1 = _ols(y, x, treated & (post == 1), "outcome")
    resid = y - (post * fit_c1 + (1 - post) * fit_c0)
    odds = ps / (1 - ps)
    w_t0, w_t1 = keep * d * (1 - post), keep * d * post
    w_c0, w_c1 = keep * odds * (1 - d) * (1 - post), keep * odds * (1 - d) * post
    w_d = keep * d

    att_t0, inf_t0 = _weighted_mean_inf(w_t0, resid)
    att_t1, inf_t1 = _weighted_mean_inf(w_t1, resid)
    att_c0, inf_c0 = _weighted_mean_inf(w_c0, resid)
    att_c1, inf_c1 = _weighted_mean_inf(w_c1, resid)
    att_d1, inf_d1 = _weighted_mean_inf(w_d, fit_t1 - fit_c1)
    att_dt1, inf_dt1 = _weighted_mean_inf(w_t1, fit_t1 - fit_c1)
    att_d0, inf_d0 = _weighted_mean_inf(w_d, fit_t0 - fit_c0)
    att_dt0, inf_dt0 = _weighted_mean_inf(w_t0, fit_t0 - fit_c0)
    att = (att_t1 - att_t0) - (att_c1 - att_c0) + (att_d1 - att_dt1) - (att_d0 - att_dt0)

    def col_mean(w: np.ndarray) -> np.ndarray:
        return np.mean(w[:, None] * x, axis=0)

    m1_post = -col_mean(w_t1 * post) / np.mean(w_t1)
    m1_pre = -col_mean(w_t0 * (1 - post)) / np.mean(w_t0)
    inf_treat_or = lin_c1 @ m1_post - lin_c0 @ m1_pre
    m2_pre = col_mean(w_c0 * (resid - att_c0)) / np.mean(w_c0)
    m2_post = col_mean(w_c1 * (resid - att_c1)) / np.mean(w_c1)
    inf_cont_ps = _ps_lin(d, x, ps) @ (m2_post - m2_pre)
    m3_post = -col_mean(w_c1 * post) / np.mean(w_c1)
    m3_pre = -col_mean(w_c0 * (1 - post)) / np.mean(w_c0)
    inf_cont_or = lin_c1 @ m3_post - lin_c0 @ m3_pre
    inf_eff = (inf_d1 - inf_dt1) - (inf_d0 - inf_dt0)
    mom_post = col_mean(w_d / np.mean(w_d) - w_t1 / np.mean(w_t1))
    mom_pre = col_mean(w_d / np.mean(w_d) - w_t0 / np.mean(w_t0))
    inf_or = (lin_t1 - lin_c1) @ mom_post - (lin_t0 - lin_c0) @ mom_pre
    inf_treat = inf_t1 - inf_t0 + inf_treat_or
    inf_cont = inf_c1 - inf_c0 + inf_cont_ps + inf_cont_or
    return float(att), inf_treat - inf_cont + inf_eff + inf_or
