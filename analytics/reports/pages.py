"""The brief (page 1) and the park profiles (a page each) put into words: parts of a report
made of the language-free :class:`~analytics.reports.brief.Brief` and
:class:`~analytics.reports.profile.ParkProfile`. Numbers stay typed in tables; sentences
format them in the locale (counts as integers)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics.i18n import fmt_number, fmt_quarter, has_key
from analytics.i18n.message import Names
from analytics.kpi.cards import KpiCard
from analytics.policy.compliance import flag_text, rule_title
from analytics.quarter import Quarter
from analytics.reports import charts
from analytics.reports.annex import sheet
from analytics.reports.brief import Brief
from analytics.reports.content import (
    Part,
    ReportKind,
    Section,
    Table,
    cell_text,
    table,
    tidy_sentence,
)
from analytics.reports.context import Context
from analytics.reports.profile import HISTORY_KPIS, ParkProfile

# How a card's changes are typed: counts change by whole units, money and area by tenths,
# shares by percentage points.
CHANGE_KINDS: dict[str, ReportKind] = {"int": "signed", "pct": "points"}
ATTENTION_DETAILS = 4  # parks a list of the brief describes; a longer one names them only


def in_sentence(title: str) -> str:
    """A title inside a sentence: its first letter small ("Заполняемость ниже минимальной" ->
    "заполняемость ниже минимальной"), unless it opens an abbreviation ("ОЭЗ", "SEZ")."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def _names(rows: pd.DataFrame) -> Names:
    return Names.of(rows.to_dict("records"), shown=None)


# ---------------------------------------------------------------------------------------
# The brief


def _headline_row(card: KpiCard, ctx: Context) -> tuple[dict, tuple[ReportKind, ...]]:
    kind = ctx.kind(card.code)
    against = (
        card.target_value / card.target_expected - 1
        if card.targets_checked and card.target_expected > 0
        else np.nan
    )
    row = {
        "indicator": ctx.header(card.code),
        "value": card.value,
        "parks": card.parks,
        "change_previous": card.change_previous if card.parks_previous else np.nan,
        "change_year": card.change_year if card.parks_year else np.nan,
        "targets": (
            ctx.t("brief.targets_met", met=card.targets_met, total=card.targets_checked)
            if card.targets_checked
            else "–"
        ),
        "against_target": against,
    }
    year_kind: ReportKind = "points" if card.is_ratio else "pct_change"
    kinds = (
        "text",
        kind,
        "int",
        CHANGE_KINDS.get(kind, "signed1"),
        year_kind,
        "text",
        "pct_change",
    )
    return row, kinds


def headline_table(brief: Brief, ctx: Context) -> Table:
    """The six KPI cards: value, parks it rests on, change on the quarter and the year (like
    for like), targets met and the total against what the targets expect by now."""
    rows, kinds = zip(*(_headline_row(card, ctx) for card in brief.cards), strict=True)
    frame = pd.DataFrame(list(rows))
    q = Quarter.of(brief.quarter)
    headers = (
        ctx.t("report.col.indicator"),
        fmt_quarter(q, ctx.lang),
        ctx.t("brief.col.parks"),
        ctx.t("brief.col.on_quarter", quarter=fmt_quarter(q.shift(-1), ctx.lang)),
        ctx.t("brief.col.on_year", quarter=fmt_quarter(q.shift(-4), ctx.lang)),
        ctx.t("brief.col.targets_met"),
        ctx.t("brief.col.against_target"),
    )
    return Table(
        "headline",
        ctx.t("brief.headline"),
        headers,
        tuple(kinds[0]),
        frame,
        row_kinds=tuple(kinds),
        sheet=sheet("headline", ctx.lang),
        widths=(3.2, 1.3, 0.8, 1.3, 1.3, 1.0, 1.3),
    )


def _attention(brief: Brief, ctx: Context) -> tuple[str, ...]:
    """The parks behind, in breach and silent, by name; with what they missed or broke while
    the list is short (a long one, as for all regions, names them only: the details are on
    their own pages), so page 1 keeps its 10 points."""
    lines = []
    if len(brief.behind):
        rows = brief.behind.to_dict("records")
        detailed = len(rows) <= ATTENTION_DETAILS
        parks = [
            ctx.t(
                "brief.attention.behind_park",
                park=row[f"name_{ctx.lang}"],
                missed=", ".join(in_sentence(ctx.name(code)) for code in row["missed"]),
            )
            if detailed
            else row[f"name_{ctx.lang}"]
            for row in rows
        ]
        lines.append(ctx.t("brief.attention.behind", parks="; ".join(parks)))
    if len(brief.breaches):
        by_park: dict[str, list[str]] = {}
        names = {}
        for row in brief.breaches.to_dict("records"):
            names[row["park_id"]] = row[f"name_{ctx.lang}"]
            rule = in_sentence(rule_title(row["rule"], row["kind"], ctx.lang))
            by_park.setdefault(row["park_id"], []).append(rule)
        detailed = len(by_park) <= ATTENTION_DETAILS
        parks = [
            ctx.t("brief.attention.breach_park", park=names[p], rules="; ".join(rules))
            if detailed
            else names[p]
            for p, rules in by_park.items()
        ]
        lines.append(ctx.t("brief.attention.breaches", parks="; ".join(parks)))
    if len(brief.silent):
        lines.append(
            ctx.t(
                "brief.attention.silent",
                quarter=fmt_quarter(brief.quarter, ctx.lang),
                parks=_names(brief.silent).text(ctx.lang),
            )
        )
    return tuple(lines) or (ctx.t("brief.attention.none"),)


def _money(brief: Brief, ctx: Context) -> tuple[str, ...]:
    money, lang = brief.money, ctx.lang
    if money.parks == 0:
        return (ctx.t("brief.money.none"),)
    unit = ctx.unit("mln_currency")
    quarter = ctx.t(
        "brief.money.quarter",
        public=fmt_number(money.public_money_quarter, lang, 1),
        taxes=fmt_number(money.taxes_quarter, lang, 1),
        unit=unit,
        n=fmt_number(money.parks, lang),
    )
    total = ctx.t(
        "brief.money.total",
        public=fmt_number(money.public_money_cumulative, lang, 1),
        taxes=fmt_number(money.taxes_cumulative, lang, 1),
        unit=unit,
        efficiency=fmt_number(money.efficiency, lang, 2),
    )
    paid = (
        ctx.t(
            "brief.money.paid_back",
            paid=fmt_number(money.paid_back, lang),
            funded=fmt_number(money.funded, lang),
        )
        if money.funded
        else ctx.t("brief.money.no_public_money")
    )
    return (tidy_sentence(f"{quarter} {total} {paid}"),)


def _effects(brief: Brief, ctx: Context) -> tuple[str, ...]:
    from analytics.kpi.recommendations import effects_table

    frame = effects_table(brief.effects, ctx.lang)
    return tuple(
        ctx.t("brief.effect", outcome=row.outcome, method=row.method, reading=row.reading)
        for row in frame.itertuples()
    )


def brief_part(brief: Brief, ctx: Context, title: str, scope: str, notice: str | None) -> Part:
    """Page 1: scope and quarter, the headline table, findings, the parks that need
    attention by name, public money and taxes, and the park effects when estimated."""
    lang = ctx.lang
    headline = Section(
        ctx.t("brief.section.headline"),
        tables=(headline_table(brief, ctx),),
        notes=(ctx.t("brief.headline_note"),),
        level=2,
    )
    sections = [
        headline,
        Section(
            ctx.t("brief.section.findings"),
            bullets=tuple(f.text(lang) for f in brief.findings),
            level=2,
        ),
        Section(ctx.t("brief.section.attention"), bullets=_attention(brief, ctx), level=2),
        Section(ctx.t("brief.section.money"), paragraphs=_money(brief, ctx), level=2),
    ]
    if brief.effects:
        sections.append(
            Section(ctx.t("brief.section.effects"), bullets=_effects(brief, ctx), level=2)
        )
    intro = [
        scope,
        ctx.t(
            "brief.intro",
            quarter=fmt_quarter(brief.quarter, lang),
            due=fmt_number(brief.parks_due, lang),
        ),
    ]
    if notice:
        intro.append(notice)
    return Part("brief", title, tuple(sections), intro=tuple(intro), fit_one_page=True)


# ---------------------------------------------------------------------------------------
# Park profiles

FACTS = (  # registry fields of the facts table, with their kinds, in reading order
    ("total_area_ha", "num1"),
    ("leasable_area_ha", "num1"),
    ("founded_on", "date"),
    ("registered_on", "date"),
    ("opened_on", "date"),
    ("management_company_on", "date"),
    ("electricity_mw", "num1"),
    ("gas_m3_per_hour", "int"),
    ("water_m3_per_day", "int"),
    ("production_area_ha", "num1"),
)


def _facts_table(profile: ParkProfile, ctx: Context) -> Table:
    """Registry facts in two label/value column pairs (values in words and the locale)."""
    park = profile.park
    cells = [
        (ctx.t(f"brief.fact.{field}"), cell_text(park.get(field), kind, ctx.lang))
        for field, kind in FACTS
    ]
    half = (len(cells) + 1) // 2
    left, right = cells[:half], cells[half:] + [("", "")] * (2 * half - len(cells))
    frame = pd.DataFrame(
        [(a, b, c, d) for (a, b), (c, d) in zip(left, right, strict=True)],
        columns=["label_1", "value_1", "label_2", "value_2"],
    )
    return Table(
        "facts",
        ctx.t("brief.profile.facts"),
        ("", "", "", ""),
        ("text", "text", "text", "text"),
        frame,
        widths=(2.2, 1.5, 2.2, 1.5),
    )


def _report_text(row, ctx: Context) -> str:
    if not row["due"]:
        return "–"
    state = row["report_state"]
    if state == "late" and pd.notna(row["days_late"]):
        return ctx.t("brief.profile.late_days", days=fmt_number(row["days_late"], ctx.lang))
    return ctx.t(f"review.report_state.{state}")


def _history_table(profile: ParkProfile, ctx: Context) -> Table:
    frame = profile.history.assign(
        quarter_text=[
            fmt_quarter(pd.Timestamp(q).date(), ctx.lang) for q in profile.history["quarter"]
        ],
        report_text=[_report_text(row, ctx) for _, row in profile.history.iterrows()],
    )
    columns = [("quarter_text", ctx.t("report.col.quarter"), "text")]
    columns += [(code, ctx.header(code), ctx.kind(code)) for code in HISTORY_KPIS]
    columns.append(("report_text", ctx.t("report.col.report"), "text"))
    out = table("park_history", ctx.t("brief.profile.history"), columns, frame)
    return replace(out, widths=(1.3, *([1.0] * len(HISTORY_KPIS)), 2.3))


def _targets_section(profile: ParkProfile, ctx: Context, quarter) -> Section:
    lang = ctx.lang
    lines = [_status_line(profile, ctx, quarter)]
    notes = []
    tables: tuple[Table, ...] = ()
    if len(profile.targets):
        frame = profile.targets.assign(
            indicator_name=[
                ctx.header(c) if c in ctx.catalogue.index else c
                for c in profile.targets["indicator"]
            ],
            met_text=[
                "–" if pd.isna(m) else ctx.t("report.yes" if m else "report.no")
                for m in profile.targets["met"]
            ],
        )
        kinds = [
            ctx.kind(c) if c in ctx.catalogue.index else "num1"
            for c in profile.targets["indicator"]
        ]
        columns = [
            ("indicator_name", ctx.t("report.col.indicator"), "text"),
            ("target_value", ctx.t("report.col.target"), "num1"),
            ("expected", ctx.t("report.col.expected"), "num1"),
            ("value", ctx.t("report.col.value"), "num1"),
            ("met_text", ctx.t("report.col.met"), "text"),
        ]
        base = table("park_targets", "", columns, frame)
        row_kinds = tuple(("text", k, k, k, "text") for k in kinds)
        tables = (replace(base, row_kinds=row_kinds, widths=(3, 1, 1, 1, 0.8)),)
    if len(profile.upcoming):
        upcoming = "; ".join(
            ctx.t(
                "brief.profile.upcoming_target",
                indicator=ctx.name(row.indicator),
                value=cell_text(
                    row.target_value,
                    ctx.kind(row.indicator) if row.indicator in ctx.catalogue.index else "num1",
                    lang,
                ),
                quarter=fmt_quarter(pd.Timestamp(row.due_quarter).date(), lang),
            )
            for row in profile.upcoming.itertuples()
        )
        notes.append(ctx.t("brief.profile.upcoming", targets=upcoming))
    return Section(
        ctx.t("brief.profile.targets"),
        paragraphs=tuple(lines),
        tables=tables,
        notes=tuple(notes),
        level=2,
    )


def _status_line(profile: ParkProfile, ctx: Context, quarter) -> str:
    q = fmt_quarter(quarter, ctx.lang)
    if not profile.status:
        return ctx.t("brief.profile.not_due", quarter=q)
    return ctx.t(
        "brief.profile.status",
        quarter=q,
        status=ctx.t(f"review.status.{profile.status}"),
        report=ctx.t(f"review.report_state.{profile.report_state}"),
    )


def _flags(profile: ParkProfile, ctx: Context) -> tuple[str, ...]:
    if profile.flags.empty:
        return (ctx.t("brief.profile.no_flags"),)
    name = profile.park[f"name_{ctx.lang}"]
    texts = [
        flag_text({**row, "park_id": name}, ctx.lang) for row in profile.flags.to_dict("records")
    ]
    # the page is the park's own: the sentences need not start with its name
    return tuple(text.removeprefix(f"{name}: ") for text in texts)


def _money_line(profile: ParkProfile, ctx: Context) -> str:
    lang, money = ctx.lang, profile.money
    if not money:
        return ctx.t("brief.profile.no_money")
    unit = ctx.unit("mln_currency")
    per_job = ctx.unit("mln_currency_per_job")
    payback = money["payback_year"]
    if pd.notna(payback):
        paid = ctx.t("brief.profile.paid_back", year=str(int(payback)))
    elif money["public_money_cumulative"] > 0:
        paid = ctx.t("brief.profile.not_paid_back")
    else:
        paid = ctx.t("brief.profile.no_public_money")
    return tidy_sentence(
        ctx.t(
            "brief.profile.money",
            quarter=fmt_quarter(profile.money_quarter, lang),
            public=cell_text(money["public_money_cumulative"], "num1", lang),
            taxes=cell_text(money["taxes_cumulative"], "num1", lang),
            unit=unit,
            efficiency=cell_text(money["budget_efficiency"], "num2", lang),
            paid=paid,
            cost=cell_text(money["cost_per_job"], "num2", lang),
            net_cost=cell_text(money["cost_per_net_job"], "num2", lang),
            per_job=per_job,
            net_jobs=cell_text(money["net_jobs"], "int", lang),
        )
    )


def _discipline_line(profile: ParkProfile, ctx: Context) -> str:
    d, lang = profile.discipline, ctx.lang
    if d.due == 0:
        return ctx.t("brief.profile.discipline_none")
    text = ctx.t(
        "brief.profile.discipline",
        due=fmt_number(d.due, lang),
        on_time=fmt_number(d.on_time, lang),
        late=fmt_number(d.late, lang),
        missing=fmt_number(d.missing, lang),
    )
    if not np.isnan(d.mean_days_late):
        text += " " + ctx.t("brief.profile.mean_late", days=fmt_number(d.mean_days_late, lang, 0))
    return text


def _intro(profile: ParkProfile, ctx: Context) -> str:
    park = profile.park
    parts = []
    for field in ("park_type", "status", "ownership"):
        value = park.get(field)
        key = f"{'park_status' if field == 'status' else field}.{value}"
        if isinstance(value, str) and has_key(key):
            parts.append(ctx.t(key))
    place = ctx.regions.get(park.get("region_code"), park.get("region_code") or "")
    municipality = ctx.municipalities.get(park.get("municipality_code"))
    parts.append(f"{place}, {municipality}" if municipality else str(place))
    parts.append(ctx.t("brief.profile.id", id=park["park_id"]))
    return " · ".join(p for p in parts if p)


def profile_part(profile: ParkProfile, ctx: Context, quarter) -> Part:
    lang = ctx.lang
    chart = charts.park_panels(profile.history, ctx, quarter)
    sections = (
        Section(ctx.t("brief.profile.facts"), tables=(_facts_table(profile, ctx),), level=2),
        Section(
            ctx.t("brief.profile.history"),
            tables=(_history_table(profile, ctx),),
            charts=(chart,),
            level=2,
            charts_first=True,
        ),
        _targets_section(profile, ctx, quarter),
        Section(ctx.t("brief.profile.compliance"), bullets=_flags(profile, ctx), level=2),
        Section(
            ctx.t("brief.profile.money_heading"),
            paragraphs=(_money_line(profile, ctx), _discipline_line(profile, ctx)),
            level=2,
        ),
    )
    name = profile.park[f"name_{lang}"]
    return Part("park", name, sections, intro=(_intro(profile, ctx),), fit_one_page=True)


def park_history_table(profiles: list[ParkProfile], ctx: Context) -> Table:
    """Every profile's eight quarters in one table (the workbook's sheet of profiles)."""
    frames = []
    for profile in profiles:
        frame = profile.history.assign(
            name=profile.park[f"name_{ctx.lang}"],
            park_id=profile.park_id,
            quarter_text=[
                fmt_quarter(pd.Timestamp(q).date(), ctx.lang) for q in profile.history["quarter"]
            ],
            report_text=[_report_text(row, ctx) for _, row in profile.history.iterrows()],
        )
        frames.append(frame)
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["park_id", "name", "quarter_text", *HISTORY_KPIS, "report_text", "days_late"]
        )
    )
    columns = [
        ("park_id", ctx.t("report.col.park_id"), "code"),
        ("name", ctx.t("report.col.park"), "text"),
        ("quarter_text", ctx.t("report.col.quarter"), "text"),
        *[(code, ctx.header(code), ctx.kind(code)) for code in HISTORY_KPIS],
        ("report_text", ctx.t("report.col.report"), "text"),
        ("days_late", ctx.t("report.col.days_late"), "int"),
    ]
    return table(
        "park_history",
        ctx.t("brief.profile.history_all"),
        columns,
        frame,
        sheet=sheet("park_history", ctx.lang),
    )
