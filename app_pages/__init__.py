"""The app's pages, one module each; the router (dashboard.py) shows those present."""

from pathlib import Path

# Pages in menu order: (file stem in app_pages/, icon); the first present is the home page,
# which Streamlit serves at "/" rather than at its own path. A page whose part of the product
# has not landed has no file yet and is simply not shown.
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
PAGES_DIR = Path(__file__).parent


def present_pages() -> list[tuple[str, str]]:
    return [(stem, icon) for stem, icon in PAGES if (PAGES_DIR / f"{stem}.py").exists()]


def page_path(stem: str) -> str:
    """The URL path of a page: "" for the home page, its stem otherwise."""
    return "" if present_pages()[0][0] == stem else stem
