"""The one result contract every effect estimator answers.

The app, reports, CLI and notebooks read only this contract (:class:`EffectContract`): a
headline ``estimate`` with its ``se``, its confidence interval ``ci_low``/``ci_high`` and the
interval's method in words ``ci_method`` (:data:`CI_METHODS`), ``p_value`` (of the test the
interval inverts, so the two never disagree), ``diagnostics`` computed once, a tidy
coefficient table, a one-row ``glance`` of diagnostics, a text ``summary`` and a JSON-safe
``to_dict``; the plain-language reading is :func:`analytics.effects.reading.read_result`
(which imports this module, so it is a function beside the class, as a plot helper would
be). Estimators return subclasses (frozen dataclasses) that add their own tables (group-time
ATTs, event study, donor weights, gaps); a park effect
(:class:`analytics.effects.park_result.ParkEffect`) answers the same contract and reads
itself (``reading(lang)``).

Warnings are kept as codes, ``(catalogue key, parameters)``, and rendered in the user's
language by :func:`render_warning`, which formats each parameter by its kind: a
:class:`Share` as a whole percentage, an integer with the locale's grouping, a float with
four significant digits and the locale's decimal sign, anything else (period labels, lists
of cohorts) as its text, quarter labels ("2015Q1") in the reader's notation ("I кв. 2015").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from analytics.i18n import fmt_number, fmt_percent, has_key, t
from analytics.quarter import Quarter

if TYPE_CHECKING:  # diagnostics.py imports this module (and scipy, which we load lazily)
    from analytics.effects.diagnostics import PretrendTest

TIDY_COLUMNS = ["term", "estimate", "se", "t", "p_value", "ci_low", "ci_high"]
# The intervals results report, by key; ``ci_method`` holds the words (JSON, summaries) and
# the app names them in the reader's language through the catalogue key
# ``effects.ci_method.<key>`` (:func:`ci_method_key`). Estimators with an interval of their own
# (synthetic DiD, imputation) name it in their own words.
CI_METHODS: dict[str, str] = {
    "normal": "normal: estimate +- z * se",
    "student_t": "Student t: estimate +- t * se, cluster-robust se",
    "constant_effect": "inverted placebo permutation test of the post/pre RMSPE ratio, "
    "constant effect (Firpo & Possebom 2018)",
    "placebo_estimates": "inverted permutation test of the mean post-period gap against the "
    "placebos' own estimates (Conley & Taber 2011)",
    "none": "no interval (no placebos run)",
    "conformal": "inverted conformal permutation test of a constant post-period effect, moving "
    "blocks, ridge ASCM refitted under each null (Chernozhukov, Wuthrich & Zhu 2021)",
}
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
    return quarters_in_words(str(value), lang)


# A quarter as the estimators label it ("2015Q1"), inside a period label or a list of cohorts.
QUARTER_LABEL = re.compile(r"\b\d{4}Q[1-4]\b")


def quarters_in_words(text: str, lang: str) -> str:
    """``text`` with every quarter label ("2015Q1") in the reader's notation ("I кв. 2015")."""
    return QUARTER_LABEL.sub(lambda m: Quarter.parse(m.group()).text(lang), text)


def _significant(value: float, lang: str) -> str:
    if not math.isfinite(value):
        return fmt_number(value, lang)
    rounded = Decimal(f"{value:.{WARNING_SIGNIFICANT_DIGITS}g}")
    # As many decimals as the rounded value has, no trailing zeros (0.05, not 0.0500).
    decimals = max(0, -int(rounded.normalize().as_tuple().exponent))
    return fmt_number(rounded, lang, decimals)


def ci_method_key(ci_method: str) -> str | None:
    """The key of :data:`CI_METHODS` whose words ``ci_method`` is (None for others)."""
    return next((key for key, words in CI_METHODS.items() if words == ci_method), None)


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
    from analytics.effects.distributions import norm_sf, t_sf  # scipy only when testing

    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    testable = np.isfinite(se) & (se != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(estimate / se)
    tail = norm_sf(stat) if df is None else t_sf(stat, df)
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


FactKind = Literal["count", "p_value", "share", "mbar", "rmspe", "ratio"]


@dataclass(frozen=True)
class Fact:
    """One diagnostic as a reader sees it: ``name`` (stable, for labels), value and kind (how
    it is formatted: a count, a p-value, a share shown as a percentage, a breakdown Mbar,
    an RMSPE in the outcome's units, a ratio)."""

    name: str
    value: float
    kind: FactKind


@dataclass(frozen=True)
class Diagnostics:
    """The evidence for believing a headline. A field is None where it does not apply to the
    method (TWFE has no placebos, synthetic control no pre-trend test); NaN where it applies
    but cannot be computed.

    ``pretrend``/``breakdown_mbar``: event studies (Sun-Abraham, CS dynamic). ``forbidden_share``
    and ``negative_weight_share``: TWFE's Goodman-Bacon and de Chaisemartin-D'Haultfoeuille
    checks. ``permutation_p_value`` (rank of the post/pre RMSPE ratio), ``pre_rmspe``,
    ``post_pre_ratio`` and ``n_placebos``: synthetic control. ``n_treated_units``: where the
    estimator counts them (TWFE, Sun-Abraham).
    """

    pretrend: PretrendTest | None = None
    breakdown_mbar: float | None = None
    forbidden_share: float | None = None
    negative_weight_share: float | None = None
    permutation_p_value: float | None = None
    pre_rmspe: float | None = None
    post_pre_ratio: float | None = None
    n_placebos: int | None = None
    n_treated_units: int | None = None

    def with_event_study(self, events: Diagnostics) -> Diagnostics:
        """These diagnostics with the event-study ones of ``events`` (a CS simple headline
        read with its dynamic aggregation)."""
        return replace(self, pretrend=events.pretrend, breakdown_mbar=events.breakdown_mbar)

    def facts(self) -> list[Fact]:
        """What applies, in the order a reader checks it."""
        kinds: list[tuple[str, Any, FactKind]] = [
            ("pretrend_p", None if self.pretrend is None else self.pretrend.p_value, "p_value"),
            ("breakdown", self.breakdown_mbar, "mbar"),
            ("forbidden_share", self.forbidden_share, "share"),
            ("negative_weights", self.negative_weight_share, "share"),
            ("permutation_p", self.permutation_p_value, "p_value"),
            ("pre_rmspe", self.pre_rmspe, "rmspe"),
            ("post_pre_ratio", self.post_pre_ratio, "ratio"),
        ]
        return [Fact(name, float(value), kind) for name, value, kind in kinds if value is not None]

    def to_dict(self) -> dict[str, Any]:
        """What applies, JSON-safe (NaN and infinities become None)."""
        out = {
            f.name: json_safe(getattr(self, f.name))
            for f in fields(self)
            if f.name != "pretrend" and getattr(self, f.name) is not None
        }
        if self.pretrend is not None:
            out["pretrend_test"] = json_safe(self.pretrend.to_dict())
        return out


def method_label(method: str, lang: str) -> str:
    """A method's name in ``lang``, spelled once in the shared words: "cs_dynamic" is
    Callaway–Sant'Anna's dynamic aggregation, named as the method."""
    family = method.split("_")[0]
    return t(f"method.{family}", lang) if has_key(f"method.{family}") else method


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
    # How ci_low/ci_high were formed, in words (CI_METHODS names the common ones); "" = the
    # Wald interval of se, filled in from inference_df.
    ci_method: str = ""

    def __post_init__(self) -> None:
        if not self.ci_method:
            wald = "normal" if self.inference_df is None else "student_t"
            object.__setattr__(self, "ci_method", CI_METHODS[wald])

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

    def outcome_label(self, lang: str) -> str:
        """The outcome as the panel names it: an estimator alone knows only its column."""
        return self.outcome

    def method_label(self, lang: str) -> str:
        return method_label(self.method, lang)

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """The evidence for the headline (pre-trend test, placebo ranks, forbidden
        comparisons: whatever applies to the method), computed on first use, once."""
        return self._diagnostics()

    def _diagnostics(self) -> Diagnostics:
        """Estimators with diagnostics of their own override this."""
        return Diagnostics()

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
                    "ci_method": self.ci_method,
                    "p_value": self.p_value,
                    "n_warnings": len(self.warnings),
                }
            ]
        )

    def summary(self) -> str:
        level = round((1 - self.alpha) * 100)
        lines = [
            f"{self.method} estimate of the effect on {self.outcome or 'the outcome'}",
            f"  estimate {self.estimate:.6g}  se {self.se:.6g}  p {self.p_value:.4g}",
            f"  {level}% CI [{self.ci_low:.6g}, {self.ci_high:.6g}]: {self.ci_method}",
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
        out["diagnostics"] = json_safe(self.diagnostics.to_dict())
        return out


@runtime_checkable
class EffectContract(Protocol):
    """What the app, reports, CLI and notebooks may read of any effect: an estimator's
    :class:`EffectResult` or a park effect."""

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    ci_method: str
    alpha: float
    n_units: int

    @property
    def p_value(self) -> float: ...

    @property
    def diagnostics(self) -> Diagnostics: ...

    def warnings_in(self, lang: str) -> list[str]: ...

    def outcome_label(self, lang: str) -> str: ...

    def method_label(self, lang: str) -> str: ...

    def tidy(self) -> pd.DataFrame: ...

    def glance(self) -> pd.DataFrame: ...

    def summary(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...
