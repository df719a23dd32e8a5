"""Parks: the registry with filters and one park's card (location, areas, residents, KPIs
over time against roadmap targets, budget efficiency and payback, revisions of its data)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import geo
from analytics.i18n import fmt_date, fmt_number, fmt_quarter, t
from analytics.i18n.cells import format_cell, unit_kind
from analytics.intake.preview import revision_item_text, shown_value
from analytics.kpi.park_card import CARD_SERIES, filter_registry, series_with_targets
from analytics.policy.compliance import unchecked_texts
from analytics.quarter import Quarter
from app_pages.common import data, state
from app_pages.common.format import locale_chart, locale_table, quarter_axis_layout
from app_pages.common.framework import multiselect
from app_pages.common.monitoring import compliance_table, flag_sentences, peer_group_label

PARK_COLOUR = "#d62728"
OTHER_COLOUR = "#9e9e9e"
OUTLINE_COLOUR = "#607d8b"
MAP_ZOOM = 5  # without a region outline
MAP_WIDTH, MAP_HEIGHT = 340, 320

lang = state.language()
data.require_database(lang)

st.title(t("parks.title", lang))
st.caption(t("parks.caption", lang))

registry = data.park_registry()
if registry.empty:
    st.info(t("parks.no_parks", lang))
    st.stop()
regions = data.regions(lang)
municipalities = data.municipalities(lang)
names = data.indicator_names(lang)
unit_codes = data.indicator_unit_codes()


def choices(column: str) -> list[str]:
    return sorted(registry[column].dropna().unique())


# ---- Registry -------------------------------------------------------------------------------
filters = st.columns(4)
park_types = multiselect(
    filters[0],
    t("parks.filter_type", lang),
    choices("park_type"),
    lang,
    format_func=lambda v: t(f"park_type.{v}", lang),
    key="parks_type",
)
statuses = multiselect(
    filters[1],
    t("parks.filter_status", lang),
    choices("status"),
    lang,
    format_func=lambda v: t(f"park_status.{v}", lang),
    key="parks_status",
)
chosen_regions = multiselect(
    filters[2],
    t("parks.filter_region", lang),
    sorted(choices("region_code"), key=lambda c: regions.get(c, c)),
    lang,
    format_func=lambda c: regions.get(c, c),
    key="parks_region",
)
ownerships = multiselect(
    filters[3],
    t("parks.filter_ownership", lang),
    choices("ownership"),
    lang,
    format_func=lambda v: t(f"ownership.{v}", lang),
    key="parks_ownership",
)
shown = filter_registry(registry, park_types, statuses, chosen_regions, ownerships)
st.caption(t("parks.shown", lang, n=len(shown), total=len(registry)))
listing = shown.assign(
    name=shown[f"name_{lang}"],
    type_text=shown["park_type"].map(lambda v: t(f"park_type.{v}", lang)),
    status_text=shown["status"].map(lambda v: t(f"park_status.{v}", lang)),
    ownership_text=shown["ownership"].map(lambda v: t(f"ownership.{v}", lang)),
    region=shown["region_code"].map(lambda c: regions.get(c, c)),
    municipality=shown["municipality_code"].map(lambda c: municipalities.get(c, c)),
)
locale_table(
    listing,
    [
        ("park_id", t("report.col.park_id", lang), "text"),
        ("name", t("report.col.park", lang), "text"),
        ("type_text", t("parks.col_type", lang), "text"),
        ("status_text", t("parks.col_status", lang), "text"),
        ("ownership_text", t("parks.col_ownership", lang), "text"),
        ("region", t("parks.col_region", lang), "text"),
        ("municipality", t("parks.col_municipality", lang), "text"),
        ("total_area_ha", t("parks.col_total_area", lang), "num1"),
        ("leasable_area_ha", t("parks.col_leasable_area", lang), "num1"),
        ("opened_on", t("parks.col_opened", lang), "date"),
    ],
    lang,
)
if shown.empty:
    st.info(t("parks.none_match", lang))
    st.stop()

# ---- The park card --------------------------------------------------------------------------
park_ids = list(shown["park_id"])
park_names = dict(zip(registry["park_id"], registry[f"name_{lang}"], strict=True))
park_id = state.url_select(
    st,
    t("parks.choose", lang),
    park_ids,
    "park",
    "parks_park",
    format_func=lambda p: f"{park_names[p]} ({p})",
)
card = data.park_card_data(park_id)
park = card.park
latest = card.latest
units = data.indicator_units(lang, park["region_code"])
st.header(park[f"name_{lang}"])
st.caption(
    " · ".join(
        [
            t(f"park_type.{park['park_type']}", lang),
            t(f"park_status.{park['status']}", lang),
            t(f"ownership.{park['ownership']}", lang),
            regions.get(park["region_code"], park["region_code"]),
            municipalities.get(park["municipality_code"], park["municipality_code"]),
        ]
    )
)


def metric_value(code: str) -> str:
    return format_cell(latest.get(code), unit_kind(unit_codes[code]), lang)


as_of = fmt_quarter(card.latest_quarter, lang) if card.latest_quarter else "–"
top = st.columns(4)
top[0].metric(t("parks.total_area", lang), format_cell(park["total_area_ha"], "num1", lang))
top[1].metric(t("parks.leasable_area", lang), format_cell(park["leasable_area_ha"], "num1", lang))
top[2].metric(t("parks.residents", lang, quarter=as_of), metric_value("residents_count"))
top[3].metric(t("parks.jobs", lang, quarter=as_of), metric_value("jobs_total"))
more = st.columns(4)
more[0].metric(t("parks.occupancy", lang, quarter=as_of), metric_value("occupancy_rate"))
more[1].metric(t("parks.free_area", lang, quarter=as_of), metric_value("area_free_ha"))
more[2].metric(
    t("parks.investment", lang, quarter=as_of, unit=units["investment_cumulative"]),
    metric_value("investment_cumulative"),
)
more[3].metric(t("parks.wage", lang, quarter=as_of), metric_value("avg_wage"))

dates = [
    (t("parks.founded", lang), park.get("founded_on")),
    (t("parks.opened", lang), park.get("opened_on")),
    (t("parks.closed", lang), park.get("closed_on")),
]
st.caption(
    " · ".join(
        f"{label}: {fmt_date(pd.Timestamp(day).date(), lang)}"
        for label, day in dates
        if day is not None and not pd.isna(day)
    )
)

left, right = st.columns([2, 3])
with left:
    st.subheader(t("parks.location", lang))
    lat, lon = park.get("latitude"), park.get("longitude")
    if lat is None or pd.isna(lat) or lon is None or pd.isna(lon):
        st.info(t("parks.no_location", lang))
    else:
        neighbours = registry[
            (registry["region_code"] == park["region_code"]) & (registry["park_id"] != park_id)
        ].dropna(subset=["latitude", "longitude"])
        # white-bg: no tiles, nothing fetched from the internet; markers only (text labels
        # would make the map library download fonts).
        fig = go.Figure()
        # The region's outline when one is loaded (shipped GeoJSON, nothing fetched).
        outline = [
            f
            for f in data.region_shapes()["features"]
            if f["properties"]["code"] == park["region_code"]
        ]
        if outline:
            lons, lats = geo.outline(outline[0])
            fig.add_trace(
                go.Scattermap(
                    lon=lons,
                    lat=lats,
                    mode="lines",
                    line={"color": OUTLINE_COLOUR, "width": 2},
                    hoverinfo="skip",
                    name=regions.get(park["region_code"], park["region_code"]),
                )
            )
        fig.add_trace(
            go.Scattermap(
                lat=neighbours["latitude"],
                lon=neighbours["longitude"],
                mode="markers",
                marker={"size": 9, "color": OTHER_COLOUR},
                name=t("parks.other_parks", lang),
                hovertext=neighbours[f"name_{lang}"],
                hoverinfo="text",
            )
        )
        fig.add_trace(
            go.Scattermap(
                lat=[lat],
                lon=[lon],
                mode="markers",
                marker={"size": 16, "color": PARK_COLOUR},
                name=park[f"name_{lang}"],
                hovertext=[park[f"name_{lang}"]],
                hoverinfo="text",
            )
        )
        centre, zoom = {"lat": lat, "lon": lon}, MAP_ZOOM
        box = geo.bounds({"features": outline}) if outline else None
        if box is not None:  # fit the region's outline in the map
            view = geo.map_view(box, width_px=MAP_WIDTH, height_px=MAP_HEIGHT)
            centre, zoom = {"lat": view.lat, "lon": view.lon}, view.zoom
        fig.update_layout(
            map={"style": "white-bg", "center": centre, "zoom": zoom},
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
            height=MAP_HEIGHT,
            legend={"orientation": "h", "y": -0.05},
        )
        locale_chart(fig, lang, key="parks_map", filename=f"map_{park_id}")
        st.caption(
            t(
                "parks.coordinates",
                lang,
                lat=fmt_number(lat, lang, 4),
                lon=fmt_number(lon, lang, 4),
            )
        )

with right:
    st.subheader(t("parks.over_time", lang))
    code = st.selectbox(
        t("parks.indicator", lang),
        list(CARD_SERIES),
        format_func=lambda c: names.get(c, c),
        key="parks_kpi",
        placeholder=t("app_locale.choose", lang),
    )
    series = series_with_targets(card, code)
    if series["value"].isna().all() and series["target"].isna().all():
        st.info(t("parks.no_reports", lang))
    else:
        # Quarter labels in the user's language: plotly's own date ticks would be English.
        labels = [fmt_quarter(q, lang) for q in series["quarter"]]
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(x=labels, y=series["value"], mode="lines+markers", name=names[code])
        )
        if series["target"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=labels,
                    y=series["target"],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 11, "color": PARK_COLOUR},
                    name=t("parks.target", lang),
                )
            )
        quarter_axis_layout(
            fig,
            lang,
            f"{names[code]}, {units[code]}",
            unit_codes[code],
            height=400,
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        )
        locale_chart(fig, lang, key="parks_kpi_chart", filename=f"{park_id}_{code}")
        st.caption(t("parks.target_note", lang))

# ---- Budget ---------------------------------------------------------------------------------
st.subheader(t("parks.budget", lang, quarter=as_of))
money = st.columns(4)
money[0].metric(
    f"{names['public_money_cumulative']}, {units['public_money_cumulative']}",
    metric_value("public_money_cumulative"),
)
money[1].metric(
    f"{names['taxes_cumulative']}, {units['taxes_cumulative']}", metric_value("taxes_cumulative")
)
money[2].metric(names["budget_efficiency"], metric_value("budget_efficiency"))
public = latest.get("public_money_cumulative")
if not pd.isna(card.payback_year):
    money[3].metric(names["payback_year"], str(int(card.payback_year)))
else:  # the reason in words below a dash: a metric value has room for a number only
    money[3].metric(names["payback_year"], "–")
    no_money = public is None or pd.isna(public) or public <= 0
    money[3].caption(t("parks.no_public_money" if no_money else "parks.not_yet", lang))
st.caption(t("parks.budget_note", lang))

# ---- Statutory monitoring (analytics.policy): legal status, compliance, plan vs fact, cost
# per job and net jobs, standing among peers ---------------------------------------------------
st.subheader(t("policy_app.timeline.title", lang))
timeline = data.park_timeline(park_id)
if timeline.empty:
    st.info(t("policy_app.timeline.none", lang))
else:
    steps = timeline.assign(
        milestone_text=[t(f"policy_app.milestone.{m}", lang) for m in timeline["milestone"]]
    )
    locale_table(
        steps,
        [
            ("milestone_text", t("policy_app.col.milestone", lang), "text"),
            ("date", t("policy_app.col.date", lang), "date"),
            ("reason", t("policy_app.col.reason", lang), "text"),
        ],
        lang,
    )

# as of the newest reported quarter (registry-only rules still apply before any report: today)
reported_quarters = data.report_quarters()
check_quarter = reported_quarters[-1] if reported_quarters else Quarter.current().label
park_check = data.compliance(check_quarter, park["region_code"])
park_flags = park_check.flags[park_check.flags["park_id"] == park_id].reset_index(drop=True)
st.subheader(t("policy_app.compliance.park_title", lang, date=fmt_date(park_check.as_of, lang)))
if park_flags.empty:
    st.success(t("policy_app.compliance.park_none", lang))
else:
    compliance_table(park_flags, lang)
    for line in flag_sentences(park_flags, lang):
        st.warning(line, icon="⚠️")
# rules the registry cannot answer yet, with the blank date or field each needs (issue 17)
for line in unchecked_texts(park_check, park_id, lang):
    st.info(line)

st.subheader(t("policy_app.plan.title", lang))
passport = data.park_plan(park_id)
plan, own_reports = passport.table, passport.reports
if plan.empty:
    st.info(t("policy_app.plan.none", lang))
else:
    committed = [planned.indicator for planned in passport.indicators]
    plan_code = st.selectbox(
        t("policy.plan.indicator", lang),
        committed,
        format_func=lambda c: names.get(c, c),
        key="parks_plan_indicator",
        placeholder=t("app_locale.choose", lang),
    )
    planned = passport.indicators[committed.index(plan_code)]
    forecast = planned.forecast
    rows = plan[plan["indicator"] == plan_code]
    path = data.forecast_path(park_id, plan_code) if forecast is not None else None
    reports = own_reports.dropna(subset=[plan_code])
    # every quarter from the first report (or the first target year) to the commitment year
    first_year = int(rows["year"].min())
    first = (
        min(Quarter(first_year, 4), Quarter.of(reports["quarter"].min()))
        if len(reports)
        else Quarter(first_year, 1)
    )
    last = Quarter(int(rows["commitment_year"].iloc[0]), 4)
    label = {
        pd.Timestamp((first + k).start): (first + k).text(lang) for k in range(last - first + 1)
    }
    plan_fig = go.Figure()
    # every quarter on the axis, in order, even where nothing is drawn yet
    plan_fig.add_trace(
        go.Scatter(
            x=list(label.values()), y=[None] * len(label), showlegend=False, hoverinfo="skip"
        )  # fmt: skip
    )
    plan_fig.add_trace(
        go.Scatter(
            x=[label[pd.Timestamp(q)] for q in reports["quarter"]],
            y=reports[plan_code],
            mode="lines+markers",
            name=t("policy_app.plan.actual", lang),
        )
    )
    plan_fig.add_trace(
        go.Scatter(
            x=[label[pd.Timestamp(Quarter(int(y), 4).start)] for y in rows["year"]],
            y=rows["target_value"],
            mode="markers",
            marker={"symbol": "diamond", "size": 11, "color": PARK_COLOUR},
            name=t("policy_app.plan.target", lang),
        )
    )
    if path is not None:
        plan_fig.add_trace(
            go.Scatter(
                x=[label[pd.Timestamp(q)] for q in path["quarter"]],
                y=path["forecast"],
                mode="lines",
                line={"dash": "dash", "color": OUTLINE_COLOUR},
                name=t("policy_app.plan.forecast", lang),
            )
        )
    plan_fig.update_layout(
        yaxis_title=f"{names.get(plan_code, plan_code)}, {units.get(plan_code, '')}",
        xaxis={"type": "category"},
        margin={"t": 10},
        height=360,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )
    locale_chart(plan_fig, lang, key="parks_plan_chart", filename=f"{park_id}_plan_{plan_code}")
    if forecast is not None:
        st.info(forecast.reading(lang, names.get(plan_code, plan_code), park[f"name_{lang}"]))
    else:
        st.info(planned.problem.text(lang))
    plan_kind = unit_kind(unit_codes.get(plan_code, "persons"))
    locale_table(
        rows.assign(
            met_text=[
                "–" if pd.isna(m) else t("policy.yes" if m else "policy.no", lang)
                for m in rows["met"]
            ]
        ),
        [
            ("year", t("policy_app.col.year", lang), "year"),
            ("target_value", t("policy_app.col.target", lang), plan_kind),
            ("actual", t("policy_app.col.actual", lang), plan_kind),
            ("gap", t("policy_app.col.gap", lang), plan_kind),
            ("met_text", t("policy_app.col.met", lang), "text"),
        ],
        lang,
    )

efficiency = data.park_efficiency(park_id, park["region_code"])
if card.latest_quarter is not None:
    efficiency = efficiency[efficiency["quarter"] == pd.Timestamp(card.latest_quarter)]
st.subheader(t("policy_app.efficiency.title", lang, quarter=as_of))
if efficiency.empty:
    st.info(t("policy_app.efficiency.none", lang))
else:
    now = efficiency.iloc[-1]
    money_unit = data.unit_text("mln_currency", lang, park["region_code"])
    # (column, label, format): a table, as the labels are too long for metric tiles
    rows = [
        ("jobs_total", t("policy_app.efficiency.gross_jobs", lang), "int"),
        ("net_jobs", t("policy_app.efficiency.net_jobs", lang), "int"),
        ("relocated_jobs_share", t("policy_app.efficiency.relocated_share", lang), "pct"),
        ("cost_per_job", t("policy_app.efficiency.cost_per_job", lang, unit=money_unit), "num2"),
        (
            "cost_per_net_job",
            t("policy_app.efficiency.cost_per_net_job", lang, unit=money_unit),
            "num2",
        ),
        ("revenue_per_public_money", t("policy_app.efficiency.revenue_per_money", lang), "num1"),
        ("taxes_per_public_money", t("policy_app.efficiency.taxes_per_money", lang), "num1"),
    ]
    locale_table(
        pd.DataFrame(
            {
                "kpi": [label for _, label, _ in rows],
                "value": [format_cell(now[column], kind, lang) for column, _, kind in rows],
            }
        ),
        [
            ("kpi", t("policy_app.col.kpi", lang), "text"),
            ("value", t("policy.col.value", lang), "text"),
        ],
        lang,
        key="parks_efficiency_table",
    )
    st.caption(t("policy.net_jobs.method", lang) + " " + t("policy.cost.method", lang))

st.subheader(t("policy_app.peers.title", lang, quarter=as_of))
peers = data.park_peers(park_id, card.latest_quarter) if card.latest_quarter else None
if peers is None or peers.empty:
    st.info(t("policy_app.peers.none", lang))
else:
    mine = peers.iloc[0]
    st.caption(
        t(
            "policy_app.peers.group",
            lang,
            group=peer_group_label(mine["peer_group"], lang),
            n=int(mine["peer_count"]),
        )
    )
    kpi_codes = [c.removesuffix("_percentile") for c in peers.columns if c.endswith("_percentile")]
    standing = pd.DataFrame(
        {
            "kpi": [names.get(c, c) for c in kpi_codes],
            "value": [
                format_cell(mine[c], unit_kind(unit_codes.get(c, "")), lang) for c in kpi_codes
            ],
            "percentile": [mine[f"{c}_percentile"] for c in kpi_codes],
        }
    )
    locale_table(
        standing,
        [
            ("kpi", t("policy_app.col.kpi", lang), "text"),
            ("value", t("policy.col.value", lang), "text"),
            ("percentile", t("policy_app.col.percentile", lang), "int"),
        ],
        lang,
    )
    st.caption(t("policy.peer.method", lang))

# ---- Revisions ------------------------------------------------------------------------------
st.subheader(t("parks.revisions", lang))
if card.revisions.empty:
    st.info(t("parks.no_revisions", lang))
else:
    rows = card.revisions.to_dict("records")
    history = card.revisions.assign(
        column_text=card.revisions["column_name"].map(lambda c: names.get(c, c)),
        kind_text=card.revisions["kind"].map(lambda k: t(f"parks.kind_{k}", lang)),
        row_text=[revision_item_text(r["kind"], r["row_key"], lang, names) for r in rows],
        old_text=[
            shown_value(r["kind"], r["column_name"], r["old"], r["numeric"], lang) for r in rows
        ],
        new_text=[
            shown_value(r["kind"], r["column_name"], r["new"], r["numeric"], lang) for r in rows
        ],
    )
    locale_table(
        history,
        [
            ("loaded_at", t("parks.col_loaded_at", lang), "datetime"),
            ("loaded_by", t("parks.col_loaded_by", lang), "text"),
            ("file_name", t("parks.col_file", lang), "text"),
            ("kind_text", t("parks.col_kind", lang), "text"),
            ("row_text", t("parks.col_row", lang), "text"),
            ("column_text", t("parks.col_field", lang), "text"),
            ("old_text", t("parks.col_old", lang), "text"),
            ("new_text", t("parks.col_new", lang), "text"),
        ],
        lang,
    )
