"""Honest DiD: how wrong may parallel trends be before the conclusion falls? (Rambachan &
Roth 2023, "A More Credible Approach to Parallel Trends", with the confidence sets of their R
package HonestDiD 0.2.8.)

Works on the event study of any result with ``event_study`` (rel_time, estimate, se) and
``event_vcov``: Callaway-Sant'Anna's dynamic aggregation with a universal base period,
Sun-Abraham, imputation. The coefficients must be consecutive event times with the reference at
-1 (HonestDiD's ``honest_did`` asks the same); the imputation estimator's pre-period
coefficients are measured against its farthest horizons and are re-based to -1 here (a warning
says so). The parameter is ``theta = l'tau_post``: the average of the post-period effects
(``target="average"``, our headline) or the effect ``e`` periods after the start
(``target=e``; HonestDiD's default is ``e = 0``).

Two restrictions on the post-period violation of parallel trends ``delta_post``:

* ``rm``, relative magnitudes Delta^RM(Mbar): each post-period change of the violation is at
  most ``Mbar`` times the largest change between consecutive pre-periods; the confidence set
  is the union of ARP hybrid (``C-LF``, the package default) or conditional tests over the
  location and sign of that largest change (:mod:`honest_rm`);
* ``smooth``, smoothness Delta^SD(M): the slope of the violation changes by at most ``M``
  (in the outcome's units per period) between consecutive periods; the confidence set is the
  package's default fixed-length interval (FLCI, :mod:`honest_flci`).

The breakdown value is the smallest Mbar (or M) at which the robust set includes zero, found by
bisection to :data:`BREAKDOWN_TOL` (0 when the set includes zero already under exact parallel
trends, infinity when it never does up to :data:`BREAKDOWN_MAX`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from analytics.effects.distributions import norm_ppf
from analytics.effects.honest_flci import sd_flci
from analytics.effects.honest_rm import EventStudy, rm_confidence_set, rm_identified_set
from analytics.effects.reading import read_result
from analytics.effects.results import (
    CI_METHODS,
    Diagnostics,
    EffectResult,
    WarningCode,
    coded_warnings,
    json_safe,
    warning_param,
)
from analytics.i18n import fmt_number, t

Restriction = Literal["rm", "smooth"]
RESTRICTIONS: tuple[str, ...] = get_args(Restriction)
RmMethod = Literal["C-LF", "Conditional"]
RM_METHODS: tuple[str, ...] = get_args(RmMethod)
DEFAULT_MBAR: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
BREAKDOWN_TOL = 0.005
BREAKDOWN_MAX = 64.0
ROBUST_CI_METHODS = {
    "C-LF": "Delta^RM(Mbar): union over the largest pre-period change of ARP hybrid tests with "
    "a least-favourable first stage (C-LF; Rambachan & Roth 2023, HonestDiD)",
    "Conditional": "Delta^RM(Mbar): union over the largest pre-period change of ARP "
    "conditional tests (Rambachan & Roth 2023, HonestDiD)",
    "FLCI": "Delta^SD(M): optimal fixed-length confidence interval (FLCI; Rambachan & Roth "
    "2023, HonestDiD)",
}


@dataclass(frozen=True)
class SensitivityResult(EffectResult):
    """Robust confidence sets for ``theta`` (the headline ``estimate``, with its interval under
    exact parallel trends) for each Mbar (``rm``) or M (``smooth``).

    ``sensitivity``: rows ``restriction, mbar, lb, ub`` (NaN bounds: no value accepted);
    ``breakdown``: see the module docstring; ``identified``: for ``rm``, the identified set's
    bounds per Mbar (no sampling error); ``rel_times``: the event times used, pre then post.
    """

    restriction: str = "rm"
    robust_method: str = "C-LF"
    target: str = "average"
    base_method: str = ""
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    breakdown: float = math.nan
    rel_times: tuple[int, ...] = ()
    pretrend: Any = field(default=None, repr=False, compare=False)

    def reading(self, lang: str) -> str:
        """The headline's reading, then the robust sets and the breakdown value."""
        return read_result(self, lang) + " " + read_sensitivity(self, lang)

    @property
    def robust_ci_method(self) -> str:
        return ROBUST_CI_METHODS[self.robust_method]

    def _diagnostics(self) -> Diagnostics:
        return Diagnostics(
            pretrend=self.pretrend,
            breakdown_mbar=self.breakdown if self.restriction == "rm" else None,
        )

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        head.loc[0, "term"] = "theta"
        name = "Mbar" if self.restriction == "rm" else "M"
        rows = [
            {
                "term": f"{name}={row.mbar:g}",
                "estimate": self.estimate,
                "se": np.nan,
                "t": np.nan,
                "p_value": np.nan,
                "ci_low": row.lb,
                "ci_high": row.ub,
            }
            for row in self.sensitivity.itertuples()
        ]
        return pd.concat([head, pd.DataFrame(rows, columns=head.columns)], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["restriction"] = self.restriction
        out["robust_ci_method"] = self.robust_ci_method
        out["target"] = self.target
        out["breakdown"] = self.breakdown
        return out

    def summary(self) -> str:
        name = "Mbar" if self.restriction == "rm" else "M"
        level = round((1 - self.alpha) * 100)
        lines = [super().summary(), f"  robust {level}% sets: {self.robust_ci_method}"]
        for row in self.sensitivity.itertuples():
            lines.append(f"    {name} = {row.mbar:g}: [{row.lb:.6g}, {row.ub:.6g}]")
        lines.append(f"  breakdown {name}: {self.breakdown:.4g}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("sensitivity", "pretrend"):
            out.pop(name, None)
        out.update(sensitivity_json(self))
        return out


def sensitivity_json(result: SensitivityResult) -> dict[str, Any]:
    """The CLI's JSON keys: ``sensitivity`` rows, ``breakdown`` and how they were made."""
    rows = result.sensitivity[["restriction", "mbar", "lb", "ub"]]
    return {
        "sensitivity": json_safe(rows),
        "breakdown": json_safe(result.breakdown),
        "sensitivity_method": result.robust_ci_method,
        "sensitivity_target": result.target,
        "sensitivity_rel_times": list(result.rel_times),
    }


# --------------------------------------------------------------------------------------------
# From an estimator's result to HonestDiD's inputs


def event_study_input(
    result: Any, target: str | int = "average"
) -> tuple[EventStudy, tuple[int, ...], list[WarningCode]]:
    """``betahat``/``sigma`` without the reference period, the event times they belong to, and
    warning codes; raises ValueError (with the reason) when the event study does not fit."""
    events = getattr(result, "event_study", None)
    vcov = getattr(result, "event_vcov", None)
    if events is None or len(events) == 0 or vcov is None:
        raise ValueError("the sensitivity analysis needs an event study with its covariance")
    events = events.reset_index(drop=True)
    rel = events["rel_time"].to_numpy(dtype=int)
    se = events["se"].to_numpy(dtype=float)
    usable = np.isfinite(se) & (se > 0)
    codes: list[WarningCode] = []
    beta = events["estimate"].to_numpy(dtype=float)
    vcov = np.asarray(vcov, dtype=float)
    if getattr(result, "reference_period", -1) is None and usable.all() and (rel == -1).any():
        beta, vcov, rel, usable = _rebased(beta, vcov, rel)
        codes.append(("effects_honest.rebased", {}))
    keep = np.flatnonzero(usable)
    order = keep[np.argsort(rel[keep])]
    rel_kept = rel[order]
    expected = [e for e in range(rel_kept.min(), rel_kept.max() + 1) if e != -1]
    if rel_kept.tolist() != expected:
        raise ValueError(
            "the sensitivity analysis needs consecutive event times with the reference at -1; "
            f"got {rel_kept.tolist()}"
        )
    n_pre = int((rel_kept < -1).sum())
    n_post = int((rel_kept >= 0).sum())
    if n_pre < 1 or n_post < 1:
        raise ValueError("the sensitivity analysis needs pre-period and post-period coefficients")
    study = EventStudy(
        betahat=beta[order],
        sigma=vcov[np.ix_(order, order)],
        n_pre=n_pre,
        n_post=n_post,
        l_vec=_l_vec(target, n_post),
    )
    return study, tuple(int(e) for e in rel_kept), codes


def _rebased(beta, vcov, rel):
    """Coefficients measured against the farthest horizons (value 0), re-based to e = -1: the
    pre-period ones become ``beta_e - beta_{-1}`` (the farthest horizon ``-beta_{-1}``), the
    post-period ones stay."""
    farthest = int(rel.min()) - 1
    new_rel = np.array(sorted({farthest, *rel.tolist()} - {-1}))
    at = {int(e): i for i, e in enumerate(rel)}
    transform = np.zeros((len(new_rel), len(rel)))
    for row, e in enumerate(new_rel):
        if e in at:
            transform[row, at[e]] = 1.0
        if e < -1:
            transform[row, at[-1]] -= 1.0
    new_beta = transform @ beta
    new_vcov = transform @ vcov @ transform.T
    return new_beta, new_vcov, new_rel, np.ones(len(new_rel), dtype=bool)


def _l_vec(target: str | int, n_post: int) -> np.ndarray:
    if target == "average":
        return np.full(n_post, 1.0 / n_post)
    try:
        e = int(target)
    except (TypeError, ValueError):
        raise ValueError(
            f"target must be 'average' or an event time >= 0; got {target!r}"
        ) from None
    if not 0 <= e < n_post:
        raise ValueError(f"target event time {e} is not among the post-periods 0..{n_post - 1}")
    vec = np.zeros(n_post)
    vec[e] = 1.0
    return vec


# --------------------------------------------------------------------------------------------
# The analysis


def robust_set(
    study: EventStudy, restriction: Restriction, value: float, *, alpha: float, method: str
) -> tuple[float, float]:
    """The robust confidence set ``(lb, ub)`` at one Mbar (rm) or M (smooth)."""
    if restriction == "rm":
        hybrid = "LF" if method == "C-LF" else "ARP"
        cs = rm_confidence_set(study, value, alpha=alpha, hybrid=hybrid)
        return cs.lb, cs.ub
    flci = sd_flci(study, value, alpha=alpha)
    return flci.lb, flci.ub


def breakdown_value(
    study: EventStudy, restriction: Restriction, *, alpha: float, method: str
) -> float:
    """The smallest Mbar (M) at which the robust set includes zero (module docstring)."""

    def covers_zero(value: float) -> bool:
        lb, ub = robust_set(study, restriction, value, alpha=alpha, method=method)
        return not (np.isfinite(lb) and np.isfinite(ub)) or lb <= 0 <= ub

    if covers_zero(0.0):
        return 0.0
    # Mbar is a ratio; M is in the outcome's units per period squared: scale its search by the
    # standard error of theta.
    unit = 1.0 if restriction == "rm" else study.sd_theta
    high = unit
    while not covers_zero(high):
        high *= 2
        if high > BREAKDOWN_MAX * unit:
            return math.inf
    low = 0.0 if high == unit else high / 2
    while high - low > BREAKDOWN_TOL * unit:
        middle = (low + high) / 2
        if covers_zero(middle):
            high = middle
        else:
            low = middle
    return float(high)


def _breakdown(result: Any, study: EventStudy, restriction, alpha, method, target) -> float:
    """The result's own breakdown value when its diagnostics computed the same one (the
    average effect under relative magnitudes, C-LF, same alpha); computed here otherwise."""
    same = (restriction, method, str(target)) == ("rm", "C-LF", "average")
    if same and float(getattr(result, "alpha", math.nan)) == alpha:
        known = getattr(getattr(result, "diagnostics", None), "breakdown_mbar", None)
        if known is not None and not math.isnan(known):
            return float(known)
    return breakdown_value(study, restriction, alpha=alpha, method=method)


def honest_sensitivity(
    result: Any,
    restriction: Restriction = "rm",
    grid: Sequence[float] | None = None,
    *,
    target: str | int = "average",
    alpha: float | None = None,
    method: str | None = None,
) -> SensitivityResult:
    """Robust confidence sets for the event study of ``result`` under ``restriction``.

    ``grid``: the Mbar values (rm, default :data:`DEFAULT_MBAR`) or M values (smooth, default
    ten values from 0 to HonestDiD's upper bound for M from the pre-periods). ``method``:
    ``C-LF`` (default) or ``Conditional`` for rm; ``FLCI`` for smooth.
    """
    if restriction not in RESTRICTIONS:
        raise ValueError(
            f"restriction must be one of {', '.join(RESTRICTIONS)}; got {restriction!r}"
        )
    method = _method(restriction, method)
    alpha = float(getattr(result, "alpha", 0.05) if alpha is None else alpha)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")
    study, rel_times, codes = event_study_input(result, target)
    values = _grid(study, restriction, grid)
    rows = []
    for value in values:
        lb, ub = robust_set(study, restriction, value, alpha=alpha, method=method)
        row = {"restriction": restriction, "mbar": float(value), "lb": lb, "ub": ub}
        if restriction == "rm":
            row["id_lb"], row["id_ub"] = rm_identified_set(study, value)
        rows.append(row)
    breakdown = _breakdown(result, study, restriction, alpha, method, target)
    z = norm_ppf(1 - alpha / 2)
    theta, se = study.theta, study.sd_theta
    call = {"restriction": restriction, "grid": list(values), "target": str(target)}
    call.update({"alpha": alpha, "method": method, "base": dict(getattr(result, "call", {}))})
    return SensitivityResult(
        method=f"honest_{restriction}",
        estimate=theta,
        se=se,
        ci_low=theta - z * se,
        ci_high=theta + z * se,
        n_units=int(getattr(result, "n_units", 0)),
        n_obs=int(getattr(result, "n_obs", 0)),
        alpha=alpha,
        outcome=getattr(result, "outcome", ""),
        call=call,
        ci_method=CI_METHODS["normal"],
        sample=getattr(result, "sample", None),
        **coded_warnings(list(getattr(result, "warning_codes", ())) + codes),
        restriction=restriction,
        robust_method=method,
        target=str(target),
        base_method=getattr(result, "method", ""),
        sensitivity=pd.DataFrame(rows),
        breakdown=breakdown,
        rel_times=rel_times,
        pretrend=getattr(getattr(result, "diagnostics", None), "pretrend", None),
    )


def _method(restriction: str, method: str | None) -> str:
    if restriction == "smooth":
        if method not in (None, "FLCI"):
            raise ValueError(f"smoothness sets are computed as FLCI; got method {method!r}")
        return "FLCI"
    if method is None:
        return "C-LF"
    if method not in RM_METHODS:
        raise ValueError(f"method must be one of {', '.join(RM_METHODS)}; got {method!r}")
    return method


def _grid(study: EventStudy, restriction: str, grid: Sequence[float] | None) -> list[float]:
    if grid is not None:
        values = [float(v) for v in grid]
        if not values or any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"the Mbar / M values must be non-negative numbers; got {list(grid)}")
        return values
    if restriction == "rm":
        return list(DEFAULT_MBAR)
    return list(np.linspace(0.0, _m_upper_bound(study), 10))


def _m_upper_bound(study: EventStudy, alpha: float = 0.05) -> float:
    """HonestDiD's ``DeltaSD_upperBound_Mpre``: the largest one-sided ``1 - alpha`` upper
    bound of the pre-period second differences (with the reference at 0); with one
    pre-period, its standard error."""
    k = study.n_pre
    if k < 2:
        return float(np.sqrt(study.sigma[0, 0]))
    second = np.zeros((k - 1, k))
    for r in range(k - 2):
        second[r, r : r + 3] = (1.0, -2.0, 1.0)
    second[k - 2, k - 2 : k] = (1.0, -2.0)
    beta, sigma = study.betahat[:k], study.sigma[:k, :k]
    diffs = second @ beta
    se = np.sqrt(np.diag(second @ sigma @ second.T))
    return float(np.max(diffs + norm_ppf(1 - alpha) * se))


# --------------------------------------------------------------------------------------------
# Reading


def read_sensitivity(result: SensitivityResult, lang: str) -> str:
    """Sentences on the robust sets and the breakdown value, in ``lang`` (catalogue keys
    ``effects_honest.*``)."""
    digits = _digits(result)
    level = round((1 - result.alpha) * 100)
    kind = result.restriction
    rows = []
    for row in result.sensitivity.itertuples():
        value = _bound_value(row.mbar, kind, lang)
        if not (np.isfinite(row.lb) and np.isfinite(row.ub)):
            rows.append(t("effects_honest.row_empty", lang, value=value))
            continue
        covers = row.lb <= 0 <= row.ub
        key = "effects_honest.row_covers" if covers else "effects_honest.row_excludes"
        low, high = fmt_number(row.lb, lang, digits), fmt_number(row.ub, lang, digits)
        rows.append(t(key, lang, value=value, low=low, high=high))
    text = t(f"effects_honest.intro_{kind}", lang, level=level) + " " + "; ".join(rows) + "."
    breakdown = result.breakdown
    if breakdown == 0:
        text += " " + t("effects_honest.breakdown_zero", lang)
    elif math.isinf(breakdown):
        text += " " + t(f"effects_honest.breakdown_never_{kind}", lang)
    elif np.isfinite(breakdown):
        value = _bound_value(breakdown, kind, lang)
        text += " " + t(f"effects_honest.breakdown_{kind}", lang, value=value)
    return text


def _bound_value(value: float, kind: str, lang: str) -> str:
    """Mbar with two decimals; M (in the outcome's units) with four significant digits."""
    return fmt_number(value, lang, 2) if kind == "rm" else warning_param(float(value), lang)


def _digits(result: SensitivityResult) -> int:
    """Decimals that show the interval bounds to about two significant digits of the
    standard error."""
    scale = abs(result.se) if result.se else abs(result.estimate)
    if not scale or not math.isfinite(scale):
        return 2
    return int(min(6, max(0, 1 - math.floor(math.log10(scale)))))
