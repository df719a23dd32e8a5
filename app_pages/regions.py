"""Regions: a region's statistics next to its parks' indicators, and an offline map.

"All regions" (the default) shows the country: every park against the regions' summed
statistics, every region's line over time and every region's growth against the country.

The map is plotly's MapLibre map on the ``white-bg`` style: region outlines come from the
warehouse (``region_shape``), parks are dots, nothing is fetched from the internet. Regions
without an outline are drawn as a dot at their centre, with municipalities for context.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import geo
from analytics.i18n import fmt_number, fmt_percent, fmt_period, fmt_quarter, t
from analytics.i18n.cells import format_cell
from analytics.quarter import Quarter
from app_pages.common import data, state
from app_pages.common.format import locale_chart, locale_table

MAP_HEIGHT = 520
SHARE_INDICATORS = ("park_jobs_share", "park_investment_share")

lang = state.language()
data.require_database(lang)

st.title(t("regions.title", lang))
st.caption(t("regions.caption", lang))

region_names = data.regions(lang)
quarters = data.quarters()
if not region_names or not quarters:
    st.info(t("regions.no_data", lang))
    st.stop()


quarter_by_code = {Quarter.of(q).label: q for q in quarters}  # URL label ("2025Q2") -> date
catalogue = data.indicators("region")
indicator_names = dict(zip(catalogue["code"], catalogue[f"name_{lang}"], strict=True))
indicator_units = dict(zip(catalogue["code"], catalogue["unit"], strict=True))
# Annual statistics show the year the chosen quarter is in; growth and spillovers are quarterly.
indicator_frequency = dict(zip(catalogue["code"], catalogue["frequency"], strict=True))

left, middle, right = st.columns(3)
region = state.region_select(
    left, t("regions.region", lang), region_names, t("regions.all", lang), "regions_region"
)
quarter_codes = list(quarter_by_code)
chosen_quarter = state.url_select(
    middle,
    t("regions.quarter", lang),
    quarter_codes,
    "quarter",
    "regions_quarter",
    default=quarter_codes[-1],
    format_func=lambda c: fmt_quarter(quarter_by_code[c], lang),
)
quarter = quarter_by_code[chosen_quarter]
indicator_options = [c for c in SHARE_INDICATORS if c in indicator_names] + [
    c for c in indicator_names if c not in SHARE_INDICATORS
]
indicator = right.selectbox(
    t("regions.map_indicator", lang),
    indicator_options,
    format_func=indicator_names.__getitem__,
    key="regions_indicator",
    placeholder=t("app_locale.choose", lang),
)


def choose_clicked_region() -> None:
    """A click on a region (or on a park, for its region) on the map chooses that region: every
    clickable map trace carries the region code as its last custom data value."""
    points = st.session_state["regions_map"]["selection"]["points"]
    codes = [p["customdata"][-1] for p in points if p.get("customdata")]
    if codes and codes[0] in region_names:
        st.session_state["regions_region"] = codes[0]
        state.remember_choice("region", "regions_region")


def fmt_value(value: float, unit: str) -> str:
    """A map value for hover text: shares as percentages, large numbers without decimals."""
    if unit == "share":
        return fmt_percent(value, lang, 2)
    return fmt_number(value, lang, 0 if abs(value) >= 100 else 2)


# ------------------------------------------------------------------ the region and its parks

kpis = data.country_kpis() if region is None else data.region_kpis(region)
money_unit = data.unit_text("mln_currency", lang, region)
current = kpis[kpis["quarter"] == pd.Timestamp(quarter)]
if region is None:
    st.subheader(t("regions.country_title", lang, quarter=fmt_quarter(quarter, lang)))
else:
    st.subheader(
        t(
            "regions.stats_title",
            lang,
            region=region_names[region],
            quarter=fmt_quarter(quarter, lang),
        )
    )
if current.empty:
    st.info(t("regions.no_parks", lang))
else:
    row = current.iloc[0]
    st.caption(t("regions.parks_reporting", lang, n=fmt_number(row["parks_reporting"], lang)))
    cols = st.columns(3)
    country = region is None  # all regions summed
    cols[0].metric(
        t("regions.all_employment" if country else "regions.employment", lang),
        format_cell(row["employment"], "int", lang),
    )
    cols[1].metric(t("regions.park_jobs", lang), fmt_number(row["jobs_total"], lang))
    cols[2].metric(t("regions.park_jobs_share", lang), fmt_percent(row["park_jobs_share"], lang, 2))
    cols = st.columns(3)
    cols[0].metric(
        t(
            "regions.all_fixed_investment" if country else "regions.fixed_investment",
            lang,
            unit=money_unit,
        ),
        format_cell(row["fixed_investment"], "num1", lang),
    )
    cols[1].metric(
        t("regions.park_investment", lang, unit=money_unit),
        fmt_number(row["investment_total"], lang, 1),
    )
    cols[2].metric(
        t("regions.park_investment_share", lang), fmt_percent(row["park_investment_share"], lang, 2)
    )

# ------------------------------------------------------------------ the map

values = data.region_indicator(indicator, quarter)
shapes = data.region_shapes()
unit = indicator_units[indicator]
unit_text = data.unit_text(unit, lang, region)
value_text = {
    code: (t("regions.no_value", lang) if v != v else fmt_value(v, unit))
    for code, v in zip(values["region_code"], values["value"], strict=True)
}
shaped = {f["properties"]["code"] for f in shapes["features"]}
fig = go.Figure()
with_value = values[values["value"].notna()]
if shaped:
    drawn = with_value[with_value["region_code"].isin(shaped)]
    # Every outline drawn once in grey, so regions without a value still show their border.
    fig.add_trace(
        go.Choroplethmap(
            geojson=shapes,
            locations=sorted(shaped),
            featureidkey="properties.code",
            z=[0] * len(shaped),
            colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]],
            showscale=False,
            marker={"line": {"color": "#888888", "width": 0.8}},
            customdata=[[region_names.get(c, c), value_text.get(c, ""), c] for c in sorted(shaped)],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            name=t("regions.layer_regions", lang),
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Choroplethmap(
            geojson=shapes,
            locations=drawn["region_code"],
            featureidkey="properties.code",
            z=drawn["value"],
            coloraxis="coloraxis",
            marker={"line": {"color": "#666666", "width": 0.8}, "opacity": 0.85},
            customdata=[[region_names.get(c, c), value_text[c], c] for c in drawn["region_code"]],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            name=t("regions.layer_regions", lang),
            showlegend=False,
        )
    )
unshaped = [c for c in region_names if c not in shaped]
if unshaped:
    st.caption(t("regions.no_shapes", lang))
    towns = data.area_points("municipality")
    towns = towns[towns["region_code"].isin(unshaped)]
    fig.add_trace(
        go.Scattermap(
            lat=towns["latitude"],
            lon=towns["longitude"],
            mode="markers",
            marker={"size": 5, "color": "#9e9e9e"},
            text=towns[f"name_{lang}"],
            hovertemplate="%{text}<extra></extra>",
            name=t("regions.layer_municipalities", lang),
        )
    )
    centres = data.area_points("region").merge(values, on="region_code", how="left")
    centres = centres[centres["region_code"].isin(unshaped)]
    fig.add_trace(
        go.Scattermap(
            lat=centres["latitude"],
            lon=centres["longitude"],
            mode="markers",
            marker={"size": 18, "color": centres["value"], "coloraxis": "coloraxis"},
            customdata=[[region_names.get(c, c), value_text[c], c] for c in centres["region_code"]],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            name=t("regions.layer_centres", lang),
        )
    )
selected = [f for f in shapes["features"] if f["properties"]["code"] == region]
if selected:
    lons, lats = geo.outline(selected[0])
    fig.add_trace(
        go.Scattermap(
            lon=lons,
            lat=lats,
            mode="lines",
            line={"color": "#d62728", "width": 3},
            hoverinfo="skip",
            name=t("regions.layer_selected", lang),
        )
    )
parks = data.park_points()
fig.add_trace(
    go.Scattermap(
        lat=parks["latitude"],
        lon=parks["longitude"],
        mode="markers",
        marker={"size": 8, "color": "#1f3b73"},
        customdata=[
            [name, t(f"park_type.{kind}", lang), t(f"park_status.{status}", lang), code]
            for name, kind, status, code in zip(
                parks[f"name_{lang}"],
                parks["park_type"],
                parks["status"],
                parks["region_code"],
                strict=True,
            )
        ],
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}, %{customdata[2]}<extra></extra>",
        name=t("regions.layer_parks", lang),
    )
)
box = geo.bounds(shapes)
if box is None:
    points = data.area_points("region")
    box = (
        points["longitude"].min(),
        points["latitude"].min(),
        points["longitude"].max(),
        points["latitude"].max(),
    )
view = geo.map_view(box, height_px=MAP_HEIGHT)
is_share = unit == "share"
fig.update_layout(
    map={"style": "white-bg", "center": {"lat": view.lat, "lon": view.lon}, "zoom": view.zoom},
    coloraxis={
        "colorscale": "Blues",
        "colorbar": {
            "title": {"text": unit_text},
            "tickformat": ".1%" if is_share else None,  # None: full grouped numbers
        },
    },
    height=MAP_HEIGHT,
    margin={"l": 0, "r": 0, "t": 0, "b": 0},
    legend={"orientation": "h", "yanchor": "bottom", "y": 0.01, "x": 0.01},
)
st.subheader(
    t(
        "regions.map_title",
        lang,
        indicator=indicator_names[indicator],
        quarter=fmt_period(quarter, indicator_frequency[indicator], lang),
    )
)
st.caption(t("regions.map_caption", lang))
locale_chart(
    fig,
    lang,
    key="regions_map",
    filename=f"map_{indicator}_{Quarter.of(quarter).label}",
    config={"scrollZoom": False},
    on_select=choose_clicked_region,
    selection_mode="points",
)

# ------------------------------------------------------------------ over time

st.subheader(t("regions.shares_chart", lang))
shares = kpis.assign(period=kpis["quarter"].map(lambda q: fmt_quarter(q, lang)))
share_fig = go.Figure()
for code in SHARE_INDICATORS:
    share_fig.add_trace(
        go.Scatter(
            x=shares["period"], y=shares[code], mode="lines", name=t(f"regions.{code}", lang)
        )
    )
share_fig.update_layout(
    yaxis={"tickformat": ".1%"},
    xaxis={"type": "category"},
    legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},  # above: ticks are rotated
    margin={"t": 30},
)
locale_chart(share_fig, lang, key="regions_shares_chart", filename=f"park_shares_{region or 'all'}")

if indicator not in SHARE_INDICATORS:
    annual = indicator_frequency[indicator] == "year"
    chart_key = "regions.indicator_chart_year" if annual else "regions.indicator_chart"
    st.subheader(t(chart_key, lang, indicator=indicator_names[indicator]))
    series_fig = go.Figure()
    every_series = data.region_series(indicator, region)
    for code in region_names if region is None else [region]:
        series = every_series[every_series["group"] == code]
        series_fig.add_trace(
            go.Scatter(
                x=series["quarter"].map(
                    lambda q: fmt_period(q, indicator_frequency[indicator], lang)
                ),
                y=series["value"],
                mode="lines",
                name=region_names[code],
            )
        )
    series_fig.update_layout(
        yaxis={"title": {"text": unit_text}, **({"tickformat": ".1%"} if is_share else {})},
        xaxis={"type": "category"},
        margin={"t": 10},
    )
    locale_chart(
        series_fig,
        lang,
        key="regions_indicator_chart",
        filename=f"{indicator}_{region or 'all'}",
    )

# ------------------------------------------------------------------ growth against the country

st.subheader(t("policy_app.growth.title", lang))
growth_options = [
    c for c in indicator_names if c not in SHARE_INDICATORS and indicator_frequency[c] == "quarter"
]
growth_left, growth_right = st.columns(2)
growth_indicator = growth_left.selectbox(
    t("policy_app.growth.indicator", lang),
    growth_options,
    format_func=indicator_names.__getitem__,
    key="regions_growth_indicator",
    placeholder=t("app_locale.choose", lang),
)
base_options = [c for c in quarter_codes if quarter_by_code[c] <= quarter]
base_code = growth_right.selectbox(
    t("policy_app.growth.base", lang),
    base_options,
    # five years before the chosen quarter, or the first quarter with data
    index=max(len(base_options) - 21, 0),
    format_func=lambda c: fmt_quarter(quarter_by_code[c], lang),
    key="regions_growth_base",
    placeholder=t("app_locale.choose", lang),
)
growth = data.relative_growth("region", growth_indicator, base_code)


def growth_table(frame: pd.DataFrame, names: dict[str, str], name_header: str, reference: str):
    locale_table(
        frame.assign(name=frame["code"].map(lambda c: names.get(c, c))),
        [
            ("name", name_header, "text"),
            ("index", t("policy_app.col.index", lang), "num2"),
            ("reference_index", reference, "num2"),
            ("relative", t("policy_app.col.relative", lang), "pct_change"),
        ],
        lang,
    )


def show_every_region_growth() -> None:
    """All regions: each region's growth since the base quarter against the country's."""
    st.caption(t("policy_app.growth.method", lang))
    latest = growth[growth["quarter"] == pd.Timestamp(quarter)]
    st.markdown("**" + t("regions.growth_regions", lang, quarter=fmt_quarter(quarter, lang)) + "**")
    growth_table(
        latest.sort_values("relative", ascending=False),
        region_names,
        t("regions.col_region", lang),
        t("regions.col_country_index", lang),
    )


def show_region_growth() -> None:
    """One region: its growth line against the country's, and its municipalities against it."""
    own = growth[
        (growth["code"] == region)
        & (growth["quarter"] >= pd.Timestamp(quarter_by_code[base_code]))
        & (growth["quarter"] <= pd.Timestamp(quarter))
    ]
    if own["index"].isna().all():
        st.info(t("policy_app.growth.no_data", lang))
        return
    st.metric(
        t("policy_app.growth.latest", lang, quarter=fmt_quarter(quarter, lang)),
        format_cell(own["relative"].iloc[-1], "pct_change", lang),
    )
    st.caption(t("policy_app.growth.method", lang))
    if st.toggle(t("policy_app.growth.show_chart", lang), key="regions_growth_show"):
        periods = [fmt_quarter(q.date(), lang) for q in own["quarter"]]
        figure = go.Figure()
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=own["index"],
                mode="lines",
                name=f"{region_names[region]} — {t('policy_app.growth.region_index', lang)}",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=own["reference_index"],
                mode="lines",
                line={"dash": "dash"},
                name=t("policy_app.growth.country_index", lang),
            )
        )
        figure.update_layout(
            yaxis={"title": {"text": t("policy_app.growth.axis", lang)}},
            xaxis={"type": "category"},
            legend={"orientation": "h"},
            margin={"t": 10},
        )
        locale_chart(
            figure,
            lang,
            key="regions_growth_chart",
            filename=f"growth_{growth_indicator}_{region}_{base_code}",
        )
    municipal = data.relative_growth("municipality", growth_indicator, base_code)
    municipal = municipal[
        (municipal["parent_code"] == region) & (municipal["quarter"] == pd.Timestamp(quarter))
    ]
    st.markdown(
        "**"
        + t("policy_app.growth.municipalities", lang, quarter=fmt_quarter(quarter, lang))
        + "**"
    )
    growth_table(
        municipal.sort_values("relative", ascending=False),
        data.municipalities(lang),
        t("policy_app.col.municipality", lang),
        t("policy_app.col.reference_index", lang),
    )


if region is None:
    show_every_region_growth()
else:
    show_region_growth()


# ------------------------------------------------------------------ spillovers by distance

st.subheader(t("regions.spill.title", lang))
st.caption(t("policy.rings.method", lang))
municipal_catalogue = data.indicators("municipality")
quarterly = municipal_catalogue[municipal_catalogue["frequency"] == "quarter"]
spill_names = dict(zip(quarterly["code"], quarterly[f"name_{lang}"], strict=True))
spill_left, spill_right = st.columns([2, 1])
spill_outcome = state.indicator_select(
    spill_left, t("regions.spill.outcome", lang), spill_names, "regions_spill_outcome"
)
# Three Callaway-Sant'Anna estimates take seconds: run on request, then kept in the cache.
if spill_right.button(t("regions.spill.run", lang), key="regions_spill_run"):
    st.session_state["regions_spill_ready"] = spill_outcome
if st.session_state.get("regions_spill_ready") == spill_outcome:
    with st.spinner(t("regions.spill.running", lang)):
        rings = data.ring_effects(spill_outcome)
    km = t("regions.spill.km", lang)
    rings = rings.assign(
        ring_text=[
            f"{fmt_number(lo, lang)}–{fmt_number(hi, lang)} {km}"
            for lo, hi in zip(rings["ring_low"], rings["ring_high"], strict=True)
        ],
        ci_text=[
            f"{format_cell(lo, 'pct_change', lang)} … {format_cell(hi, 'pct_change', lang)}"
            for lo, hi in zip(rings["pct_low"], rings["pct_high"], strict=True)
        ],
    )
    locale_table(
        rings,
        [
            ("ring_text", t("regions.spill.col_ring", lang), "text"),
            ("pct", t("regions.spill.col_effect", lang), "pct_change"),
            ("ci_text", t("regions.spill.col_ci", lang), "text"),
            ("n_treated", t("regions.spill.col_treated", lang), "int"),
            ("n_controls", t("regions.spill.col_controls", lang), "int"),
        ],
        lang,
        key="regions_spill_table",
    )
    st.caption(t("regions.spill.reading", lang))

# ------------------------------------------------------------------ all regions in the quarter

st.subheader(t("regions.table_title", lang, quarter=fmt_quarter(quarter, lang)))
every = data.region_kpis(None)
every_money_unit = data.unit_text("mln_currency", lang)  # all regions
table = every[every["quarter"] == pd.Timestamp(quarter)]
table = table.assign(region=table["region_code"].map(lambda c: region_names.get(c, c)))
locale_table(
    table.sort_values("region"),
    [
        ("region", t("regions.col_region", lang), "text"),
        ("parks_reporting", t("regions.col_parks_reporting", lang), "int"),
        ("jobs_total", t("regions.park_jobs", lang), "int"),
        ("employment", t("regions.employment", lang), "int"),
        ("park_jobs_share", t("regions.park_jobs_share", lang), "pct2"),
        ("investment_total", t("regions.park_investment", lang, unit=every_money_unit), "num1"),
        ("fixed_investment", t("regions.fixed_investment", lang, unit=every_money_unit), "num1"),
        ("park_investment_share", t("regions.park_investment_share", lang), "pct2"),
    ],
    lang,
    key="regions_table",
)
