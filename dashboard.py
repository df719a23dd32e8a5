"""The Streamlit app's router: language, the demo-data banner and navigation over app_pages/."""

from pathlib import Path

import streamlit as st

from analytics.i18n import t
from app_pages import _shared

# Pages in menu order: (file stem in app_pages/, icon); the first present is the home page.
# A page whose part of the product has not landed has no file yet and is simply not shown.
PAGES = (
    ("review", "🗓️"),
    ("overview", "📊"),
    ("parks", "🏭"),
    ("regions", "🗺️"),
    ("impact", "📈"),
    ("explore", "🔎"),
    ("data", "📥"),
    ("methods", "📚"),
)
PAGES_DIR = Path(__file__).with_name("app_pages")

lang = _shared.language()
st.set_page_config(page_title=t("app.title", lang), page_icon="🏭", layout="wide")
present = [(stem, icon) for stem, icon in PAGES if (PAGES_DIR / f"{stem}.py").exists()]
pages = [
    st.Page(
        f"app_pages/{stem}.py",
        title=t(f"nav.{stem}", lang),
        icon=icon,
        url_path=stem,
        default=index == 0,
    )
    for index, (stem, icon) in enumerate(present)
]
navigation = st.navigation(pages)
_shared.sidebar_language_switch(lang)
_shared.data_banner(lang)
navigation.run()
