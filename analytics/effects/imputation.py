"""Imputation / two-stage difference-in-differences (Borusyak, Jaravel & Spiess 2024; Gardner 2021).

Stage one fits unit and period fixed effects (and covariates) on the untreated observations
only: never-treated units and the not-yet-treated periods of the others. Stage two imputes the
untreated outcome of every treated observation from those effects and averages the gaps
``tau_it = y_it - y_it(0)``: over all treated observations for the headline ATT (each
observation weighted equally, BJS's default), by periods since treatment for the event study.
The point estimates are BJS's imputation estimator; they equal Gardner's two-stage ``did2s``
with a saturated second stage, whose GMM standard errors (Butts & Gardner 2022, R ``did2s``,
pyfixest ``did2s``) we report: clustered by unit (or a cluster column) and counting the
estimation of the first stage, with normal intervals.

Pre-trends are tested as BJS recommend (their Section 4.4), apart from estimation: on the
untreated observations alone, regress the outcome on the same fixed effects plus one dummy
per pre-treatment horizon ``-K..-1`` of the eventually treated units (the farthest horizons are
the reference) and test the dummies jointly (CRV1 Wald, chi-squared). Those coefficients are
the pre-period rows of the event study, the imputation estimates its post-period rows; their
covariance is block-diagonal (the two blocks come from different regressions).

``unit_effects`` replaces the unit fixed effects with those of a coarser column (a region, a
state) when the treatment varies within it; ``cluster`` should then usually be that column.

Validated in ``tests/effects/test_imputation.py`` against pyfixest 0.60.0's ``did2s`` and
``feols`` run live and against R ``did2s``'s published values in pyfixest's test-suite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from analytics.effects.diagnostics import PretrendTest, event_study_diagnostics
from analytics.effects.distributions import chi2_sf, norm_ppf
from analytics.effects.panel import FIRST_TREATED, TREATED, Panel, prepare_panel
from analytics.effects.results import (
    Diagnostics,
    EffectResult,
    WarningCode,
    coded_warnings,
    json_safe,
    two_sided_p_value,
)
from analytics.effects.sample import sample_report
from analytics.effects.twfe import _call, _check_alpha, crv1_fit, panel_warnings
from analytics.effects.within import within_two_way
from analytics.errors import Count, UserError

METHOD = "imputation"
CI_METHOD = "normal, two-stage GMM cluster-robust standard error (Butts & Gardner 2022)"
EVENT_COLUMNS = ["rel_time", "estimate", "se", "ci_low", "ci_high", "n_obs"]


@dataclass(frozen=True)
class ImputationResult(EffectResult):
    """BJS imputation ATT (outcome units, average over treated unit-periods).

    ``event_study``: rows ``rel_time, estimate, se, ci_low, ci_high, n_obs`` (pre-period rows
    from the pre-trend regression, post-period rows the imputation averages by horizon) with
    ``event_vcov`` aligned; ``pretrend``: the joint test of the pre-period rows; ``effects``:
    one row per treated observation (unit, time, rel_time, tau).
    """

    ci_method: str = CI_METHOD
    event_study: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    event_vcov: np.ndarray | None = field(default=None, repr=False, compare=False)
    pretrend: PretrendTest | None = None
    effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    n_treated_units: int = 0
    n_treated_obs: int = 0
    n_clusters: int = 0
    frequency: str = "integer"
    # No fixed reference period: the post-period rows are levels, not changes from e = -1.
    reference_period: int | None = None

    def _diagnostics(self) -> Diagnostics:
        # The event study's, with the pre-trend regression's own test (see pretrend_test).
        events = event_study_diagnostics(self)
        return replace(events, n_treated_units=self.n_treated_units)

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        rows = self.event_study
        with np.errstate(divide="ignore", invalid="ignore"):
            t_stat = rows["estimate"] / rows["se"]
        events = pd.DataFrame(
            {
                "term": [f"rel_time::{int(e)}" for e in rows["rel_time"]],
                "estimate": rows["estimate"].to_numpy(),
                "se": rows["se"].to_numpy(),
                "t": t_stat.to_numpy(),
                "p_value": two_sided_p_value(rows["estimate"], rows["se"]),
                "ci_low": rows["ci_low"].to_numpy(),
                "ci_high": rows["ci_high"].to_numpy(),
            }
        )
        return pd.concat([head, events], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["ci_method"] = self.ci_method
        out["n_treated_units"] = self.n_treated_units
        out["n_treated_obs"] = self.n_treated_obs
        out["n_clusters"] = self.n_clusters
        out["pretrend_p_value"] = self.pretrend.p_value if self.pretrend else math.nan
        return out

    def summary(self) -> str:
        lines = [super().summary(), f"  interval: {self.ci_method}", "  event study:"]
        lines += [
            f"    e={int(r.rel_time):>4}  {r.estimate:>12.6g}  se {r.se:.6g}  n {int(r.n_obs)}"
            for r in self.event_study.itertuples()
        ]
        if self.pretrend is not None and self.pretrend.df:
            lines.append(
                f"  pre-trend test: chi2({self.pretrend.df}) = {self.pretrend.statistic:.4g},"
                f" p {self.pretrend.p_value:.4g}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("event_study", "event_vcov", "effects", "pretrend"):
            out.pop(name, None)
        out["event_study"] = json_safe(self.event_study.loc[:, EVENT_COLUMNS])
        out["pretrend_test"] = None if self.pretrend is None else json_safe(self.pretrend.to_dict())
        return out


def imputation_did(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    unit_effects: str | None = None,
    pretrend_periods: int | None = None,
    alpha: float = 0.05,
) -> ImputationResult:
    """Imputation DiD of ``outcome`` on a staggered treatment (see the module docstring).

    ``treat_time``: each unit's first treated period (0/empty = never), or ``treated``: a 0/1
    indicator that never switches off. ``covariates`` enter the first stage. ``cluster``:
    standard errors clustered by this column (default: unit). ``unit_effects``: absorb this
    column's effects instead of the unit's. ``pretrend_periods``: how many pre-treatment
    horizons the pre-trend test covers (default: all but the farthest). Works on unbalanced
    panels (every observed row is used).
    """
    call = _call(locals(), df)
    _check_alpha(alpha)
    if pretrend_periods is not None and int(pretrend_periods) < 0:
        raise ValueError(f"pretrend_periods must be non-negative; got {pretrend_periods!r}")
    if unit_effects is not None and unit_effects not in df.columns:
        raise UserError(
            "effects.column_missing",
            column=unit_effects,
            available=", ".join(map(str, df.columns[:20])),
        )
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
    data = panel.data
    if unit_effects is not None:
        data = data.assign(_fe_unit=_unit_effect_codes(df, unit, unit_effects, panel))
    return _fit(panel, data, unit_effects, pretrend_periods, alpha, call)


def _unit_effect_codes(df: pd.DataFrame, unit: str, column: str, panel: Panel) -> np.ndarray:
    """The ``unit_effects`` value of each panel row; it must be constant within unit."""
    spread = df.groupby(unit, sort=False)[column].nunique(dropna=False)
    varies = spread.index[spread > 1]
    if len(varies):
        raise UserError("effects_modern.unit_effects_vary", column=column, unit=varies[0])
    values = df.groupby(unit, sort=False)[column].first()
    return panel.data[panel.unit].map(values).to_numpy()


def _fit(
    panel: Panel,
    data: pd.DataFrame,
    unit_effects: str | None,
    pretrend_periods: int | None,
    alpha: float,
    call: dict[str, Any],
) -> ImputationResult:
    codes: list[WarningCode] = panel_warnings(panel)
    data, imputable = _imputable(data, panel)
    codes += imputable
    y = data[panel.outcome].to_numpy(dtype=float)
    treated = data[TREATED].to_numpy() == 1
    fe_column = "_fe_unit" if unit_effects else panel.unit
    unit_codes = pd.factorize(data[fe_column])[0]
    time_codes = pd.factorize(data[panel.time], sort=True)[0]
    cov = data[list(panel.covariates)].to_numpy(dtype=float) if panel.covariates else None
    cluster = panel.unit if panel.cluster is None else panel.cluster
    cluster_codes = pd.factorize(data[cluster])[0]
    if cluster_codes.max() < 1:
        raise UserError("effects.too_few_clusters", column=cluster)

    stage_one = _first_stage_design(unit_codes, time_codes, cov)
    residual = _first_stage(stage_one, y, ~treated, panel)
    cohort = data[FIRST_TREATED].to_numpy()
    rel = np.where(cohort > 0, (data[panel.time].to_numpy() - cohort) // panel.step, 0)
    horizons = np.unique(rel[treated])
    # One column per post-period horizon; the headline is a single treated column.
    event_design = sp.csr_matrix(
        (
            np.ones(treated.sum()),
            (np.flatnonzero(treated), np.searchsorted(horizons, rel[treated])),
        ),
        shape=(len(y), len(horizons)),
    )
    static_design = sp.csr_matrix(treated.astype(float)[:, None])
    z = float(norm_ppf(1 - alpha / 2))
    att, att_vcov = _second_stage(stage_one, static_design, residual, ~treated, cluster_codes)
    post, post_vcov = _second_stage(stage_one, event_design, residual, ~treated, cluster_codes)
    se = math.sqrt(att_vcov[0, 0])
    counts = np.bincount(np.searchsorted(horizons, rel[treated]), minlength=len(horizons))
    post_rows = pd.DataFrame(
        {"rel_time": horizons, "estimate": post, "se": np.sqrt(np.diag(post_vcov)), "n_obs": counts}
    )
    pre_rows, pre_vcov, pretrend, pre_codes = _pretrend(
        panel, data, unit_codes, time_codes, cov, cluster_codes, rel, treated, pretrend_periods
    )
    codes += pre_codes
    events = pd.concat([pre_rows, post_rows], ignore_index=True)
    events["ci_low"] = events["estimate"] - z * events["se"]
    events["ci_high"] = events["estimate"] + z * events["se"]
    vcov = np.zeros((len(events), len(events)))
    k = len(pre_rows)
    vcov[:k, :k] = pre_vcov
    vcov[k:, k:] = post_vcov
    effects = pd.DataFrame(
        {
            "unit": data.loc[treated, panel.unit].to_numpy(),
            "time": data.loc[treated, panel.time].to_numpy(),
            "rel_time": rel[treated],
            "tau": residual[treated],
        }
    )
    return ImputationResult(
        method=METHOD,
        estimate=float(att[0]),
        se=se,
        ci_low=float(att[0]) - z * se,
        ci_high=float(att[0]) + z * se,
        n_units=int(data[panel.unit].nunique()),
        n_obs=len(data),
        alpha=alpha,
        outcome=panel.outcome,
        call=call,
        **coded_warnings(codes),
        sample=sample_report(panel, n_units_used=int(data[panel.unit].nunique())),
        event_study=events.loc[:, EVENT_COLUMNS],
        event_vcov=vcov,
        pretrend=pretrend,
        effects=effects,
        n_treated_units=int(data.loc[treated, panel.unit].nunique()),
        n_treated_obs=int(treated.sum()),
        n_clusters=int(cluster_codes.max()) + 1,
        frequency=panel.frequency,
    )


def _imputable(data: pd.DataFrame, panel: Panel) -> tuple[pd.DataFrame, list[WarningCode]]:
    """Treated rows can be imputed only where their unit and period have untreated rows."""
    untreated = data[TREATED] == 0
    units_ok = set(data.loc[untreated, panel.unit])
    times_ok = set(data.loc[untreated, panel.time])
    bad = (data[TREATED] == 1) & ~(
        data[panel.unit].isin(units_ok) & data[panel.time].isin(times_ok)
    )
    codes: list[WarningCode] = []
    if bad.any():
        codes.append(("effects_modern.warn_not_imputable", {"n": Count(int(bad.sum()))}))
        data = data.loc[~bad].reset_index(drop=True)
    if not (data[TREATED] == 1).any():
        raise UserError("effects_modern.nothing_to_impute")
    return data, codes


def _first_stage_design(
    unit_codes: np.ndarray, time_codes: np.ndarray, cov: np.ndarray | None
) -> sp.csr_matrix:
    """Unit dummies, period dummies but the first, covariates: a full-rank sparse design."""
    n = len(unit_codes)
    rows = np.arange(n)
    units = sp.csr_matrix((np.ones(n), (rows, unit_codes)), shape=(n, unit_codes.max() + 1))
    later = time_codes > 0
    times = sp.csr_matrix(
        (np.ones(later.sum()), (rows[later], time_codes[later] - 1)),
        shape=(n, max(int(time_codes.max()), 0)),
    )
    blocks = [units, times] + ([sp.csr_matrix(cov)] if cov is not None else [])
    return sp.hstack(blocks, format="csr")


def _first_stage(design: sp.csr_matrix, y: np.ndarray, untreated: np.ndarray, panel) -> np.ndarray:
    """``y`` minus its fitted untreated outcome, for every row."""
    x0 = design[untreated]
    gram = (x0.T @ x0).tocsc()
    try:
        coef = spsolve(gram, x0.T @ y[untreated])
    except RuntimeError:
        coef = np.full(design.shape[1], np.nan)
    if not np.all(np.isfinite(coef)):
        raise UserError("effects.collinear", terms=", ".join(panel.covariates) or "fixed effects")
    return y - design @ coef


def _second_stage(
    stage_one: sp.csr_matrix,
    design: sp.csr_matrix,
    residual: np.ndarray,
    untreated: np.ndarray,
    cluster_codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Second-stage coefficients and their GMM cluster-robust covariance (R/pyfixest did2s)."""
    gram2 = (design.T @ design).toarray()
    coef = np.linalg.solve(gram2, design.T @ residual)
    resid2 = residual - design @ coef
    x10 = stage_one.multiply(untreated[:, None]).tocsr()
    gram1 = (x10.T @ x10).tocsc()
    # V' = (X10'X10)^-1 X1'X2: how first-stage noise moves the second-stage coefficients.
    cross = (stage_one.T @ design).toarray()
    v_t = spsolve(gram1, cross)
    v_t = v_t.reshape(gram1.shape[0], -1)
    n_clusters = int(cluster_codes.max()) + 1
    member = sp.csr_matrix(
        (np.ones(len(cluster_codes)), (cluster_codes, np.arange(len(cluster_codes)))),
        shape=(n_clusters, len(cluster_codes)),
    )
    scores = member @ design.multiply(resid2[:, None]).tocsr()
    first = member @ x10.multiply(np.where(untreated, residual, 0.0)[:, None]).tocsr()
    w = np.asarray(scores.toarray() - first @ v_t)
    bread = np.linalg.inv(gram2)
    return coef, bread @ (w.T @ w) @ bread


def _pretrend(
    panel: Panel,
    data: pd.DataFrame,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    cov: np.ndarray | None,
    cluster_codes: np.ndarray,
    rel: np.ndarray,
    treated: np.ndarray,
    periods: int | None,
) -> tuple[pd.DataFrame, np.ndarray, PretrendTest | None, list[WarningCode]]:
    """BJS's pre-trend regression on the untreated rows (see the module docstring)."""
    empty = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("rel_time", "estimate", "se", "n_obs")}
    )
    untreated = ~treated
    eventually = data[FIRST_TREATED].to_numpy() > 0
    leads = np.unique(rel[untreated & eventually])
    # Every untreated row of a treated unit has one lead: the farthest is the reference.
    usable = leads[1:] if len(leads) else leads
    if periods is not None:
        usable = usable[usable >= -int(periods)]
    if len(usable) == 0:
        return empty, np.zeros((0, 0)), None, [("effects_modern.warn_no_pretrend", {})]
    fit = None
    while len(usable):
        try:
            fit = _lead_regression(
                panel, data, unit_codes, time_codes, cov, cluster_codes, rel, usable
            )
            break
        except UserError:
            # Without never-treated units the leads and the period effects can be collinear;
            # the farthest remaining lead joins the reference.
            usable = usable[1:]
    if fit is None:
        return empty, np.zeros((0, 0)), None, [("effects_modern.warn_no_pretrend", {})]
    fit, lead = fit
    k = len(usable)
    coef, vcov = fit.coef[:k], fit.vcov[:k, :k]
    statistic = float(coef @ np.linalg.pinv(vcov) @ coef)
    df = int(np.linalg.matrix_rank(vcov))
    test = PretrendTest(statistic, df, float(chi2_sf(statistic, df)), tuple(map(int, usable)))
    counts = lead.sum(axis=0).astype(int)
    table = pd.DataFrame(
        {"rel_time": usable, "estimate": coef, "se": np.sqrt(np.diag(vcov)), "n_obs": counts}
    )
    return table, vcov, test, []


def _lead_regression(panel, data, unit_codes, time_codes, cov, cluster_codes, rel, usable):
    """CRV1 regression of the untreated outcomes on fixed effects, leads and covariates."""
    rows = data[TREATED].to_numpy() == 0
    eventually = data[FIRST_TREATED].to_numpy() > 0
    lead = np.column_stack([(eventually & (rel == h))[rows].astype(float) for h in usable])
    regressors = lead if cov is None else np.column_stack([lead, cov[rows]])
    uc = pd.factorize(unit_codes[rows])[0]
    tc = pd.factorize(time_codes[rows])[0]
    y = data[panel.outcome].to_numpy(dtype=float)[rows]
    demeaned = within_two_way(uc, tc, np.column_stack([y, regressors]))
    cc = pd.factorize(cluster_codes[rows])[0]
    labels = [f"lead{-int(h)}" for h in usable] + list(panel.covariates)
    return crv1_fit(demeaned[:, 0], demeaned[:, 1:], labels, cc, [uc, tc]), lead
