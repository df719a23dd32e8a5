"""A park effect: the result contract of :mod:`analytics.effects.results`, for parks.

:class:`ParkEffect` answers what every estimator's result answers (``estimate``, ``se``,
``ci_low``/``ci_high`` and ``ci_method``, ``p_value``, ``diagnostics``, ``tidy()``,
``glance()``, ``summary()``, ``to_dict()``, ``reading(lang)``) and adds what a reader of a
park effect needs: the outcome (:class:`Outcome`: the indicator's code, its unit and the
scale of the effect), the sample (treated units, cohorts, units left out, gaps filled) and the
estimator's own results (``result``; the event study and group-time table where they exist).

The interval is the estimator result's: the estimate decides it once (for synthetic control,
the placebo-estimate interval, see :mod:`analytics.effects.parks`), and the card, the reading,
the downloads, the report and the command line all read it from here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.effects.park_levels import ParkLevels
from analytics.effects.park_spec import ParkEffectSpec
from analytics.effects.park_switching import Switching
from analytics.effects.reading import THIN_COHORT_UNITS, read_result
from analytics.effects.results import Diagnostics, EffectResult, Fact, json_safe, method_label
from analytics.effects.sample import no_conclusion_reason
from analytics.i18n import LANGUAGES, fmt_number, t

if TYPE_CHECKING:
    # The estimators are imported where a result is looked into, not here: a brief without
    # park effects (the common case) then never loads them and scipy.optimize.
    from analytics.effects.ascm import ASCMResult
    from analytics.effects.synth import SynthResult

LOG_POINTS = "log_points"


@dataclass(frozen=True)
class Outcome:
    """The outcome of a park effect: the indicator ``code`` ("employment"), its ``unit`` in
    the catalogue ("persons"), the ``transform`` the effect is estimated on and the
    indicator's ``names`` by language."""

    code: str
    unit: str
    transform: str
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def effect_unit(self) -> str:
        """What the estimate is measured in: log points on the log scale, else the unit."""
        return LOG_POINTS if self.transform == "log" else self.unit

    def label(self, lang: str) -> str:
        """The outcome as a reading names it: "the log of employment" on the log scale."""
        name = self.names.get(lang, self.code)
        if self.transform == "log":
            return t("effects_parks.log_of", lang, name=name.lower() if lang == "en" else name)
        return name

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "unit": self.unit,
            "transform": self.transform,
            "effect_unit": self.effect_unit,
        }

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class ParkEffect:
    """The effect of parks on an outcome in their municipality or region.

    ``result`` is the estimator's headline result (CS simple or dynamic aggregation, TWFE,
    Sun-Abraham, synthetic control); ``event_study`` the result carrying the event study (CS
    dynamic or Sun-Abraham; None for TWFE and synthetic control) and ``att_gt`` the CS
    group-time result. ``diagnostics`` is computed once, when the effect is estimated (for a
    CS simple headline it holds the dynamic aggregation's pre-trend test). ``place_names``
    name the treated unit for synthetic control.
    """

    spec: ParkEffectSpec
    outcome: Outcome
    result: EffectResult
    diagnostics: Diagnostics
    stamp: tuple[str, int, int]
    treated_units: pd.DataFrame
    cohorts: tuple[str, ...]
    dropped: pd.DataFrame
    n_filled: int
    n_units: int
    event_study: EffectResult | None = field(default=None, repr=False)
    att_gt: EffectResult | None = field(default=None, repr=False)
    place_names: Mapping[str, str] | None = None
    # The effect in the indicator's own units (effect_level, effect_total, the counterfactual
    # path): :mod:`analytics.effects.park_levels`.
    levels: ParkLevels | None = field(default=None, repr=False)
    # dCDH: the register status it read and how many units switched off (park_switching).
    switching: Switching | None = field(default=None, repr=False)

    # ---------------------------------------------------------------------------- contract

    @property
    def method(self) -> str:
        return self.spec.method

    @property
    def estimate(self) -> float:
        return self.result.estimate

    @property
    def se(self) -> float:
        return self.result.se

    @property
    def ci_low(self) -> float:
        return self.result.ci_low

    @property
    def ci_high(self) -> float:
        return self.result.ci_high

    @property
    def ci_method(self) -> str:
        return self.result.ci_method

    @property
    def alpha(self) -> float:
        return self.result.alpha

    @property
    def n_obs(self) -> int:
        return self.result.n_obs

    @property
    def p_value(self) -> float:
        """The p-value of the test the interval inverts (the estimator's)."""
        return self.result.p_value

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.result.warnings

    def warnings_in(self, lang: str) -> list[str]:
        return self.result.warnings_in(lang)

    @property
    def params(self) -> dict[str, Any]:
        """The specification as a dict (for readers that index it by name)."""
        return self.spec.to_dict()

    # ---------------------------------------------------------------------------- sample

    @property
    def synthetic(self) -> SynthResult | None:
        """The synthetic-control result (gaps, placebos, donor weights), else None."""
        from analytics.effects.synth import SynthResult

        return self.result if isinstance(self.result, SynthResult) else None

    @property
    def augmented(self) -> ASCMResult | None:
        """The augmented synthetic-control result (gaps, ridge and SCM weights), else None."""
        from analytics.effects.ascm import ASCMResult

        return self.result if isinstance(self.result, ASCMResult) else None

    @property
    def thin_cohorts(self) -> bool:
        """Whether most treatment dates hold fewer than THIN_COHORT_UNITS treated units, for
        the estimators whose standard errors then come out too small (CS, Sun-Abraham)."""
        if self.method not in ("cs", "sa") or self.treated_units.empty:
            return False
        sizes = self.treated_units.groupby("first_quarter").size()
        return bool((sizes < THIN_COHORT_UNITS).mean() > 0.5)

    def facts(self) -> list[Fact]:
        """The sample, the headline's p-value and the diagnostics, in the order shown."""
        return [
            Fact("n_units", self.n_units, "count"),
            Fact("n_treated", len(self.treated_units), "count"),
            Fact("n_cohorts", len(self.cohorts), "count"),
            Fact("n_filled", self.n_filled, "count"),
            Fact("p_value", self.p_value, "p_value"),
            *self._switching_facts(),
            *self.diagnostics.facts(),
        ]

    def _switching_facts(self) -> list[Fact]:
        if self.switching is None:
            return []
        return [
            Fact("n_switched_off", self.switching.n_switched_off, "count"),
            Fact("n_reentered", self.switching.n_reentered, "count"),
        ]

    # ---------------------------------------------------------------------------- words

    def outcome_label(self, lang: str) -> str:
        return self.outcome.label(lang)

    def method_label(self, lang: str) -> str:
        return method_label(self.method, lang)

    def place(self, lang: str) -> str | None:
        return None if self.place_names is None else self.place_names.get(lang)

    def reading(self, lang: str) -> str:
        """The plain-language reading of the headline in ``lang``."""
        # The estimator's result holds this effect's numbers (the properties above read it)
        # and its sample, which decides whether a conclusion may be drawn at all.
        text = read_result(
            self.result,
            lang,
            outcome_label=self.outcome_label(lang),
            place=self.place(lang),
            thin_cohorts=self.thin_cohorts,
            diagnostics=self.diagnostics,
        )
        if self.switching is not None:
            text += " " + self._switching_reading(lang)
        if self.outcome.transform == "log":
            text += " " + t("effects_parks.log_hint", lang)
        if self.levels is not None and no_conclusion_reason(self.result) is None:
            text += " " + self.levels.reading(lang)
        return text

    def _switching_reading(self, lang: str) -> str:
        """Whether any unit's treatment switched off: without one, dCDH answers what the
        staggered-adoption methods answer, and the reader should know it."""
        off, again = self.switching.n_switched_off, self.switching.n_reentered
        if not off:
            return t("park_methods.dcdh_never_off", lang)
        return t(
            "park_methods.dcdh_switched_off",
            lang,
            n=fmt_number(off, lang),
            again=fmt_number(again, lang),
        )

    # ---------------------------------------------------------------------------- tables

    def tidy(self) -> pd.DataFrame:
        """The headline table (the estimator's terms; the event-study rows when they come from
        another result), each row naming the outcome and the unit of the estimate."""
        table = self.result.tidy()
        # CS with the simple headline: the event study is another result (Sun-Abraham's tidy
        # table already lists its event times).
        if self.att_gt is not None and self.event_study is not self.result:
            extra = self.event_study.tidy().iloc[1:]
            table = pd.concat([table, extra], ignore_index=True)
        table.insert(0, "outcome", self.outcome.code)
        table.insert(1, "effect_unit", self.outcome.effect_unit)
        return table

    def glance(self) -> pd.DataFrame:
        """One row: the specification, the headline, the sample and the diagnostics."""
        row: dict[str, Any] = {
            "method": self.method,
            "outcome": self.outcome.code,
            "unit": self.outcome.unit,
            "transform": self.outcome.transform,
            "effect_unit": self.outcome.effect_unit,
            "level": self.spec.level,
            "treatment": self.spec.treatment,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.ci_method,
            "alpha": self.alpha,
            "n_obs": self.n_obs,
        }
        row.update({fact.name: fact.value for fact in self.facts()})
        if self.levels is not None:
            for name in ("effect_level", "effect_total"):
                value = getattr(self.levels, name)
                for part in ("estimate", "ci_low", "ci_high"):
                    row[f"{name}_{part}"] = math.nan if value is None else getattr(value, part)
        row["n_dropped"] = len(self.dropped)
        row["n_warnings"] = len(self.warnings)
        return pd.DataFrame([row])

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables a download carries, by sheet name: the effect (tidy), the diagnostics
        (glance), and the group-time cells (CS) or the gap path (synthetic control)."""
        sheets = {"effect": self.tidy(), "diagnostics": self.glance()}
        if self.att_gt is not None:
            sheets["att_gt"] = self.att_gt.att_gt
        if self.levels is not None:
            sheets["counterfactual"] = self.levels.counterfactual
        one_park = self.synthetic if self.synthetic is not None else self.augmented
        if one_park is not None:
            sheets["gaps"] = one_park.gaps
            sheets["donor_weights"] = one_park.weights.reset_index()
        return sheets

    def summary(self) -> str:
        level = round((1 - self.alpha) * 100)
        lines = [
            f"Park effect on {self.outcome.code} ({self.outcome.effect_unit}) in "
            f"{self.spec.level} units: {self.method} ({self.result.method})",
            f"  estimate {self.estimate:.6g}  se {self.se:.6g}  p {self.p_value:.4g}",
            f"  {level}% CI [{self.ci_low:.6g}, {self.ci_high:.6g}]: {self.ci_method}",
            f"  units {self.n_units} (with a park {len(self.treated_units)}, cohorts "
            f"{len(self.cohorts)}), gaps filled {self.n_filled}, units left out "
            f"{len(self.dropped)}",
        ]
        lines += [f"  {fact.name} {fact.value:.4g}" for fact in self.diagnostics.facts()]
        if self.levels is not None:
            for name in ("effect_level", "effect_total"):
                value = getattr(self.levels, name)
                if value is not None:
                    lines.append(
                        f"  {name} {value.estimate:.6g} {value.unit} [{value.ci_low:.6g}, "
                        f"{value.ci_high:.6g}] in {value.quarter.label} over {value.n_units} units"
                    )
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the contract's keys, the outcome (code, unit, scale), the sample (with
        ``left_out``: the units the panel left out and why), the specification and, under
        ``result``, the estimator's own dictionary."""
        out: dict[str, Any] = {
            "method": self.method,
            "outcome": self.outcome.to_dict(),
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.ci_method,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "n_units": self.n_units,
            "n_obs": self.n_obs,
            "n_treated_units": len(self.treated_units),
            "cohorts": list(self.cohorts),
            "n_filled": self.n_filled,
            "diagnostics": self.diagnostics.to_dict(),
            "treated_units": self.treated_units,
            "left_out": self.dropped,
            "place": self.place_names,
            "spec": self.spec.to_dict(),
            "warnings": list(self.warnings),
            "result": self.result.to_dict(),
        }
        if self.event_study is not None:
            out["event_study"] = self.event_study.event_study
        # The keys the ``effects`` command gives the same method (commands.py), beside ours.
        out.update({k: v for k, v in method_keys(self.result).items() if k not in out})
        if self.switching is not None:
            out["n_switched_off"] = self.switching.n_switched_off
            out["n_reentered"] = self.switching.n_reentered
        if self.levels is not None:
            out.update(self.levels.to_dict())
            concluded = no_conclusion_reason(self.result) is None
            out["reading_in_units"] = {
                lang: self.levels.reading(lang) if concluded else None for lang in LANGUAGES
            }
        return json_safe(out)


def method_keys(result: EffectResult) -> dict[str, Any]:
    """The JSON keys beyond the contract's that ``python -m analytics effects --json`` prints
    for the result's method: synthetic DiD's ``weights``/``time_weights``, dCDH's ``effects``,
    ``placebos``, ``avg_total_effect`` and switcher counts, imputation's ``n_treated_obs``,
    and the ``pretrend_test`` of the methods with an event study."""
    from analytics.effects.dcdh import DCDHResult, json_event_study
    from analytics.effects.diagnostics import pretrend_test
    from analytics.effects.imputation import ImputationResult
    from analytics.effects.sdid import SDIDResult, json_weights

    out: dict[str, Any] = {}
    if isinstance(result, SDIDResult):
        out.update(json_weights(result))
    if isinstance(result, DCDHResult):
        out.update(json_event_study(result))
        if result.event_study["rel_time"].lt(0).any():
            out["pretrend_test"] = result.diagnostics.pretrend.to_dict()
    if isinstance(result, ImputationResult):
        out["n_treated_obs"] = result.n_treated_obs
        with contextlib.suppress(ValueError):
            out["pretrend_test"] = pretrend_test(result).to_dict()
    return json_safe(out)
