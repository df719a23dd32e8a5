"""Two-way fixed effects (TWFE) difference-in-differences with cluster-robust standard errors.

``y_it = a_i + b_t + tau * D_it + X_it' gamma + e_it``. Unit and time effects are removed by
the exact within transformation (Frisch-Waugh-Lovell), never by dummy matrices: outcomes and
regressors are demeaned by unit, and the time effects of the unit-demeaned data are solved
from a T x T system, so balanced and unbalanced panels alike are exact and fast (T is the
number of periods, small for quarters or years; :mod:`analytics.effects.within`).

Standard errors are CRV1, clustered by unit unless another column is given, with the same
small-sample factor as pyfixest's default ``ssc()`` (``k_fixef="nonnested"``):
``G / (G - 1) * (N - 1) / (N - df_k)``, where fixed effects nested in the clusters do not
count in ``df_k`` (so clustering by unit gives ``df_k = k + T``). Intervals and p-values use
Student t with ``G - 1`` degrees of freedom, as pyfixest and fixest do.

With staggered timing TWFE is a weighted average of all 2x2 comparisons, including
"forbidden" ones that use already-treated units as controls (Goodman-Bacon 2021): see
:mod:`analytics.effects.bacon`; the result carries the decomposition and warns when the
weight on forbidden comparisons is material.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.bacon import bacon_decomposition, dcdh_weights
from analytics.effects.distributions import t_ppf
from analytics.effects.panel import TREATED, Panel, prepare_panel
from analytics.effects.results import (
    TIDY_COLUMNS,
    Diagnostics,
    EffectResult,
    Share,
    WarningCode,
    coded_warnings,
    json_safe,
    two_sided_p_value,
)
from analytics.effects.sample import imbalance_warnings, sample_report
from analytics.effects.within import group_sums, panel_codes, within_two_way
from analytics.errors import UserError

METHOD = "twfe"
# Share of TWFE weight on later-vs-earlier ("forbidden") comparisons above which we warn.
FORBIDDEN_SHARE_WARNING = 0.10


@dataclass(frozen=True)
class OLSFit:
    """Coefficients of a within-transformed regression with their CRV1 covariance."""

    names: tuple[str, ...]
    coef: np.ndarray
    vcov: np.ndarray
    df_t: int
    n_obs: int
    n_clusters: int


def _nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True when every level of ``inner`` sits inside one level of ``outer``."""
    first_outer = np.full(int(inner.max()) + 1, -1)
    first_outer[inner] = outer  # any one outer level per inner level
    return bool(np.all(first_outer[inner] == outer))


def crv1_fit(
    y: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    cluster_codes: np.ndarray,
    fixed_effects: Sequence[np.ndarray],
) -> OLSFit:
    """OLS of within-transformed ``y`` on within-transformed ``x`` with CRV1 covariance.

    ``fixed_effects``: the integer codes of each absorbed effect (for the degrees-of-freedom
    count, as pyfixest's ``ssc(k_fixef="nonnested")``).
    """
    n_obs, k = x.shape
    xtx = x.T @ x
    if np.linalg.matrix_rank(xtx) < k:
        raise UserError("effects.collinear", terms=", ".join(names))
    bread = np.linalg.inv(xtx)
    coef = bread @ (x.T @ y)
    resid = y - x @ coef
    n_clusters = int(cluster_codes.max()) + 1
    scores = group_sums(cluster_codes, x * resid[:, None], n_clusters)
    vcov = crv1_vcov(bread, scores, n_obs, cluster_codes, fixed_effects)
    return OLSFit(tuple(names), coef, vcov, n_clusters - 1, n_obs, n_clusters)


def crv1_vcov(
    bread: np.ndarray,
    scores: np.ndarray,
    n_obs: int,
    cluster_codes: np.ndarray,
    fixed_effects: Sequence[np.ndarray],
) -> np.ndarray:
    """``bread @ S'S @ bread`` times pyfixest's default small-sample factor.

    ``scores``: per-cluster sums of regressor x residual (clusters x k). The factor is
    ``G/(G-1) * (N-1)/(N-df_k)``; absorbed effects count in ``df_k`` except those nested in
    the clusters (pyfixest ``ssc(k_adj=True, k_fixef="nonnested", G_adj=True)``).
    """
    k = bread.shape[0]
    n_clusters = scores.shape[0]
    fe_levels = [int(codes.max()) + 1 for codes in fixed_effects]
    nested = [_nested(codes, cluster_codes) for codes in fixed_effects]
    k_fe_adj = sum(fe_levels) - (len(fe_levels) - 1) if len(fe_levels) > 1 else sum(fe_levels)
    n_nested = sum(nested)
    k_nested = sum(level for level, flag in zip(fe_levels, nested, strict=True) if flag)
    df_k = k + k_fe_adj - k_nested + n_nested if n_nested else k + k_fe_adj
    factor = (n_clusters / (n_clusters - 1)) * (n_obs - 1) / (n_obs - df_k)
    return factor * bread @ (scores.T @ scores) @ bread


def fit_two_way(panel: Panel, regressors: pd.DataFrame) -> tuple[OLSFit, np.ndarray]:
    """Within regression of the panel's outcome on ``regressors`` (rows aligned with the
    panel's data) plus its covariates, clustered by unit or the panel's cluster column.
    Also returns the within-transformed ``regressors``."""
    data = panel.data
    unit_codes, time_codes = panel_codes(panel)
    columns = [*regressors.columns, *panel.covariates]
    z = np.column_stack(
        [
            data[panel.outcome].to_numpy(dtype=float),
            regressors.to_numpy(dtype=float),
            *[data[c].to_numpy(dtype=float)[:, None] for c in panel.covariates],
        ]
    )
    demeaned = within_two_way(unit_codes, time_codes, z)
    cluster = panel.unit if panel.cluster is None else panel.cluster
    cluster_codes = pd.factorize(data[cluster])[0]
    if cluster_codes.max() < 1:
        raise UserError("effects.too_few_clusters", column=cluster)
    fit = crv1_fit(
        demeaned[:, 0], demeaned[:, 1:], columns, cluster_codes, [unit_codes, time_codes]
    )
    return fit, demeaned[:, 1 : 1 + regressors.shape[1]]


@dataclass(frozen=True)
class TWFEResult(EffectResult):
    """TWFE estimate of the effect of ``treated`` (in outcome units per treated unit-period).

    ``coefficients``: tidy table of the treatment and covariates; ``vcov``: their CRV1
    covariance; ``df_resid``: t degrees of freedom (clusters - 1). ``bacon``: Goodman-Bacon
    decomposition table (staggered timing, no covariates, balanced) with ``forbidden_share``
    the weight on later-vs-earlier comparisons and ``negative_weight_share`` the share of
    treated cells with a negative de Chaisemartin-D'Haultfoeuille weight.
    """

    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    vcov: np.ndarray | None = None
    df_resid: int = 0
    n_clusters: int = 0
    n_treated_units: int = 0
    cohorts: tuple[int, ...] = ()
    bacon: pd.DataFrame | None = None
    bacon_summary: pd.DataFrame | None = None
    forbidden_share: float = math.nan
    negative_weight_share: float = math.nan
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def inference_df(self) -> int:
        return self.df_resid

    def _diagnostics(self) -> Diagnostics:
        return Diagnostics(
            forbidden_share=self.forbidden_share,
            negative_weight_share=self.negative_weight_share,
            n_treated_units=self.n_treated_units,
        )

    def tidy(self) -> pd.DataFrame:
        return self.coefficients.loc[:, TIDY_COLUMNS].copy()

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["n_clusters"] = self.n_clusters
        out["n_treated_units"] = self.n_treated_units
        out["forbidden_share"] = self.forbidden_share
        out["negative_weight_share"] = self.negative_weight_share
        return out

    def summary(self) -> str:
        text = super().summary()
        if self.bacon_summary is not None:
            rows = [
                f"    {r.comparison:<22} weight {r.weight:.4f}  avg 2x2 {r.estimate:.6g}"
                for r in self.bacon_summary.itertuples()
            ]
            text += "\n  Goodman-Bacon decomposition:\n" + "\n".join(rows)
        return text

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("coefficients", "bacon", "bacon_summary", "dropped", "vcov", "cohorts"):
            out.pop(name, None)
        out["coefficients"] = json_safe(self.coefficients)
        if self.bacon_summary is not None:
            out["bacon"] = json_safe(self.bacon_summary)
        return out


def twfe(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str | None = None,
    treat_time: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """TWFE DiD of ``outcome`` on the treatment indicator with unit and time fixed effects.

    The treatment is ``treated`` (0/1, never switching off) or derived from ``treat_time``
    (first treated period, 0/empty = never). SEs are clustered by ``cluster`` (default: unit).
    """
    call = _call(locals(), df)
    _check_alpha(alpha)
    panel = prepare_panel(
        df,
        unit=unit,
        time=time,
        outcome=outcome,
        treat_time=treat_time,
        treated=treated,
        covariates=covariates,
        cluster=cluster,
    )
    return twfe_panel(panel, alpha=alpha, call=call)


def twfe_panel(
    panel: Panel, *, alpha: float = 0.05, call: dict[str, Any] | None = None
) -> TWFEResult:
    """TWFE on an already prepared panel (see :func:`twfe`)."""
    fit, treated_within = fit_two_way(panel, panel.data[[TREATED]])
    table = coefficient_table(fit, alpha)
    head = table.iloc[0]
    codes: list[WarningCode] = []
    bacon = summary = None
    forbidden = math.nan
    if len(panel.cohorts) > 1 and not panel.covariates and panel.balanced:
        bacon = bacon_decomposition(panel)
        summary = bacon_summary_table(bacon)
        forbidden = float(bacon.loc[bacon["comparison"] == "later_vs_earlier", "weight"].sum())
        if forbidden > FORBIDDEN_SHARE_WARNING:
            codes.append(("effects.warn.forbidden_comparisons", {"share": Share(forbidden)}))
    negative = math.nan
    if not panel.covariates:
        weights = dcdh_weights(panel, treated_within[:, 0])
        negative = float((weights["weight"] < 0).mean())
        if negative > 0:
            codes.append(
                (
                    "effects.warn.negative_weights",
                    {
                        "n": int((weights["weight"] < 0).sum()),
                        "total": len(weights),
                    },
                )
            )
    codes += panel_warnings(panel)
    return TWFEResult(
        method=METHOD,
        estimate=float(head["estimate"]),
        se=float(head["se"]),
        ci_low=float(head["ci_low"]),
        ci_high=float(head["ci_high"]),
        n_units=panel.n_units,
        n_obs=panel.n_obs,
        alpha=alpha,
        outcome=panel.outcome,
        call=call or {},
        **coded_warnings(codes),
        coefficients=table,
        vcov=fit.vcov,
        df_resid=fit.df_t,
        n_clusters=fit.n_clusters,
        n_treated_units=panel.n_treated_units,
        cohorts=tuple(int(c) for c in panel.cohorts),
        bacon=bacon,
        bacon_summary=summary,
        forbidden_share=forbidden,
        negative_weight_share=negative,
        dropped=panel.dropped,
        sample=sample_report(panel),
    )


def coefficient_table(fit: OLSFit, alpha: float) -> pd.DataFrame:
    """Tidy coefficients with t-based p-values and intervals (``df_t`` degrees of freedom)."""
    se = np.sqrt(np.diag(fit.vcov))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = fit.coef / se
    crit = t_ppf(1 - alpha / 2, fit.df_t)
    table = pd.DataFrame(
        {
            "term": list(fit.names),
            "estimate": fit.coef,
            "se": se,
            "t": t_stat,
            "p_value": two_sided_p_value(fit.coef, se, fit.df_t),
            "ci_low": fit.coef - crit * se,
            "ci_high": fit.coef + crit * se,
        }
    )
    table.loc[table["term"] == TREATED, "term"] = "ATT"
    return table


def bacon_summary_table(bacon: pd.DataFrame) -> pd.DataFrame:
    """Total weight and weighted-average 2x2 estimate by comparison type."""
    grouped = bacon.assign(product=bacon["weight"] * bacon["estimate"]).groupby(
        "comparison", sort=False
    )
    out = grouped[["weight", "product"]].sum()
    out["estimate"] = out["product"] / out["weight"]
    return out.drop(columns="product").reset_index()


def panel_warnings(panel: Panel) -> list[WarningCode]:
    """Warnings about the data every DiD estimator shares: drops and few treated units."""
    codes: list[WarningCode] = []
    if not panel.dropped.empty:
        reasons = panel.dropped.groupby("reason").size()
        for reason, n in reasons.items():
            codes.append((f"effects.warn.dropped_{reason}", {"n": int(n)}))
    if panel.treated_after_sample:
        codes.append(("effects.warn.treated_after_sample", {"n": len(panel.treated_after_sample)}))
    codes += imbalance_warnings(panel)
    n_treated = panel.n_treated_units
    if n_treated < FEW_TREATED_UNITS:
        codes.append(("effects.warn.few_treated", {"n": n_treated}))
    return codes


# Cluster-robust inference is unreliable with few treated clusters (MacKinnon & Webb 2017).
FEW_TREATED_UNITS = 10


def _check_alpha(alpha: float) -> None:
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha}")


def _call(arguments: dict[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    """The call as data (without the data frame itself), so a result remembers its origin."""
    call = {k: v for k, v in arguments.items() if k != "df" and not isinstance(v, pd.DataFrame)}
    call["covariates"] = list(call.get("covariates", ()))
    call["n_rows_in"] = len(df)
    return call
