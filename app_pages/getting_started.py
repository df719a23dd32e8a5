"""Getting started: what to load and in which order, the templates, what is loaded so far.
Opens first on a new or empty warehouse (app_pages/_start.py) instead of an error page."""

import streamlit as st

from analytics.i18n import fmt_number, t
from app_pages import _start
from app_pages.common import data
from app_pages.common.state import language

lang = language()
st.title(t("start.title", lang))
st.caption(t("start.caption", lang))

state = _start.state()
if state is None:
    data.require_server(lang)
    st.info(t("start.no_warehouse", lang))
    st.code("python -m analytics init --country UA\npython -m analytics init --country RU")
    st.stop()
if state.country:
    st.write(t("start.country", lang, country=state.country))
if state.ready:
    st.success(t("start.ready", lang))
elif state.next_step is not None:
    st.info(t("start.next", lang, step=t(f"start.step.{state.next_step.step}", lang)))

for step in state.steps:
    with st.container(border=True):
        left, right = st.columns([3, 2])
        mark = "✅" if step.done else "⬜"
        left.markdown(f"{mark} **{t(f'start.step.{step.step}', lang)}**")
        status = (
            t("start.loaded", lang, n=fmt_number(step.rows, lang))
            if step.done
            else t("start.missing", lang)
        )
        if not step.required:
            status += f" · {t('start.optional', lang)}"
        left.caption(status)
        for column, suffix in zip(right.columns(2), (".xlsx", ".csv"), strict=True):
            column.download_button(
                t("start.template", lang, format=suffix[1:].upper()),
                data=data.template_file(step.kind, lang, suffix),
                file_name=f"{step.kind}_{lang}{suffix}",
                key=f"start_{step.kind}{suffix}",
            )
        left.caption(t("start.command", lang))
        left.code(
            f"python -m analytics template --kind {step.kind} --lang {lang} -o {step.kind}.xlsx\n"
            f"python -m analytics import {step.kind}.xlsx",
            language="bash",
        )
