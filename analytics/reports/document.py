"""What a quarterly report says, independent of the file format.

``build_report`` reads the warehouse once (review, ranking, recommendations support, region
totals, catalogue, sources) and returns a ``ReportContent``: sections made of paragraphs,
typed tables and charts. The PDF, DOCX and XLSX writers only lay that content out, so the
three formats always carry the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import UserError
from analytics.i18n import check_language, fmt_date, fmt_percent, fmt_quarter, t, unit_label
from analytics.i18n.cells import CellKind
from analytics.kpi import formulas
from analytics.kpi.formulas import parse_quarter, shift_quarter
from analytics.kpi.ranking import rank_parks
from analytics.kpi.recommendations import recommendations_support
from analytics.kpi.review import Review, named, quarterly_review, report_rule, status_rule
from analytics.reports import charts
from analytics.reports.columns import ranking_columns, status_columns
from analytics.reports.content import ReportContent, Section, Table, table
from analytics.reports.policy import policy_section

HISTORY_QUARTERS = 8  # quarters shown in trend charts


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    con: duckdb.DuckDBPyConnection
    lang: str
    currency: str | None  # ISO code of the parks' money (None: several currencies)
    catalogue: pd.DataFrame  # park-level indicators indexed by code

    def unit(self, unit: str) -> str:
        return unit_label(unit, self.lang, self.currency)

    def header(self, code: str) -> str:
        row = self.catalogue.loc[code]
        return f"{row[f'name_{self.lang}']}, {self.unit(row['unit'])}"

    def name(self, code: str) -> str:
        return str(self.catalogue.loc[code, f"name_{self.lang}"])


def _scope(con, region: str | None, park: str | None, lang: str) -> str:
    if park is not None:
        name = con.execute(f"SELECT name_{lang} FROM park WHERE park_id = ?", [park]).fetchone()
        return t("report.scope_park", lang, park=name[0])
    if region is not None:
        name = con.execute(f"SELECT name_{lang} FROM region WHERE code = ?", [region]).fetchone()
        return t("report.scope_region", lang, region=name[0] if name else region)
    return t("report.scope_all", lang)


def _status_table(review, ctx: _Context) -> Table:
    lang = ctx.lang
    parks = review.parks.assign(
        status_text=[t(f"review.status.{s}", lang) for s in review.parks["status"]],
        report_text=[t(f"review.report_state.{s}", lang) for s in review.parks["report_state"]],
    )
    status = table("status", t("report.table.status", lang), status_columns(lang), parks)
    flags = tuple(
        "alert"
        if status in ("behind", "no_report")
        else "warning"
        if status == "incomplete" or state in ("late", "no_date")
        else ""
        for status, state in zip(parks["status"], parks["report_state"], strict=True)
    )
    return replace(status, row_flags=flags)


# Two KPI tables keep columns wide enough to read on a landscape page.
KPI_COLUMNS: tuple[tuple[str, CellKind], ...] = (
    ("occupancy_rate", "pct"),
    ("area_free_ha", "num1"),
    ("residents_count", "int"),
    ("net_new_residents", "int"),
    ("jobs_total", "int"),
    ("jobs_per_ha", "num1"),
)
MONEY_COLUMNS: tuple[tuple[str, CellKind], ...] = (
    ("investment_total", "num1"),
    ("investment_cumulative", "num1"),
    ("investment_per_ha", "num2"),
    ("avg_wage", "int"),
    ("wage_to_municipal", "num2"),
    ("wage_to_regional", "num2"),
    ("taxes_total", "num1"),
)


def _kpi_table(review, ctx: _Context, key: str, spec) -> Table:
    frame = review.kpis.merge(review.parks[["park_id", "name"]], on="park_id", how="left")
    frame = frame.sort_values("park_id")
    columns = [("name", t("report.col.park", ctx.lang), "text")]
    columns += [(code, ctx.header(code), kind) for code, kind in spec]
    return table(key, t(f"report.table.{key}", ctx.lang), columns, frame)


def _change_table(review, ctx: _Context) -> Table:
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
    for code, kind in (("jobs_total", "int"), ("residents_count", "int")):
        columns += [
            (f"{code}_value", ctx.name(code), kind),
            (f"{code}_prev", t("report.col.vs_previous", lang), "signed"),
            (f"{code}_year", t("report.col.vs_year", lang), "pct_change"),
        ]
    code = "investment_cumulative"
    columns += [
        (f"{code}_value", ctx.header(code), "num1"),
        (f"{code}_year", t("report.col.vs_year", lang), "pct_change"),
    ]
    return table("changes", t("report.table.changes", lang), columns, frame)


def _target_table(review, ctx: _Context) -> Table:
    lang = ctx.lang
    targets = review.targets.merge(review.parks[["park_id", "name"]], on="park_id")
    targets = targets.sort_values(["park_id", "indicator"])
    targets["indicator_name"] = [
        ctx.name(c) if c in ctx.catalogue.index else c for c in targets["indicator"]
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
    return table("targets", t("report.table.targets", lang), columns, targets)


def _ranking_table(ranking, review, ctx: _Context) -> Table:
    lang = ctx.lang
    parks = review.parks[["park_id", "name", "park_type"]]
    frame = ranking.table.merge(parks, on="park_id", how="left")
    frame["type_text"] = [
        t(f"park_type.{x}", lang) if isinstance(x, str) else "–" for x in frame["park_type"]
    ]
    frame["thin_text"] = [t("report.yes", lang) if x else "" for x in frame["thin"]]
    # the components left out of each park's index, by name: shown, never imputed
    missing = ranking.missing.groupby("park_id")["component"].agg(
        lambda codes: ", ".join(ctx.name(c) if c in ctx.catalogue.index else c for c in codes)
    )
    frame["missing_text"] = [missing.get(p, "") for p in frame["park_id"]]
    columns = [
        *ranking_columns(lang),
        ("missing_text", t("report.col.missing", lang), "text"),
    ]
    return table("ranking", t("report.table.ranking", lang), columns, frame)


def _budget_table(support, ctx: _Context) -> Table:
    lang = ctx.lang
    columns = [
        ("name", t("report.col.park", lang), "text"),
        ("public_money_cumulative", ctx.header("public_money_cumulative"), "num1"),
        ("taxes_cumulative", ctx.header("taxes_cumulative"), "num1"),
        ("budget_efficiency", ctx.header("budget_efficiency"), "num2"),
        ("payback_year", ctx.name("payback_year"), "year"),
    ]
    return table("budget", t("report.table.budget", lang), columns, named(support.budget, lang))


def _region_table(con, region_totals: pd.DataFrame, ctx: _Context) -> Table:
    lang = ctx.lang
    names = dict(con.execute(f"SELECT code, name_{lang} FROM region").fetchall())
    frame = region_totals.assign(
        region_name=region_totals["region_code"].map(names),
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
    return table("regions", t("report.table.regions", lang), columns, frame)


def _effects_table(effects: pd.DataFrame, lang: str) -> Table:
    columns = [
        ("outcome", t("report.col.outcome", lang), "text"),
        ("method", t("report.col.method", lang), "text"),
        ("estimate", t("report.col.estimate", lang), "num2"),
        ("ci_low", t("report.col.ci_low", lang), "num2"),
        ("ci_high", t("report.col.ci_high", lang), "num2"),
        ("reading", t("report.col.reading", lang), "text"),
    ]
    return table("effects", t("report.table.effects", lang), columns, effects)


def _methodology(con, ctx: _Context, weights: Mapping[str, float]) -> tuple[str, ...]:
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
    named = ", ".join(
        f"{ctx.name(code) if code in ctx.catalogue.index else code} {fmt_percent(w, lang, 0)}"
        for code, w in weights.items()
    )
    lines.append(t("ranking.method", lang, weights=named))
    return tuple(lines)


def _sources(con, lang: str) -> tuple[str, ...]:
    rows = con.execute(
        "SELECT title, producer, published, licence, simulated FROM source ORDER BY source_id"
    ).fetchall()
    lines = []
    for title, producer, published, licence, simulated in rows:
        parts = [f"{title} — {producer}"]
        if published:
            parts.append(fmt_date(published, lang))
        if licence:
            parts.append(licence)
        if simulated:
            parts.append(t("info.simulated", lang))
        lines.append(", ".join(parts))
    return tuple(lines)


def build_report(
    con: duckdb.DuckDBPyConnection,
    quarter: str | dt.date,
    region: str | None = None,
    park: str | None = None,
    lang: str = "ru",
    effects: Sequence[Any] | None = None,
    weights: Mapping[str, float] | None = None,
) -> ReportContent:
    """The report's content for ``quarter`` and one region, one park or all parks.

    ``effects``: EffectResult or ParkEffect objects to put beside the findings; ``weights``: ranking
    weights by KPI code (default ``analytics.kpi.ranking.DEFAULT_WEIGHTS``)."""
    check_language(lang)
    q = parse_quarter(quarter)
    if park is not None:
        found = con.execute("SELECT region_code FROM park WHERE park_id = ?", [park]).fetchone()
        if found is None:
            raise UserError("report.unknown_park", park=park)
        if region is not None and region != found[0]:
            raise UserError("report.park_not_in_region", park=park, region=region)
        region = found[0]
    kpis_all = formulas.park_kpis(con, None, None, region)
    review = quarterly_review(con, q, region, kpis_all)
    catalogue = con.execute("SELECT * FROM indicator WHERE entity = 'park'").df().set_index("code")
    ctx = _Context(con, lang, review.currency, catalogue)
    first = pd.Timestamp(shift_quarter(q, -HISTORY_QUARTERS + 1))
    history = kpis_all[kpis_all["quarter"].between(first, pd.Timestamp(q))]
    ranking = rank_parks(history, q, weights)
    support = recommendations_support(review, effects)
    region_totals = formulas.region_kpis(con, shift_quarter(q, -4), q, region, kpis_all)
    if park is not None:
        review = _only_park(review, park)
        history = history[history["park_id"] == park]
        support = recommendations_support(review, effects)
    shown = _in_language(review, lang)
    q_label = fmt_quarter(q, lang)
    summary = Section(
        t("report.section.summary", lang),
        paragraphs=(t("report.summary_intro", lang, quarter=q_label, n=len(review.parks)),),
        bullets=tuple(f.text(lang) for f in review.findings),
    )
    status = Section(
        t("report.section.status", lang),
        paragraphs=(status_rule(lang),),
        tables=(_status_table(shown, ctx), _target_table(shown, ctx)),
    )
    kpis = Section(
        t("report.section.kpis", lang),
        tables=(
            _kpi_table(shown, ctx, "kpis", KPI_COLUMNS),
            _kpi_table(shown, ctx, "money", MONEY_COLUMNS),
            _change_table(shown, ctx),
        ),
        charts=tuple(charts.quarter_charts(shown, history, ctx.name, lang)),
    )
    ranking_section = Section(
        t("report.section.ranking", lang),
        paragraphs=(t("report.ranking_intro", lang),),
        tables=(_ranking_table(ranking, shown, ctx),),
    )
    chamber_tables = [_budget_table(support, ctx)]
    if len(support.effects):
        chamber_tables.append(_effects_table(support.effects_table(lang), lang))
    chamber = Section(
        t("report.section.recommendations", lang),
        paragraphs=(t("report.recommendations_intro", lang),),
        bullets=tuple(f"{s.addressee_text(lang)}: {s.text(lang)}" for s in support.suggestions),
        tables=tuple(chamber_tables),
    )
    regions = Section(
        t("report.section.regions", lang), tables=(_region_table(con, region_totals, ctx),)
    )
    method = Section(
        t("report.section.methodology", lang),
        paragraphs=(status_rule(lang), report_rule(lang)),
        bullets=_methodology(con, ctx, ranking.weights),
    )
    sources = Section(t("report.section.sources", lang), bullets=_sources(con, lang))
    compliance = policy_section(con, q, region, park, lang)
    sections = [summary, status, kpis]
    if park is None:
        sections.append(ranking_section)
    sections += [chamber, regions, compliance, method, sources]
    return ReportContent(
        lang=lang,
        title=t("report.title", lang),
        subtitle=t("report.subtitle", lang, quarter=q_label),
        scope=_scope(con, region if park is None else None, park, lang),
        generated_on=dt.date.today(),
        simulated_notice=t("simulated.notice", lang) if review.simulated else None,
        sections=tuple(sections),
    )


def _in_language(review: Review, lang: str) -> Review:
    """The review with its parks' names in ``lang`` (a ``name`` column) for the tables."""
    return replace(
        review, parks=named(review.parks, lang), late_reports=named(review.late_reports, lang)
    )


def _only_park(review, park: str):
    """The review narrowed to one park: its rows and the findings that name it."""

    keep = review.parks["park_id"] == park
    return replace(
        review,
        parks=review.parks[keep].reset_index(drop=True),
        comparison=review.comparison[review.comparison["park_id"] == park],
        targets=review.targets[review.targets["park_id"] == park],
        late_reports=review.late_reports[review.late_reports["park_id"] == park],
        kpis=review.kpis[review.kpis["park_id"] == park],
        findings=tuple(f for f in review.findings if park in f.parks),
    )
