"""Callaway & Sant'Anna (2021) group-time average treatment effects and their aggregations.

Two verbs, as in R ``did``: :func:`att_gt` estimates ATT(g, t) for every cohort ``g`` (units
first treated in period ``g``) and period ``t`` on a balanced panel; :func:`aggte` aggregates
them into one overall effect, an event study (by periods since treatment), effects by cohort or
by calendar period. Estimates, standard errors and the per-unit influence functions follow
R ``did`` 2.5 and R ``DRDID`` (validated against both in ``tests/effects/test_cs.py``).

Where this module departs from R ``did`` on purpose:

* a cluster column clusters the analytic standard errors too (R clusters only the bootstrap),
  and the clustered bootstrap draws one weight per cluster on the cluster *sums* of the
  influence function (R uses cluster means; the two agree when clusters are equally large);
* ``control="never"`` without never-treated units is an error (R silently recodes the last
  cohort as never treated);
* cells that cannot be estimated (overlap violated, no comparison units) are skipped by the
  aggregations with a warning instead of requiring ``na.rm``.

Units missing some periods are dropped (``unbalanced="balance"``, R did's default) or kept
(``unbalanced="keep"``, R did's ``allow_unbalanced_panel = TRUE``: every observed row enters
the repeated cross-section estimators of :mod:`cs_rc`). Either way the result's ``sample``
says how many units were dropped and of which kind.

Outcomes are in their own units (persons employed, roubles...), so every ATT is too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from analytics.effects.cs_core import SingularDesignError, estimate_cells, plan_cells
from analytics.effects.cs_inference import WEIGHT_KINDS, Clusters, infer
from analytics.effects.cs_rc import estimate_cells_unbalanced
from analytics.effects.diagnostics import event_study_diagnostics
from analytics.effects.distributions import norm_ppf
from analytics.effects.panel import (
    FIRST_TREATED,
    UNBALANCED,
    Panel,
    Unbalanced,
    period_label,
    prepare_panel,
)
from analytics.effects.results import (
    TIDY_COLUMNS,
    Diagnostics,
    EffectResult,
    WarningCode,
    coded_warnings,
    json_safe,
    sample_dict,
    two_sided_p_value,
)
from analytics.effects.sample import balance_warnings, sample_report
from analytics.errors import Count, UserError

CONTROLS = ("never", "notyet")
EST_METHODS = ("dr", "ipw", "reg")
BASE_PERIODS = ("varying", "universal")
KINDS = ("simple", "dynamic", "group", "calendar")
# R did warns about cohorts with fewer units than (number of covariates + 5).
SMALL_GROUP_MARGIN = 5
LARGE_CRIT_VAL = 7.0


def _choose(name: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class CSFit:
    """What the aggregations need from a fitted :func:`att_gt` (kept out of ``to_dict``)."""

    influence: np.ndarray  # (n units, K cells)
    unit_group: np.ndarray  # (n,) first treated period, 0 = never
    clusters: Clusters
    cell_group: np.ndarray  # (K,)
    cell_time: np.ndarray  # (K,)
    att: np.ndarray  # (K,)
    periods: np.ndarray  # the time grid used
    step: int
    groups: np.ndarray  # cohorts with estimates
    bootstrap: int
    seed: int
    weights: str


@dataclass(frozen=True)
class _CSResultMixin:
    frequency: str = "integer"

    def label(self, period: int) -> str:
        """A period index in the user's notation (quarters as "2024Q3")."""
        return period_label(int(period), self.frequency)

    def _json_period(self, period: int) -> int | str:
        return self.label(period) if self.frequency == "quarter" else int(period)


def _tidy_rows(terms: list[str], table: pd.DataFrame) -> pd.DataFrame:
    est = table["estimate"].to_numpy(dtype=float)
    se = table["se"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": est,
            "se": se,
            "t": stat,
            "p_value": two_sided_p_value(est, se),
            "ci_low": table["ci_low"].to_numpy(dtype=float),
            "ci_high": table["ci_high"].to_numpy(dtype=float),
        },
        columns=TIDY_COLUMNS,
    )


@dataclass(frozen=True)
class ATTGTResult(_CSResultMixin, EffectResult):
    """Group-time ATTs; the headline ``estimate`` is the simple aggregation (R ``aggte`` simple).

    ``att_gt`` columns: ``group`` and ``time`` (period indexes of :mod:`panel`), ``estimate``,
    ``se``, ``ci_low``/``ci_high`` (a uniform band over all cells when bootstrapped, pointwise
    otherwise), ``n_treated``, ``n_control`` (units in the 2x2 comparison) and ``post``.
    """

    att_gt: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    control: str = "never"
    est_method: str = "dr"
    base_period: str = "varying"
    bootstrap: int = 0
    crit_val: float = float("nan")
    uniform_band: bool = False
    n_clusters: int = 0
    fit: CSFit | None = field(default=None, repr=False, compare=False)

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        terms = [
            f"ATT(g={self.label(g)}, t={self.label(p)})"
            for g, p in zip(self.att_gt["group"], self.att_gt["time"], strict=True)
        ]
        return pd.concat([head, _tidy_rows(terms, self.att_gt)], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["control"] = self.control
        out["est_method"] = self.est_method
        out["base_period"] = self.base_period
        out["n_groups"] = int(self.att_gt["group"].nunique()) if len(self.att_gt) else 0
        out["n_cells"] = len(self.att_gt)
        out["bootstrap"] = self.bootstrap
        out["crit_val"] = self.crit_val
        out["uniform_band"] = self.uniform_band
        out["n_clusters"] = self.n_clusters
        return out

    def summary(self) -> str:
        lines = [super().summary(), "", "  group-time ATTs:"]
        band = "uniform" if self.uniform_band else "pointwise"
        lines.append(f"  {'group':>8} {'time':>8} {'estimate':>12} {'se':>10}  {band} CI")
        for row in self.att_gt.itertuples(index=False):
            lines.append(
                f"  {self.label(row.group):>8} {self.label(row.time):>8} {row.estimate:>12.6g}"
                f" {row.se:>10.4g}  [{row.ci_low:.4g}, {row.ci_high:.4g}]"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = _base_dict(self, skip={"att_gt", "fit", "warning_codes"})
        out["att_gt"] = [
            {
                "group": self._json_period(r.group),
                "time": self._json_period(r.time),
                "estimate": json_safe(r.estimate),
                "se": json_safe(r.se),
            }
            for r in self.att_gt.itertuples(index=False)
        ]
        return out


@dataclass(frozen=True)
class AggregateResult(_CSResultMixin, EffectResult):
    """An aggregation of group-time ATTs (R ``aggte``); the headline is the overall effect.

    ``table`` has one row per event time (``rel_time``, in periods), cohort (``group``) or
    calendar period (``time``) with ``estimate``, ``se``, ``ci_low``, ``ci_high``; empty for
    ``kind="simple"``. For ``kind="dynamic"``, ``event_study`` holds the same rows with the
    columns ``rel_time, estimate, se, ci_low, ci_high`` and ``event_vcov`` their variance
    matrix (diagonal = ``se**2``; the universal base period's row, fixed at 0, has ``se``
    NaN and zero variance).
    """

    kind: str = "simple"
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    crit_val: float = float("nan")
    uniform_band: bool = False
    event_study: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    event_vcov: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def key_column(self) -> str | None:
        return {"dynamic": "rel_time", "group": "group", "calendar": "time"}.get(self.kind)

    def _diagnostics(self) -> Diagnostics:
        if self.event_study is None or self.event_study.empty:
            return Diagnostics()
        return event_study_diagnostics(self)

    def _term(self, value: Any) -> str:
        if self.kind == "dynamic":
            return f"rel_time={int(value)}"
        return f"{self.key_column}={self.label(value)}"

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        if self.key_column is None or self.table.empty:
            return head
        terms = [self._term(v) for v in self.table[self.key_column]]
        return pd.concat([head, _tidy_rows(terms, self.table)], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["kind"] = self.kind
        out["crit_val"] = self.crit_val
        out["uniform_band"] = self.uniform_band
        return out

    def summary(self) -> str:
        lines = [super().summary()]
        if self.key_column is not None and not self.table.empty:
            band = "uniform" if self.uniform_band else "pointwise"
            lines += ["", f"  by {self.key_column} ({band} bands):"]
            for row in self.table.itertuples(index=False):
                key = getattr(row, self.key_column)
                shown = int(key) if self.kind == "dynamic" else self.label(key)
                lines.append(
                    f"  {shown!s:>8} {row.estimate:>12.6g} {row.se:>10.4g}"
                    f"  [{row.ci_low:.4g}, {row.ci_high:.4g}]"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = _base_dict(self, skip={"table", "event_study", "event_vcov", "warning_codes"})
        key = self.key_column
        if key is not None:
            rows = []
            for r in self.table.to_dict(orient="records"):
                if key != "rel_time":
                    r[key] = self._json_period(r[key])
                rows.append(json_safe(r))
            out["table"] = rows
        if self.event_study is not None:
            out["event_study"] = json_safe(self.event_study)
        return out


def _base_dict(result: EffectResult, skip: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(result):
        if f.name not in skip | {"sample"}:
            out[f.name] = json_safe(getattr(result, f.name))
    out["sample"] = sample_dict(result)
    out["warnings"] = list(result.warnings)
    return out


# --------------------------------------------------------------------------------------------
# att_gt


@dataclass
class _Arrays:
    """The balanced panel as arrays, after R did's sample rules."""

    outcomes: np.ndarray  # (n, T)
    first_treated: np.ndarray  # (n,)
    covariates: np.ndarray | None  # (n, T, k)
    times: np.ndarray  # (T,)
    groups: np.ndarray  # cohorts to estimate
    clusters: Clusters
    n_obs: int
    codes: list[WarningCode]
    # True when some units miss some periods (``outcomes`` holds NaN there).
    unbalanced: bool = False


def att_gt(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str,
    control: Literal["never", "notyet"] = "never",
    est_method: Literal["dr", "ipw", "reg"] = "dr",
    covariates: tuple[str, ...] | list[str] = (),
    base_period: Literal["varying", "universal"] = "varying",
    cluster: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    alpha: float = 0.05,
    anticipation: int = 0,
    bootstrap_weights: Literal["rademacher", "mammen"] = "rademacher",
    unbalanced: Unbalanced = "balance",
) -> ATTGTResult:
    """Group-time ATTs of Callaway & Sant'Anna (2021) on a balanced panel.

    ``treat_time`` is each unit's first treated period in the notation of ``time`` (0 or empty
    = never treated). ``control``: compare with never-treated units or with units not yet
    treated (never treated included). ``covariates`` enter the propensity score and/or the
    outcome regression, read in the earlier of the two compared periods. ``cluster`` names a
    column constant within unit (default: units are clusters). ``bootstrap`` > 0 runs that many
    multiplier-bootstrap draws (``seed`` for reproducibility) and reports uniform bands over all
    cells; 0 gives analytic standard errors and pointwise intervals. ``anticipation`` is in
    periods. ``unbalanced``: units not observed in every period are dropped ("balance") or
    kept with every observed row ("keep", R did's ``allow_unbalanced_panel``); the result's
    ``sample`` counts the units dropped by kind.
    """
    _choose("control", control, CONTROLS)
    _choose("est_method", est_method, EST_METHODS)
    _choose("base_period", base_period, BASE_PERIODS)
    _choose("bootstrap_weights", bootstrap_weights, WEIGHT_KINDS)
    _choose("unbalanced", unbalanced, UNBALANCED)
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")
    if int(bootstrap) < 0 or int(anticipation) < 0:
        raise ValueError("bootstrap and anticipation must be non-negative integers")
    covariates = tuple(covariates)
    call = {
        "unit": unit,
        "time": time,
        "outcome": outcome,
        "treat_time": treat_time,
        "control": control,
        "est_method": est_method,
        "covariates": list(covariates),
        "base_period": base_period,
        "cluster": cluster,
        "bootstrap": int(bootstrap),
        "seed": seed,
        "alpha": float(alpha),
        "anticipation": int(anticipation),
        "unbalanced": unbalanced,
    }
    if treat_time == FIRST_TREATED:
        # prepare_panel writes its own column of that name; hand it the input under another.
        df = df.rename(columns={FIRST_TREATED: "first_treated_input"})
        treat_time = "first_treated_input"
    panel = prepare_panel(
        df,
        unit=unit,
        time=time,
        outcome=outcome,
        treat_time=treat_time,
        covariates=covariates,
        cluster=cluster,
        balance=unbalanced == "balance",
        require_never_treated=control == "never",
    )
    arrays = _arrays(panel, control, int(anticipation) * panel.step)
    sample = sample_report(panel, mode=unbalanced, n_units_used=len(arrays.first_treated))
    return _fit(
        panel,
        arrays,
        control=control,
        est_method=est_method,
        base_period=base_period,
        bootstrap=int(bootstrap),
        seed=seed,
        alpha=float(alpha),
        anticipation=int(anticipation) * panel.step,
        weights=bootstrap_weights,
        call=call,
        sample=sample,
    )


def _wide(panel: Panel):
    """Outcomes (n, T) with NaN where a unit has no row, first treated periods (n,),
    covariates (n, T, k) or None, unit ids (n,) and cluster values (n,) or None."""
    data = panel.data
    times = np.asarray(panel.times, dtype=np.int64)
    unit_codes, unit_ids = pd.factorize(data[panel.unit], sort=False)
    n, n_periods = len(unit_ids), len(times)
    if panel.balanced:
        # Sorted by unit and time with one row per cell: a reshape is the pivot.
        rows = np.arange(len(data))
    else:
        cols = np.searchsorted(times, data[panel.time].to_numpy())
        rows = unit_codes * n_periods + cols
    outcomes = np.full(n * n_periods, np.nan)
    outcomes[rows] = data[panel.outcome].to_numpy(dtype=float)
    first = np.zeros(n, dtype=np.int64)
    first[unit_codes] = data[FIRST_TREATED].to_numpy(dtype=np.int64)
    covs = None
    if panel.covariates:
        k = len(panel.covariates)
        covs = np.full((n * n_periods, k), np.nan)
        covs[rows] = data[list(panel.covariates)].to_numpy(dtype=float)
        covs = covs.reshape(n, n_periods, k)
    cluster_values = None
    if panel.cluster is not None:
        spread = data.groupby(unit_codes, sort=True)[panel.cluster].nunique()
        varies = np.flatnonzero(spread.to_numpy() > 1)
        if varies.size:
            raise UserError(
                "effects_cs.cluster_varies", column=panel.cluster, unit=unit_ids[varies[0]]
            )
        cluster_values = np.empty(n, dtype=object)
        cluster_values[unit_codes] = data[panel.cluster].to_numpy()
    return outcomes.reshape(n, n_periods), first, covs, np.asarray(unit_ids), cluster_values


def _arrays(panel: Panel, control: str, anticipation: int) -> _Arrays:
    codes: list[WarningCode] = _panel_notes(panel)
    times = np.asarray(panel.times, dtype=np.int64)
    outcomes, first, covs, unit_ids, cluster_values = _wide(panel)

    # Anticipation: units treated within `anticipation` of the first period have no clean
    # pre-period (R did drops them).
    early = (first > 0) & (first <= times[0] + anticipation)
    if early.any():
        codes.append(("effects_cs.warn_treated_first_period", {"n": int(early.sum())}))
    keep = ~early
    groups = np.unique(first[keep & (first > 0)])
    if len(groups) == 0:
        raise UserError("effects_cs.no_cells")
    if not (first[keep] == 0).any():
        # Not-yet-treated without never-treated units (R did): periods from the last cohort's
        # treatment on have no comparison; the last cohort serves only as a comparison.
        last = int(groups.max())
        kept_times = times < last - anticipation
        if kept_times.sum() < 2 or len(groups) < 2:
            raise UserError("effects.no_comparison_units")
        codes.append(
            (
                "effects_cs.warn_last_cohort_control",
                {"group": period_label(last, panel.frequency), "n_periods": int(kept_times.sum())},
            )
        )
        outcomes = outcomes[:, kept_times]
        if covs is not None:
            covs = covs[:, kept_times, :]
        times = times[kept_times]
        groups = groups[groups < last]
    groups = groups[groups > times[0] + anticipation]
    if len(groups) == 0:
        raise UserError("effects_cs.no_cells")
    # Trimming periods can leave a unit of an unbalanced panel without rows (R did: gone).
    keep &= np.isfinite(outcomes).any(axis=1)
    outcomes, first = outcomes[keep], first[keep]
    if covs is not None:
        covs = covs[keep]
    clusters = Clusters(None, int(keep.sum()))
    if cluster_values is not None:
        cluster_codes, labels = pd.factorize(cluster_values[keep])
        clusters = Clusters(cluster_codes.astype(np.int64), len(labels))
    codes += _size_checks(
        first, groups, len(panel.covariates), control, panel.frequency, _never_balanced_away(panel)
    )
    n_obs = int(np.isfinite(outcomes).sum())
    unbalanced = n_obs < outcomes.size
    return _Arrays(outcomes, first, covs, times, groups, clusters, n_obs, codes, unbalanced)


def _panel_notes(panel: Panel) -> list[WarningCode]:
    codes: list[WarningCode] = balance_warnings(sample_report(panel))
    if not panel.balanced:
        codes.append(
            (
                "effects_modern.warn_kept_unbalanced",
                {"units": panel.n_incomplete_units, "missing": panel.n_missing_cells},
            )
        )
    dropped = panel.dropped
    for reason, key in (
        ("treated_before_first_period", "effects_cs.warn_treated_first_period"),
        ("missing_values", "effects_cs.warn_missing_dropped"),
    ):
        n_dropped = int((dropped["reason"] == reason).sum()) if len(dropped) else 0
        if n_dropped:
            codes.append((key, {"n": n_dropped}))
    if panel.treated_after_sample:
        codes.append(
            ("effects_cs.warn_treated_after_sample", {"n": len(panel.treated_after_sample)})
        )
    return codes


def _never_balanced_away(panel: Panel) -> int:
    """Never-treated units (or treated only after the sample) dropped to balance the panel."""
    report = sample_report(panel)
    gone = report.dropped.loc[report.dropped["reason"] == "unbalanced", "kind"]
    return int(gone.isin(("never_treated", "not_yet_treated")).sum())


def _size_checks(
    first: np.ndarray,
    groups: np.ndarray,
    n_covariates: int,
    control: str,
    frequency: str,
    never_dropped: int = 0,
) -> list[WarningCode]:
    required = n_covariates + SMALL_GROUP_MARGIN
    if control == "never" and 0 < (first == 0).sum() < required:
        if never_dropped:
            raise UserError(
                "effects_modern.never_too_few_after_balance",
                n=Count(int((first == 0).sum())),
                required=required,
                dropped=Count(never_dropped),
            )
        raise UserError(
            "effects_cs.never_group_too_small", n=int((first == 0).sum()), required=required
        )
    sizes = {int(g): int((first == g).sum()) for g in groups}
    small = [period_label(g, frequency) for g, size in sizes.items() if size < required]
    if small:
        return [
            ("effects_cs.warn_small_groups", {"groups": ", ".join(small), "required": required})
        ]
    return []


def _fit(
    panel: Panel,
    arrays: _Arrays,
    *,
    control: str,
    est_method: str,
    base_period: str,
    bootstrap: int,
    seed: int | None,
    alpha: float,
    anticipation: int,
    weights: str,
    call: dict[str, Any],
    sample: Any = None,
) -> ATTGTResult:
    codes = list(arrays.codes)
    plan = plan_cells(arrays.groups, arrays.times, base_period, anticipation)
    if not plan.cells:
        raise UserError("effects_cs.no_cells")
    estimator = estimate_cells_unbalanced if arrays.unbalanced else estimate_cells
    try:
        core = estimator(
            arrays.outcomes,
            arrays.first_treated,
            arrays.times,
            plan.cells,
            control=control,
            est_method=est_method,
            covariates=arrays.covariates,
            anticipation=anticipation,
        )
    except SingularDesignError as exc:
        raise UserError(
            f"effects_cs.singular_{exc.model}",
            group=period_label(exc.group, panel.frequency),
            period=period_label(exc.period, panel.frequency),
        ) from None
    codes += _cell_warnings(core.overlap_failures, "effects_cs.warn_overlap", panel.frequency)
    codes += _cell_warnings(core.no_control, "effects_cs.warn_no_comparison", panel.frequency)
    codes += _cell_warnings(core.no_treated, "effects_modern.warn_no_treated_rows", panel.frequency)
    cell_group = np.array([c.group for c in plan.cells], dtype=np.int64)
    cell_time = np.array([arrays.times[c.current] for c in plan.cells], dtype=np.int64)
    _check_every_cohort_compared(core.no_control, plan, panel.frequency)

    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    fit = CSFit(
        influence=core.influence,
        unit_group=arrays.first_treated,
        clusters=arrays.clusters,
        cell_group=cell_group,
        cell_time=cell_time,
        att=core.att,
        periods=arrays.times,
        step=panel.step,
        groups=arrays.groups,
        bootstrap=bootstrap,
        seed=int(seed),
        weights=weights,
    )
    simple = _aggregate_parts(fit, "simple", min_e=None, max_e=None, balance_e=None)
    codes += simple.codes
    # One pass of bootstrap draws serves the cells (uniform band) and the headline.
    inference = infer(
        np.column_stack([core.influence, simple.overall_inf]),
        arrays.clusters,
        alpha=alpha,
        bootstrap=bootstrap,
        seed=int(seed),
        weights=weights,
        band_columns=len(plan.cells),
    )
    se = np.where(np.isfinite(core.att), inference.se[:-1], np.nan)
    simple_se = float(inference.se[-1])
    z = float(norm_ppf(1 - alpha / 2))
    if inference.uniform and inference.crit_val >= LARGE_CRIT_VAL:
        codes.append(("effects_cs.warn_large_crit", {"crit": round(inference.crit_val, 2)}))
    table = pd.DataFrame(
        {
            "group": cell_group,
            "time": cell_time,
            "estimate": core.att,
            "se": se,
            "ci_low": core.att - inference.crit_val * se,
            "ci_high": core.att + inference.crit_val * se,
            "n_treated": core.n_treated,
            "n_control": core.n_control,
            "post": [c.post for c in plan.cells],
        }
    )
    return ATTGTResult(
        method="cs",
        estimate=simple.overall,
        se=simple_se,
        ci_low=simple.overall - z * simple_se,
        ci_high=simple.overall + z * simple_se,
        n_units=len(arrays.first_treated),
        n_obs=arrays.n_obs,
        alpha=alpha,
        outcome=panel.outcome,
        call=call,
        **coded_warnings(codes),
        frequency=panel.frequency,
        att_gt=table,
        control=control,
        est_method=est_method,
        base_period=base_period,
        bootstrap=bootstrap,
        crit_val=inference.crit_val,
        uniform_band=inference.uniform,
        n_clusters=arrays.clusters.n_clusters,
        fit=fit,
        sample=sample,
    )


def _cell_warnings(cells: list[tuple[int, int]], key: str, frequency: str) -> list[WarningCode]:
    if not cells:
        return []
    listed = ", ".join(
        f"{period_label(g, frequency)}/{period_label(p, frequency)}" for g, p in cells[:10]
    )
    more = f" (+{len(cells) - 10})" if len(cells) > 10 else ""
    return [(key, {"cells": listed + more})]


def _check_every_cohort_compared(no_control: list[tuple[int, int]], plan, frequency: str) -> None:
    """A cohort none of whose cells has a comparison unit cannot be estimated at all."""
    lacking: dict[int, int] = {}
    for group, _ in no_control:
        lacking[group] = lacking.get(group, 0) + 1
    for group, count in lacking.items():
        if count == sum(1 for c in plan.cells if c.group == group and not c.reference):
            raise UserError("effects_cs.no_comparison", group=period_label(group, frequency))


# --------------------------------------------------------------------------------------------
# aggte


@dataclass
class _Aggregation:
    overall: float
    overall_se: float
    keys: np.ndarray  # event times / cohorts / periods (empty for simple)
    estimates: np.ndarray
    se: np.ndarray
    vcov: np.ndarray
    crit_val: float
    uniform: bool
    z: float
    codes: list[WarningCode]


def aggte(
    result: ATTGTResult,
    kind: Literal["simple", "dynamic", "group", "calendar"] = "simple",
    *,
    alpha: float | None = None,
    min_e: int | None = None,
    max_e: int | None = None,
    balance_e: int | None = None,
) -> AggregateResult:
    """Aggregate group-time ATTs as R ``did::aggte`` does.

    ``simple``: post-treatment ATT(g, t) weighted by cohort size; ``dynamic``: by event time
    ``e = t - g`` in periods (``min_e``/``max_e`` bound it, ``balance_e`` keeps only cohorts
    observed for ``balance_e`` periods after treatment), overall = mean over ``e >= 0``;
    ``group``: by cohort, overall weighted by cohort size; ``calendar``: by period, overall =
    mean over periods. Standard errors include the estimation of the cohort-size weights; with
    a bootstrapped ``result`` the same draws give bootstrap SEs and uniform bands.
    """
    _choose("kind", kind, KINDS)
    if result.fit is None:
        raise ValueError("this result carries no influence functions to aggregate")
    alpha = result.alpha if alpha is None else float(alpha)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")
    agg = _aggregate(result.fit, kind, alpha=alpha, min_e=min_e, max_e=max_e, balance_e=balance_e)
    key_column = {"dynamic": "rel_time", "group": "group", "calendar": "time"}.get(kind)
    table = pd.DataFrame()
    event_study = None
    event_vcov = None
    if key_column is not None:
        table = pd.DataFrame(
            {
                key_column: agg.keys.astype(np.int64),
                "estimate": agg.estimates,
                "se": agg.se,
                "ci_low": agg.estimates - agg.crit_val * agg.se,
                "ci_high": agg.estimates + agg.crit_val * agg.se,
            }
        )
    if kind == "dynamic":
        event_study = table.copy()
        event_vcov = agg.vcov
    codes = list(result.warning_codes) + agg.codes
    codes = list(dict.fromkeys((k, tuple(sorted(p.items()))) for k, p in codes))
    codes = [(k, dict(p)) for k, p in codes]
    call = dict(result.call)
    call.update(
        {
            "aggregation": kind,
            "alpha": alpha,
            "min_e": min_e,
            "max_e": max_e,
            "balance_e": balance_e,
        }
    )
    return AggregateResult(
        method=f"cs_{kind}",
        estimate=agg.overall,
        se=agg.overall_se,
        ci_low=agg.overall - agg.z * agg.overall_se,
        ci_high=agg.overall + agg.z * agg.overall_se,
        n_units=result.n_units,
        n_obs=result.n_obs,
        alpha=alpha,
        outcome=result.outcome,
        call=call,
        **coded_warnings(codes),
        frequency=result.frequency,
        kind=kind,
        table=table,
        crit_val=agg.crit_val,
        uniform_band=agg.uniform,
        event_study=event_study,
        event_vcov=event_vcov,
        sample=result.sample,
    )


@dataclass
class _Parts:
    """An aggregation before inference: estimates and their influence functions."""

    overall: float
    overall_inf: np.ndarray  # (n,)
    keys: list[int]
    estimates: np.ndarray
    item_inf: np.ndarray  # (n, len(keys))
    codes: list[WarningCode]


def _aggregate(
    fit: CSFit,
    kind: str,
    *,
    alpha: float,
    min_e: int | None,
    max_e: int | None,
    balance_e: int | None,
) -> _Aggregation:
    parts = _aggregate_parts(fit, kind, min_e=min_e, max_e=max_e, balance_e=balance_e)
    codes = list(parts.codes)
    n_items = len(parts.keys)
    inference = infer(
        np.column_stack([parts.item_inf, parts.overall_inf]),
        fit.clusters,
        alpha=alpha,
        bootstrap=fit.bootstrap,
        seed=fit.seed,
        weights=fit.weights,
        band_columns=n_items,
        vcov_columns=n_items if kind == "dynamic" else 0,
    )
    z = float(norm_ppf(1 - alpha / 2))
    crit = inference.crit_val if n_items else z
    uniform = inference.uniform and n_items > 0
    if uniform and crit >= LARGE_CRIT_VAL:
        codes.append(("effects_cs.warn_large_crit", {"crit": round(crit, 2)}))
    return _Aggregation(
        overall=parts.overall,
        overall_se=float(inference.se[-1]),
        keys=np.array(parts.keys, dtype=np.int64),
        estimates=parts.estimates,
        se=inference.se[:-1],
        vcov=inference.vcov,
        crit_val=crit,
        uniform=uniform,
        z=z,
        codes=codes,
    )


def _aggregate_parts(
    fit: CSFit,
    kind: str,
    *,
    min_e: int | None,
    max_e: int | None,
    balance_e: int | None,
) -> _Parts:
    codes: list[WarningCode] = []
    finite = np.isfinite(fit.att)
    if not finite.all():
        codes.append(("effects_cs.warn_cells_skipped", {"n": int((~finite).sum())}))
    event = (fit.cell_time - fit.cell_group) // fit.step
    post = fit.cell_group <= fit.cell_time
    lo = -np.inf if min_e is None else min_e
    hi = np.inf if max_e is None else max_e
    window = (event >= lo) & (event <= hi)
    # Cohort shares P(G = g) among all units: the weights of every aggregation.
    share = {int(g): float(np.mean(fit.unit_group == g)) for g in fit.groups}
    cell_share = np.array([share[int(g)] for g in fit.cell_group])
    psi = fit.influence

    def weighted(which: np.ndarray) -> tuple[float, np.ndarray]:
        """Cohort-share weighted mean of the selected cells and its influence function,
        including the estimation effect of the weights (R did's ``wif``)."""
        pg = cell_share[which]
        total = pg.sum()
        att = fit.att[which]
        w = pg / total
        inf = psi[:, which] @ w + _weights_influence(fit.unit_group, fit.cell_group[which], pg, att)
        return float(w @ att), inf

    keys: list[int] = []
    items: list[tuple[float, np.ndarray]] = []
    if kind == "simple":
        which = np.flatnonzero(post & window & finite)
        if which.size == 0:
            raise UserError("effects_cs.aggregation_empty")
        overall, overall_inf = weighted(which)
    elif kind == "group":
        for g in fit.groups:
            which = np.flatnonzero((fit.cell_group == g) & post & window & finite)
            if which.size:
                keys.append(int(g))
                items.append((float(fit.att[which].mean()), psi[:, which].mean(axis=1)))
        if not items:
            raise UserError("effects_cs.aggregation_empty")
        pgg = np.array([share[g] for g in keys])
        att_g = np.array([a for a, _ in items])
        inf_g = np.column_stack([i for _, i in items])
        overall = float(att_g @ pgg / pgg.sum())
        overall_inf = inf_g @ (pgg / pgg.sum()) + _weights_influence(
            fit.unit_group, np.array(keys), pgg, att_g
        )
    elif kind == "dynamic":
        include = finite.copy()
        eseq = np.unique(event[finite])
        if balance_e is not None:
            include, eseq = _balance(fit, event, finite, int(balance_e))
        eseq = eseq[(eseq >= lo) & (eseq <= hi)]
        for e in eseq:
            which = np.flatnonzero((event == e) & include)
            keys.append(int(e))
            items.append(weighted(which))
        if not items or not (np.array(keys) >= 0).any():
            raise UserError("effects_cs.aggregation_empty")
        positive = np.array(keys) >= 0
        att_e = np.array([a for a, _ in items])
        overall = float(att_e[positive].mean())
        overall_inf = np.column_stack([i for _, i in items])[:, positive].mean(axis=1)
    else:  # calendar
        for period in fit.periods[fit.periods >= fit.cell_group.min()]:
            which = np.flatnonzero((fit.cell_time == period) & post & finite)
            if which.size:
                keys.append(int(period))
                items.append(weighted(which))
        if not items:
            raise UserError("effects_cs.aggregation_empty")
        overall = float(np.mean([a for a, _ in items]))
        overall_inf = np.column_stack([i for _, i in items]).mean(axis=1)

    item_inf = np.column_stack([i for _, i in items]) if items else np.empty((len(psi), 0))
    return _Parts(
        overall=overall,
        overall_inf=overall_inf,
        keys=keys,
        estimates=np.array([a for a, _ in items]),
        item_inf=item_inf,
        codes=codes,
    )


def _weights_influence(
    unit_group: np.ndarray, cell_group: np.ndarray, pg: np.ndarray, att: np.ndarray
) -> np.ndarray:
    """Influence of estimating the cohort-share weights, R did's ``wif(...) %*% att``.

    ``wif[i, j] = (1{G_i = g_j} - pg_j) / S - sum_k (1{G_i = g_k} - pg_k) * pg_j / S^2`` with
    ``S = sum(pg)``; only the product with ``att`` is needed, computed per cohort, not per cell.
    """
    total = pg.sum()
    cohorts, index = np.unique(cell_group, return_inverse=True)
    att_sum = np.bincount(index, weights=att, minlength=len(cohorts))
    count = np.bincount(index, minlength=len(cohorts)).astype(float)
    position = np.searchsorted(cohorts, unit_group)
    position = np.clip(position, 0, len(cohorts) - 1)
    member = cohorts[position] == unit_group
    a_of_unit = np.where(member, att_sum[position], 0.0)
    c_of_unit = np.where(member, count[position], 0.0)
    pg_att = float(pg @ att)
    return (a_of_unit - pg_att) / total - (c_of_unit - total) * pg_att / total**2


def _balance(
    fit: CSFit, event: np.ndarray, finite: np.ndarray, balance_e: int
) -> tuple[np.ndarray, np.ndarray]:
    """R did 2.5's ``balance_e``: keep cohorts observed (with estimates) at every event time
    0..balance_e, and the event times every kept cohort covers."""
    last = int(fit.periods.max())
    eligible = [
        int(g)
        for g in fit.groups
        if (last - g) // fit.step >= balance_e
        and all(np.any((fit.cell_group == g) & (event == e) & finite) for e in range(balance_e + 1))
    ]
    if not eligible:
        raise UserError("effects_cs.aggregation_empty")
    include = np.isin(fit.cell_group, eligible) & finite
    eseq = np.unique(event[include])
    first = int(fit.periods.min())
    eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - (last - first) // fit.step)]
    return include, eseq
