"""Streamlit's own words in the reader's language.

Where a widget takes its text as a parameter (a multiselect's placeholder, its "Select all"
entry) the helpers here pass a translated one. Where Streamlit writes English with no
parameter to change it, a style sheet of the router's (:func:`translate_framework`) hides the
English and draws the catalogue's words in its place:

* the "No results" of a select box or multiselect whose typed filter matches nothing;
* "Press Enter to apply" under a text or number input being edited;
* the file uploader's "Upload" button, its "50MB per file • CSV, ..." line (written with our
  own number format, :func:`file_uploader`) and the "Drag and drop" line shown while a file is
  dragged over it; the size of an uploaded file (English units, "12.3KB") is hidden (the
  page says what the file holds right below it).

It also lets headline metrics wrap instead of cutting their label or value off with an
ellipsis. The rules target Streamlit's ``data-testid`` attributes (and the empty dropdown's
``data-empty``), so a Streamlit upgrade that renames them brings the English back: the browser
test (tests/browser/test_locale.py) opens each of them in ru and uk and fails on English.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from analytics.i18n import fmt_number, t


def _css_text(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _replaced(selector: str, text: str, size: str = "inherit") -> str:
    """CSS that hides the text of ``selector`` and draws ``text`` instead (``size``: the
    font size of the replacement, the element's own being set to zero)."""
    return (
        f"{selector} {{ visibility: hidden; font-size: 0 !important; }}\n"
        f"{selector}::after {{ content: {_css_text(text)}; visibility: visible;"
        f" font-size: {size}; }}\n"
    )


# Headline metrics wrap rather than end in an ellipsis (labels carry the unit and quarter).
WRAP_METRICS = """
[data-testid="stMetricLabel"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] p,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] > div {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
"""


def framework_css(lang: str) -> str:
    """The style sheet for ``lang`` (see the module docstring)."""
    css = WRAP_METRICS
    if lang == "en":
        return css
    css += _replaced(
        '[role="listbox"][data-empty="true"] [role="option"] > span',
        t("app_locale.no_results", lang),
        "0.875rem",
    )
    css += _replaced(
        '[data-testid="InputInstructions"] > span', t("app_locale.press_enter", lang), "0.75rem"
    )
    css += _replaced(
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p',
        t("app_locale.upload.button", lang),
        "1rem",
    )
    # While a file is dragged over the drop zone Streamlit shows one line in place of the
    # button: a lone span in a plain div right inside the zone.
    css += _replaced(
        '[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span:only-child',
        t("app_locale.upload.drop", lang),
        "1rem",
    )
    css += '[data-testid="stFileChipName"] + div { display: none !important; }\n'
    # the "add icon" words a screen reader would read beside the add-file button's icon
    css += (
        '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-borderlessIcon"]'
        ' [data-has-shortcut] > span:not(:has([data-testid="stIconMaterial"]))'
        " { display: none !important; }\n"
    )
    return css


def translate_framework(lang: str) -> None:
    """Apply :func:`framework_css` (a style sheet only: it takes no room on the page)."""
    st.html(f"<style>{framework_css(lang)}</style>")


def multiselect(container: Any, label: str, options: list, lang: str, **kwargs: Any) -> list:
    """A multiselect used as a filter: nothing chosen means all, as its placeholder says; no
    English "Select all" entry (choosing nothing is "all")."""
    kwargs.setdefault("placeholder", t("app_locale.all", lang))
    return container.multiselect(label, options, select_all=False, **kwargs)


def file_uploader(
    container: Any, label: str, types: list[str], limit_mb: float, lang: str, *, key: str, **kwargs
):
    """``st.file_uploader`` whose size and type line is written in ``lang`` ("До 50 МБ на
    файл • CSV, XLSX"), replacing Streamlit's English one."""
    if lang != "en":
        line = t(
            "app_locale.upload.limit",
            lang,
            size=fmt_number(limit_mb, lang),
            types=", ".join(kind.upper() for kind in types),
        )
        selector = f'.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span'
        st.html(f"<style>{_replaced(selector, line, '0.875rem')}</style>")
    return container.file_uploader(label, type=types, key=key, **kwargs)
