"""Explore: any indicator by any dimension and period, with the data behind the chart."""

import plotly.express as px
import streamlit as st

from analytics.explore import LEVELS, group_options
from analytics.i18n import fmt_quarter, t
from app_pages.common import data, state
from app_pages.common.format import plotly_separators
from app_pages.common.safe_table import safe_dataframe

DEFAULT_INDICATOR = {"park": "jobs_total", "municipality": "employment", "region": "employment"}

lang = state.language()
data.require_database(lang)

st.title(t("explore.title", lang))
st.caption(t("explore.caption", lang))

left, middle, right = st.columns(3)
level = left.radio(
    t("explore.level", lang),
    LEVELS,
    format_func=lambda v: t(f"explore.level_{v}", lang),
    horizontal=True,
    key="explore_level",
)
catalogue = data.indicators(level)
names = dict(zip(catalogue["code"], catalogue[f"name_{lang}"], strict=True))
indicator = middle.selectbox(
    t("explore.indicator", lang),
    list(names),
    format_func=names.__getitem__,
    key="explore_indicator",
)
group_by = right.selectbox(
    t("explore.group_by", lang),
    group_options(level),
    format_func=lambda v: t(f"explore.group_{v}", lang),
    key="explore_group",
)

regions = data.regions(lang)
region = st.selectbox(
    t("explore.region", lang),
    [None, *regions],
    format_func=lambda c: t("explore.all_regions", lang) if c is None else regions[c],
    key="explore_region",
)
quarters = data.quarters()
if not quarters:
    st.info(t("explore.no_data", lang))
    st.stop()
start, end = st.select_slider(
    t("explore.period", lang),
    options=quarters,
    value=(quarters[max(0, len(quarters) - 20)], quarters[-1]),
    format_func=lambda q: fmt_quarter(q, lang),
    key="explore_period",
)

result = data.explore_series(level, indicator, group_by, start, end, region)
values = result.data
if values.empty:
    st.info(t("explore.no_data", lang))
    st.stop()

labels = data.group_labels(group_by, lang)
if group_by in ("park_type", "status", "ownership"):
    prefix = {"park_type": "park_type", "status": "park_status", "ownership": "ownership"}[group_by]
    labels = {k: t(f"{prefix}.{k}", lang) for k in values["group"].unique()}
unit = data.unit_text(catalogue.set_index("code").loc[indicator, "unit"], lang, region)
chart_data = values.assign(
    group=values["group"].map(lambda g: labels.get(g, g)),
    period=result.period_labels(lang),  # quarters, or years for an annual indicator
)
fig = px.line(
    chart_data,
    x="period",
    y="value",
    color="group",
    labels={"period": "", "value": f"{names[indicator]}, {unit}", "group": ""},
)
fig.update_layout(separators=plotly_separators(lang), legend_title_text="")
st.plotly_chart(fig, key="explore_chart")
if result.aggregation == "mean" and group_by != level:
    st.caption(t("explore.mean_note", lang))

table = chart_data[["group", "period", "value", "units"]].rename(
    columns={
        "group": t(f"explore.group_{group_by}", lang),
        "period": t("explore.col_period", lang),
        "value": f"{names[indicator]}, {unit}",
        "units": t("explore.col_units", lang),
    }
)
safe_dataframe(table, hide_index=True, key="explore_table")
