"""The one result contract every effect estimator answers.

The app, reports, CLI and notebooks read only this contract: a headline
``estimate`` with its ``se`` and confidence interval, a tidy coefficient table,
a one-row ``glance`` of diagnostics, a text ``summary`` and a JSON-safe
``to_dict``. Estimators return subclasses (frozen dataclasses) that add their
own tables (group-time ATTs, event study, donor weights, gaps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

TIDY_COLUMNS = ["term", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]


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
    warnings: tuple[str, ...] = ()

    @property
    def p_value(self) -> float:
        """Two-sided normal p-value of the headline estimate (NaN when se is 0 or missing)."""
        from scipy.stats import norm

        if not self.se or not np.isfinite(self.se):
            return float("nan")
        return float(2 * norm.sf(abs(self.estimate / self.se)))

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
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; subclasses add their tables under documented keys."""
        out: dict[str, Any] = {}
        for f in fields(self):
            out[f.name] = json_safe(getattr(self, f.name))
        out["warnings"] = list(self.warnings)
        return out
