"""The report's statutory monitoring section (issue 8): compliance flags as of the end of the
quarter and, for parks with a passport, where the trend leads by the commitment year.

Reads ``analytics.policy`` only; the writers lay the section out like any other, so PDF, DOCX
and XLSX (typed numbers) carry the same values.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analytics import lookups
from analytics.errors import UserError
from analytics.i18n import fmt_date, has_key, t
from analytics.policy.compliance import compliance_check, flag_text, rule_title
from analytics.policy.plan import commitment_forecasts, passport_frames, plan_vs_fact
from analytics.reports.content import Section, Table, table

COMPLIANCE_KEY = "compliance"
PLAN_KEY = "passport_forecast"


def _names(con: duckdb.DuckDBPyConnection, lang: str) -> dict[str, str]:
    return dict(con.execute(f"SELECT park_id, name_{lang} FROM park").fetchall())


def unit_name(unit: str, lang: str) -> str:
    """A rule's unit on its own ("МВт/га"), for a column beside numbers kept as numbers; a
    share stays a fraction (as in data/compliance.yml) and says so."""
    if unit == "share":
        return t("policy.unit.fraction", lang)
    key = f"policy.unit.{unit}"
    return t(key, lang, value="").strip() if unit and has_key(key) else ""


def compliance_table(flags: pd.DataFrame, as_of: dt.date, lang: str) -> Table:
    """One row per flag: park, rule, observed value and threshold (numbers as numbers) with
    their unit, since when, whether the threshold needs a legal check."""
    frame = flags.assign(
        unit_text=[unit_name(u, lang) for u in flags["unit"]],
        park_name=flags[f"name_{lang}"],
        rule_text=[
            rule_title(r, k, lang) for r, k in zip(flags["rule"], flags["kind"], strict=True)
        ],
        legal_text=[t("policy.yes", lang) if x else "" for x in flags["needs_legal_check"]],
    )
    columns = [
        ("park_id", t("report.col.park_id", lang), "code"),
        ("park_name", t("report.col.park", lang), "text"),
        ("rule_text", t("policy.col.rule", lang), "text"),
        ("value", t("policy.col.value", lang), "num2"),
        ("threshold", t("policy.col.threshold", lang), "num2"),
        ("unit_text", t("policy.col.unit", lang), "text"),
        ("since", t("policy.col.since", lang), "date"),
        ("legal_text", t("policy.col.legal_check", lang), "text"),
    ]
    title = t("policy.report.compliance_table", lang, date=fmt_date(as_of, lang))
    return table(COMPLIANCE_KEY, title, columns, frame, sheet=t("brief.sheet.compliance", lang))


def passport_forecasts(
    con: duckdb.DuckDBPyConnection, parks: set[str], quarter: dt.date, lang: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """(one row per passport park x committed indicator: park_id, park_name, indicator name,
    commitment_year, commitment, forecast, share, probability; the reading sentences), from
    the reports up to ``quarter`` only, so a past quarter's report reads as it did then."""
    quarters, targets = passport_frames(con)
    quarters = quarters[pd.to_datetime(quarters["quarter"]) <= pd.Timestamp(quarter)]
    targets = targets[targets["park_id"].isin(parks)]
    plan = plan_vs_fact(targets, quarters)
    registry = con.execute("SELECT * FROM park").df().set_index("park_id", drop=False)
    indicator_names = lookups.indicator_names(con, lang)
    rows, readings = [], []
    for park_id, group in plan.groupby("park_id", sort=True):
        park = registry.loc[park_id].to_dict()
        name = park[f"name_{lang}"]
        for planned in commitment_forecasts(quarters, targets, park, group["indicator"].unique()):
            found, label = planned.forecast, indicator_names.get(planned.indicator)
            label = label or planned.indicator
            if found is None:  # too few reports to extrapolate: say so, once per park
                text = planned.problem.text(lang)
                if text not in readings:
                    readings.append(text)
                continue
            rows.append((park_id, name, label, found.commitment_year, found.commitment,
                         found.forecast, found.share, found.probability))  # fmt: skip
            readings.append(found.reading(lang, label, park_name=name))
    columns = ["park_id", "park_name", "indicator", "commitment_year", "commitment", "forecast",
               "share", "probability"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), tuple(readings)


def plan_table(frame: pd.DataFrame, lang: str) -> Table:
    columns = [
        ("park_name", t("report.col.park", lang), "text"),
        # "indicator", not "commitment": the next column's header (no two headers alike)
        ("indicator", t("report.col.indicator", lang), "text"),
        ("commitment_year", t("policy.col.commitment_year", lang), "year"),
        ("commitment", t("policy.col.commitment", lang), "num1"),
        ("forecast", t("policy.col.forecast", lang), "num1"),
        ("share", t("policy.col.share", lang), "pct"),
        ("probability", t("policy.col.probability", lang), "pct"),
    ]
    title = t("policy.report.plan_table", lang)
    return table(PLAN_KEY, title, columns, frame, sheet=t("brief.sheet.passport_forecast", lang))


def scope_flags(
    con: duckdb.DuckDBPyConnection, quarter: dt.date, region: str | None
) -> tuple[pd.DataFrame, dt.date | None]:
    """(the compliance flags as of the end of ``quarter``, that date); no flags and no date
    for a region without parks (nothing to check)."""
    try:
        check = compliance_check(con, quarter, region)
    except UserError:
        return pd.DataFrame(columns=["park_id", "rule", "kind"]), None
    return check.flags, check.as_of


def policy_section(
    con: duckdb.DuckDBPyConnection,
    quarter: dt.date,
    region: str | None,
    park: str | None,
    lang: str,
    checked: tuple[pd.DataFrame, dt.date | None] | None = None,
) -> Section:
    """Compliance flags as of the end of ``quarter`` (one region, one park or all) and the
    passport commitments' forecasts of the same parks. ``checked``: ``scope_flags`` when
    the caller has them."""
    flags, as_of = checked if checked is not None else scope_flags(con, quarter, region)
    if park is not None:
        flags = flags[flags["park_id"] == park]
    paragraphs = [t("policy.compliance.caption", lang)]
    bullets: list[str] = []
    tables: list[Table] = []
    if as_of is not None:
        paragraphs.insert(
            0, t("policy.compliance.heading", lang, as_of=fmt_date(as_of, lang), n=len(flags))
        )
        if len(flags):
            tables.append(compliance_table(flags.reset_index(drop=True), as_of, lang))
            names = _names(con, lang)
            bullets += [
                flag_text({**row, "park_id": names.get(row["park_id"], row["park_id"])}, lang)
                for row in flags.to_dict("records")
            ]
        else:
            bullets.append(t("policy.compliance.none", lang))
    if park is not None:
        in_scope = {park}
    else:
        sql = "SELECT park_id FROM park" + (" WHERE region_code = ?" if region else "")
        in_scope = {r[0] for r in con.execute(sql, [region] if region else []).fetchall()}
    forecasts, readings = passport_forecasts(con, in_scope, quarter, lang)
    if len(forecasts):
        tables.append(plan_table(forecasts, lang))
    bullets += list(readings)
    return Section(
        t("policy.report.section", lang),
        paragraphs=tuple(paragraphs),
        bullets=tuple(bullets),
        tables=tuple(tables),
    )
