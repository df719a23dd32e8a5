"""Methods and sources: what each estimator assumes and when to distrust it, where every
loaded batch and every validation data set comes from, and how each KPI is defined."""

import pandas as pd
import streamlit as st

from analytics.i18n import t
from app_pages.common import data, state
from app_pages.common.format import locale_table
from app_pages.common.monitoring import rule_lines

# Estimators and diagnostics in the order an analyst meets them on the Impact page.
METHODS = ("twfe", "cs", "sunab", "synth", "pretrend", "relative_magnitudes")
ASPECTS = ("idea", "assumes", "distrust")
# Statutory monitoring and policy KPIs (analytics/policy): each heading with the method text
# the park card, review and regions pages show beside their figures.
MONITORING = (
    ("methods.monitoring.plan", "methods.monitoring.plan_text"),
    ("methods.monitoring.cost", "policy.cost.method"),
    ("methods.monitoring.net_jobs", "policy.net_jobs.method"),
    ("methods.monitoring.peers", "policy.peer.method"),
    ("methods.monitoring.growth", "policy_app.growth.method"),
    ("methods.monitoring.rings", "policy.rings.method"),
)

lang = state.language()
data.require_database(lang)

st.title(t("methods.title", lang))
st.caption(t("methods.caption", lang))

methods_tab, monitoring_tab, sources_tab, kpi_tab = st.tabs(
    [
        t("methods.tab_methods", lang),
        t("methods.tab_monitoring", lang),
        t("methods.tab_sources", lang),
        t("methods.tab_kpis", lang),
    ]
)

with methods_tab:
    for method in METHODS:
        st.subheader(t(f"methods.{method}.name", lang))
        for aspect in ASPECTS:
            st.markdown(
                f"**{t(f'methods.{aspect}', lang)}** {t(f'methods.{method}.{aspect}', lang)}"
            )
        st.caption(t(f"methods.{method}.references", lang))

with monitoring_tab:
    st.subheader(t("methods.monitoring.compliance", lang))
    st.markdown(t("methods.monitoring.compliance_text", lang))
    st.markdown("\n".join(f"- {line}" for line in rule_lines(lang)))
    for heading, text in MONITORING:
        st.subheader(t(heading, lang))
        st.markdown(t(text, lang))

with sources_tab:
    st.subheader(t("methods.loaded_sources", lang))
    st.caption(t("methods.loaded_sources_caption", lang))
    batches = data.sources()
    locale_table(
        batches.assign(
            url_text=batches["url"].fillna("–"),
            licence_text=batches["licence"].fillna("–"),
            simulated_text=batches["simulated"].map(
                lambda s: t("data.yes", lang) if s else t("data.no", lang)
            ),
        ),
        [
            ("source_id", t("methods.col_source", lang), "code"),
            ("title", t("methods.col_title", lang), "text"),
            ("producer", t("methods.col_producer", lang), "text"),
            ("published", t("methods.col_published", lang), "date"),
            ("url_text", t("methods.col_url", lang), "text"),
            ("licence_text", t("methods.col_licence", lang), "text"),
            ("simulated_text", t("methods.col_simulated", lang), "text"),
        ],
        lang,
        key="methods_sources",
    )
    st.subheader(t("methods.reference_data", lang))
    st.caption(t("methods.reference_data_caption", lang))
    reference = data.reference_sources()
    st.dataframe(
        pd.DataFrame(
            {
                t("methods.col_title", lang): [r["title"] for r in reference],
                t("methods.col_purpose", lang): [r["purpose"][lang] for r in reference],
                t("methods.col_producer", lang): [r["producer"] for r in reference],
                t("methods.col_copy", lang): [r["copy"] for r in reference],
                t("methods.col_url", lang): [r["url"] for r in reference],
                t("methods.col_licence", lang): [r["licence"] for r in reference],
            }
        ),
        hide_index=True,
        key="methods_reference_data",
    )

with kpi_tab:
    st.caption(t("methods.kpis_caption", lang))
    for level in ("park", "region"):
        st.subheader(t(f"methods.kpis_{level}", lang))
        catalogue = data.indicators(level)
        st.dataframe(
            pd.DataFrame(
                {
                    t("methods.col_indicator", lang): catalogue[f"name_{lang}"],
                    t("methods.col_unit", lang): catalogue["unit"].map(
                        lambda u: data.unit_text(u, lang)
                    ),
                    t("methods.col_formula", lang): catalogue[f"formula_{lang}"].fillna(
                        t("methods.reported", lang)
                    ),
                    t("methods.col_direction", lang): catalogue["direction"].map(
                        lambda d: t(f"methods.direction_{d}", lang)
                    ),
                    t("methods.col_frequency", lang): catalogue["frequency"].map(
                        lambda f: t(f"methods.frequency_{f}", lang)
                    ),
                    t("methods.col_description", lang): catalogue[f"description_{lang}"],
                    t("methods.col_indicator_source", lang): catalogue[f"source_{lang}"].fillna(""),
                    t("methods.col_code", lang): catalogue["code"],
                }
            ),
            hide_index=True,
            key=f"methods_kpis_{level}",
        )
