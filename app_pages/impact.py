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
    ONE_PARK_METHODS,
    TRANSFORMS,
    TREATMENTS,
)
from analytics.effects.results import ci_method_key
from analytics.errors import UserError
from analytics.i18n import fmt_number, fmt_percent, t
from analytics.i18n.cells import format_cell
from analytics.quarter import Quarter
from analytics.spreadsheet import write_csv, write_xlsx
from app_pages.common import data, impact_data, state
from app_pages.common.format import locale_chart, locale_table

ALPHAS = (0.01, 0.05, 0.10)
WEIGHT_SHOWN = 0.001  # donors below a tenth of a percent are counted, not listed

lang = state.language()
data.require_database(lang)

st.title(t("impact.title", lang))
st.caption(t("impact.caption", lang))


# --------------------------------------------------------------------------------------------
# Choices, kept in the URL (?method=sc&park=XD-P021&estimate=1): a link reproduces an estimate.
# "estimate" says the choices in the URL were estimated; changing one drops it until the next
# run, so a link copied after a run always opens on the estimate it showed.


def chosen(url_key: str, widget_key: str) -> None:
    state.remember_choice(url_key, widget_key)
    st.query_params.pop("estimate", None)


def on_url(url_key: str, widget_key: str) -> dict:
    return {"on_change": chosen, "args": (url_key, widget_key)}


left, middle, right = st.columns([1, 1, 1])
level = state.url_radio(
    left,
    t("impact.level", lang),
    list(LEVELS),
    "level",
    "impact_level",
    format_func=lambda v: t(f"impact.level_{v}", lang),
    horizontal=True,
    **on_url("level", "impact_level"),
)
catalogue = data.impact_outcomes(level)
# Park effects are estimated on quarterly panels: annual statistics are no outcome here.
quarterly = data.indicators(level).query("frequency == 'quarter'")["code"]
catalogue = catalogue[catalogue["code"].isin(quarterly)]
names = dict(zip(catalogue["code"], catalogue[f"name_{lang}"], strict=True))
outcome = state.url_select(
    middle,
    t("impact.outcome", lang),
    list(names),
    "outcome",
    f"impact_outcome_{level}",
    default="employment",
    format_func=names.__getitem__,
    **on_url("outcome", f"impact_outcome_{level}"),
)
method = state.url_select(
    right,
    t("impact.method", lang),
    list(METHODS),
    "method",
    "impact_method",
    format_func=lambda v: t(f"method.{v}", lang),
    **on_url("method", "impact_method"),
)

left, middle, right = st.columns(3)
treatment = state.url_radio(
    left,
    t("impact.treatment", lang),
    list(TREATMENTS),
    "treatment",
    "impact_treatment",
    format_func=lambda v: t(f"impact.treatment_{v}", lang),
    **on_url("treatment", "impact_treatment"),
)
transform = state.url_radio(
    middle,
    t("impact.transform", lang),
    list(TRANSFORMS),
    "transform",
    "impact_transform",
    format_func=lambda v: t(f"impact.transform_{v}", lang),
    **on_url("transform", "impact_transform"),
)
control = "notyet"
if method in ("cs", "sa"):
    control = state.url_radio(
        right,
        t("impact.control", lang),
        list(CONTROLS),
        "control",
        f"impact_control_{method}",
        format_func=lambda v: t(f"impact.control_{v}_{method}", lang),
        **on_url("control", f"impact_control_{method}"),
    )

park_id = None
if method in ONE_PARK_METHODS:
    parks = data.impact_parks(lang)
    labels = dict(zip(parks["park_id"], parks["name"], strict=True))
    eligibility = data.synth_eligibility(outcome, level, treatment, transform)
    options = [p for p in eligibility.loc[eligibility["eligible"], "park_id"] if p in labels]
    refused = eligibility[~eligibility["eligible"]]
    if not options:
        st.info(t("impact_methods.no_eligible", lang, method=t(f"method.{method}", lang)))
    else:
        park_id = state.url_select(
            st,
            t("impact.park", lang),
            options,
            "park",
            "impact_park",
            format_func=lambda p: f"{labels[p]} ({p})",
            **on_url("park", "impact_park"),
        )
    if len(refused):
        with st.expander(t("app_locale.impact.not_offered", lang, n=len(refused))):
            st.markdown(
                "\n".join(
                    f"- {labels.get(p, p)} ({p}): {reason.text(lang)}"
                    for p, reason in zip(refused["park_id"], refused["reason"], strict=True)
                )
            )
    if park_id is None:
        st.stop()

with st.expander(t("impact.options", lang)):
    left, middle, right = st.columns(3)
    aggregation = "simple"
    bootstrap = 0
    if method == "cs":
        aggregation = state.url_radio(
            left,
            t("impact.aggregation", lang),
            ["simple", "dynamic"],
            "aggregation",
            "impact_aggregation",
            format_func=lambda v: t(f"impact.aggregation_{v}", lang),
            **on_url("aggregation", "impact_aggregation"),
        )
        asked = st.query_params.get("bootstrap", "0")
        bootstrap = int(
            middle.number_input(
                t("impact.bootstrap", lang),
                min_value=0,
                max_value=9999,
                value=int(asked) if asked.isdigit() and int(asked) <= 9999 else 0,
                step=100,
                help=t("impact.bootstrap_help", lang),
                key="impact_bootstrap",
                **on_url("bootstrap", "impact_bootstrap"),
            )
        )
    alpha = state.url_select(
        right,
        t("impact.alpha", lang),
        list(ALPHAS),
        "alpha",
        "impact_alpha",
        default=0.05,
        format_func=lambda a: fmt_percent(1 - a, lang, 0),
        **on_url("alpha", "impact_alpha"),
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


# --------------------------------------------------------------------------------------------
# Every park at a glance: a batch's table (effects-batch) for these choices and the current data


def show_batch() -> None:
    view = impact_data.batch_view(
        impact_data.batch_files(), outcome, method, level, treatment, transform, lang
    )
    if view is None:
        return
    is_log_scale = transform == "log"
    decimals = 3 if is_log_scale else 1
    parks = data.impact_parks(lang)
    names = dict(zip(parks["park_id"], parks["name"], strict=True))
    places = data.municipalities(lang) if level == "municipality" else data.regions(lang)
    frame = view.table.assign(
        park=[names.get(p, p) if isinstance(p, str) else "" for p in view.table["park_id"]],
        place=[places.get(u, u) if isinstance(u, str) else "" for u in view.table["unit"]],
        since=[
            Quarter.parse(c).text(lang) if isinstance(c, str) and c else ""
            for c in view.table["cohort"]
        ],  # fmt: skip
        shown=[
            fmt_number(v, lang, decimals) if pd.notna(v) else "–" for v in view.table["estimate"]
        ],  # fmt: skip
        interval=[
            f"{fmt_number(lo, lang, decimals)} – {fmt_number(hi, lang, decimals)}"
            if pd.notna(lo) and pd.notna(hi)
            else "–"
            for lo, hi in zip(view.table["ci_low"], view.table["ci_high"], strict=True)
        ],
        p=[fmt_number(v, lang, 3) if pd.notna(v) else "–" for v in view.table["p_value"]],
        note=view.table["reason"].fillna(""),
    )
    level_pct = round((1 - view.alpha) * 100)
    st.subheader(t("impact_methods.batch_title", lang))
    st.caption(
        t(
            "impact_methods.batch_caption",
            lang,
            method=t(f"method.{method}", lang),
            files=", ".join(view.files),
            n=fmt_number(len(frame), lang),
        )
    )
    if view.headline is not None and view.per_park:
        st.caption(
            t(
                "impact_methods.batch_headline",
                lang,
                estimate=fmt_number(view.headline["estimate"], lang, decimals),
                low=fmt_number(view.headline["ci_low"], lang, decimals),
                high=fmt_number(view.headline["ci_high"], lang, decimals),
                level=level_pct,
            )
        )
    units = dict(zip(catalogue["code"], catalogue["unit"], strict=True))
    unit_words = (
        t("impact.log_points", lang) if is_log_scale else data.unit_text(units[outcome], lang)
    )
    columns = [
        ("park", t("impact.park", lang), "text"),
        ("park_id", t("impact_methods.col_park_id", lang), "code"),
        ("place", t("impact_methods.col_place", lang), "text"),
        ("since", t("impact_methods.col_since", lang), "text"),
        ("shown", t("impact.estimate", lang, unit=unit_words), "text"),
        ("interval", t("impact.interval", lang, level=level_pct), "text"),
        ("p", t("impact.p_value", lang), "text"),
        ("note", t("impact_methods.col_note", lang), "text"),
    ]
    if not view.per_park:  # one estimate for every park: no park or place to name
        columns = [c for c in columns if c[0] not in ("park", "park_id", "place", "since")]
    locale_table(frame, columns, lang, key="impact_batch")


show_batch()


def run_estimate() -> None:
    """The run button's callback: what the reader chose (as shown when pressed) is run."""
    st.session_state["impact_params"] = params
    # every choice into the URL (defaults too), so the link names the whole estimate
    for key, value in (("level", level), ("outcome", outcome), ("method", method),
                       ("treatment", treatment), ("transform", transform)):  # fmt: skip
        st.query_params[key] = value
    if method in ("cs", "sa"):
        st.query_params["control"] = control
    if park_id is not None:
        st.query_params["park"] = park_id
    st.query_params["estimate"] = "1"


if st.query_params.get("estimate") == "1":  # a link to an estimate, or a run just now
    st.session_state["impact_params"] = params
st.button(t("impact.run", lang), type="primary", key="impact_run", on_click=run_estimate)

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


def show_agreement(agreement) -> None:
    """The agreement table: a row per method, a flag where its interval overlaps none of the
    others' it is paired with, and the table's reading."""
    rows = agreement.table(lang)
    decimals = agreement.decimals()
    clashes: dict[str, list[str]] = {}
    for a, b in agreement.disagree:
        clashes.setdefault(a, []).append(t(f"method.{b}", lang))
        clashes.setdefault(b, []).append(t(f"method.{a}", lang))
    ok = rows["status"] == "ok"
    frame = rows.assign(
        name=[t(f"method.{m}", lang) for m in rows["method"]],
        shown=[
            fmt_number(v, lang, decimals) if k else "–"
            for v, k in zip(rows["estimate"], ok, strict=True)
        ],  # fmt: skip
        interval=[agreement.row(m).interval_text(lang, decimals) for m in rows["method"]],
        how=[agreement.row(m).interval_method_text(lang) for m in rows["method"]],
        p=[
            fmt_number(v, lang, 3) if k and pd.notna(v) else "–"
            for v, k in zip(rows["p_value"], ok, strict=True)
        ],  # fmt: skip
        units=[
            fmt_number(int(n), lang) if k else "–" for n, k in zip(rows["n_units"], ok, strict=True)
        ],  # fmt: skip
        flag=[
            t("impact_methods.no_overlap", lang, methods=", ".join(clashes[m]))
            if m in clashes
            else (reason if not k else "")
            for m, k, reason in zip(rows["method"], ok, rows["reason"], strict=True)
        ],
    )
    level_pct = round((1 - agreement.alpha) * 100)
    locale_table(
        frame,
        [
            ("name", t("effects_agreement.col.method", lang), "text"),
            ("shown", t("effects_agreement.col.estimate", lang), "text"),
            ("interval", t("impact.interval", lang, level=level_pct), "text"),
            ("how", t("effects_agreement.col.interval_method", lang), "text"),
            ("p", t("impact.p_value", lang), "text"),
            ("units", t("effects_agreement.col.n_units", lang), "text"),
            ("flag", t("impact_methods.col_flag", lang), "text"),
        ],
        lang,
        key="impact_agreement",
    )
    if agreement.disagree:
        st.warning(agreement.reading(lang))
    else:
        st.write(agreement.reading(lang))


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


def show_donor_weights(weights: pd.Series) -> None:
    """The synthetic control's donors with a weight, as a table and a bar chart."""
    places = data.municipalities(lang) if ran["level"] == "municipality" else data.regions(lang)
    used = weights[weights > WEIGHT_SHOWN].sort_values(ascending=False)
    donors = pd.DataFrame(
        {"code": used.index, "name": [places.get(c, c) for c in used.index], "weight": used}
    )
    st.subheader(t("app_locale.impact.donors", lang))
    share = fmt_percent(WEIGHT_SHOWN, lang, 1)
    caption = t(
        "app_locale.impact.donors_caption", lang, share=share, n=len(used), total=len(weights)
    )
    st.caption(caption)
    left, right = st.columns([2, 3])
    locale_table(
        donors,
        [
            ("name", t("app_locale.impact.donor", lang), "text"),
            ("code", t("app_locale.impact.donor_code", lang), "code"),
            ("weight", t("app_locale.impact.weight", lang), "pct"),
        ],
        lang,
        container=left,
        key="impact_donors",
    )
    bars = go.Figure(
        go.Bar(
            x=donors["weight"],
            y=donors["name"],
            orientation="h",
            customdata=[format_cell(w, "pct", lang) for w in donors["weight"]],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    bars.update_layout(
        xaxis={"tickformat": ".0%", "title": t("app_locale.impact.weight", lang)},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        height=max(240, 28 * len(donors) + 80),
        margin={"t": 10},
    )
    locale_chart(bars, lang, key="impact_donor_chart", filename=f"{stem}_donors", container=right)


# --------------------------------------------------------------------------------------------
# Charts (plotly only: the PNG comes from the chart's own toolbar, drawn by the browser)

# Files named after what they hold: the park (or all parks), the outcome, the method, the level.
stem = "_".join(
    ["effect", ran["park_id"] or "all_parks", effect.outcome.code, effect.method, ran["level"]]
)
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
    figure.update_layout(height=450)
    # The camera button of plotly's toolbar saves this very chart as PNG, in the browser.
    locale_chart(figure, lang, key="impact_chart", filename=stem)
    st.caption(t("impact.png_hint", lang))
if effect.method == "twfe" and effect.event_study is None:
    st.caption(t("app_locale.impact.twfe_no_events", lang))

if effect.synthetic is not None:
    show_donor_weights(effect.synthetic.weights)

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
        height=500,
    )
    locale_chart(heatmap, lang, key="impact_heatmap", filename=f"{stem}_group_time")

# --------------------------------------------------------------------------------------------
# Diagnostics

st.subheader(t("impact.diagnostics", lang))
facts = pd.DataFrame(
    [(t(f"impact.{fact.name}", lang), fact_text(fact)) for fact in effect.facts()],
    columns=["fact", "value"],
)
locale_table(
    facts,
    [("fact", t("impact.fact", lang), "text"), ("value", t("impact.value", lang), "text")],
    lang,
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
# Every method side by side (analytics.effects.agreement decides the table, the flags and the
# sentence on why methods differ; the page shows them)


def agreement_params() -> dict:
    """The estimate's choices as the agreement table reads them: the park (one-park methods)
    decides whether one park's table or every park's is meant."""
    return {**ran, "method": ran["method"] if ran["park_id"] else "cs"}


def ask_agreement() -> None:
    st.session_state["impact_agreement"] = agreement_params()


st.subheader(t("impact_methods.agreement_title", lang))
st.caption(
    t("impact_methods.agreement_caption_park", lang, park=ran["park_id"])
    if ran["park_id"]
    else t("impact_methods.agreement_caption_all", lang)
)
st.button(t("impact_methods.agreement_run", lang), key="impact_agreement_run",
          on_click=ask_agreement)  # fmt: skip
if st.session_state.get("impact_agreement") == agreement_params():
    with st.spinner(t("impact_methods.agreement_running", lang)):
        try:
            agreement = impact_data.park_agreement(agreement_params())
        except UserError as exc:
            st.error(exc.message(lang))
            agreement = None
    if agreement is not None:
        show_agreement(agreement)

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
