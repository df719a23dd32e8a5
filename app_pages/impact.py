"""Impact: what did parks change in their municipality or region? Estimates with diagnostics."""

import math
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.effects.diagnostics import breakdown_mbar, pretrend_test
from analytics.effects.parks import (
    CONTROLS,
    LEVELS,
    METHODS,
    TRANSFORMS,
    TREATMENTS,
    ChartText,
    chart_png,
    placebo_interval,
    quarter_start,
)
from analytics.errors import UserError
from analytics.i18n import fmt_number, fmt_percent, fmt_quarter, t
from analytics.intake.export import write_csv, write_xlsx
from app_pages import _shared

ALPHAS = (0.01, 0.05, 0.10)

lang = _shared.language()
_shared.require_database(lang)

st.title(t("impact.title", lang))
st.caption(t("impact.caption", lang))


def quarter_text(label: str) -> str:
    """ "2017Q3" in the reader's notation."""
    return fmt_quarter(quarter_start(label), lang)


def period_text(period: int) -> str:
    """A period index of the estimators (year * 4 + quarter - 1) in the reader's notation."""
    year, quarter = divmod(int(period), 4)
    return fmt_quarter((year, quarter + 1), lang)


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
catalogue = _shared.impact_outcomes(level)
# Park effects are estimated on quarterly panels: annual statistics are no outcome here.
quarterly = _shared.indicators(level).query("frequency == 'quarter'")["code"]
catalogue = catalogue[catalogue["code"].isin(quarterly)]
names = dict(zip(catalogue["code"], catalogue[f"name_{lang}"], strict=True))
outcome = _shared.indicator_select(middle, t("impact.outcome", lang), names, "impact_outcome")
method = right.selectbox(
    t("impact.method", lang),
    METHODS,
    format_func=lambda v: t(f"impact.method_{v}", lang),
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
    parks = _shared.impact_parks(lang)
    date_column = "opened_on" if treatment == "opened" else "registered_on"
    started = parks.loc[parks[date_column].notna()]
    labels = dict(zip(started["park_id"], started["name"], strict=True))
    options = list(labels)
    if not options:
        st.info(t("impact.no_parks", lang))
        st.stop()
    park_id = st.selectbox(
        t("impact.park", lang),
        options,
        index=options.index(_shared.url_choice("park", options)),
        format_func=lambda p: f"{labels[p]} ({p})",
        key="impact_park",
        on_change=_shared.remember_choice,
        args=("park", "impact_park"),
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
    st.session_state.pop("impact_png_bytes", None)

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
        effect = _shared.park_effect(ran)
        truth = _shared.park_effect_truth(ran)
    except UserError as exc:
        status.update(label=t("impact.failed", lang), state="error")
        st.error(exc.message(lang))
        st.stop()
    status.update(label=t("impact.done", lang), state="complete")

result = effect.result
is_log = ran["transform"] == "log"
digits = 3 if is_log else 1
outcome_label = effect.outcome_label(lang)
unit_text = (
    t("impact.log_points", lang)
    if is_log
    else _shared.unit_label(catalogue.set_index("code").loc[ran["outcome"], "unit"], lang)
    if ran["outcome"] in set(catalogue["code"])
    else ""
)
level_pct = round((1 - result.alpha) * 100)
ci_low, ci_high = result.ci_low, result.ci_high
if ran["method"] == "sc" and not result.placebo_gaps.empty:
    # The constant-effect interval is empty when the effect grows; the placebo interval is not.
    ci_low, ci_high = placebo_interval(result)

st.subheader(t("impact.headline", lang))
cols = st.columns(3 if truth is not None else 2)
cols[0].metric(
    t("impact.estimate", lang, unit=unit_text),
    fmt_number(result.estimate, lang, digits),
)
cols[1].metric(
    t("impact.interval", lang, level=level_pct),
    f"{fmt_number(ci_low, lang, digits)} – {fmt_number(ci_high, lang, digits)}",
)
if truth is not None:
    cols[2].metric(t("impact.truth", lang), fmt_number(truth.estimate, lang, digits))
    st.caption(t("impact.truth_note", lang))
st.write(effect.reading(lang))

# --------------------------------------------------------------------------------------------
# Charts

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
        yaxis_title=f"{outcome_label}, {unit_text}",
    )
elif ran["method"] == "sc":
    gaps = result.gaps
    ticks = [quarter_text(q) for q in gaps["time"]]
    figure = go.Figure()
    for i, column in enumerate(result.placebo_gaps.columns):
        figure.add_trace(
            go.Scatter(
                x=ticks,
                y=result.placebo_gaps[column],
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
    figure.add_vline(x=ticks.index(quarter_text(result.treatment_start)), line_dash="dot")
    figure.update_layout(
        title=t("impact.synth_gaps", lang, place=effect.place(lang) or ""),
        yaxis_title=f"{outcome_label}, {unit_text}",
    )
if figure is not None:
    figure.update_layout(separators=_shared.plotly_separators(lang), height=450)
    st.plotly_chart(figure, key="impact_chart")

if effect.att_gt is not None and not effect.att_gt.att_gt.empty:
    cells = effect.att_gt.att_gt
    grid = cells.pivot(index="group", columns="time", values="estimate").sort_index()
    heatmap = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[period_text(p) for p in grid.columns],
            y=[period_text(g) for g in grid.index],
            colorscale="RdBu",
            zmid=0,
            colorbar={"title": unit_text},
        )
    )
    heatmap.update_layout(
        title=t("impact.heatmap", lang),
        xaxis_title=t("impact.quarter", lang),
        yaxis_title=t("impact.cohort", lang),
        separators=_shared.plotly_separators(lang),
        height=500,
    )
    st.plotly_chart(heatmap, key="impact_heatmap")

# --------------------------------------------------------------------------------------------
# Diagnostics

st.subheader(t("impact.diagnostics", lang))
facts: list[tuple[str, str]] = [
    (t("impact.n_units", lang), fmt_number(effect.n_units, lang)),
    (t("impact.n_treated", lang), fmt_number(len(effect.treated_units), lang)),
    (t("impact.n_cohorts", lang), fmt_number(len(effect.cohorts), lang)),
    (t("impact.n_filled", lang), fmt_number(effect.n_filled, lang)),
]
if effect.event_study is not None:
    test = pretrend_test(effect.event_study)
    facts.append((t("impact.pretrend_p", lang), fmt_number(test.p_value, lang, 3)))
    try:
        breakdown = breakdown_mbar(effect.event_study)
    except ValueError:
        breakdown = math.nan
    shown = "∞" if breakdown == math.inf else fmt_number(breakdown, lang, 2)
    facts.append((t("impact.breakdown", lang), shown))
if ran["method"] == "twfe":
    facts.append((t("impact.forbidden_share", lang), fmt_percent(result.forbidden_share, lang)))
    facts.append(
        (t("impact.negative_weights", lang), fmt_percent(result.negative_weight_share, lang))
    )
if ran["method"] == "sc":
    facts.append((t("impact.permutation_p", lang), fmt_number(result.p_value, lang, 3)))
    facts.append((t("impact.pre_rmspe", lang), fmt_number(result.pre_rmspe, lang, 4)))
    facts.append((t("impact.post_pre_ratio", lang), fmt_number(result.post_pre_ratio, lang, 1)))
st.dataframe(
    pd.DataFrame(facts, columns=[t("impact.fact", lang), t("impact.value", lang)]),
    hide_index=True,
    key="impact_facts",
)
for warning in result.warnings_in(lang):
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

tidy = effect.tidy()
with tempfile.TemporaryDirectory() as folder:
    csv_bytes = write_csv(tidy, Path(folder) / "effect.csv").read_bytes()
    sheets = {"effect": tidy}
    if effect.att_gt is not None:
        sheets["att_gt"] = effect.att_gt.att_gt
    if truth is not None and truth.event_study is not None:
        sheets["truth_event_study"] = truth.event_study
    xlsx_bytes = write_xlsx(sheets, Path(folder) / "effect.xlsx").read_bytes()
stem = f"effect_{ran['method']}_{ran['outcome']}_{ran['level']}"
left, middle, right = st.columns(3)
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
if figure is not None:
    if right.button(t("impact.make_png", lang), key="impact_png_make"):
        text = ChartText(
            title=t("impact.event_study", lang)
            if ran["method"] != "sc"
            else t("impact.synth_gaps", lang, place=effect.place(lang) or ""),
            x_label=t("impact.rel_time", lang) if ran["method"] != "sc" else "",
            y_label=f"{outcome_label}, {unit_text}",
            estimate=t("impact.estimate_short", lang),
            truth=t("impact.truth", lang),
            placebo=t("impact.placebo", lang),
            period_label=quarter_text,
        )
        st.session_state["impact_png_bytes"] = chart_png(effect, truth, text)
    if st.session_state.get("impact_png_bytes"):
        right.download_button(
            t("impact.download_png", lang),
            st.session_state["impact_png_bytes"],
            file_name=f"{stem}.png",
            mime="image/png",
            key="impact_png",
        )
