"""Compliance flags: statutory rules per jurisdiction, parameters in ``data/compliance.yml``.

Each rule in the file has an id, a ``kind`` this module knows how to check and the numbers
that kind needs; changing a number in the file changes the flags without code changes. A
park's jurisdiction is the country of its region. Rules apply to parks that exist on the
as-of date and are neither closed nor excluded from the register by then.

Kinds (the file's header comment says the same for the people who edit it):

* ``no_event_within`` (start, event, months): breach when ``months`` have passed since the
  ``start`` date and the ``event`` date has not come by the as-of date; since = start + months.
  A deadline equal to the as-of date has passed; an event on the as-of date counts.
* ``minimum`` (field, minimum) and ``minimum_ratio`` (numerator, denominator, minimum): breach
  when the value is below the minimum (equal passes); since = the first non-blank date of
  ``since`` (default registered_on, founded_on).
* ``occupancy_after_years`` (start, years, minimum): once ``years`` have passed since ``start``,
  breach when the occupancy (area_occupied_ha / leasable_area_ha) of the latest report with a
  value is below the minimum; since = the later of start + years and the end of the first
  quarter of the trailing run of reports below the minimum.

A rule whose clock has not started (no registration date, no first resident) does not apply;
one whose other inputs are blank gives status ``no_data`` (listed, never a flag) and names
the blank fields in ``missing``. A park known to be in the register (``in_register``) whose
registration date is blank is ``no_data`` for the rules that count from that date: flagged
only when the dates are known, and saying which date is missing otherwise.

Each rule's numbers carry a unit (``Rule.unit``, the ``unit`` column): months for deadlines,
a share for occupancy and for a ratio of two fields in the same unit (production land /
total land), else the unit of the field or "numerator unit per denominator unit" (MW per ha)
from ``FIELD_UNITS``. A field this module does not know leaves its numbers without a unit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import yaml

from analytics.errors import UserError
from analytics.i18n import YAML_LOADER, fmt_date, fmt_number, fmt_percent, has_key, t
from analytics.kpi.formulas import parse_quarter, quarter_end
from analytics.quarter import Quarter

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "data" / "compliance.yml"
Kind = Literal["no_event_within", "minimum", "minimum_ratio", "occupancy_after_years"]
KIND_PARAMETERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "no_event_within": ("start", "event", "months"),
        "minimum": ("field", "minimum"),
        "minimum_ratio": ("numerator", "denominator", "minimum"),
        "occupancy_after_years": ("start", "years", "minimum"),
    }
)
NUMERIC_PARAMETERS = frozenset({"months", "minimum", "years"})
# Units of the registry fields rules may name (catalogue keys policy.unit.<unit>, and
# policy.unit.<numerator>_per_<denominator> for ratios).
FIELD_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "total_area_ha": "ha",
        "leasable_area_ha": "ha",
        "production_area_ha": "ha",
        "electricity_mw": "mw",
        "gas_m3_per_hour": "m3_per_hour",
        "water_m3_per_day": "m3_per_day",
    }
)
# Decimals a number of each unit is shown with at least; the observed value gets more when
# it would otherwise print equal to the threshold it is below (49.96% is not "50.0%").
UNIT_DECIMALS: Mapping[str, int] = MappingProxyType(
    {"months": 0, "share": 1, "ha": 1, "mw": 1, "m3_per_hour_per_ha": 1, "m3_per_day_per_ha": 1}
)
DEFAULT_DECIMALS = 2
DEFAULT_SINCE = ("registered_on", "founded_on")
Status = Literal["breach", "ok", "no_data"]
RESULT_COLUMNS = [
    "park_id",
    "jurisdiction",
    "rule",
    "kind",
    "status",
    "value",
    "threshold",
    "unit",
    "since",
    "needs_legal_check",
    "legal_basis",
    "missing",  # no_data: the registry fields whose blank kept the rule from being checked
]


@dataclass(frozen=True)
class Rule:
    """One statutory rule of one jurisdiction, as written in the configuration file."""

    rule_id: str
    jurisdiction: str
    kind: str
    params: Mapping[str, Any]
    park_types: tuple[str, ...] = ()
    since: tuple[str, ...] = DEFAULT_SINCE
    needs_legal_check: bool = True
    legal_basis: str = ""

    @property
    def threshold(self) -> float:
        """The rule's number: months, or the minimum (area, share, capacity per ha)."""
        return float(self.params["months" if self.kind == "no_event_within" else "minimum"])

    @property
    def unit(self) -> str:
        """The unit of the threshold and the observed value ("" when unknown)."""
        if self.kind == "no_event_within":
            return "months"
        if self.kind == "occupancy_after_years":
            return "share"
        if self.kind == "minimum":
            return FIELD_UNITS.get(self.params["field"], "")
        numerator = FIELD_UNITS.get(self.params["numerator"], "")
        denominator = FIELD_UNITS.get(self.params["denominator"], "")
        if not (numerator and denominator):
            return ""
        return "share" if numerator == denominator else f"{numerator}_per_{denominator}"


@dataclass(frozen=True)
class ComplianceConfig:
    path: str
    rules: tuple[Rule, ...]

    def for_jurisdiction(self, code: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.jurisdiction == code)


def load_config(path: Path | str | None = None) -> ComplianceConfig:
    """Read and check the rules file (default ``data/compliance.yml``).

    Raises UserError naming the rule and the problem when the file is not usable. A file read
    before is parsed again only when it changed (pages read the rules on every run)."""
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        stat = source.stat()
    except OSError as exc:
        raise UserError("policy.config_unreadable", path=str(source), reason=str(exc)) from exc
    return _load_config(str(source), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_config(path: str, mtime_ns: int, size: int) -> ComplianceConfig:
    """The parsed rules of ``path`` as of its modification time and size (the cache key)."""
    source = Path(path)
    try:
        content = yaml.load(source.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError("policy.config_unreadable", path=str(source), reason=str(exc)) from exc
    jurisdictions = content.get("jurisdictions") if isinstance(content, dict) else None
    if not isinstance(jurisdictions, dict):
        raise UserError(
            "policy.config_invalid", path=str(source), rule="-", problem="jurisdictions"
        )
    rules = []
    for code, spec in jurisdictions.items():
        for rule_id, body in ((spec or {}).get("rules") or {}).items():
            rules.append(_rule(str(source), str(code), str(rule_id), body))
    return ComplianceConfig(str(source), tuple(rules))


def _rule(path: str, code: str, rule_id: str, body: Any) -> Rule:
    def invalid(problem: str) -> UserError:
        return UserError(
            "policy.config_invalid", path=path, rule=f"{code}/{rule_id}", problem=problem
        )

    if not isinstance(body, dict) or body.get("kind") not in KIND_PARAMETERS:
        raise invalid(f"kind must be one of {', '.join(KIND_PARAMETERS)}")
    kind = body["kind"]
    params = {}
    for name in KIND_PARAMETERS[kind]:
        if name not in body:
            raise invalid(f"missing {name}")
        value = body[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if name in NUMERIC_PARAMETERS and not (number and value >= 0):
            raise invalid(f"{name} must be a non-negative number")
        params[name] = value
    since = body.get("since", list(DEFAULT_SINCE))
    since = (since,) if isinstance(since, str) else tuple(since)
    return Rule(
        rule_id=rule_id,
        jurisdiction=code,
        kind=kind,
        params=MappingProxyType(params),
        park_types=tuple(body.get("park_types") or ()),
        since=since,
        needs_legal_check=bool(body.get("needs_legal_check", True)),
        legal_basis=str(body.get("legal_basis", "")),
    )


# ---------------------------------------------------------------------------------------
# Evaluation on frames


def _date(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def in_force(parks: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Parks founded by ``as_of`` and neither closed nor excluded by then."""
    ended = pd.Series(False, index=parks.index)
    for column in ("closed_on", "excluded_on"):
        if column in parks:
            stamps = pd.to_datetime(parks[column])
            ended |= stamps.notna() & (stamps <= as_of)
    founded = pd.to_datetime(parks["founded_on"]) if "founded_on" in parks else None
    started = founded.isna() | (founded <= as_of) if founded is not None else True
    return started & ~ended


def _since(park: pd.Series, rule: Rule) -> pd.Timestamp | None:
    for column in rule.since:
        stamp = _date(park.get(column))
        if stamp is not None:
            return stamp
    return None


def _check_no_event(park: pd.Series, rule: Rule, as_of: pd.Timestamp) -> tuple | None:
    start = _date(park.get(rule.params["start"]))
    if start is None and rule.params["start"] == "registered_on" and _true(park.get("in_register")):
        # In the register, date unknown (a registry taken from a public document): the
        # deadline cannot be computed, and the card says which date is missing.
        return "no_data", np.nan, None, (rule.params["start"],)
    if start is None:
        return None  # the clock has not started (e.g. not registered): rule not applicable
    deadline = start + pd.DateOffset(months=int(rule.params["months"]))
    elapsed = _months_between(start, as_of)
    event = _date(park.get(rule.params["event"]))
    happened = event is not None and event <= as_of
    if deadline <= as_of and not happened:
        return "breach", elapsed, deadline
    return "ok", elapsed, None


def _true(value: Any) -> bool:
    return value is not None and not pd.isna(value) and bool(value)


def _missing(park: pd.Series, fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in fields if pd.isna(park.get(f)))


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Whole months from ``start`` to ``end`` (the count a deadline in months compares with)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if start + pd.DateOffset(months=months) > end:
        months -= 1
    return float(months)


def _check_minimum(park: pd.Series, rule: Rule) -> tuple:
    if rule.kind == "minimum":
        value = pd.to_numeric(park.get(rule.params["field"]), errors="coerce")
    else:
        numerator = pd.to_numeric(park.get(rule.params["numerator"]), errors="coerce")
        denominator = pd.to_numeric(park.get(rule.params["denominator"]), errors="coerce")
        value = numerator / denominator if denominator and denominator > 0 else np.nan
    if value is None or pd.isna(value):
        fields = (
            (rule.params["field"],)
            if rule.kind == "minimum"
            else (rule.params["numerator"], rule.params["denominator"])
        )
        return "no_data", np.nan, None, _missing(park, fields)
    if value < rule.threshold:
        return "breach", float(value), _since(park, rule)
    return "ok", float(value), None


def _check_occupancy(
    park: pd.Series, rule: Rule, as_of: pd.Timestamp, reports: pd.DataFrame
) -> tuple | None:
    start = _date(park.get(rule.params["start"]))
    leasable = pd.to_numeric(park.get("leasable_area_ha"), errors="coerce")
    if start is None:
        return None  # no first resident yet: the grace period has not started
    grace_end = start + pd.DateOffset(years=int(rule.params["years"]))
    if grace_end > as_of:
        return "ok", np.nan, None  # not yet due: nothing to flag
    if leasable is None or pd.isna(leasable) or leasable <= 0 or reports.empty:
        return "no_data", np.nan, None, _missing(park, ("leasable_area_ha",))
    share = (reports["area_occupied_ha"] / leasable).to_numpy(float)
    below = share < rule.threshold
    if not below[-1]:
        return "ok", float(share[-1]), None
    first = 0 if below.all() else len(below) - int(np.argmin(below[::-1]))
    run_start = pd.Timestamp(Quarter.of(reports["quarter"].iloc[first]).end)
    return "breach", float(share[-1]), max(grace_end, run_start)


def evaluate_compliance(
    parks: pd.DataFrame,
    quarters: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    config: ComplianceConfig,
) -> pd.DataFrame:
    """Every applicable (park, rule) as of ``as_of``: status breach / ok / no_data, the
    observed value (months elapsed, area, share, capacity per ha, occupancy), the threshold and
    since when the park is in breach.

    ``parks``: the park mart plus ``jurisdiction`` (the country code of its region).
    ``quarters``: park_quarter rows (park_id, quarter, area_occupied_ha); reports after the
    as-of quarter are ignored.
    """
    stamp = pd.Timestamp(as_of)
    active = parks[in_force(parks, stamp)]
    reports = quarters[pd.to_datetime(quarters["quarter"]) <= stamp]
    reports = reports[reports["area_occupied_ha"].notna()].sort_values(["park_id", "quarter"])
    by_park = dict(tuple(reports.groupby("park_id", sort=False)))
    empty = reports.iloc[0:0]
    rows = []
    for _, park in active.iterrows():
        for rule in config.for_jurisdiction(park["jurisdiction"]):
            if rule.park_types and park["park_type"] not in rule.park_types:
                continue
            if rule.kind == "no_event_within":
                outcome = _check_no_event(park, rule, stamp)
            elif rule.kind == "occupancy_after_years":
                outcome = _check_occupancy(park, rule, stamp, by_park.get(park["park_id"], empty))
            else:
                outcome = _check_minimum(park, rule)
            if outcome is None:
                continue
            status, value, since, *missing = outcome
            rows.append(
                (
                    park["park_id"],
                    rule.jurisdiction,
                    rule.rule_id,
                    rule.kind,
                    status,
                    value,
                    rule.threshold,
                    rule.unit,
                    since,
                    rule.needs_legal_check,
                    rule.legal_basis,
                    ", ".join(missing[0]) if missing and missing[0] else None,
                )
            )
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    table["since"] = pd.to_datetime(table["since"])
    table["value"] = table["value"].astype(float)
    return table.sort_values(["park_id", "rule"], ignore_index=True)


# ---------------------------------------------------------------------------------------
# Reading the warehouse


@dataclass(frozen=True)
class ComplianceCheck:
    """The rules checked as of one date. ``table``: every applicable (park, rule) (columns
    RESULT_COLUMNS plus name_ru/uk/en and region_code); ``flags``: the breaches."""

    as_of: dt.date
    config_path: str
    table: pd.DataFrame = field(repr=False)

    @property
    def flags(self) -> pd.DataFrame:
        return self.table[self.table["status"] == "breach"].reset_index(drop=True)

    def messages(self, lang: str) -> list[str]:
        """One line per flag: park, rule, the numbers and since when."""
        return [flag_text(row, lang) for _, row in self.flags.iterrows()]


def parks_with_jurisdiction(
    con: duckdb.DuckDBPyConnection, region: str | None = None
) -> pd.DataFrame:
    """The park mart with ``jurisdiction`` = the country code of each park's region."""
    sql = (
        "SELECT p.*, r.country_code AS jurisdiction FROM park p"
        " LEFT JOIN region r ON r.code = p.region_code"
    )
    params: list[Any] = []
    if region:
        sql += " WHERE p.region_code = ?"
        params.append(region)
    return con.execute(sql + " ORDER BY p.park_id", params).df()


def latest_quarter(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The newest quarter any park reported (the default as-of quarter)."""
    found = con.execute("SELECT max(quarter) FROM park_quarter").fetchone()[0]
    if found is None:
        raise UserError("policy.no_reports")
    return pd.Timestamp(found).date()


def default_quarter(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dt.date:
    """The newest reported quarter; before any report (a registry just loaded), the last
    quarter that has ended, so the registry-only rules can be checked from the first day."""
    found = con.execute("SELECT max(quarter) FROM park_quarter").fetchone()[0]
    if found is not None:
        return pd.Timestamp(found).date()
    if not con.execute("SELECT count(*) FROM park").fetchone()[0]:
        raise UserError("policy.no_reports")
    day = today or dt.date.today()
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return (pd.Timestamp(start) - pd.offsets.QuarterBegin(1, startingMonth=1)).date()


def compliance_check(
    con: duckdb.DuckDBPyConnection,
    quarter: str | dt.date | None = None,
    region: str | None = None,
    config: ComplianceConfig | Path | str | None = None,
) -> ComplianceCheck:
    """Check every rule of every park's jurisdiction as of the end of ``quarter`` (default:
    the newest reported quarter). ``config``: a loaded config or a path to a rules file."""
    rules = config if isinstance(config, ComplianceConfig) else load_config(config)
    q = parse_quarter(quarter) if quarter is not None else default_quarter(con)
    as_of = quarter_end(q)
    parks = parks_with_jurisdiction(con, region)
    if region and parks.empty:
        raise UserError("kpi.unknown_region", region=region)
    quarters = con.execute(
        "SELECT park_id, quarter, area_occupied_ha FROM park_quarter ORDER BY park_id, quarter"
    ).df()
    table = evaluate_compliance(parks, quarters, as_of, rules)
    names = parks[["park_id", "region_code", "name_ru", "name_uk", "name_en"]]
    table = table.merge(names, on="park_id", how="left")
    return ComplianceCheck(as_of, rules.path, table)


# ---------------------------------------------------------------------------------------
# Text


def _decimals(number: float, least: int, most: int = 4) -> int:
    """The fewest decimals from ``least`` on that show ``number`` exactly (up to ``most``)."""
    for decimals in range(least, most):
        if round(number, decimals) == round(number, most):
            return decimals
    return most


def measure_text(value: float, unit: str, lang: str, below: float | None = None) -> str:
    """A rule's number with its unit in the locale ("0,12 МВт/га", "42,0 %", "37 months").

    ``below``: the threshold a breaching value is below; the value then gets as many decimals
    as it takes not to print equal to it. Without it (a threshold) the number prints with as
    few decimals as show it exactly, up to two more than the unit's usual.
    """
    scale = 100.0 if unit == "share" else 1.0  # shares are compared in percentage points
    least = UNIT_DECIMALS.get(unit, DEFAULT_DECIMALS)
    if below is None:
        decimals = _decimals(value * scale, 0, least + 2)
    else:
        shown, limit, decimals = value * scale, below * scale, least
        while decimals < least + 3 and round(shown, decimals) >= round(limit, decimals):
            decimals += 1
    if unit == "share":
        return fmt_percent(value, lang, decimals)
    number = fmt_number(value, lang, decimals)
    key = f"policy.unit.{unit}"
    return t(key, lang, value=number) if unit and has_key(key) else number


def rule_title(rule_id: str, kind: str, lang: str) -> str:
    """The rule's name from the catalogue (``policy.rule.<id>``), else its kind's name."""
    key = f"policy.rule.{rule_id}"
    return t(key, lang) if has_key(key) else t(f"policy.kind.{kind}", lang)


def flag_value_text(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A flag's value with its unit ("0,12 МВт/га", "37 мес."): a value breaching a minimum
    gets the decimals that keep it from printing equal to the threshold; months past a
    deadline are counted whole. ``row``: a row of ``ComplianceCheck.flags``."""
    below = row["threshold"] if row["kind"] != "no_event_within" else None
    return measure_text(row["value"], row["unit"], lang, below=below)


def flag_text(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A flag in words: which rule, which numbers with their unit, since when, and whether the
    threshold still needs a legal check. ``row``: a row of ``ComplianceCheck.flags``."""
    kind, rule_id, unit = row["kind"], row["rule"], row["unit"]
    text = t(
        f"policy.flag.{kind}",
        lang,
        park=row["park_id"],
        rule=rule_title(rule_id, kind, lang),
        value=flag_value_text(row, lang),
        threshold=measure_text(row["threshold"], unit, lang),
        since=fmt_date(row["since"], lang),
    )
    if row["needs_legal_check"]:
        text += " " + t("policy.needs_legal_check", lang)
    return text


def unchecked_texts(check: ComplianceCheck, park_id: str, lang: str) -> list[str]:
    """The park's rules that could not be checked, each with the blank fields it needs
    ("registration date unknown: the 24-month rule cannot be checked")."""
    from analytics.intake.columns import header_label

    rows = check.table[(check.table["park_id"] == park_id) & (check.table["status"] == "no_data")]
    texts = []
    for row in rows.itertuples():
        fields = [f.strip() for f in (row.missing or "").split(",") if f.strip()]
        labels = ", ".join(t("intake.quoted", lang, text=header_label(f, lang)) for f in fields)
        key = "registries.compliance.unchecked" if labels else "registries.compliance.unchecked_any"
        texts.append(t(key, lang, rule=rule_title(row.rule, row.kind, lang), fields=labels))
    return texts
