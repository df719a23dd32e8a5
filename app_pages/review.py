"""Quarterly review: the department's home page. KPI cards, the status table with its rule,
late and missing reports, findings, the ranking, recommendations support and the report."""

import plotly.graph_objects as go
import streamlit as st

from analytics.errors import UserError
from analytics.i18n import fmt_date, fmt_number, fmt_percent, fmt_quarter, t
from analytics.i18n.cells import format_cell, unit_kind
from analytics.kpi.ranking import DEFAULT_WEIGHTS
from analytics.kpi.review import REPORT_DUE_DAYS, named, report_rule, status_rule
from analytics.quarter import Quarter
from analytics.reports.columns import ranking_columns
from analytics.reports.columns import status_columns as status_table_columns
from analytics.reports.commands import FORMATS
from app_pages.common import data, state
from app_pages.common.format import locale_chart, locale_table, quarter_axis_layout
from app_pages.common.framework import multiselect
from app_pages.common.monitoring import (
    compliance_table,
    flag_sentences,
    peer_group_label,
    rule_lines,
)

STATUS_ICONS = {
    "on_track": "🟢",
    "behind": "🔴",
    "no_report": "🔴",
    "incomplete": "🟡",
    "no_target": "⚪",
}
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CARDS_PER_ROW = 3

lang = state.language()
data.require_database(lang)

st.title(t("review.page.title", lang))
st.caption(t("review.page.caption", lang))

quarters = data.report_quarters()
if not quarters:
    st.info(t("review.page.no_data", lang))
    st.stop()
regions = data.regions(lang)


def quarter_label(value: str) -> str:
    return Quarter.parse(value).text(lang)


def signed(value: float, decimals: int) -> str:
    return ("+" if value > 0 else "") + fmt_number(value, lang, decimals)


left, right = st.columns(2)
quarter = state.url_select(
    left,
    t("review.page.quarter", lang),
    quarters,
    "quarter",
    "review_quarter",
    default=quarters[-1],
    format_func=quarter_label,
)
region = state.region_select(
    right,
    t("review.page.region", lang),
    regions,
    t("review.page.all_regions", lang),
    "review_region",
)

q = Quarter.parse(quarter)
review = data.review(quarter, region)
names = data.indicator_names(lang)
units = data.indicator_units(lang, region)
unit_codes = data.indicator_unit_codes()

# ---- KPI cards ----------------------------------------------------------------------------
st.subheader(t("review.page.cards", lang, quarter=quarter_label(quarter)))
previous_label = q.shift(-1).text(lang)
year_label = q.shift(-4).text(lang)
cards = data.review_cards(quarter, region)
for start in range(0, len(cards), CARDS_PER_ROW):
    for column, card in zip(
        st.columns(CARDS_PER_ROW), cards[start : start + CARDS_PER_ROW], strict=False
    ):
        kind = unit_kind(unit_codes[card.code])
        if card.is_ratio:  # shares change by percentage points
            delta = t("review.page.points", lang, value=signed(card.change_previous * 100, 1))
            year = t("review.page.points", lang, value=signed(card.change_year * 100, 1))
        else:
            delta = signed(card.change_previous, 0 if kind == "int" else 1)
            year = format_cell(card.change_year, "pct_change", lang)
        column.metric(
            f"{names[card.code]}, {units[card.code]}",
            format_cell(card.value, kind, lang),
            delta=None if card.parks_previous == 0 else delta,
            help=t("review.page.card_help", lang, parks=card.parks, previous=previous_label),
            border=True,
        )
        lines = [
            t("review.page.card_year", lang, change=year, quarter=year_label, n=card.parks_year)
            if card.parks_year
            else t("review.page.card_no_year", lang, quarter=year_label)
        ]
        if card.targets_checked:
            lines.append(
                t(
                    "review.page.card_target",
                    lang,
                    met=card.targets_met,
                    total=card.targets_checked,
                    value=format_cell(card.target_value, kind, lang),
                    expected=format_cell(card.target_expected, kind, lang),
                )
            )
        column.caption("  \n".join(lines))

# ---- Status ---------------------------------------------------------------------------------
st.subheader(t("review.page.status", lang))
reported = data.reporting(quarter, region)
counts = data.status_counts(quarter, region)
status_columns = st.columns([2] + [1] * len(counts))  # room for the quarter in the label
status_columns[0].metric(
    reported.label(lang), reported.value(lang), help=reported.help(lang), border=True
)
for column, (status, n) in zip(status_columns[1:], counts.items(), strict=True):
    column.metric(
        f"{STATUS_ICONS[status]} {t(f'review.status.{status}', lang)}", fmt_number(n, lang)
    )
with st.expander(t("review.page.rule", lang)):
    st.markdown(status_rule(lang))
    st.markdown(report_rule(lang))
    st.markdown(t("review.cards_rule", lang))

parks = named(review.parks, lang).assign(
    status_text=[
        f"{STATUS_ICONS[s]} {t(f'review.status.{s}', lang)}" for s in review.parks["status"]
    ],
    report_text=[t(f"review.report_state.{s}", lang) for s in review.parks["report_state"]],
)
shown_statuses = multiselect(
    st,
    t("review.page.status_filter", lang),
    list(counts),
    lang,
    format_func=lambda s: t(f"review.status.{s}", lang),
    key="review_status_filter",
)
if shown_statuses:
    parks = parks[parks["status"].isin(shown_statuses)]
locale_table(parks, status_table_columns(lang), lang)

# ---- Late and missing reports --------------------------------------------------------------
st.subheader(t("review.page.late", lang, days=REPORT_DUE_DAYS))
if review.late_reports.empty:
    st.success(t("review.page.no_late", lang))
else:
    late = named(review.late_reports, lang).assign(
        state_text=[
            t(f"review.report_state.{s}", lang) for s in review.late_reports["report_state"]
        ]
    )
    locale_table(
        late,
        [
            ("park_id", t("report.col.park_id", lang), "code"),
            ("name", t("report.col.park", lang), "text"),
            ("state_text", t("report.col.report", lang), "text"),
            ("due_on", t("review.page.col_due", lang), "date"),
            ("reported_on", t("report.col.reported_on", lang), "date"),
            ("days_late", t("report.col.days_late", lang), "int"),
        ],
        lang,
    )

# ---- Findings -------------------------------------------------------------------------------
st.subheader(t("review.page.findings", lang))
for finding in review.findings:
    icon = "⚠️" if finding.severity == "warning" else "ℹ️"
    st.markdown(f"{icon} {finding.text(lang)}")


# ---- Sections shown one at a time -----------------------------------------------------------
# The cards, statuses and findings are what a department reads first. The rest is one click
# away rather than drawn on every visit: a browser spends most of a visit drawing, and the
# chart library alone delays the whole page by most of a second (bench/bench_app.py).


def weights_in_use() -> tuple[tuple[str, float], ...]:
    """The ranking's weights as last set in this session (defaults until changed); the
    report uses them too, so they outlive the ranking section's inputs."""
    return st.session_state.get("review_weights", tuple(DEFAULT_WEIGHTS.items()))


def show_compliance() -> None:
    st.caption(t("policy.compliance.caption", lang))
    try:
        check = data.compliance(quarter, region)
    except UserError:  # a region without parks
        st.info(t("policy_app.compliance.no_parks", lang))
        return
    flags = check.flags
    st.markdown(
        t("policy.compliance.heading", lang, as_of=fmt_date(check.as_of, lang), n=len(flags))
    )
    if flags.empty:
        st.success(t("policy.compliance.none", lang))
    else:
        compliance_table(flags, lang)
        with st.expander(t("policy_app.compliance.sentences", lang)):
            st.markdown("\n".join(f"- {line}" for line in flag_sentences(flags, lang)))
    with st.expander(t("policy_app.compliance.rules", lang)):
        jurisdictions = check.table["jurisdiction"].unique()
        st.markdown("\n".join(f"- {line}" for line in rule_lines(lang, jurisdictions)))


def weight_inputs() -> tuple[tuple[str, float], ...]:
    saved = dict(weights_in_use())
    with st.expander(t("review.page.weights", lang)):
        default_text = ", ".join(
            f"{names[code]} {fmt_percent(w, lang, 0)}" for code, w in DEFAULT_WEIGHTS.items()
        )
        st.caption(t("ranking.method", lang, weights=default_text))
        weight_columns = st.columns(3)
        weights = tuple(
            (
                code,
                float(
                    weight_columns[i % 3].number_input(
                        names[code],
                        min_value=0.0,
                        max_value=1.0,
                        value=float(saved.get(code, default)),
                        step=0.05,
                        key=f"review_weight_{code}",
                    )
                ),
            )
            for i, (code, default) in enumerate(DEFAULT_WEIGHTS.items())
        )
    st.session_state["review_weights"] = weights
    return weights


def show_ranking() -> None:
    weights = weight_inputs()
    within_peers = st.toggle(
        t("policy_app.ranking.within_peers", lang),
        # the widget's own state goes with the section; the choice outlives it
        value=st.session_state.get("review_peers_chosen", False),
        key="review_rank_peers",
    )
    st.session_state["review_peers_chosen"] = within_peers
    if within_peers:
        st.caption(t("policy.peer.method", lang))
    try:
        if within_peers:
            ranking = data.peer_ranking(quarter, region, weights)
        else:
            ranking = data.ranking(quarter, region, weights)
    except ValueError:
        st.error(t("review.page.bad_weights", lang))
        return
    registry = data.park_registry().set_index("park_id")
    table = ranking.table.assign(
        name=ranking.table["park_id"].map(registry[f"name_{lang}"]),
        type_text=ranking.table["park_id"]
        .map(registry["park_type"])
        .map(lambda v: t(f"park_type.{v}", lang)),
        thin_text=[t("report.yes", lang) if x else "" for x in ranking.table["thin"]],
        group_text=[
            peer_group_label(g, lang) if within_peers else "" for g in ranking.table["group"]
        ],
    )
    group_column = [("group_text", t("policy_app.col.peer_group", lang), "text")]
    locale_table(table, [*(group_column if within_peers else []), *ranking_columns(lang)], lang)


def show_recommendations() -> None:
    st.caption(t("report.recommendations_intro", lang))
    support = data.recommendations(quarter, region)
    for suggestion in support.suggestions:
        st.markdown(f"- **{suggestion.addressee_text(lang)}**: {suggestion.text(lang)}")
    with st.expander(t("report.table.budget", lang)):
        locale_table(
            named(support.budget, lang),
            [
                ("name", t("report.col.park", lang), "text"),
                (
                    "public_money_cumulative",
                    f"{names['public_money_cumulative']}, {units['public_money_cumulative']}",
                    "num1",
                ),
                (
                    "taxes_cumulative",
                    f"{names['taxes_cumulative']}, {units['taxes_cumulative']}",
                    "num1",
                ),
                ("budget_efficiency", names["budget_efficiency"], "num2"),
                ("payback_year", names["payback_year"], "year"),
            ],
            lang,
        )


def show_trend() -> None:
    """A card's KPI over the last two years (parks reporting each quarter)."""
    trend_code = st.selectbox(
        t("review.page.trend", lang),
        [card.code for card in cards],
        format_func=lambda c: names.get(c, c),
        key="review_trend_kpi",
        placeholder=t("app_locale.choose", lang),
    )
    trend = data.card_history(quarter, region, trend_code)
    figure = go.Figure(
        go.Bar(
            # Quarter labels in the user's language: plotly's own date ticks would be English.
            x=[fmt_quarter(d, lang) for d in trend["quarter"]],
            y=trend["value"],
            customdata=trend["parks"],
            hovertemplate="%{x}: %{y}<br>"
            + t("review.page.trend_parks", lang, n="%{customdata}")
            + "<extra></extra>",
        )
    )
    quarter_axis_layout(
        figure,
        lang,
        f"{names[trend_code]}, {units[trend_code]}",
        unit_codes[trend_code],
        height=300,
    )
    locale_chart(
        figure, lang, key="review_trend_chart", filename=f"{trend_code}_{quarter}_{region or 'all'}"
    )


def show_report() -> None:
    fmt = st.radio(
        t("review.page.format", lang),
        FORMATS,
        format_func=str.upper,
        horizontal=True,
        key="review_report_format",
    )
    weights = weights_in_use()
    if weights != tuple(DEFAULT_WEIGHTS.items()):
        st.caption(t("review.page.report_weights", lang))
    # The PDF takes seconds: build a file only when asked, then keep it (cached by parameters
    # and the data stamp) while these parameters stay the same.
    wanted = (quarter, region, lang, fmt, weights)
    if st.button(t("review.page.prepare", lang), key="review_report_prepare"):
        st.session_state["review_report_ready"] = wanted
    if st.session_state.get("review_report_ready") == wanted:
        with st.spinner(t("review.page.preparing", lang)):
            report = data.report_file(quarter, region, lang, fmt, weights)
        st.download_button(
            t("review.page.download", lang, format=fmt.upper()),
            report,
            file_name=f"review_{quarter}_{region or 'all'}_{lang}.{fmt}",
            mime=MIME[fmt],
            key="review_report_download",
            on_click="ignore",
        )


SECTIONS = {
    "compliance": ("policy_app.compliance.title", show_compliance),
    "ranking": ("review.page.ranking", show_ranking),
    "recommendations": ("report.section.recommendations", show_recommendations),
    "trend": ("review.page.trend", show_trend),
    "report": ("review.page.report", show_report),
}
section_names = list(SECTIONS)
section = st.segmented_control(
    t("review.page.section", lang),
    section_names,
    default=state.url_choice("section", section_names, "compliance"),
    format_func=lambda s: t(f"review.section.{s}", lang),
    required=True,
    key="review_section",
    on_change=state.remember_choice,
    args=("section", "review_section"),
)
title_key, show = SECTIONS[section or "compliance"]
st.subheader(t(title_key, lang))
show()
