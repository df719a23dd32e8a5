"""Impact: what did parks change in their municipality or region? Estimates with diagnostics."""

import math
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.effects.park_spec import (
    CONTROLS,
    LEVELS,
    METHODS,
    TRANSFORMS,
    TREATMENTS,
)
from analytics.effects.results import ci_method_key
from analytics.errors import UserError
from analytics.i18n import fmt_number, fmt_percent, t
from analytics.intake.export import write_csv, write_xlsx
from analytics.quarter import Quarter
from app_pages.common import data, state
from app_pages.common.format import plotly_separators

ALPHAS = (0.01, 0.05, 0.10)

lang = state.language()
data.require_database(lang)

st.title(t("impact.title", lang))
st.caption(t("impact.caption", lang))


# --------------------------------------------------------------------------------------------
# Choices

left, middle, right = st.columns(3)
level = left.radio(
    t("impact.level", lang),
    LEVELS,
    format_func=lambda v: t(f"impact.level_{v}", lang),
    horizontal=True,
    key="impact_level",
)
catalogue = data.impact_outcomes(level)
# Park effects are estimated on quarterly panels: annual statistics are no outcome here.
quarterly = data.indicators(level).query("frequency == 'quarter'")["code"]
catalogue = catalogue[catalogue["code"].isin(quarterly)]
names = dict(zip(catalogue["code"], catalogue[f"name_{lang}"], strict=True))
outcome = state.indicator_select(middle, t("impact.outcome", lang), names, "impact_outcome")
method = right.selectbox(
    t("impact.method", lang),
    METHODS,
    format_func=lambda v: t(f"method.{v}", lang),
    key="impact_method",
)

left, middle, right = st.columns(3)
treatment = left.radio(
    t("impact.treatment", lang),
    TREATMENTS,
    format_func=lambda v: t(f"impact.treatment_{v}", lang),
    key="impact_treatment",
)
transform = middle.radio(
    t("impact.transform", lang),
    TRANSFORMS,
    format_func=lambda v: t(f"impact.transform_{v}", lang),
    key="impact_transform",
)
control = "notyet"
if method in ("cs", "sa"):
    control = right.radio(
        t("impact.control", lang),
        CONTROLS,
        format_func=lambda v: t(f"impact.control_{v}_{method}", lang),
        key="impact_control",
    )

park_id = None
if method == "sc":
    parks = data.impact_parks(lang)
    date_column = "opened_on" if treatment == "opened" else "registered_on"
    started = parks.loc[parks[date_column].notna()]
    labels = dict(zip(started["park_id"], started["name"], strict=True))
    options = list(labels)
    if not options:
        st.info(t("impact.no_parks", lang))
        st.stop()
    park_id = state.url_select(
        st,
        t("impact.park", lang),
        options,
        "park",
        "impact_park",
        format_func=lambda p: f"{labels[p]} ({p})",
    )

with st.expander(t("impact.options", lang)):
    left, middle, right = st.columns(3)
    aggregation = "simple"
    bootstrap = 0
    if method == "cs":
        aggregation = left.radio(
            t("impact.aggregation", lang),
            ("simple", "dynamic"),
            format_func=lambda v: t(f"impact.aggregation_{v}", lang),
            key="impact_aggregation",
        )
        bootstrap = int(
            middle.number_input(
                t("impact.bootstrap", lang),
                min_value=0,
                max_value=9999,
                value=0,
                step=100,
                help=t("impact.bootstrap_help", lang),
                key="impact_bootstrap",
            )
        )
    alpha = right.selectbox(
        t("impact.alpha", lang),
        ALPHAS,
        index=1,
        format_func=lambda a: fmt_percent(1 - a, lang, 0),
        key="impact_alpha",
    )

params = {
    "outcome": outcome,
    "level": level,
    "method": method,
    "treatment": treatment,
    "control": control,
    "transform": transform,
    "aggregation": aggregation,
    "park_id": park_id,
    "bootstrap": bootstrap,
    "seed": 0,
    "alpha": float(alpha),
}
if st.button(t("impact.run", lang), type="primary", key="impact_run"):
    st.session_state["impact_params"] = params

ran = st.session_state.get("impact_params")
if ran is None:
    st.info(t("impact.press_run", lang))
    st.stop()
if ran != params:
    st.caption(t("impact.stale", lang))

# --------------------------------------------------------------------------------------------
# Estimate

with st.status(t("impact.running", lang), expanded=False) as status:
    try:
        effect = data.park_effect(ran)
        truth = data.park_effect_truth(ran)
    except UserError as exc:
        status.update(label=t("impact.failed", lang), state="error")
        st.error(exc.message(lang))
        st.stop()
    status.update(label=t("impact.done", lang), state="complete")

is_log = effect.outcome.transform == "log"
digits = 3 if is_log else 1
outcome_label = effect.outcome_label(lang)
unit_text = t("impact.log_points", lang) if is_log else data.unit_text(effect.outcome.unit, lang)
level_pct = round((1 - effect.alpha) * 100)


def fact_text(fact) -> str:
    """A diagnostic's value in the reader's notation, by its kind."""
    if fact.kind == "count":
        return fmt_number(int(fact.value), lang)
    if fact.kind == "share":
        return fmt_percent(fact.value, lang)
    if fact.kind == "mbar" and fact.value == math.inf:
        return "∞"
    decimals = {"p_value": 3, "mbar": 2, "rmspe": 4, "ratio": 1}[fact.kind]
    return fmt_number(fact.value, lang, decimals)


# The card, the reading, the downloads (and the report and the command line) read the one
# interval the effect reports; its method is named under the card.
st.subheader(t("impact.headline", lang))
cols = st.columns(3 if truth is not None else 2)
cols[0].metric(
    t("impact.estimate", lang, unit=unit_text),
    fmt_number(effect.estimate, lang, digits),
)
cols[1].metric(
    t("impact.interval", lang, level=level_pct),
    f"{fmt_number(effect.ci_low, lang, digits)} – {fmt_number(effect.ci_high, lang, digits)}",
)
ci_key = ci_method_key(effect.ci_method)
if ci_key is not None:
    cols[1].caption(t(f"effects.ci_method.{ci_key}", lang))
if truth is not None:
    cols[2].metric(t("impact.truth", lang), fmt_number(truth.estimate, lang, digits))
    st.caption(t("impact.truth_note", lang))
st.write(effect.reading(lang))

# --------------------------------------------------------------------------------------------
# Charts (plotly only: the PNG comes from the chart's own toolbar, drawn by the browser)

stem = f"effect_{effect.method}_{effect.outcome.code}_{effect.spec.level}"
y_title = f"{outcome_label}, {unit_text}"
figure = None
if effect.event_study is not None:
    events = effect.event_study.event_study
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=events["rel_time"],
            y=events["estimate"],
            mode="markers+lines",
            name=t("impact.estimate_short", lang),
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (events["ci_high"] - events["estimate"]).fillna(0),
                "arrayminus": (events["estimate"] - events["ci_low"]).fillna(0),
            },
        )
    )
    if truth is not None and truth.event_study is not None:
        shown = truth.event_study.loc[truth.event_study["rel_time"].isin(events["rel_time"])]
        figure.add_trace(
            go.Scatter(
                x=shown["rel_time"],
                y=shown["truth"],
                mode="lines",
                line={"dash": "dash", "color": "#d62728"},
                name=t("impact.truth", lang),
            )
        )
    figure.add_hline(y=0, line_color="#888888", line_width=1)
    figure.add_vline(x=-0.5, line_dash="dot", line_color="#888888")
    figure.update_layout(
        title=t("impact.event_study", lang),
        xaxis_title=t("impact.rel_time", lang),
        yaxis_title=y_title,
    )
elif effect.synthetic is not None:
    synthetic = effect.synthetic
    gaps = synthetic.gaps
    ticks = [Quarter.parse(q).text(lang) for q in gaps["time"]]
    figure = go.Figure()
    for i, column in enumerate(synthetic.placebo_gaps.columns):
        figure.add_trace(
            go.Scatter(
                x=ticks,
                y=synthetic.placebo_gaps[column],
                mode="lines",
                line={"color": "#bbbbbb", "width": 1},
                name=t("impact.placebo", lang),
                legendgroup="placebo",
                showlegend=i == 0,
                hoverinfo="skip",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=ticks,
            y=gaps["gap"],
            mode="lines",
            line={"color": "#1f77b4", "width": 3},
            name=effect.place(lang) or t("impact.estimate_short", lang),
        )
    )
    if truth is not None and truth.path is not None:
        figure.add_trace(
            go.Scatter(
                x=ticks,
                y=truth.path["truth"],
                mode="lines",
                line={"dash": "dash", "color": "#d62728"},
                name=t("impact.truth", lang),
            )
        )
    figure.add_hline(y=0, line_color="#888888", line_width=1)
    figure.add_vline(
        x=ticks.index(Quarter.parse(synthetic.treatment_start).text(lang)), line_dash="dot"
    )
    figure.update_layout(
        title=t("impact.synth_gaps", lang, place=effect.place(lang) or ""),
        yaxis_title=y_title,
    )
if figure is not None:
    figure.update_layout(separators=plotly_separators(lang), height=450)
    # The camera button of plotly's toolbar saves this very chart as PNG, in the browser.
    png = {"format": "png", "filename": stem, "scale": 2}
    st.plotly_chart(figure, key="impact_chart", config={"toImageButtonOptions": png})
    st.caption(t("impact.png_hint", lang))

if effect.att_gt is not None and not effect.att_gt.att_gt.empty:
    cells = effect.att_gt.att_gt
    grid = cells.pivot(index="group", columns="time", values="estimate").sort_index()
    heatmap = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[Quarter.from_index(p).text(lang) for p in grid.columns],
            y=[Quarter.from_index(g).text(lang) for g in grid.index],
            colorscale="RdBu",
            zmid=0,
            colorbar={"title": unit_text},
        )
    )
    heatmap.update_layout(
        title=t("impact.heatmap", lang),
        xaxis_title=t("impact.quarter", lang),
        yaxis_title=t("impact.cohort", lang),
        separators=plotly_separators(lang),
        height=500,
    )
    st.plotly_chart(heatmap, key="impact_heatmap")

# --------------------------------------------------------------------------------------------
# Diagnostics

st.subheader(t("impact.diagnostics", lang))
facts = [(t(f"impact.{fact.name}", lang), fact_text(fact)) for fact in effect.facts()]
st.dataframe(
    pd.DataFrame(facts, columns=[t("impact.fact", lang), t("impact.value", lang)]),
    hide_index=True,
    key="impact_facts",
)
for warning in effect.warnings_in(lang):
    st.warning(warning)
if not effect.dropped.empty:
    reasons = effect.dropped.groupby("reason").size()
    st.caption(
        t("impact.dropped", lang)
        + " "
        + "; ".join(
            f"{t(f'effects_parks.drop.{reason}', lang)}: {n}" for reason, n in reasons.items()
        )
    )

# --------------------------------------------------------------------------------------------
# Downloads

sheets = effect.tables()
if truth is not None and truth.event_study is not None:
    sheets["truth_event_study"] = truth.event_study
if truth is not None and truth.path is not None:
    sheets["truth_path"] = truth.path
with tempfile.TemporaryDirectory() as folder:
    csv_bytes = write_csv(sheets["effect"], Path(folder) / "effect.csv").read_bytes()
    xlsx_bytes = write_xlsx(sheets, Path(folder) / "effect.xlsx").read_bytes()
left, middle = st.columns(2)
left.download_button(
    t("impact.download_csv", lang),
    csv_bytes,
    file_name=f"{stem}.csv",
    mime="text/csv",
    key="impact_csv",
)
middle.download_button(
    t("impact.download_xlsx", lang),
    xlsx_bytes,
    file_name=f"{stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="impact_xlsx",
)
