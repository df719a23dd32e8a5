"""The agreement table: every applicable method on the same data, side by side.

:func:`agreement` runs a set of estimators (each a function of no arguments returning a
result that answers the contract of :mod:`analytics.effects.results`) and keeps, per method,
the estimate, the interval and its method, the p-value and the sample size; a method that
cannot run on the data is listed with the reason (the catalogue code of its error), never
dropped. Two methods *disagree* when their intervals do not overlap. :meth:`Agreement.reading`
says so in ru/uk/en, with a sentence on why methods may differ: each compares the treated
units with a different group, weighted differently, under a different assumption.

:func:`park_agreement` is the table for a park effect (what the Impact page shows): for one
park (``park_id``) every method runs on that park's sample (its municipality or region and
the never-treated units; for dCDH the donors never in force), so all of them estimate the same
park's effect, and the one-park methods (synthetic control, augmented synthetic control,
synthetic DiD) are the park's own effects; without a park the difference-in-differences
methods are the Impact page's effects on every park's panel and the one-park methods are
listed as needing a park. The command line's ``effects --method all`` builds the same table
from a CSV panel (:mod:`analytics.effects.commands`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pandas as pd

from analytics.effects.park_panel import park_panel
from analytics.effects.park_spec import METHODS, ONE_PARK_METHODS, as_spec
from analytics.effects.park_switching import status_path
from analytics.effects.parks import park_effect, run_on_panel
from analytics.effects.results import WarningCode, ci_method_key, json_safe, method_label
from analytics.errors import UserError
from analytics.i18n import check_language, fmt_number, has_key, t

Status = Literal["ok", "not_applicable"]
AGREEMENT_COLUMNS = [
    "method",
    "status",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_method",
    "p_value",
    "n_units",
    "n_obs",
    "reason",
]
# The order of the table: event-study DiD first, then TWFE, then the weighting methods.
PANEL_METHODS = ("cs", "sa", "imputation", "twfe", "sdid", "sc", "ascm")
# The park table: every method of a park effect, in the command line's order (PANEL_METHODS,
# then those it appends, dCDH).
PARK_METHODS = tuple(dict.fromkeys([*PANEL_METHODS, *METHODS]))
# Methods whose intervals come from standard errors over the treated units' influence: with a
# single treated unit they leave out its own noise and come out too narrow.
INFLUENCE_METHODS = ("cs", "sa", "imputation", "twfe")
Run = Callable[[], Any]


@dataclass(frozen=True)
class MethodRow:
    """One method's line of the table. ``reason`` (a catalogue code) says why a method that
    is ``not_applicable`` could not run; ``result`` is what it returned."""

    method: str
    status: Status
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    ci_method: str = ""
    p_value: float = math.nan
    n_units: int = 0
    n_obs: int = 0
    reason: WarningCode | None = None
    result: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, method: str, result: Any) -> MethodRow:
        return cls(
            method=method,
            status="ok",
            estimate=float(result.estimate),
            ci_low=float(result.ci_low),
            ci_high=float(result.ci_high),
            ci_method=str(result.ci_method),
            p_value=float(result.p_value),
            n_units=int(result.n_units),
            n_obs=int(result.n_obs),
            result=result,
        )

    @classmethod
    def refused(cls, method: str, error: Exception) -> MethodRow:
        if isinstance(error, UserError):
            reason: WarningCode = (error.key, dict(error.params))
        else:  # an option the method refuses (ValueError): its own words
            reason = ("effects.cli.invalid", {"reason": str(error)})
        return cls(method=method, status="not_applicable", reason=reason)

    @property
    def has_interval(self) -> bool:
        return self.status == "ok" and not (math.isnan(self.ci_low) or math.isnan(self.ci_high))

    def interval_text(self, lang: str, decimals: int) -> str:
        """ "0.021 – 0.035" in ``lang`` ("–" without an interval)."""
        return _interval_text(self, lang, decimals)

    def interval_method_text(self, lang: str) -> str:
        """How the interval was built, in ``lang`` (empty for a method that did not run)."""
        return _interval_method(self, lang) if self.status == "ok" else ""

    def reason_text(self, lang: str) -> str:
        if self.reason is None:
            return ""
        key, params = self.reason
        return UserError(key, **params).message(lang)

    def to_dict(self) -> dict[str, Any]:
        out = {name: json_safe(getattr(self, name)) for name in AGREEMENT_COLUMNS[:-1]}
        out["reason"] = self.reason_text("en") or None
        out["reason_code"] = None if self.reason is None else self.reason[0]
        return out


def overlap(a: MethodRow, b: MethodRow) -> bool:
    """Whether two intervals share a point (an unbounded side overlaps everything)."""
    return not (a.ci_high < b.ci_low or b.ci_high < a.ci_low)


@dataclass(frozen=True)
class Agreement:
    """The table (:meth:`table`, :meth:`to_dict`), the pairs that disagree and the reading."""

    rows: tuple[MethodRow, ...]
    alpha: float = 0.05
    outcome: str = ""
    n_treated_units: int | None = None

    def row(self, method: str) -> MethodRow:
        return next(r for r in self.rows if r.method == method)

    @property
    def disagree(self) -> tuple[tuple[str, str], ...]:
        """Pairs of methods (in table order) whose intervals do not overlap."""
        ranged = [r for r in self.rows if r.has_interval]
        return tuple(
            (a.method, b.method)
            for i, a in enumerate(ranged)
            for b in ranged[i + 1 :]
            if not overlap(a, b)
        )

    def decimals(self) -> int:
        """Decimals that show about two significant digits of the typical interval."""
        return _decimals([r for r in self.rows if r.status == "ok"])

    def table(self, lang: str = "en") -> pd.DataFrame:
        """One row per method (:data:`AGREEMENT_COLUMNS`), the reason in ``lang``."""
        records = [
            {**{c: getattr(r, c) for c in AGREEMENT_COLUMNS[:-1]}, "reason": r.reason_text(lang)}
            for r in self.rows
        ]
        return pd.DataFrame(records, columns=AGREEMENT_COLUMNS)

    def reading(self, lang: str) -> str:
        check_language(lang)
        ok = [r for r in self.rows if r.status == "ok"]
        refused = [r for r in self.rows if r.status != "ok"]
        if not ok:
            return t("effects_agreement.none_ran", lang)
        sentences = []
        pairs = self.disagree
        if pairs:
            joined = "; ".join(
                t("effects_agreement.pair", lang, a=method_label(a, lang), b=method_label(b, lang))
                for a, b in pairs
            )
            sentences.append(t("effects_agreement.disagree", lang, pairs=joined))
            involved = dict.fromkeys(m for pair in pairs for m in pair)
            sentences += [_basis(m, lang) for m in involved]
        else:
            n = sum(r.has_interval for r in ok)
            sentences.append(t("effects_agreement.all_overlap", lang, n=fmt_number(n, lang)))
        sentences.append(t("effects_agreement.why", lang))
        if self.n_treated_units == 1 and any(r.method in INFLUENCE_METHODS for r in ok):
            sentences.append(t("effects_agreement.one_treated", lang))
        if refused:
            names = ", ".join(method_label(r.method, lang) for r in refused)
            sentences.append(t("effects_agreement.not_applicable", lang, methods=names))
        return " ".join(sentences)

    def to_dict(self) -> dict[str, Any]:
        """``{"methods": [...], "disagree": [[a, b], ...]}`` with the level and the reading."""
        return {
            "methods": [r.to_dict() for r in self.rows],
            "disagree": [list(pair) for pair in self.disagree],
            "alpha": self.alpha,
            "outcome": self.outcome,
            "n_treated_units": self.n_treated_units,
            "reading": self.reading("en"),
        }


def _basis(method: str, lang: str) -> str:
    key = f"effects_agreement.basis.{method}"
    if not has_key(key):
        return ""
    return t(key, lang, method=method_label(method, lang))


def agreement(
    runs: Mapping[str, Run],
    *,
    alpha: float = 0.05,
    outcome: str = "",
    n_treated_units: int | None = None,
) -> Agreement:
    """Run every method of ``runs`` (name -> a function returning its result), in order; a
    method whose data or options it refuses is kept as ``not_applicable`` with the reason.
    ``n_treated_units``: how many units the treatment names (the reading warns about DiD
    intervals with a single one)."""
    rows = []
    for method, run in runs.items():
        try:
            rows.append(MethodRow.of(method, run()))
        except (UserError, ValueError) as error:
            rows.append(MethodRow.refused(method, error))
    return Agreement(
        rows=tuple(rows), alpha=alpha, outcome=outcome, n_treated_units=n_treated_units
    )


def _refuse(error: Exception) -> Run:
    def run() -> Any:
        raise error

    return run


def park_agreement(
    con: duckdb.DuckDBPyConnection, spec: Any = None, /, **choices: Any
) -> Agreement:
    """The agreement table of a park effect (see the module docstring): ``spec`` is a
    :class:`~analytics.effects.park_spec.ParkEffectSpec` (or its fields as keywords; a
    ``park_id`` without a method asks for that park's table). Its method only decides whether
    one park is meant (sc, ascm); every method runs with its other choices."""
    if choices.get("park_id") and "method" not in choices and spec is None:
        choices = {**choices, "method": ONE_PARK_METHODS[0]}
    spec = as_spec(spec, choices)
    panel = park_panel(con, spec)

    def did(method: str) -> Run:
        if panel.sc_unit is None:  # every park: the Impact page's own (cached) effect
            return lambda: park_effect(con, dataclasses.replace(spec, method=method))
        # The one park's sample: its unit and never-treated units, the only comparisons.
        other = dataclasses.replace(spec, method=method, control="never")
        if method != "dcdh":
            return lambda: run_on_panel(panel, other)
        return lambda: run_on_panel(panel, other, status_path(con, panel, other))

    def one_park(method: str) -> Run:
        if panel.sc_unit is None:
            return _refuse(UserError("effects_agreement.needs_park"))
        return lambda: park_effect(con, dataclasses.replace(spec, method=method))

    runs: dict[str, Run] = {
        method: one_park(method) if method in ONE_PARK_METHODS else did(method)
        for method in PARK_METHODS
    }
    n_treated = len(panel.treated_units)
    return agreement(runs, alpha=spec.alpha, outcome=spec.outcome, n_treated_units=n_treated)


def _interval_text(row: MethodRow, lang: str, decimals: int) -> str:
    if not row.has_interval:
        return "–"
    if math.isinf(row.ci_low) or math.isinf(row.ci_high):
        return t("effects_agreement.unbounded", lang)
    return f"{fmt_number(row.ci_low, lang, decimals)} – {fmt_number(row.ci_high, lang, decimals)}"


def _interval_method(row: MethodRow, lang: str) -> str:
    key = ci_method_key(row.ci_method)
    return t(f"effects.ci_method.{key}", lang) if key else row.ci_method


def _decimals(rows: list[MethodRow]) -> int:
    """About two significant digits of the typical interval half-width."""
    widths = [
        (r.ci_high - r.ci_low) / 2
        for r in rows
        if r.has_interval and math.isfinite(r.ci_high - r.ci_low) and r.ci_high > r.ci_low
    ]
    scale = float(pd.Series(widths).median()) if widths else 0.0
    if not scale:
        scale = max((abs(r.estimate) for r in rows), default=1.0) or 1.0
    return int(min(4, max(0, 1 - math.floor(math.log10(scale)))))


def agreement_text(table: Agreement, lang: str) -> str:
    """The table as text in ``lang`` (one line per method) and its reading."""
    ok = [r for r in table.rows if r.status == "ok"]
    digits = _decimals(ok)
    level = round((1 - table.alpha) * 100)
    names = {r.method: method_label(r.method, lang) for r in table.rows}
    width = max(len(n) for n in names.values()) + 2
    header = (
        f"{t('effects_agreement.col.method', lang):<{width}}"
        f"{t('effects_agreement.col.estimate', lang):>12}  "
        f"{t('effects_agreement.col.interval', lang):<24}"
        f"{t('effects_agreement.col.n_units', lang):>10}  "
        f"{t('effects_agreement.col.interval_method', lang)}"
    )
    lines = [t("effects_agreement.title", lang, outcome=table.outcome, level=level), header]
    for row in table.rows:
        name = f"{names[row.method]:<{width}}"
        if row.status != "ok":
            lines.append(name + t("effects_agreement.not_run", lang, reason=row.reason_text(lang)))
            continue
        lines.append(
            name
            + f"{fmt_number(row.estimate, lang, digits):>12}  "
            + f"{_interval_text(row, lang, digits):<24}"
            + f"{fmt_number(row.n_units, lang):>10}  "
            + _interval_method(row, lang)
        )
    return "\n".join(lines) + "\n\n" + table.reading(lang)
