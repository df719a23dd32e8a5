"""The Streamlit app's router: language, the demo-data banner and navigation over app_pages/."""

import streamlit as st

from analytics.i18n import t
from app_pages import _auth, _shared, _start, present_pages

lang = _shared.language()
st.set_page_config(page_title=t("app.title", lang), page_icon="🏭", layout="wide")
pages = [
    st.Page(
        f"app_pages/{stem}.py",
        title=t(f"nav.{stem}", lang),
        icon=icon,
        url_path=stem,
        default=index == 0,
    )
    # a new or empty warehouse opens on "getting started" (app_pages/_start.py)
    for index, (stem, icon) in enumerate(_start.pages_in_order(present_pages()))
]
navigation = st.navigation(pages)
_shared.sidebar_language_switch(lang)
_shared.data_banner(lang)
# An editor's session is checked on every run of every page (and each run is activity):
# a removed, demoted or re-passworded account, or an idle one, ends at once.
_auth.current_user()
navigation.run()
