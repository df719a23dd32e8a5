"""Sun & Abraham (2021) interaction-weighted event study.

The regression saturates treatment timing: unit and period fixed effects plus one dummy per
cohort g (first treated period) x relative period e = (t - g) / step, except the reference
e = -1; never-treated units (or, with ``control="last"``, the last-treated cohort, observed
only before it is treated) carry no dummies and identify the period effects. Each cohort's
coefficients delta_{g,e} are clean comparisons with the control group, free of the
"forbidden" comparisons of a plain TWFE event study.

The event-study coefficient for relative period e is the cohort-share weighted average
``beta_e = sum_g w_{g,e} delta_{g,e}`` with ``w_{g,e}`` the share of cohort g among the
observations at relative period e (fixest::sunab and pyfixest's ``compute_period_weights``);
its covariance is ``W V W'`` (weights treated as fixed, as fixest does). The headline
``estimate`` is the average post-treatment ATT: the mean of delta_{g,e}, e >= 0, weighted by
the number of observations in each cell (fixest ``summary(..., agg = "ATT")``).

The dummies are never materialised as a dense N x cells matrix: the within transformation of
a cell dummy has the closed form ``X - W[unit] - B[time]`` (see :func:`_cell_projection`), so
cross-products and cluster scores come from unit- and period-level sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.effects.diagnostics import event_study_diagnostics
from analytics.effects.distributions import t_ppf
from analytics.effects.panel import FIRST_TREATED, Panel, prepare_panel
from analytics.effects.results import (
    Diagnostics,
    EffectResult,
    coded_warnings,
    json_safe,
    two_sided_p_value,
)
from analytics.effects.sample import sample_report
from analytics.effects.twfe import _call, _check_alpha, crv1_vcov, panel_warnings
from analytics.effects.within import group_sums, within_two_way
from analytics.errors import UserError

METHOD = "sa"
Control = Literal["never", "last"]
CONTROLS: tuple[str, ...] = ("never", "last")
REFERENCE_PERIOD = -1
EVENT_COLUMNS = ["rel_time", "estimate", "se", "ci_low", "ci_high"]


@dataclass(frozen=True)
class EventStudyResult(EffectResult):
    """An event study: ``event_study`` rows (rel_time, estimate, se, ci_low, ci_high; the
    reference period has estimate 0 and no se) with ``event_vcov`` aligned with those rows,
    the headline average post-treatment ATT, and the cohort x relative-period cells
    (``cells``: cohort, rel_time, estimate, se, n_obs, weight)."""

    event_study: pd.DataFrame = field(default_factory=pd.DataFrame)
    event_vcov: np.ndarray | None = None
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference_period: int | None = REFERENCE_PERIOD
    control: str = "never"
    df_resid: int = 0
    n_clusters: int = 0
    n_treated_units: int = 0
    cohorts: tuple[int, ...] = ()
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def inference_df(self) -> int:
        return self.df_resid

    def _diagnostics(self) -> Diagnostics:
        events = event_study_diagnostics(self)
        return replace(events, n_treated_units=self.n_treated_units)

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        rows = self.event_study.loc[self.event_study["se"].notna()]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_stat = rows["estimate"] / rows["se"]
        events = pd.DataFrame(
            {
                "term": [f"rel_time::{int(e)}" for e in rows["rel_time"]],
                "estimate": rows["estimate"].to_numpy(),
                "se": rows["se"].to_numpy(),
                "t": t_stat.to_numpy(),
                "p_value": two_sided_p_value(rows["estimate"], rows["se"], self.df_resid),
                "ci_low": rows["ci_low"].to_numpy(),
                "ci_high": rows["ci_high"].to_numpy(),
            }
        )
        return pd.concat([head, events], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["control"] = self.control
        out["n_clusters"] = self.n_clusters
        out["n_treated_units"] = self.n_treated_units
        return out

    def summary(self) -> str:
        rows = [
            f"    e={int(r.rel_time):>4}  {r.estimate:>12.6g}  se {r.se:.6g}"
            for r in self.event_study.itertuples()
        ]
        return super().summary() + "\n  event study:\n" + "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("event_study", "event_vcov", "cells", "dropped"):
            out.pop(name, None)
        out["event_study"] = json_safe(self.event_study.loc[:, EVENT_COLUMNS])
        return out


def sun_abraham(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    control: Control = "never",
    alpha: float = 0.05,
) -> EventStudyResult:
    """Sun-Abraham event study of ``outcome`` by relative period to ``treat_time``.

    ``control``: "never" (never-treated units) or "last" (the last-treated cohort, using
    only periods before it is treated). SEs are CRV1 clustered by unit or ``cluster``.
    """
    call = _call(locals(), df)
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {', '.join(CONTROLS)}; got {control!r}")
    _check_alpha(alpha)
    panel = prepare_panel(
        df,
        unit=unit,
        time=time,
        outcome=outcome,
        treat_time=treat_time,
        covariates=covariates,
        cluster=cluster,
        require_never_treated=control == "never",
    )
    return sun_abraham_panel(panel, control=control, alpha=alpha, call=call)


def sun_abraham_panel(
    panel: Panel,
    *,
    control: Control = "never",
    alpha: float = 0.05,
    call: dict[str, Any] | None = None,
) -> EventStudyResult:
    """Sun-Abraham on an already prepared panel (see :func:`sun_abraham`)."""
    data, cohort = _estimation_sample(panel, control)
    rel = np.where(cohort > 0, (data[panel.time].to_numpy() - cohort) // panel.step, 0)
    in_cell = (cohort > 0) & (rel != REFERENCE_PERIOD)
    cells = (
        pd.DataFrame({"cohort": cohort[in_cell], "rel_time": rel[in_cell]})
        .value_counts()
        .rename("n_obs")
        .sort_index()
        .reset_index()
    )
    cell_index = pd.MultiIndex.from_frame(cells[["cohort", "rel_time"]])
    cell_codes = np.full(len(data), -1)
    cell_codes[in_cell] = cell_index.get_indexer(
        pd.MultiIndex.from_arrays([cohort[in_cell], rel[in_cell]])
    )
    coef, vcov, n_clusters = _saturated_fit(panel, data, cell_codes, len(cells))
    n_cells = len(cells)
    cells["estimate"] = coef[:n_cells]
    cells["se"] = np.sqrt(np.diag(vcov)[:n_cells])
    delta_vcov = vcov[:n_cells, :n_cells]

    events, event_vcov, weights = _aggregate_by_rel_time(cells, delta_vcov)
    cells["weight"] = weights
    crit = t_ppf(1 - alpha / 2, n_clusters - 1)
    events["ci_low"] = events["estimate"] - crit * events["se"]
    events["ci_high"] = events["estimate"] + crit * events["se"]

    post = (cells["rel_time"] >= 0).to_numpy()
    att_weights = np.where(post, cells["n_obs"].to_numpy(dtype=float), 0.0)
    att_weights /= att_weights.sum()
    estimate = float(att_weights @ cells["estimate"].to_numpy())
    se = float(np.sqrt(att_weights @ delta_vcov @ att_weights))
    codes = panel_warnings(panel)
    return EventStudyResult(
        method=METHOD,
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        n_units=int(data[panel.unit].nunique()),
        n_obs=len(data),
        alpha=alpha,
        outcome=panel.outcome,
        call=call or {},
        **coded_warnings(codes),
        event_study=events.loc[:, EVENT_COLUMNS],
        event_vcov=event_vcov,
        cells=cells,
        control=control,
        df_resid=n_clusters - 1,
        n_clusters=n_clusters,
        n_treated_units=int(data.loc[cohort > 0, panel.unit].nunique()),
        cohorts=tuple(int(g) for g in np.unique(cohort[cohort > 0])),
        dropped=panel.dropped,
        sample=sample_report(panel, n_units_used=int(data[panel.unit].nunique())),
    )


def _estimation_sample(panel: Panel, control: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows used and each row's cohort for the regression (0 = control)."""
    data = panel.data
    cohort = data[FIRST_TREATED].to_numpy()
    if control == "last":
        last = int(panel.cohorts.max())
        # The last cohort is a clean control only while it is untreated.
        keep = data[panel.time].to_numpy() < last
        data = data.loc[keep].reset_index(drop=True)
        cohort = np.where(cohort[keep] == last, 0, cohort[keep])
        if not (cohort > 0).any():
            raise UserError("effects.no_comparison_units")
    return data, cohort


def _saturated_fit(
    panel: Panel, data: pd.DataFrame, cell_codes: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Coefficients (cells first, then covariates) and their CRV1 covariance."""
    unit_codes = pd.factorize(data[panel.unit])[0]
    time_codes = ((data[panel.time].to_numpy() - data[panel.time].min()) // panel.step).astype(
        np.int64
    )
    n_obs = len(data)
    rows = np.flatnonzero(cell_codes >= 0)
    x = sp.csr_matrix((np.ones(rows.size), (rows, cell_codes[rows])), shape=(n_obs, n_cells))
    projection = _cell_projection(x, unit_codes, time_codes)
    y = data[panel.outcome].to_numpy(dtype=float)
    dense = np.column_stack([y, *[data[c].to_numpy(dtype=float) for c in panel.covariates]])
    dense = within_two_way(unit_codes, time_codes, dense)
    y_tilde, z_tilde = dense[:, 0], dense[:, 1:]

    # X~'X~ = X'X - X'F with F the projection of X on the fixed effects.
    counts_unit, counts_time = projection["counts_unit"], projection["counts_time"]
    xtx = np.diag(np.asarray(x.sum(axis=0)).ravel())
    xtx -= counts_unit.T @ projection["w"] + counts_time.T @ projection["b"]
    xtz = np.asarray(x.T @ z_tilde)
    gram = np.block([[xtx, xtz], [xtz.T, z_tilde.T @ z_tilde]])
    rhs = np.concatenate([np.asarray(x.T @ y_tilde).ravel(), z_tilde.T @ y_tilde])
    names = [f"cell {i}" for i in range(n_cells)] + list(panel.covariates)
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        raise UserError("effects.collinear", terms=", ".join(names[:10]))
    bread = np.linalg.inv(gram)
    coef = bread @ rhs

    fitted_cells = within_two_way(unit_codes, time_codes, np.asarray(x @ coef[:n_cells]))
    resid = y_tilde - fitted_cells - z_tilde @ coef[n_cells:]
    cluster = panel.unit if panel.cluster is None else panel.cluster
    cluster_codes = pd.factorize(data[cluster])[0]
    n_clusters = int(cluster_codes.max()) + 1
    if n_clusters < 2:
        raise UserError("effects.too_few_clusters", column=cluster)
    scores_x = _cell_scores(x, resid, cluster_codes, unit_codes, time_codes, projection)
    scores_z = group_sums(cluster_codes, z_tilde * resid[:, None], n_clusters)
    scores = np.hstack([scores_x, scores_z])
    vcov = crv1_vcov(bread, scores, n_obs, cluster_codes, [unit_codes, time_codes])
    return coef, vcov, n_clusters


def _cell_projection(
    x: sp.csr_matrix, unit_codes: np.ndarray, time_codes: np.ndarray
) -> dict[str, np.ndarray]:
    """The two-way fixed-effect projection of sparse dummies: ``F[r] = W[unit] + B[time]``.

    With unit means U, time effects B solving ``(D'M_u D) B = D'M_u X`` and their unit
    averages Bbar, the projection is ``U[i] + B[t] - Bbar[i]``; ``W = U - Bbar``.
    """
    n_obs = x.shape[0]
    n_units = int(unit_codes.max()) + 1
    n_times = int(time_codes.max()) + 1
    unit_ind = sp.csr_matrix((np.ones(n_obs), (np.arange(n_obs), unit_codes)), (n_obs, n_units))
    time_ind = sp.csr_matrix((np.ones(n_obs), (np.arange(n_obs), time_codes)), (n_obs, n_times))
    unit_size = np.bincount(unit_codes, minlength=n_units).astype(float)
    counts_unit = np.asarray((unit_ind.T @ x).todense())
    counts_time = np.asarray((time_ind.T @ x).todense())
    unit_mean = counts_unit / unit_size[:, None]
    incidence = np.zeros((n_units, n_times))
    incidence[unit_codes, time_codes] = 1.0
    gram = np.diag(incidence.sum(axis=0)) - (incidence / unit_size[:, None]).T @ incidence
    rhs = counts_time - incidence.T @ unit_mean
    b = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    w = unit_mean - (incidence @ b) / unit_size[:, None]
    return {"w": w, "b": b, "counts_unit": counts_unit, "counts_time": counts_time}


def _cell_scores(
    x: sp.csr_matrix,
    resid: np.ndarray,
    cluster_codes: np.ndarray,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    projection: dict[str, np.ndarray],
) -> np.ndarray:
    """Per-cluster sums of ``(X - F) * resid`` without forming ``X - F``."""
    n_obs = x.shape[0]
    n_clusters = int(cluster_codes.max()) + 1
    cluster_resid = sp.csr_matrix(
        (resid, (cluster_codes, np.arange(n_obs))), shape=(n_clusters, n_obs)
    )
    direct = np.asarray((cluster_resid @ x).todense())
    n_units = projection["w"].shape[0]
    n_times = projection["b"].shape[0]
    by_unit = sp.csr_matrix((resid, (cluster_codes, unit_codes)), shape=(n_clusters, n_units))
    by_time = sp.csr_matrix((resid, (cluster_codes, time_codes)), shape=(n_clusters, n_times))
    return direct - by_unit @ projection["w"] - by_time @ projection["b"]


def _aggregate_by_rel_time(
    cells: pd.DataFrame, delta_vcov: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Cohort-share weighted event-time coefficients, their covariance and each cell's weight.

    The reference period is inserted as a row with estimate 0 and no standard error (its
    row and column of the covariance are zero)."""
    rel_times = np.unique(np.append(cells["rel_time"].to_numpy(), REFERENCE_PERIOD))
    counts = cells["n_obs"].to_numpy(dtype=float)
    totals = cells.groupby("rel_time")["n_obs"].transform("sum").to_numpy(dtype=float)
    weights = counts / totals
    matrix = np.zeros((len(rel_times), len(cells)))
    row_of = {int(e): i for i, e in enumerate(rel_times)}
    matrix[[row_of[int(e)] for e in cells["rel_time"]], np.arange(len(cells))] = weights
    estimate = matrix @ cells["estimate"].to_numpy()
    vcov = matrix @ delta_vcov @ matrix.T
    se = np.sqrt(np.diag(vcov))
    reference = rel_times == REFERENCE_PERIOD
    se[reference] = math.nan
    events = pd.DataFrame({"rel_time": rel_times.astype(int), "estimate": estimate, "se": se})
    return events, vcov, weights
