"""Explore: any indicator by any dimension and period, with the data behind the chart.

Each level opens on an indicator that has data (jobs for parks, employment for areas), and
offers only the indicators that do: an empty chart is never the first view."""

import plotly.express as px
import streamlit as st

from analytics.explore import LEVELS, group_options
from analytics.i18n import fmt_quarter, t
from analytics.i18n.cells import unit_kind
from app_pages.common import data, state
from app_pages.common.format import locale_chart, locale_table

DEFAULT_INDICATOR = {"park": "jobs_total", "municipality": "employment", "region": "employment"}
STATUS_WORDS = {"park_type": "park_type", "status": "park_status", "ownership": "ownership"}

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
with_data = data.indicators_with_data(level)
offered = catalogue[catalogue["code"].isin(with_data)]
if offered.empty:
    st.info(t("explore.no_data", lang))
    st.stop()
names = dict(zip(offered["code"], offered[f"name_{lang}"], strict=True))
codes = list(names)
default = DEFAULT_INDICATOR[level]
indicator = middle.selectbox(
    t("explore.indicator", lang),
    codes,
    index=codes.index(default) if default in names else 0,
    format_func=names.__getitem__,
    key=f"explore_indicator_{level}",  # each level keeps its own choice
    placeholder=t("app_locale.choose", lang),
)
missing = len(catalogue) - len(offered)
if missing:
    middle.caption(t("app_locale.explore.without_data", lang, n=missing))
group_by = right.selectbox(
    t("explore.group_by", lang),
    group_options(level),
    format_func=lambda v: t(f"explore.group_{v}", lang),
    key=f"explore_group_{level}",
    placeholder=t("app_locale.choose", lang),
)

regions = data.regions(lang)
region = st.selectbox(
    t("explore.region", lang),
    [None, *regions],
    format_func=lambda c: t("explore.all_regions", lang) if c is None else regions[c],
    key="explore_region",
    placeholder=t("app_locale.choose", lang),
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
if group_by in STATUS_WORDS:
    labels = {k: t(f"{STATUS_WORDS[group_by]}.{k}", lang) for k in values["group"].unique()}
unit_code = catalogue.set_index("code").loc[indicator, "unit"]
unit = data.unit_text(unit_code, lang, region)
value_title = f"{names[indicator]}, {unit}"
chart_data = values.assign(
    group=values["group"].map(lambda g: labels.get(g, g)),
    period=result.period_labels(lang),  # quarters, or years for an annual indicator
)
fig = px.line(
    chart_data,
    x="period",
    y="value",
    color="group",
    labels={"period": "", "value": value_title, "group": ""},
)
fig.update_layout(legend_title_text="", xaxis={"type": "category"})
if unit_code == "share":
    fig.update_yaxes(tickformat=".1%")
locale_chart(fig, lang, key="explore_chart", filename=f"{level}_{indicator}_{group_by}")
if result.aggregation == "mean" and group_by != level:
    st.caption(t("explore.mean_note", lang))

annual = result.frequency == "year"
locale_table(
    chart_data,
    [
        ("group", t(f"explore.group_{group_by}", lang), "text"),
        # a year as users write it ("2024 г.", sorts as text); a quarter by its first day
        (
            "period" if annual else "quarter",
            t("explore.col_period", lang),
            "text" if annual else "quarter",
        ),
        ("value", value_title, unit_kind(unit_code)),
        ("units", t("explore.col_units", lang), "int"),
    ],
    lang,
    key="explore_table",
)
