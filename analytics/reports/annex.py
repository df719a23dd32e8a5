"""The report's annex tables, methods and sources, in the report's language.

Each table carries its XLSX sheet name from the catalogue (``brief.sheet.<key>``, at most
31 characters: Excel's limit) and headers unique within the table, each with its unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from analytics.i18n import fmt_date, fmt_percent, fmt_quarter, t
from analytics.kpi.review import named, report_rule, status_rule
from analytics.reports.columns import ranking_columns, status_columns
from analytics.reports.content import ReportKind, Table, table
from analytics.reports.context import Context

# Two KPI tables keep columns wide enough to read on a landscape page.
KPI_COLUMNS: tuple[tuple[str, ReportKind], ...] = (
    ("occupancy_rate", "pct"),
    ("area_free_ha", "num1"),
    ("residents_count", "int"),
    ("net_new_residents", "int"),
    ("jobs_total", "int"),
    ("jobs_per_ha", "num2"),
)
MONEY_COLUMNS: tuple[tuple[str, ReportKind], ...] = (
    ("investment_total", "num1"),
    ("investment_cumulative", "num1"),
    ("investment_per_ha", "num2"),
    ("avg_wage", "int"),
    ("wage_to_municipal", "num2"),
    ("wage_to_regional", "num2"),
    ("taxes_total", "num1"),
)
# The demo generator's producer: its batches are described in the report's language.
DEMO_PRODUCER = "Demo generator (simulated data)"


def sheet(key: str, lang: str) -> str:
    return t(f"brief.sheet.{key}", lang)


def _keyed(key: str, title: str, columns, frame: pd.DataFrame, lang: str) -> Table:
    return table(key, title, columns, frame, sheet=sheet(key, lang))


def status_table(review, ctx: Context) -> Table:
    lang = ctx.lang
    parks = review.parks.assign(
        status_text=[t(f"review.status.{s}", lang) for s in review.parks["status"]],
        report_text=[t(f"review.report_state.{s}", lang) for s in review.parks["report_state"]],
    )
    status = _keyed("status", t("report.table.status", lang), status_columns(lang), parks, lang)
    flags = tuple(
        "alert"
        if status in ("behind", "no_report")
        else "warning"
        if status == "incomplete" or state in ("late", "no_date")
        else ""
        for status, state in zip(parks["status"], parks["report_state"], strict=True)
    )
    return replace(status, row_flags=flags)


def kpi_table(review, ctx: Context, key: str, spec) -> Table:
    frame = review.kpis.merge(review.parks[["park_id", "name"]], on="park_id", how="left")
    frame = frame.sort_values("park_id")
    columns = [("name", t("report.col.park", ctx.lang), "text")]
    columns += [(code, ctx.header(code), kind) for code, kind in spec]
    return _keyed(key, t(f"report.table.{key}", ctx.lang), columns, frame, ctx.lang)


def change_table(review, ctx: Context) -> Table:
    """Values with their changes; each change's header names its indicator, so no two
    columns share a header."""
    lang = ctx.lang
    comp = review.comparison
    stats = ["value", "change_previous", "change_year_pct"]
    codes = ["jobs_total", "residents_count", "investment_cumulative"]
    # reindex: a quarter without reports still yields every column (all blank)
    wide = comp.pivot(index="park_id", columns="indicator").reindex(
        columns=pd.MultiIndex.from_product([stats, codes])
    )
    frame = pd.DataFrame(index=wide.index)
    for code in codes:
        frame[f"{code}_value"] = wide[("value", code)]
        frame[f"{code}_prev"] = wide[("change_previous", code)]
        frame[f"{code}_year"] = wide[("change_year_pct", code)]
    frame = frame.reset_index().merge(review.parks[["park_id", "name"]], on="park_id")
    columns = [("name", t("report.col.park", lang), "text")]
    for code in codes:
        name = ctx.name(code)
        columns.append((f"{code}_value", ctx.header(code), ctx.kind(code)))
        if code != "investment_cumulative":
            header = t("brief.col.change_previous", lang, name=name)
            columns.append((f"{code}_prev", header, "signed"))
        columns.append((f"{code}_year", t("brief.col.change_year", lang, name=name), "pct_change"))
    return _keyed("changes", t("report.table.changes", lang), columns, frame, lang)


def target_table(review, ctx: Context) -> Table:
    lang = ctx.lang
    targets = review.targets.merge(review.parks[["park_id", "name"]], on="park_id")
    targets = targets.sort_values(["park_id", "indicator"])
    targets["indicator_name"] = [
        ctx.header(c) if c in ctx.catalogue.index else c for c in targets["indicator"]
    ]
    targets["met_text"] = [
        "–" if pd.isna(m) else t("report.yes" if m else "report.no", lang) for m in targets["met"]
    ]
    columns = [
        ("name", t("report.col.park", lang), "text"),
        ("indicator_name", t("report.col.indicator", lang), "text"),
        ("target_value", t("report.col.target", lang), "num1"),
        ("expected", t("report.col.expected", lang), "num1"),
        ("value", t("report.col.value", lang), "num1"),
        ("met_text", t("report.col.met", lang), "text"),
    ]
    return _keyed("targets", t("report.table.targets", lang), columns, targets, lang)


def ranking_table(ranking, review, ctx: Context) -> Table:
    lang = ctx.lang
    parks = review.parks[["park_id", "name", "park_type"]]
    frame = ranking.table.merge(parks, on="park_id", how="left")
    frame["type_text"] = [
        t(f"park_type.{x}", lang) if isinstance(x, str) else "–" for x in frame["park_type"]
    ]
    frame["thin_text"] = [t("report.yes", lang) if x else "" for x in frame["thin"]]
    # the components left out of each park's index, by name: shown, never imputed
    missing = ranking.missing.groupby("park_id")["component"].agg(
        lambda codes: ", ".join(ctx.name(c) for c in codes)
    )
    frame["missing_text"] = [missing.get(p, "") for p in frame["park_id"]]
    columns = [*ranking_columns(lang), ("missing_text", t("report.col.missing", lang), "text")]
    return _keyed("ranking", t("report.table.ranking", lang), columns, frame, lang)


def budget_table(support, ctx: Context) -> Table:
    lang = ctx.lang
    columns = [
        ("name", t("report.col.park", lang), "text"),
        ("public_money_cumulative", ctx.header("public_money_cumulative"), "num1"),
        ("taxes_cumulative", ctx.header("taxes_cumulative"), "num1"),
        ("budget_efficiency", ctx.header("budget_efficiency"), "num2"),
        ("payback_year", ctx.name("payback_year"), "year"),
    ]
    frame = named(support.budget, lang)
    return _keyed("budget", t("report.table.budget", lang), columns, frame, lang)


def region_table(region_totals: pd.DataFrame, ctx: Context) -> Table:
    lang = ctx.lang
    frame = region_totals.assign(
        region_name=region_totals["region_code"].map(ctx.regions),
        quarter_text=[fmt_quarter(pd.Timestamp(q).date(), lang) for q in region_totals["quarter"]],
    )
    share = t("unit.share", lang)
    columns = [
        ("region_name", t("report.col.region", lang), "text"),
        ("quarter_text", t("report.col.quarter", lang), "text"),
        ("parks_reporting", t("report.col.parks_reporting", lang), "int"),
        ("jobs_total", ctx.header("jobs_total"), "int"),
        ("investment_total", ctx.header("investment_total"), "num1"),
        ("park_jobs_share", t("report.col.jobs_share", lang, unit=share), "pct"),
        ("park_investment_share", t("report.col.investment_share", lang, unit=share), "pct"),
    ]
    return _keyed("regions", t("report.table.regions", lang), columns, frame, lang)


def effects_table(effects: pd.DataFrame, lang: str) -> Table:
    columns = [
        ("outcome", t("report.col.outcome", lang), "text"),
        ("method", t("report.col.method", lang), "text"),
        ("estimate", t("report.col.estimate", lang), "num2"),
        ("ci_low", t("report.col.ci_low", lang), "num2"),
        ("ci_high", t("report.col.ci_high", lang), "num2"),
        ("reading", t("report.col.reading", lang), "text"),
    ]
    return _keyed("effects", t("report.table.effects", lang), columns, effects, lang)


def methodology(ctx: Context, weights: Mapping[str, float]) -> tuple[str, ...]:
    """Every derived KPI's definition (cost per job and budget efficiency among them), the
    headline rules and the ranking's method with its weights."""
    lang = ctx.lang
    derived = ctx.catalogue[ctx.catalogue["kind"] == "derived"]
    lines = [
        t(
            "report.kpi_definition",
            lang,
            name=row[f"name_{lang}"],
            unit=ctx.unit(row["unit"]),
            formula=row[f"formula_{lang}"],
        )
        for _, row in derived.iterrows()
    ]
    named_weights = ", ".join(
        f"{ctx.name(code)} {fmt_percent(w, lang, 0)}" for code, w in weights.items()
    )
    lines.append(t("ranking.method", lang, weights=named_weights))
    return tuple(lines)


def method_paragraphs(lang: str) -> tuple[str, ...]:
    return (
        t("brief.method.headline", lang),
        status_rule(lang),
        report_rule(lang),
        t("brief.method.findings", lang),
        t("brief.method.money", lang),
    )


def source_lines(sources: pd.DataFrame, lang: str) -> tuple[str, ...]:
    """Each loaded batch: what it holds, who produced it, when it was published and loaded,
    its licence; the demo's batches in the report's language."""
    lines = []
    for row in sources.itertuples():
        what = t(f"brief.source_kind.{row.kind}", lang) if _known_kind(row.kind) else str(row.kind)
        if row.producer == DEMO_PRODUCER:
            text = t("brief.source.demo", lang, what=what)
        else:
            text = t("brief.source.named", lang, what=what, title=row.title, producer=row.producer)
        parts = [text]
        if pd.notna(row.published):
            parts.append(
                t(
                    "brief.source.published",
                    lang,
                    date=fmt_date(pd.Timestamp(row.published).date(), lang),
                )
            )
        if pd.notna(row.loaded_at):
            parts.append(
                t(
                    "brief.source.loaded",
                    lang,
                    date=fmt_date(pd.Timestamp(row.loaded_at).date(), lang),
                )
            )
        if row.licence:
            licence = (
                t("brief.source.demo_licence", lang)
                if row.producer == DEMO_PRODUCER
                else row.licence
            )
            parts.append(t("brief.source.licence", lang, licence=licence))
        if row.simulated:
            parts.append(t("info.simulated", lang))
        lines.append("; ".join(parts))
    return tuple(lines)


def _known_kind(kind: str) -> bool:
    from analytics.i18n import has_key

    return has_key(f"brief.source_kind.{kind}")
