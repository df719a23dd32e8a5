"""The one result contract every effect estimator answers.

The app, reports, CLI and notebooks read only this contract: a headline
``estimate`` with its ``se`` and confidence interval, a tidy coefficient table,
a one-row ``glance`` of diagnostics, a text ``summary`` and a JSON-safe
``to_dict``. Estimators return subclasses (frozen dataclasses) that add their
own tables (group-time ATTs, event study, donor weights, gaps).

Warnings are kept as codes, ``(catalogue key, parameters)``, and rendered in the user's
language by :func:`render_warning`, which formats each parameter by its kind: a
:class:`Share` as a whole percentage, an integer with the locale's grouping, a float with
four significant digits and the locale's decimal sign, anything else (period labels, lists
of cohorts) as its text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analytics.i18n import fmt_number, fmt_percent, t

TIDY_COLUMNS = ["term", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]
# Floats in warnings (RMSPEs, p-value floors, critical values) are diagnostics, not results:
# four significant digits say enough whatever their scale.
WARNING_SIGNIFICANT_DIGITS = 4

WarningCode = tuple[str, dict[str, Any]]


class Share(float):
    """A fraction (0.2 = 20%) that a warning shows as a percentage.

    A float in every other respect, so codes holding it still compare, hash and serialise
    as plain numbers."""


def warning_param(value: Any, lang: str) -> str:
    """One warning parameter as the user reads it in ``lang`` (see the module docstring)."""
    if isinstance(value, Share):
        return fmt_percent(value, lang, 0)
    if isinstance(value, (int, np.integer)):
        return fmt_number(int(value), lang)
    if isinstance(value, (float, np.floating)):
        return _significant(float(value), lang)
    return str(value)


def _significant(value: float, lang: str) -> str:
    if not math.isfinite(value):
        return fmt_number(value, lang)
    rounded = Decimal(f"{value:.{WARNING_SIGNIFICANT_DIGITS}g}")
    # As many decimals as the rounded value has, no trailing zeros (0.05, not 0.0500).
    decimals = max(0, -int(rounded.normalize().as_tuple().exponent))
    return fmt_number(rounded, lang, decimals)


def render_warning(key: str, params: dict[str, Any], lang: str) -> str:
    """The catalogue text of a coded warning in ``lang`` with its parameters formatted."""
    return t(key, lang, **{name: warning_param(v, lang) for name, v in params.items()})


def warning_texts(codes: Sequence[WarningCode], lang: str) -> tuple[str, ...]:
    return tuple(render_warning(key, params, lang) for key, params in codes)


def coded_warnings(codes: Sequence[WarningCode]) -> dict[str, tuple]:
    """Both warning fields of a result from one list of codes: ``warnings`` (English) and
    ``warning_codes``, so the two can never disagree."""
    return {"warnings": warning_texts(codes, "en"), "warning_codes": tuple(codes)}


def two_sided_p_value(estimate: Any, se: Any, df: float | None = None) -> Any:
    """Two-sided p-value of ``estimate / se``: Student t with ``df`` degrees of freedom, or
    the normal without. NaN where ``se`` is zero or missing (nothing can be tested); a float
    for scalars, an array for arrays."""
    from scipy import stats

    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    testable = np.isfinite(se) & (se != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(estimate / se)
    tail = stats.norm.sf(stat) if df is None else stats.t.sf(stat, df)
    p = np.where(testable, 2 * tail, np.nan)
    return float(p) if p.ndim == 0 else p


def json_safe(value: Any) -> Any:
    """Turn numpy/pandas scalars and containers into plain JSON values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [json_safe(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def sample_dict(result: Any) -> dict[str, Any] | None:
    """The JSON form of a result's sample report (units in, used, dropped by kind)."""
    sample = getattr(result, "sample", None)
    return None if sample is None else json_safe(sample.to_dict())


@dataclass(frozen=True)
class EffectResult:
    """Headline effect with uncertainty and the call that produced it.

    ``estimate`` is in the outcome's own units (e.g. persons employed, roubles
    of monthly wage); the interval is two-sided at level ``1 - alpha``.
    """

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n_units: int
    n_obs: int
    alpha: float = 0.05
    outcome: str = ""
    call: dict[str, Any] = field(default_factory=dict)
    # ``warnings`` holds the English texts (JSON output, summaries); ``warning_codes`` the
    # codes they were rendered from, for the user's language (:meth:`warnings_in`).
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[WarningCode, ...] = ()
    # Whom the estimate rests on (units in, used, dropped by kind): a
    # :class:`analytics.effects.panel.SampleReport`, or None where no panel was prepared.
    sample: Any = field(default=None, repr=False, compare=False)

    @property
    def inference_df(self) -> int | None:
        """Student t degrees of freedom of the headline test; None for a normal test."""
        return None

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the headline estimate (NaN when se is 0 or missing)."""
        return two_sided_p_value(self.estimate, self.se, self.inference_df)

    def warnings_in(self, lang: str) -> list[str]:
        """The warnings in the user's language (``warnings`` holds the English text)."""
        return list(warning_texts(self.warning_codes, lang))

    def tidy(self) -> pd.DataFrame:
        """One row per reported term with the common columns of :data:`TIDY_COLUMNS`."""
        t = self.estimate / self.se if self.se else float("nan")
        row = {
            "term": "ATT",
            "estimate": self.estimate,
            "se": self.se,
            "t": t,
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }
        return pd.DataFrame([row], columns=TIDY_COLUMNS)

    def glance(self) -> pd.DataFrame:
        """One row of model-level facts and diagnostics."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "outcome": self.outcome,
                    "n_units": self.n_units,
                    "n_obs": self.n_obs,
                    "alpha": self.alpha,
                    "n_warnings": len(self.warnings),
                }
            ]
        )

    def summary(self) -> str:
        level = round((1 - self.alpha) * 100)
        lines = [
            f"{self.method} estimate of the effect on {self.outcome or 'the outcome'}",
            f"  estimate {self.estimate:.6g}  se {self.se:.6g}  p {self.p_value:.4g}",
            f"  {level}% CI [{self.ci_low:.6g}, {self.ci_high:.6g}]",
            f"  units {self.n_units}, observations {self.n_obs}",
        ]
        sample = self.sample
        if sample is not None and sample.n_dropped:
            kinds = ", ".join(
                f"{n} {kind.replace('_', '-')}" for kind, n in sample.by_kind().items()
            )
            lines.append(f"  units dropped {sample.n_dropped} of {sample.n_units_input} ({kinds})")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; subclasses add their tables under documented keys."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name not in ("warning_codes", "sample"):
                out[f.name] = json_safe(getattr(self, f.name))
        out["sample"] = sample_dict(self)
        out["warnings"] = list(self.warnings)
        out["p_value"] = json_safe(self.p_value)
        return out
