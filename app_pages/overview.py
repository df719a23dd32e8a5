"""Overview of the database: parks by type and status, quarterly jobs and investment, freshness."""

import plotly.express as px
import streamlit as st

from analytics.i18n import fmt_date, fmt_number, fmt_period, fmt_quarter, t
from app_pages.common import data, state
from app_pages.common.format import locale_chart, locale_table

lang = state.language()
data.require_database(lang)
summary = data.overview()

st.title(t("overview.title", lang))
st.caption(t("overview.caption", lang))

latest = summary.quarterly_totals.iloc[-1] if len(summary.quarterly_totals) else None
cols = st.columns(4)
cols[0].metric(t("overview.parks_total", lang), fmt_number(summary.parks_total, lang))
if latest is not None:
    cols[1].metric(
        t("overview.jobs_latest", lang, quarter=fmt_quarter(summary.latest_quarter, lang)),
        fmt_number(latest["jobs_total"], lang),
    )
    cols[2].metric(
        t(
            "overview.investment_latest",
            lang,
            quarter=fmt_quarter(summary.latest_quarter, lang),
            unit=data.unit_text("mln_currency", lang),
        ),
        fmt_number(latest["investment_total"], lang, 1),
    )
    # the review's figure for the same quarter: parks due to report, not the whole registry
    reported = data.reporting(data.report_quarters()[-1], None)
    cols[3].metric(reported.label(lang), reported.value(lang), help=reported.help(lang))

st.subheader(t("overview.parks_by_type_status", lang))
by_type = summary.parks_by_type_status.assign(
    park_type=lambda d: d["park_type"].map(lambda v: t(f"park_type.{v}", lang)),
    status=lambda d: d["status"].map(lambda v: t(f"park_status.{v}", lang)),
)
fig = px.bar(
    by_type,
    x="park_type",
    y="parks",
    color="status",
    labels={
        "park_type": t("overview.axis_type", lang),
        "parks": t("overview.axis_parks", lang),
        "status": t("overview.axis_status", lang),
    },
)
fig.update_layout(legend_title_text="")
locale_chart(fig, lang, key="chart_parks_by_type", filename="parks_by_type_status")

st.subheader(t("overview.quarterly", lang))
# Quarters as locale labels ("III кв. 2024"): plotly's own date ticks would be English.
totals = summary.quarterly_totals.assign(
    period=lambda d: d["quarter"].map(lambda q: fmt_quarter(q, lang))
).rename(
    columns={
        "jobs_total": t("overview.series_jobs", lang),
        "investment_total": t(
            "overview.series_investment", lang, unit=data.unit_text("mln_currency", lang)
        ),
    }
)
left, right = st.columns(2)
jobs_fig = px.line(totals, x="period", y=t("overview.series_jobs", lang))
jobs_fig.update_layout(xaxis={"type": "category", "title": ""})
locale_chart(jobs_fig, lang, key="chart_jobs", filename="jobs_by_quarter", container=left)
inv_fig = px.bar(
    totals,
    x="period",
    y=t("overview.series_investment", lang, unit=data.unit_text("mln_currency", lang)),
)
inv_fig.update_layout(xaxis={"type": "category", "title": ""})
locale_chart(
    inv_fig, lang, key="chart_investment", filename="investment_by_quarter", container=right
)

st.subheader(t("overview.freshness", lang))
freshness = summary.freshness.assign(
    table_text=lambda d: d["table"].map(lambda v: t(f"table.{v}", lang)),
    period_text=lambda d: [  # a quarter, or a year for the annual statistics
        fmt_period(v, f, lang) if v is not None and v == v else "–"
        for v, f in zip(d["last_period"], d["frequency"], strict=True)
    ],
)
locale_table(
    freshness,
    [
        ("table_text", t("overview.col_table", lang), "text"),
        ("rows", t("overview.col_rows", lang), "int"),
        ("period_text", t("overview.col_last_period", lang), "text"),
    ],
    lang,
)
if summary.last_loaded_at is not None:
    st.caption(t("overview.last_loaded", lang, date=fmt_date(summary.last_loaded_at.date(), lang)))
