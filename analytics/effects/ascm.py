"""Augmented synthetic control (ridge ASCM; Ben-Michael, Feller & Rothstein 2021) with
conformal inference (Chernozhukov, Wüthrich & Zhu 2021), for one treated unit.

Synthetic control's weights stay on the simplex, so when the treated unit lies outside the
donors' convex hull its pre-period fit stays poor and the estimate biased. Ridge ASCM corrects
the synthetic control by a ridge regression of its pre-period residual on the donors' outcomes
(:mod:`analytics.effects.ascm_fit`); the effective weights ``omega + gamma`` may be negative.
The ridge penalty is chosen as R augsynth chooses it (leave-one-period-out cross-validation,
the largest penalty within one standard error of the best) unless given.

The effect ``estimate`` is the mean post-period gap (treated minus augmented synthetic) in the
outcome's units. Its interval inverts CWZ's conformal permutation test of a constant effect
(moving blocks, the ASCM refitted under each null; :mod:`analytics.effects.ascm_conformal`),
as ``augsynth(..., inf_type = "conformal")``; ``p_value`` is that test's at zero effect. The
interval may be unbounded (the test rejects no constant effect however large: common with more
donors than periods) or empty (it rejects every one: the effect is far from constant); the
result then says so and draws no conclusion. There is no standard error (``se`` is NaN).

Validated against augsynth-py 0.6.0 run live (estimate, weights, ridge path, conformal
p-values and interval) in ``tests/effects/test_ascm.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.ascm_conformal import (
    GRID_SIZE,
    ConformalInterval,
    ConformalTest,
    conformal_interval,
)
from analytics.effects.ascm_fit import LambdaPath, RidgeFit, cross_validate, fit_ridge_ascm
from analytics.effects.results import (
    CI_METHODS,
    Diagnostics,
    EffectResult,
    WarningCode,
    coded_warnings,
    json_safe,
)
from analytics.effects.synth_data import prepare

METHOD = "ascm"
CI_METHOD = CI_METHODS["conformal"]
# The ridge step "nearly interpolates" the pre-period when it removes all but this share of
# the SCM's imbalance: its counterfactual then rests on the ridge extrapolation.
INTERPOLATING_SHARE = 0.01


@dataclass(frozen=True)
class ASCMDiagnostics(Diagnostics):
    """Synthetic control's diagnostics plus the ridge penalty, the pre-period imbalance of the
    augmented fit (L2, and as a share of equal weights') and the conformal p-values."""

    ridge_lambda: float | None = None
    l2_imbalance: float | None = None
    scaled_l2_imbalance: float | None = None
    conformal_p_value: float | None = None
    n_donors: int | None = None


@dataclass(frozen=True, eq=False)
class ASCMResult(EffectResult):
    """Ridge ASCM fit with conformal inference.

    Tables: ``weights`` (donor -> effective weight ``omega + gamma``), ``scm_weights``
    (``omega``, on the simplex), ``ridge_weights`` (``gamma``, sums to zero), ``gaps`` (time,
    treated, synthetic, synthetic_scm, gap, post) and ``lambda_path`` (the cross-validation:
    lambda, cv_error, cv_error_se; empty when the penalty was given).
    """

    ci_method: str = CI_METHOD
    weights: pd.Series = field(default_factory=pd.Series, repr=False)
    scm_weights: pd.Series = field(default_factory=pd.Series, repr=False)
    ridge_weights: pd.Series = field(default_factory=pd.Series, repr=False)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    lambda_path: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    ridge_lambda: float = math.nan
    lambda_chosen_by: str = "cv"  # "cv" (R augsynth's rule) or "given"
    fixedeff: bool = True
    pre_rmspe: float = math.nan
    l2_imbalance: float = math.nan
    scaled_l2_imbalance: float = math.nan
    scm_l2_imbalance: float = math.nan
    conformal_p_value: float = math.nan
    p_value_infinity: float = math.nan
    interval_status: str = "bounded"  # "bounded", "unbounded" or "empty"
    interval_contiguous: bool = True
    grid_step: float = math.nan
    treated_unit: Any = None
    treatment_start: Any = None
    n_pre_periods: int = 0
    n_post_periods: int = 0

    @property
    def p_value(self) -> float:
        """The conformal p-value of no effect: the test the interval inverts."""
        return self.conformal_p_value

    @property
    def no_conclusion_reason(self) -> WarningCode | None:
        """Why no plain-language conclusion may be drawn: the interval is unbounded or empty."""
        if self.interval_status == "unbounded":
            return ("effects_ascm.read_unbounded", {})
        if self.interval_status == "empty":
            return ("effects_ascm.read_empty", {})
        return None

    def _diagnostics(self) -> Diagnostics:
        return ASCMDiagnostics(
            pre_rmspe=self.pre_rmspe,
            ridge_lambda=self.ridge_lambda,
            l2_imbalance=self.l2_imbalance,
            scaled_l2_imbalance=self.scaled_l2_imbalance,
            conformal_p_value=self.conformal_p_value,
            n_donors=int(self.weights.size),
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
            "ridge_lambda": self.ridge_lambda,
            "lambda_chosen_by": self.lambda_chosen_by,
            "fixedeff": self.fixedeff,
            "pre_rmspe": self.pre_rmspe,
            "l2_imbalance": self.l2_imbalance,
            "scaled_l2_imbalance": self.scaled_l2_imbalance,
            "scm_l2_imbalance": self.scm_l2_imbalance,
            "interval_status": self.interval_status,
            "grid_step": self.grid_step,
            "negative_weights": int((self.weights < 0).sum()),
        }
        for key, value in extra.items():
            out[key] = [value]
        return out

    def summary(self) -> str:
        level = round((1 - self.alpha) * 100)
        top = self.weights.reindex(self.weights.abs().sort_values(ascending=False).index)
        top = top[top.abs() > 1e-6].head(8)
        lines = [
            "Augmented synthetic control (ridge ASCM; Ben-Michael, Feller & Rothstein)",
            f"  outcome {self.outcome or '–'}; treated unit {self.treated_unit}, "
            f"treatment from {self.treatment_start}",
            f"  {self.n_pre_periods} pre-periods, {self.n_post_periods} post-periods, "
            f"{self.weights.size} donors, unit fixed effects {'on' if self.fixedeff else 'off'}",
            f"  estimate (mean post-period gap) {self.estimate:.6g}",
            f"  ridge lambda {self.ridge_lambda:.6g} ({self.lambda_chosen_by}); pre-RMSPE "
            f"{self.pre_rmspe:.6g}; L2 imbalance {self.l2_imbalance:.6g} (scaled "
            f"{self.scaled_l2_imbalance:.4g}; SCM alone {self.scm_l2_imbalance:.6g})",
            f"  {level}% CI [{self.ci_low:.6g}, {self.ci_high:.6g}] ({self.interval_status}), "
            f"p {self.p_value:.4g}: {self.ci_method}",
            "  se: none; uncertainty comes from the conformal permutation test.",
            "  largest weights: " + ", ".join(f"{k} {v:+.4f}" for k, v in top.items()),
        ]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("weights", "scm_weights", "ridge_weights", "gaps", "lambda_path"):
            out.pop(name, None)
        out.update(json_extras(self))
        return out


def json_extras(result: ASCMResult) -> dict[str, Any]:
    """The keys an ASCM result adds to the contract's in JSON (the CLI prints these)."""
    return {
        "p_value": json_safe(result.p_value),
        "weights": _weights(result.weights),
        "scm_weights": _weights(result.scm_weights),
        "ridge_weights": _weights(result.ridge_weights),
        "ridge_lambda": json_safe(result.ridge_lambda),
        "lambda_chosen_by": result.lambda_chosen_by,
        "lambda_path": json_safe(result.lambda_path),
        "fixedeff": result.fixedeff,
        "pre_rmspe": json_safe(result.pre_rmspe),
        "l2_imbalance": json_safe(result.l2_imbalance),
        "scaled_l2_imbalance": json_safe(result.scaled_l2_imbalance),
        "interval_status": result.interval_status,
        "grid_step": json_safe(result.grid_step),
        "treated_unit": json_safe(result.treated_unit),
        "treatment_start": json_safe(result.treatment_start),
        "gaps": [
            {
                "time": json_safe(r.time),
                "treated": json_safe(r.treated),
                "synthetic": json_safe(r.synthetic),
                "gap": json_safe(r.gap),
            }
            for r in result.gaps.itertuples()
        ],
    }


def _weights(weights: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in weights.items()}


def augmented_synthetic_control(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Any,
    treatment_start: Any,
    donors: Iterable[Any] | None = None,
    ridge_lambda: float | None = None,
    fixedeff: bool = True,
    alpha: float = 0.05,
    grid_size: int = GRID_SIZE,
) -> ASCMResult:
    """Ridge ASCM for ``treated_unit`` from ``treatment_start`` on, with a conformal interval.

    Parameters
    ----------
    df : long panel, one row per unit x period; ``outcome`` in its own units.
    donors : donor pool (default: every other unit).
    ridge_lambda : the ridge penalty (> 0); None chooses it by R augsynth's cross-validation.
    fixedeff : centre every unit on its own pre-period mean first (augsynth's ``fixedeff``).
    grid_size : points of the grid the conformal test is inverted on (the bounds' resolution
        is reported as ``grid_step``).
    """
    _check_options(alpha, ridge_lambda, grid_size)
    call = _call(locals())
    panel = prepare(
        df,
        unit=unit,
        time=time,
        outcome=outcome,
        treated_unit=treated_unit,
        treatment_start=treatment_start,
        predictors=None,
        donors=donors,
    )
    y = panel.outcome.to_numpy(dtype=float)
    times = list(panel.outcome.index)
    pre_periods = set(panel.pre_periods)
    pre = np.array([t in pre_periods for t in times])
    path: LambdaPath | None = None
    if ridge_lambda is None:
        path = cross_validate(y, pre, fixedeff)
        ridge_lambda = path.chosen
    fit = fit_ridge_ascm(y, pre, float(ridge_lambda), fixedeff)
    gap = y[:, 0] - fit.synthetic
    estimate = float(gap[~pre].mean())
    test = ConformalTest(y, ~pre, fit.lambda_, fixedeff)
    interval = conformal_interval(test, estimate, gap[~pre], alpha, grid_size)
    donor_index = pd.Index([str(d) for d in panel.donors], name="donor")
    codes = _warnings(fit, path, interval, pre, fixedeff, alpha)
    return ASCMResult(
        method=METHOD,
        estimate=estimate,
        se=math.nan,
        ci_low=interval.low,
        ci_high=interval.high,
        n_units=y.shape[1],
        n_obs=y.size,
        alpha=alpha,
        outcome=outcome,
        call=call,
        **coded_warnings(codes),
        weights=pd.Series(fit.weights, index=donor_index, name="weight"),
        scm_weights=pd.Series(fit.omega, index=donor_index, name="weight"),
        ridge_weights=pd.Series(fit.gamma, index=donor_index, name="weight"),
        gaps=pd.DataFrame(
            {
                "time": times,
                "treated": y[:, 0],
                "synthetic": fit.synthetic,
                "synthetic_scm": fit.synthetic_scm,
                "gap": gap,
                "post": ~pre,
            }
        ),
        lambda_path=pd.DataFrame() if path is None else path.to_frame(),
        ridge_lambda=fit.lambda_,
        lambda_chosen_by="given" if path is None else "cv",
        fixedeff=fixedeff,
        pre_rmspe=float(np.sqrt(np.mean(gap[pre] ** 2))),
        l2_imbalance=fit.l2_imbalance,
        scaled_l2_imbalance=fit.scaled_l2_imbalance,
        scm_l2_imbalance=fit.scm_l2_imbalance,
        conformal_p_value=interval.p_value,
        p_value_infinity=interval.p_value_infinity,
        interval_status=interval.status,
        interval_contiguous=interval.contiguous,
        grid_step=interval.grid_step,
        treated_unit=panel.treated,
        treatment_start=panel.treatment_start,
        n_pre_periods=int(pre.sum()),
        n_post_periods=int((~pre).sum()),
    )


def _check_options(alpha: float, ridge_lambda: float | None, grid_size: int) -> None:
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    if ridge_lambda is not None and not (
        isinstance(ridge_lambda, (int, float)) and math.isfinite(ridge_lambda) and ridge_lambda > 0
    ):
        raise ValueError(f"ridge_lambda must be a positive number or None; got {ridge_lambda!r}")
    if not (isinstance(grid_size, int) and grid_size >= 10):
        raise ValueError(f"grid_size must be an integer of at least 10; got {grid_size!r}")


def _warnings(
    fit: RidgeFit,
    path: LambdaPath | None,
    interval: ConformalInterval,
    pre: np.ndarray,
    fixedeff: bool,
    alpha: float,
) -> list[WarningCode]:
    codes: list[WarningCode] = []
    n_pre, n_post, n_donors = int(pre.sum()), int((~pre).sum()), fit.omega.size
    if path is not None and fit.lambda_ == path.lambdas[-1]:
        codes.append(("effects_ascm.warn_lambda_smallest", {"lambda": fit.lambda_}))
    if fit.scm_l2_imbalance > 0 and fit.l2_imbalance < INTERPOLATING_SHARE * fit.scm_l2_imbalance:
        codes.append(("effects_ascm.warn_interpolates", {"donors": n_donors, "periods": n_pre}))
    if interval.status == "unbounded":
        codes.append(
            ("effects_ascm.warn_unbounded", {"donors": n_donors, "periods": n_pre + n_post})
        )
    elif interval.status == "empty":
        codes.append(("effects_ascm.warn_empty", {}))
    elif not interval.contiguous:
        codes.append(("effects_ascm.warn_not_contiguous", {}))
    floor = 1 / (n_pre + n_post)
    if floor > alpha:
        codes.append(("effects_ascm.warn_few_periods", {"n": n_pre + n_post, "floor": floor}))
    if fixedeff and n_post >= n_pre:
        codes.append(("effects_ascm.warn_post_dominated", {"pre": n_pre, "post": n_post}))
    return codes


def _call(arguments: dict[str, Any]) -> dict[str, Any]:
    """The call as plain JSON values (without the data frame), so the result remembers it."""

    def plain(value: Any) -> Any:
        if isinstance(value, str | int | float | bool) or value is None:
            return value
        if isinstance(value, Iterable):
            return [plain(v) for v in value]
        return str(value)

    return {k: plain(v) for k, v in arguments.items() if k != "df"}
