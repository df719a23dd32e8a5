"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015).

One treated unit is compared with a weighted average of donor units, the weights W on the
simplex chosen so that the synthetic unit reproduces the treated unit before the treatment.

* Without predictors (the CLI default) W matches every pre-treatment outcome with equal
  weight: it minimises the pre-period mean squared prediction error (MSPE) directly.
* With predictors (column names averaged over the pre-period, or
  ``(column, periods, aggregation)`` tuples like pysyncon's special predictors), each
  predictor is divided by its standard deviation across units and V, the importance of each
  predictor, is chosen by a nested search minimising the pre-period outcome MSPE, as R Synth
  and pysyncon do. ``custom_v`` fixes V instead (e.g. V found on a training window, as in
  ADH 2015's cross-validation).

The effect ``estimate`` is the mean post-period gap (treated minus synthetic) in the
outcome's units. Inference is by in-space placebos (see :mod:`synth_inference`), with two
intervals, each the inversion of a permutation test:

* ``interval="constant_effect"`` (the default): the test of the post/pre RMSPE ratio
  (Abadie et al. 2010) inverted for a constant effect (Firpo & Possebom 2018). Empty when the
  effect is far from constant.
* ``interval="placebo_estimates"``: the test of the mean post-period gap against the
  placebos' own estimates (Conley & Taber 2011). Needs no constant effect.

The result reports the one asked for in ``ci_low``/``ci_high`` (its key in ``interval``), names
it in ``ci_method`` and gives its test's p-value as ``p_value``; ``intervals`` lists both. ``permutation_p_value`` is
always the RMSPE-ratio test's. Synthetic control has no sampling-theory standard error, so
``se`` is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from analytics.effects import synth_inference
from analytics.effects.results import (
    CI_METHODS,
    Diagnostics,
    EffectResult,
    WarningCode,
    coded_warnings,
    json_safe,
)
from analytics.effects.synth_data import PredictorSpec, SynthPanel, prepare
from analytics.effects.synth_fit import SynthEngine, UnitFit

METHOD = "sc"
# Pre-period fit is "poor" when the synthetic unit explains less than 75% of the treated
# unit's pre-period variation: pre-RMSPE above half its pre-period standard deviation.
POOR_FIT_SD_SHARE = 0.5
# The treated unit is "outside the convex hull" when it lies above every donor (or below
# every donor) in at least this share of the matched pre-periods.
HULL_SHARE = 0.25
SynthInterval = Literal["constant_effect", "placebo_estimates"]
INTERVALS: tuple[str, ...] = get_args(SynthInterval)
INTERVAL_COLUMNS = ["method", "ci_low", "ci_high", "p_value", "status"]


@dataclass(frozen=True, eq=False)
class SynthResult(EffectResult):
    """Synthetic control fit with placebo inference.

    Tables: ``weights`` (donor -> weight, sums to 1), ``v_weights`` (matched row -> V),
    ``gaps`` (time, treated, synthetic, gap), ``predictor_balance``, ``placebo_gaps``
    (time x donor), ``placebo_table`` (per unit RMSPEs, ratio, rank, excluded) and
    ``leave_one_out`` (dropped donor -> estimate and fit), ``intervals`` (both placebo
    intervals: method, ci_low, ci_high, p_value, status; the reported one is ``ci_method``).
    """

    weights: pd.Series = field(default_factory=pd.Series)
    v_weights: pd.Series = field(default_factory=pd.Series)
    pre_rmspe: float = math.nan
    post_rmspe: float = math.nan
    post_pre_ratio: float = math.nan
    loss_v: float = math.nan
    loss_w: float = math.nan
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    predictor_balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    permutation_p_value: float = math.nan
    placebo_estimate_p_value: float = math.nan
    intervals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTERVAL_COLUMNS))
    placebo_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    placebo_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_placebos: int = 0
    n_placebos_excluded: int = 0
    placebo_rmspe_cutoff: float | None = None
    leave_one_out: pd.DataFrame = field(default_factory=pd.DataFrame)
    leave_one_out_synthetic: pd.DataFrame = field(default_factory=pd.DataFrame)
    ci_method: str = CI_METHODS["none"]
    interval: str = "constant_effect"  # which of the two intervals ci_low/ci_high are
    treated_unit: Any = None
    treatment_start: Any = None
    n_pre_periods: int = 0
    n_post_periods: int = 0

    @property
    def p_value(self) -> float:
        """The p-value of the permutation test the reported interval inverts (NaN without
        placebos): the RMSPE ratio's for ``constant_effect``, the placebo estimates' for
        ``placebo_estimates``."""
        if self.interval == "placebo_estimates":
            return self.placebo_estimate_p_value
        return self.permutation_p_value

    def _diagnostics(self) -> Diagnostics:
        return Diagnostics(
            permutation_p_value=self.permutation_p_value,
            pre_rmspe=self.pre_rmspe,
            post_pre_ratio=self.post_pre_ratio,
            n_placebos=self.n_placebos,
        )

    def tidy(self) -> pd.DataFrame:
        """The headline ATT row, then one row per post-period gap (no se: see summary())."""
        head = super().tidy()
        head.loc[0, "term"] = "ATT (mean post-period gap)"
        post = self.gaps.loc[self.gaps["post"]]
        rows = pd.DataFrame(
            {
                "term": [f"gap[{x}]" for x in post["time"]],
                "estimate": post["gap"].to_numpy(),
                "se": np.nan,
                "t": np.nan,
                "p_value": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
            }
        )
        return pd.concat([head, rows], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        extra = {
            "treated_unit": self.treated_unit,
            "treatment_start": self.treatment_start,
            "n_donors": int(self.weights.size),
            "n_pre_periods": self.n_pre_periods,
            "n_post_periods": self.n_post_periods,
            "pre_rmspe": self.pre_rmspe,
            "post_rmspe": self.post_rmspe,
            "post_pre_ratio": self.post_pre_ratio,
            "p_value": self.p_value,
            "permutation_p_value": self.permutation_p_value,
            "placebo_estimate_p_value": self.placebo_estimate_p_value,
            "n_placebos": self.n_placebos,
            "n_placebos_excluded": self.n_placebos_excluded,
            "loss_v": self.loss_v,
            "ci_method": self.ci_method,
        }
        for key, value in extra.items():
            out[key] = [value]
        return out

    def summary(self) -> str:
        level = round((1 - self.alpha) * 100)
        top = self.weights[self.weights > 1e-6].sort_values(ascending=False)
        lines = [
            "Synthetic control (Abadie, Diamond & Hainmueller)",
            f"  outcome {self.outcome or '–'}; treated unit {self.treated_unit}, "
            f"treatment from {self.treatment_start}",
            f"  {self.n_pre_periods} pre-periods, {self.n_post_periods} post-periods, "
            f"{self.weights.size} donors",
            f"  estimate (mean post-period gap) {self.estimate:.6g}",
            f"  pre-RMSPE {self.pre_rmspe:.6g}  post-RMSPE {self.post_rmspe:.6g}  "
            f"post/pre ratio {self.post_pre_ratio:.4g}",
            f"  permutation p-value (post/pre RMSPE ratio) {self.permutation_p_value:.4g} "
            f"({self.n_placebos} placebos, {self.n_placebos_excluded} excluded)",
            f"  {level}% CI [{self.ci_low:.6g}, {self.ci_high:.6g}], p {self.p_value:.4g}: "
            f"{self.ci_method}",
            "  se: none. Synthetic control has no sampling-theory standard error; uncertainty",
            "  comes from the placebo distribution above.",
            "  donor weights: " + ", ".join(f"{k} {v:.4f}" for k, v in top.items()),
        ]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        base_keys = (
            "method",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n_units",
            "n_obs",
            "alpha",
            "outcome",
        )
        out: dict[str, Any] = {k: json_safe(getattr(self, k)) for k in base_keys}
        out["call"] = json_safe(self.call)
        out["warnings"] = list(self.warnings)
        out["weights"] = {str(k): float(v) for k, v in self.weights.items()}
        out["v_weights"] = {str(k): float(v) for k, v in self.v_weights.items()}
        out["pre_rmspe"] = json_safe(self.pre_rmspe)
        out["post_rmspe"] = json_safe(self.post_rmspe)
        out["post_pre_ratio"] = json_safe(self.post_pre_ratio)
        out["p_value"] = json_safe(self.p_value)
        out["gaps"] = [
            {"time": json_safe(row.time), "gap": json_safe(row.gap)}
            for row in self.gaps.itertuples()
        ]
        out["treated_unit"] = json_safe(self.treated_unit)
        out["treatment_start"] = json_safe(self.treatment_start)
        out["n_placebos"] = self.n_placebos
        out["n_placebos_excluded"] = self.n_placebos_excluded
        out["ci_method"] = self.ci_method
        out["interval"] = self.interval
        out["permutation_p_value"] = json_safe(self.permutation_p_value)
        out["intervals"] = json_safe(self.intervals)
        out["placebos"] = json_safe(self.placebo_table)
        out["leave_one_out"] = json_safe(self.leave_one_out)
        return out


def _check_options(alpha: float, cutoff: float | None, interval: str) -> None:
    if interval not in INTERVALS:
        raise ValueError(
            f"interval must be one of {', '.join(map(repr, INTERVALS))}; got {interval!r}"
        )
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    if cutoff is not None and not (isinstance(cutoff, (int, float)) and cutoff > 0):
        raise ValueError(f"placebo_rmspe_cutoff must be a positive number or None; got {cutoff!r}")


def _json_call(**kwargs: Any) -> dict[str, Any]:
    """The call as plain JSON values (ranges and tuples become lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, range | tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, str | int | float | bool) or value is None:
            return value
        return str(value)

    return {k: plain(v) for k, v in kwargs.items()}


def _custom_v_array(custom_v: Any, panel: SynthPanel) -> np.ndarray | None:
    if custom_v is None:
        return None
    rows = panel.predictors.index if panel.predictors is not None else panel.fit_periods
    if isinstance(custom_v, pd.Series):
        custom_v = custom_v.to_numpy()
    v = np.asarray(custom_v, dtype=float).ravel()
    if v.size != len(rows) or np.any(v < 0) or not np.isfinite(v).all() or v.sum() <= 0:
        raise ValueError(
            f"custom_v needs {len(rows)} non-negative weights (one per matched row); got {v.size}"
        )
    return v


def _warnings(engine: SynthEngine, main: UnitFit, pre_rmspe: float) -> list[WarningCode]:
    codes: list[WarningCode] = []
    y_pre = engine.y[engine.pre, main.treated]
    sd = float(np.std(y_pre, ddof=1)) if y_pre.size > 1 else 0.0
    if pre_rmspe > POOR_FIT_SD_SHARE * sd:
        codes.append(
            (
                "synth.warn.poor_fit",
                {"pre_rmspe": pre_rmspe, "sd": sd},
            )
        )
    fit_rows = engine.fit_rows
    treated = engine.y[fit_rows, main.treated]
    donors = engine.y[fit_rows][:, main.donors]
    outside = int(np.sum((treated > donors.max(axis=1)) | (treated < donors.min(axis=1))))
    if outside >= HULL_SHARE * fit_rows.size:
        codes.append(("synth.warn.convex_hull", {"n": outside, "total": int(fit_rows.size)}))
    return codes


def _few_placebo_warning(n_placebos: int, alpha: float) -> list[WarningCode]:
    floor = 1.0 / (n_placebos + 1)
    if floor > alpha:
        return [
            (
                "synth.warn.few_donors",
                {"j": n_placebos, "floor": floor, "alpha": float(alpha)},
            )
        ]
    return []


def synthetic_control(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Any,
    treatment_start: Any,
    predictors: Sequence[PredictorSpec] | None = None,
    donors: Iterable[Any] | None = None,
    placebos: bool = True,
    leave_one_out: bool = True,
    alpha: float = 0.05,
    optimize_v: bool | None = None,
    custom_v: Sequence[float] | np.ndarray | pd.Series | None = None,
    v_window: Iterable[Any] | None = None,
    placebo_rmspe_cutoff: float | None = None,
    interval: SynthInterval = "constant_effect",
) -> SynthResult:
    """Fit a synthetic control for ``treated_unit`` from ``treatment_start`` on.

    Parameters
    ----------
    df : long panel, one row per unit x period; ``outcome`` in its own units.
    predictors : None to match every pre-period outcome with equal weight, or a list of
        column names (averaged over the pre-period) and ``(column, periods, aggregation)``
        tuples (periods: any iterable of time values, e.g. ``range(1960, 1970)``;
        aggregation "mean", "median" or "std"), each standardised across units.
    donors : donor pool (default: every other unit).
    optimize_v : search V to minimise the pre-period outcome MSPE (default: True with
        predictors, False without, i.e. equal V).
    custom_v : fixed V, one non-negative weight per matched row (overrides optimize_v).
    v_window : periods whose outcome MSPE the V search minimises (default: all pre-periods);
        without predictors, the periods matched.
    placebo_rmspe_cutoff : drop placebos whose pre-RMSPE exceeds this multiple of the
        treated unit's before ranking (ADH 2010 use multiples of the MSPE: 20, 5, 2, i.e.
        RMSPE multiples of about 4.5, 2.2, 1.4); how many were dropped is reported.
    interval : which placebo interval the result reports (see the module docstring).
    """
    _check_options(alpha, placebo_rmspe_cutoff, interval)
    panel = prepare(
        df,
        unit=unit,
        time=time,
        outcome=outcome,
        treated_unit=treated_unit,
        treatment_start=treatment_start,
        predictors=predictors,
        donors=donors,
        v_window=v_window,
    )
    v_fixed = _custom_v_array(custom_v, panel)
    if optimize_v is None:
        optimize_v = panel.predictors is not None
    engine = SynthEngine(panel, optimize_v=bool(optimize_v), custom_v=v_fixed)
    labels = list(panel.outcome.columns)
    times = list(panel.outcome.index)
    donor_idx = np.arange(1, len(labels))
    main = engine.fit(0, donor_idx)
    pre_rmspe, post_rmspe = engine.rmspe(main.gaps)
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else math.inf
    estimate = float(np.mean(main.gaps[engine.post]))

    codes = list(panel.notes) + _warnings(engine, main, pre_rmspe)
    p_value = estimate_p = ci_low = ci_high = math.nan
    ci_method = CI_METHODS["none"]
    placebo_gaps, placebo_table = pd.DataFrame(), pd.DataFrame()
    intervals = pd.DataFrame(columns=INTERVAL_COLUMNS)
    n_placebos = n_excluded = 0
    if placebos:
        outcome_p = synth_inference.placebo_inference(
            engine, main, labels, times, alpha=alpha, cutoff=placebo_rmspe_cutoff
        )
        p_value, n_placebos, n_excluded = (
            outcome_p.p_value,
            outcome_p.n_placebos,
            outcome_p.n_excluded,
        )
        estimate_p = outcome_p.placebo_estimates.p_value
        both = (outcome_p.constant_effect, outcome_p.placebo_estimates)
        intervals = pd.DataFrame(
            [(i.method, i.low, i.high, i.p_value, i.status) for i in both],
            columns=INTERVAL_COLUMNS,
        )
        chosen = (
            outcome_p.placebo_estimates
            if interval == "placebo_estimates"
            else outcome_p.constant_effect
        )
        ci_low, ci_high, ci_method = chosen.low, chosen.high, CI_METHODS[interval]
        placebo_gaps, placebo_table = outcome_p.gaps, outcome_p.table
        codes += _few_placebo_warning(n_placebos, alpha)
        if n_excluded:
            codes.append(
                (
                    "synth.warn.placebos_excluded",
                    {"n": n_excluded, "k": float(placebo_rmspe_cutoff)},
                )
            )
        if chosen.status == "empty":
            codes.append(("synth.warn.ci_empty", {}))
    loo_table, loo_paths = pd.DataFrame(), pd.DataFrame()
    if leave_one_out:
        loo_table, loo_paths = synth_inference.leave_one_out(engine, main, labels, times)

    post_mask = np.zeros(len(times), dtype=bool)
    post_mask[engine.post] = True
    treated_path = engine.y[:, 0]
    gaps = pd.DataFrame(
        {
            "time": times,
            "treated": treated_path,
            "synthetic": treated_path - main.gaps,
            "gap": main.gaps,
            "post": post_mask,
        }
    )
    weights = pd.Series(main.weights, index=pd.Index(labels[1:], name="donor"), name="weight")
    row_labels = (
        list(panel.predictors.index)
        if panel.predictors is not None
        else [str(p) for p in panel.fit_periods]
    )
    v_weights = pd.Series(main.v, index=pd.Index(row_labels, name="predictor"), name="v")
    balance = _balance(panel, main, row_labels)
    n_units = len(labels)
    return SynthResult(
        method=METHOD,
        estimate=estimate,
        se=math.nan,
        ci_low=ci_low,
        ci_high=ci_high,
        n_units=n_units,
        n_obs=n_units * len(times),
        alpha=alpha,
        outcome=outcome,
        call=_json_call(
            unit=unit,
            time=time,
            outcome=outcome,
            treated_unit=treated_unit,
            treatment_start=treatment_start,
            predictors=predictors,
            donors=None if donors is None else list(donors),
            placebos=placebos,
            leave_one_out=leave_one_out,
            alpha=alpha,
            optimize_v=optimize_v,
            custom_v=None if v_fixed is None else v_fixed,
            v_window=None if v_window is None else list(v_window),
            placebo_rmspe_cutoff=placebo_rmspe_cutoff,
            interval=interval,
        ),
        **coded_warnings(codes),
        weights=weights,
        v_weights=v_weights,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        post_pre_ratio=ratio,
        loss_v=main.loss_v,
        loss_w=main.loss_w,
        gaps=gaps,
        predictor_balance=balance,
        permutation_p_value=p_value,
        placebo_estimate_p_value=estimate_p,
        intervals=intervals,
        placebo_gaps=placebo_gaps,
        placebo_table=placebo_table,
        n_placebos=n_placebos,
        n_placebos_excluded=n_excluded,
        placebo_rmspe_cutoff=placebo_rmspe_cutoff,
        leave_one_out=loo_table,
        leave_one_out_synthetic=loo_paths,
        ci_method=ci_method,
        interval=interval,
        treated_unit=panel.treated,
        treatment_start=panel.treatment_start,
        n_pre_periods=len(panel.pre_periods),
        n_post_periods=len(panel.post_periods),
    )


def _balance(panel: SynthPanel, main: UnitFit, row_labels: list[str]) -> pd.DataFrame:
    """Matched rows for the treated unit, its synthetic unit and the plain donor average."""
    if panel.predictors is not None:
        raw = panel.predictors.to_numpy(dtype=float)
    else:
        raw = panel.outcome.loc[list(panel.fit_periods)].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "predictor": row_labels,
            "treated": raw[:, 0],
            "synthetic": raw[:, 1:] @ main.weights,
            "donor_mean": raw[:, 1:].mean(axis=1),
            "v_weight": main.v,
        }
    )
