"""What a quarterly report says, independent of the file format.

``build_report`` reads the warehouse once (review, cards, compliance, ranking,
recommendations support, region totals, catalogue, sources) and returns a
``ReportContent`` in four parts, each starting on a new page:

1. the brief (page 1, :mod:`analytics.reports.brief` in words by
   :mod:`analytics.reports.pages`) and the sign-off block;
2. one profile page per park due to report (:mod:`analytics.reports.profile`);
3. the annex: the tables (landscape pages) and charts (:mod:`analytics.reports.annex`);
4. methods and sources, in the report's language.

The PDF, DOCX and XLSX writers only lay that content out, so the three formats always carry
the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import duckdb
import pandas as pd

from analytics import lookups
from analytics.errors import UserError
from analytics.i18n import check_language, fmt_date, fmt_number, fmt_quarter, t
from analytics.i18n.message import Name
from analytics.kpi import formulas
from analytics.kpi.formulas import parse_quarter, shift_quarter
from analytics.kpi.ranking import rank_parks
from analytics.kpi.recommendations import recommendations_support
from analytics.kpi.review import Review, named, quarterly_review
from analytics.reports import annex, charts
from analytics.reports.brief import build_brief
from analytics.reports.content import Part, ReportContent, Section, SignOff
from analytics.reports.context import Context
from analytics.reports.pages import brief_part, park_history_table, profile_part
from analytics.reports.policy import policy_section, scope_flags
from analytics.reports.profile import park_profiles

HISTORY_QUARTERS = 8  # quarters shown in trend charts and park profiles


def _scope(con, region: str | None, park: str | None, lang: str) -> str:
    if park is not None:
        name = con.execute(f"SELECT name_{lang} FROM park WHERE park_id = ?", [park]).fetchone()
        return t("report.scope_park", lang, park=name[0])
    if region is not None:
        name = lookups.region_names(con, lang).get(region, region)
        return t("report.scope_region", lang, region=name)
    return t("report.scope_all", lang)


def data_stamp_text(sources: pd.DataFrame, lang: str) -> str:
    """The footer's data stamp: how many batches, the newest and when it was loaded; and
    "simulated" when any batch is."""
    if sources.empty:
        return t("brief.stamp.empty", lang)
    newest = sources.iloc[-1]
    loaded = pd.Timestamp(newest["loaded_at"]).date() if pd.notna(newest["loaded_at"]) else None
    text = t(
        "brief.stamp",
        lang,
        batches=fmt_number(len(sources), lang),
        newest=str(int(newest["source_id"])),
        date=fmt_date(loaded, lang),
    )
    if bool(sources["simulated"].fillna(False).any()):
        text += " · " + t("brief.stamp.simulated", lang)
    return text


def _indicator_names(catalogue: pd.DataFrame) -> dict[str, Name]:
    return {
        code: Name(row["name_ru"], row["name_uk"], row["name_en"])
        for code, row in catalogue.iterrows()
    }


def _annex(review, shown, ctx, ranking, support, region_totals, history, park, compliance) -> Part:
    lang = ctx.lang
    status = Section(
        t("report.section.status", lang),
        tables=(annex.status_table(shown, ctx), annex.target_table(shown, ctx)),
    )
    kpis = Section(
        t("report.section.kpis", lang),
        tables=(
            annex.kpi_table(shown, ctx, "kpis", annex.KPI_COLUMNS),
            annex.kpi_table(shown, ctx, "money", annex.MONEY_COLUMNS),
            annex.change_table(shown, ctx),
        ),
        charts=tuple(charts.quarter_charts(shown, history, ctx)),
    )
    sections = [status, kpis]
    if park is None:
        sections.append(
            Section(
                t("report.section.ranking", lang),
                paragraphs=(t("report.ranking_intro", lang),),
                tables=(annex.ranking_table(ranking, shown, ctx),),
            )
        )
    chamber_tables = [annex.budget_table(support, ctx)]
    if len(support.effects):
        chamber_tables.append(annex.effects_table(support.effects_table(lang), lang))
    sections.append(
        Section(
            t("report.section.recommendations", lang),
            paragraphs=(t("report.recommendations_intro", lang),),
            bullets=tuple(f"{s.addressee_text(lang)}: {s.text(lang)}" for s in support.suggestions),
            tables=tuple(chamber_tables),
        )
    )
    sections.append(
        Section(t("report.section.regions", lang), tables=(annex.region_table(region_totals, ctx),))
    )
    sections.append(compliance)
    return Part("annex", t("brief.part.annex", lang), tuple(sections), landscape=True)


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

    ``effects``: EffectResult or ParkEffect objects the brief reads and the annex tabulates;
    ``weights``: ranking weights by KPI code (default ``analytics.kpi.ranking.DEFAULT_WEIGHTS``)."""
    check_language(lang)
    q = parse_quarter(quarter)
    if park is not None:
        found = lookups.park_region(con, park)
        if found is None:
            raise UserError("report.unknown_park", park=park)
        if region is not None and region != found:
            raise UserError("report.park_not_in_region", park=park, region=region)
        region = found
    kpis_all = formulas.park_kpis(con, None, None, region)
    review = quarterly_review(con, q, region, kpis_all)
    catalogue = con.execute("SELECT * FROM indicator WHERE entity = 'park'").df().set_index("code")
    ctx = Context(
        lang,
        review.currency,
        catalogue,
        regions=lookups.region_names(con, lang),
        municipalities=lookups.municipality_names(con, lang),
    )
    first = pd.Timestamp(shift_quarter(q, -HISTORY_QUARTERS + 1))
    history = kpis_all[kpis_all["quarter"].between(first, pd.Timestamp(q))]
    ranking = rank_parks(history, q, weights)
    region_totals = formulas.region_kpis(con, shift_quarter(q, -4), q, region, kpis_all)
    checked = scope_flags(con, q, region)
    if park is not None:
        review = _only_park(review, park)
        history = history[history["park_id"] == park]
        checked = (checked[0][checked[0]["park_id"] == park], checked[1])
    support = recommendations_support(review, effects)
    units = catalogue["unit"].to_dict()
    brief = build_brief(
        review, kpis_all, checked[0], _indicator_names(catalogue), units, tuple(effects or ())
    )
    shown = _in_language(review, lang)
    title = t("report.title", lang)
    scope = _scope(con, region if park is None else None, park, lang)
    notice = t("simulated.notice", lang) if review.simulated else None

    parks = formulas.load_parks(con, region)
    targets = con.execute("SELECT * FROM park_target").df()
    targets = targets[targets["park_id"].isin(parks["park_id"])]
    profiles = park_profiles(
        review, parks, kpis_all, targets, checked[0], list(review.parks["park_id"])
    )
    compliance = policy_section(con, q, region, park, lang, checked=checked)
    sources = lookups.sources(con)
    methods = Part(
        "methods",
        t("brief.part.methods", lang),
        (
            Section(
                t("report.section.methodology", lang),
                paragraphs=annex.method_paragraphs(lang),
                bullets=annex.methodology(ctx, ranking.weights),
            ),
            Section(t("report.section.sources", lang), bullets=annex.source_lines(sources, lang)),
        ),
    )
    parts = [
        brief_part(brief, ctx, title, scope, notice),
        *(profile_part(profile, ctx, q) for profile in profiles),
        _annex(review, shown, ctx, ranking, support, region_totals, history, park, compliance),
        methods,
    ]
    q_label = fmt_quarter(q, lang)
    return ReportContent(
        lang=lang,
        title=title,
        subtitle=t("report.subtitle", lang, quarter=q_label),
        scope=scope,
        generated_on=dt.date.today(),
        simulated_notice=notice,
        parts=tuple(parts),
        header=t("brief.running_header", lang, title=title, scope=scope, quarter=q_label),
        stamp=data_stamp_text(sources, lang),
        sign_off=SignOff(
            t("brief.sign_off.heading", lang),
            (
                t("brief.sign_off.prepared_by", lang),
                t("brief.sign_off.position", lang),
                t("brief.sign_off.date", lang),
            ),
        ),
        page_label=t("brief.page_label", lang),
        workbook_tables=(park_history_table(profiles, ctx),),
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
