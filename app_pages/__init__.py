"""The app's pages, one module each (the shared modules live in ``app_pages.common``)."""

# Pages in menu order: (file stem in app_pages/, icon). The first is the home page, which
# Streamlit serves at "/" rather than at its own path.
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


def page_path(stem: str) -> str:
    """The URL path of a page: "" for the home page, its stem otherwise."""
    return "" if PAGES[0][0] == stem else stem
