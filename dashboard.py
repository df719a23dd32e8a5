"""The Streamlit app's router: language, the data's freshness, the demo-data banner and
navigation over app_pages/."""

import streamlit as st

from analytics.i18n import t
from app_pages import PAGES, _auth, _start
from app_pages.common import data, framework, state

lang = state.language()
st.set_page_config(page_title=t("app.title", lang), page_icon="🏭", layout="wide")
framework.translate_framework(lang)  # Streamlit's own words in the language
# The run's queries share one read-only connection, closed when the run ends, so commands and
# notebooks can use the warehouse between runs; a page that must wait for a writer says for whom.
with data.page_run(lang):
    data.watch_data()  # once per run, before any page reads data
    pages = [
        st.Page(
            f"app_pages/{stem}.py",
            title=t(f"nav.{stem}", lang),
            icon=icon,
            url_path=stem,
            default=index == 0,
        )
        # a new or empty warehouse opens on "getting started" (app_pages/_start.py)
        for index, (stem, icon) in enumerate(_start.pages_in_order(list(PAGES)))
    ]
    navigation = st.navigation(pages)
    state.sidebar_language_switch(lang)
    data.simulated_banner(lang)
    # An editor's session is checked on every run of every page (and each run is activity):
    # a removed, demoted or re-passworded account, or an idle one, ends at once.
    _auth.current_user()
    navigation.run()
