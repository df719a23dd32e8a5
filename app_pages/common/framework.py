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

Where the English is a tooltip or a screen reader's label that no style sheet can reach (the
toolbar over a table or chart: "Download as CSV", "Search", "Fullscreen"; a table's column
menu: "Sort ascending", "Pin column"), a small script of the router's finds it by its
English text (:data:`FRAMEWORK_WORDS`) and writes the catalogue's words in its place, in text
and in ``aria-label``/``title``, as the page changes; each text remembers its English, so a
switch of language on an open page rewrites them (back to English, too).

The style sheet also hides the column menu's "Statistics" (of a column's text) and lets
headline metrics wrap instead of cutting their label or value off with an
ellipsis. The rules target Streamlit's ``data-testid`` attributes (and the empty dropdown's
``data-empty``), so a Streamlit upgrade that renames them brings the English back: the browser
test (tests/browser/test_locale.py) opens each of them in ru and uk and fails on English.
"""

from __future__ import annotations

import json
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


# A table's column menu offers "Statistics" of the column's text (its numbers travel as
# locale text, format.locale_table): lengths of strings and English percentages, of no use
# to a reader. The entry is the menu's only one whose submenu pops up as a dialog.
NO_TEXT_STATISTICS = """
[data-testid="stDataFrameColumnMenu"] [role="menuitem"][aria-haspopup="true"] {
  display: none !important;
}
"""


def framework_css(lang: str) -> str:
    """The style sheet for ``lang`` (see the module docstring)."""
    css = WRAP_METRICS + NO_TEXT_STATISTICS
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


# Streamlit's English text -> catalogue key, for the words only a script can reach.
FRAMEWORK_WORDS = {
    "Download as CSV": "app_toolbar.download_csv",
    "Search": "app_toolbar.search",
    "Fullscreen": "app_toolbar.fullscreen",
    "Close fullscreen": "app_toolbar.close_fullscreen",
    "Show/hide columns": "app_toolbar.columns",
    "Clear selection": "app_toolbar.clear_selection",
    "Dataframe column menu": "app_toolbar.column_menu",
    "Copy column name": "app_toolbar.copy_column_name",
    "Sort ascending": "app_toolbar.sort_ascending",
    "Sort descending": "app_toolbar.sort_descending",
    "Statistics": "app_toolbar.statistics",
    "Format": "app_toolbar.format",
    "Autosize": "app_toolbar.autosize",
    "Pin column": "app_toolbar.pin_column",
    "Unpin column": "app_toolbar.unpin_column",
    "Hide column": "app_toolbar.hide_column",
    "Select all": "app_toolbar.select_all",
    "(index)": "app_toolbar.index",  # the show/hide list's name for the row numbers
    # labels a screen reader reads
    "Open": "app_toolbar.open",
    "Close": "app_toolbar.close",
    "Clear value": "app_toolbar.clear_value",
    "Clear all": "app_toolbar.clear_all",
    "Selected values": "app_toolbar.selected_values",
    "App pages": "app_toolbar.app_pages",
    "Sidebar": "app_toolbar.sidebar",
    "Expand sidebar": "app_toolbar.expand_sidebar",
    "Collapse sidebar": "app_toolbar.collapse_sidebar",
    "Link to heading": "app_toolbar.link_to_heading",
    "Main menu": "app_toolbar.main_menu",
    "Running...": "app_toolbar.running",
    "Stop script": "app_toolbar.stop_script",
    "Increment": "app_toolbar.increment",
    "Decrement": "app_toolbar.decrement",
    "Add files": "app_toolbar.add_files",
    "Map": "app_toolbar.map",  # the region map's (MapLibre's)
    "Toggle attribution": "app_toolbar.attribution",
}

# Rewrites a known text node, aria-label or title now and whenever the page adds or changes
# one: whole, or (a label) its part before ": ", where Streamlit appends the element's own
# label. Each rewritten text remembers its English, so a later run (another language) writes
# from the English again; the observer is installed once per browser tab.
_REWRITE = """(() => {
  window.__parksWords = WORDS;
  if (window.__parksRewrite) { window.__parksRewrite(document.body); return; }
  const seen = new WeakMap();  // node -> {name: [english, written]}
  const swap = (english, label) => {
    const words = window.__parksWords, whole = english.trim();
    if (Object.hasOwn(words, whole)) return english.replace(whole, words[whole]);
    const cut = label ? whole.indexOf(": ") : -1;
    if (cut > 0 && Object.hasOwn(words, whole.slice(0, cut)))
      return words[whole.slice(0, cut)] + whole.slice(cut);
    return null;
  };
  const fix = (node, name, value, write) => {
    const memory = seen.get(node) || {};
    const [english, written] = memory[name] || [];
    // React may have written a new text since: that is the English now
    const source = written !== undefined && value === written ? english : value;
    const done = swap(source, name !== "text");
    if (done === null) return;
    memory[name] = [source, done];
    seen.set(node, memory);
    if (done !== value) write(done);
  };
  const fixText = (node) => {
    if (node.nodeValue.trim())
      fix(node, "text", node.nodeValue, (done) => { node.nodeValue = done; });
  };
  const fixElement = (el) => {
    for (const name of ["aria-label", "title"]) {
      const value = el.getAttribute(name);
      if (value) fix(el, name, value, (done) => el.setAttribute(name, done));
    }
  };
  const rewrite = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixElement(root);
    root.querySelectorAll("[aria-label], [title]").forEach(fixElement);
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) fixText(node);
  };
  window.__parksRewrite = rewrite;
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "childList") change.addedNodes.forEach(rewrite);
      else if (change.type === "characterData") fixText(change.target);
      else fixElement(change.target);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["aria-label", "title"]});
  rewrite(document.body);
})();"""


def framework_words(lang: str) -> dict[str, str]:
    """Each English word of :data:`FRAMEWORK_WORDS` and its text in ``lang``."""
    return {english: t(key, lang) for english, key in FRAMEWORK_WORDS.items()}


def framework_script(lang: str) -> str:
    """The script that writes :func:`framework_words` into the page (see the module
    docstring)."""
    words = json.dumps(framework_words(lang), ensure_ascii=False).replace("</", "<\\/")
    return "<script>" + _REWRITE.replace("WORDS", words, 1) + "</script>"


def translate_framework(lang: str) -> None:
    """Apply :func:`framework_css` (a style sheet: it takes no room on the page) and
    :func:`framework_script` (our own catalogue's words, hence safe to run)."""
    st.html(f"<style>{framework_css(lang)}</style>")
    with st.sidebar:
        st.html(framework_script(lang), unsafe_allow_javascript=True)


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
