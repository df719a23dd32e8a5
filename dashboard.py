"""The Streamlit app's router: language, the demo-data banner and navigation over app_pages/."""

import streamlit as st

from analytics.i18n import t
from app_pages import _shared

st.set_page_config(page_title="Parks impact", page_icon="🏭", layout="wide")

lang = _shared.language()
pages = [
    st.Page(
        "app_pages/overview.py",
        title=t("nav.overview", lang),
        icon="📊",
        url_path="overview",
        default=True,
    ),
]
navigation = st.navigation(pages)
_shared.sidebar_language_switch(lang)
_shared.data_banner(lang)
navigation.run()
