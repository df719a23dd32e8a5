"""Tables and charts in the reader's locale: the pages' one seam for showing numbers.

Values are put into words by the one cell formatter the reports use too
(``analytics.i18n.cells.format_cell``); this module decides how a browser table and a plotly
chart carry them.

* :func:`locale_table` shows a frame as ``st.dataframe`` with every number written for the
  locale ("592 403,3", "0,28 %"). The table grid reads a cell's text for screen readers, copy
  and its CSV download, and sorts on it, so numbers travel as their locale text, padded on the
  left to one width with figure spaces: a text comparison then orders them as numbers
  (non-negative ones; a column of mixed signs keeps the page's order until re-sorted). Dates
  and quarters travel as ISO text, which sorts in time, and show their locale text.
* :func:`locale_chart` draws a plotly figure with the locale's separators, full numbers on
  its axes and colour bars (never "50k"), its toolbar in the language and its PNG named for
  what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from analytics.i18n import fmt_date, fmt_percent, fmt_quarter, t
from analytics.i18n.cells import format_cell, is_missing

# Figure space: as wide as a digit and ordered before digits and signs by the browser's
# collation. The word joiner in front is invisible and ignored by collation, and keeps the
# grid from reading a short count ("851") as a number while "1 639" stays text: the two
# would not compare consistently.
PAD = "\u2007"
GUARD = "\u2060"
# Kinds whose values keep their type (they sort in time) and are shown as text.
ORDERED_KINDS = ("date", "datetime", "quarter")
NUMERIC_KINDS = ("int", "num1", "num2", "pct", "pct2", "signed", "pct_change", "year")
TableColumn = tuple[str, str, str]  # (frame column, header, kind)


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language (a no-break space groups
    digits in ru/uk, as Babel writes them)."""
    return ".," if lang == "en" else ",\u00a0"


# ---------------------------------------------------------------------------------------
# Tables


def cell_text(value: Any, kind: str, lang: str) -> str:
    """A value as the table shows it: ``format_cell``'s kinds, and "pct2" (a share with two
    decimals: parks' shares of a region are fractions of a percent), "quarter" and
    "datetime" (a date and its clock time as stored)."""
    if kind in ("pct2", "quarter", "datetime") and is_missing(value):
        return "–"
    if kind == "pct2":
        return fmt_percent(float(value), lang, 2)
    if kind == "quarter":
        return fmt_quarter(pd.Timestamp(value).date(), lang)
    if kind == "datetime":
        moment = pd.Timestamp(value)
        return f"{fmt_date(moment.date(), lang)} {moment:%H:%M}"
    return format_cell(value, kind, lang)


def sortable(texts: list[str]) -> list[str]:
    """Number texts of one column padded to one width, so that they sort as numbers."""
    width = max((len(text) for text in texts), default=0)
    return [GUARD + text.rjust(width, PAD) for text in texts]


def plain(text: str) -> str:
    """A table cell's text without the padding :func:`sortable` adds (for tests and reuse)."""
    return text.replace(GUARD, "").strip(PAD)


def _ordered(values: pd.Series, kind: str) -> list[str]:
    """Dates and quarters (by their first day) as ISO text, which sorts in time; a missing
    one as an empty text (a missing date cell would read "None")."""
    days = pd.to_datetime(values, errors="coerce")
    pattern = "%Y-%m-%d %H:%M" if kind == "datetime" else "%Y-%m-%d"
    return ["" if pd.isna(day) else day.strftime(pattern) for day in days]


def _ordered_text(key: str, kind: str, lang: str) -> str:
    return "–" if key == "" else cell_text(pd.Timestamp(key), kind, lang)


def table_frame(
    frame: pd.DataFrame, columns: Iterable[TableColumn], lang: str
) -> tuple[pd.DataFrame, dict[str, Callable[[Any], str]], list[str]]:
    """The shown frame (headers as column names), the text of its ordered columns (by
    header) and the headers of its numeric columns."""
    shown: dict[str, Any] = {}
    formatters: dict[str, Callable[[Any], str]] = {}
    numeric: list[str] = []
    for column, header, kind in columns:
        values = frame[column]
        if kind in ORDERED_KINDS:
            shown[header] = _ordered(values, kind)
            formatters[header] = lambda key, kind=kind: _ordered_text(key, kind, lang)
            continue
        texts = [cell_text(v, kind, lang) for v in values]
        if kind in NUMERIC_KINDS:
            texts = sortable(texts)
            numeric.append(header)
        shown[header] = texts
    return pd.DataFrame(shown, index=range(len(frame))), formatters, numeric


def locale_table(
    frame: pd.DataFrame,
    columns: Iterable[TableColumn],
    lang: str,
    *,
    container: Any = None,
    column_config: dict | None = None,
    **kwargs: Any,
):
    """``st.dataframe`` of ``frame``'s ``columns`` ((column, header, kind) triples; kinds of
    :func:`cell_text`) in the reader's locale, without the index. Text cells are neutralised
    against spreadsheet formulas (``format_cell``), numbers right-aligned."""
    shown, formatters, numeric = table_frame(frame, columns, lang)
    config = {header: st.column_config.TextColumn(alignment="right") for header in numeric}
    config.update(column_config or {})
    data = shown.style.format(formatters) if formatters else shown
    target = container if container is not None else st
    return target.dataframe(data, hide_index=True, column_config=config, **kwargs)


# ---------------------------------------------------------------------------------------
# Charts

# Plotly's own words (its toolbar and tips), translated by the catalogue: English source
# text -> key. Plotly takes them as a locale dictionary in the chart's config.
PLOTLY_WORDS = {
    "Download plot as a PNG": "app_locale.plotly.download_png",
    "Download plot": "app_locale.plotly.download",
    "Zoom": "app_locale.plotly.zoom",
    "Pan": "app_locale.plotly.pan",
    "Box Select": "app_locale.plotly.box_select",
    "Lasso Select": "app_locale.plotly.lasso_select",
    "Zoom in": "app_locale.plotly.zoom_in",
    "Zoom out": "app_locale.plotly.zoom_out",
    "Autoscale": "app_locale.plotly.autoscale",
    "Reset axes": "app_locale.plotly.reset_axes",
    "Reset view": "app_locale.plotly.reset_view",
    "Reset views": "app_locale.plotly.reset_view",
    "Toggle Spike Lines": "app_locale.plotly.spikes",
    "Show closest data on hover": "app_locale.plotly.hover_closest",
    "Compare data on hover": "app_locale.plotly.hover_compare",
    "Double-click to zoom back out": "app_locale.plotly.double_click_zoom",
    "Double-click on legend to isolate one trace": "app_locale.plotly.double_click_legend",
    "Taking snapshot - this may take a few seconds": "app_locale.plotly.snapshot_taking",
    "Snapshot succeeded": "app_locale.plotly.snapshot_done",
    "Sorry, there was a problem downloading your snapshot!": "app_locale.plotly.snapshot_failed",
}
# Axis types whose ticks are not numbers.
NOT_NUMERIC_AXES = ("category", "multicategory", "date")


def chart_config(lang: str, filename: str | None = None) -> dict:
    """Plotly's config for a chart in ``lang``: its toolbar's words, no plotly logo, and the
    PNG export (drawn by the browser from this very figure, so with its separators) named
    ``filename``."""
    config: dict[str, Any] = {"displaylogo": False}
    if lang != "en":
        words = {source: t(key, lang) for source, key in PLOTLY_WORDS.items()}
        config["locale"] = lang
        config["locales"] = {lang: {"dictionary": words}}
    if filename:
        config["toImageButtonOptions"] = {"format": "png", "filename": filename, "scale": 2}
    return config


def _numeric_ticks(axis) -> None:
    if axis.type not in NOT_NUMERIC_AXES and axis.tickformat is None:
        axis.tickformat = ","  # every digit, grouped: "50 000", not plotly's "50k"


def localise_figure(figure, lang: str) -> None:
    """The locale's separators, and full grouped numbers on every numeric axis and colour
    bar that has no format of its own (quarters are category axes: the pages label them)."""
    figure.update_layout(separators=plotly_separators(lang))
    figure.for_each_xaxis(_numeric_ticks)
    figure.for_each_yaxis(_numeric_ticks)
    for axis in figure.select_coloraxes():
        if axis.colorbar.tickformat is None:
            axis.colorbar.tickformat = ","
    for trace in figure.data:
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None and colorbar.tickformat is None:
            colorbar.tickformat = ","


def locale_chart(
    figure, lang: str, *, key: str, filename: str | None = None, container: Any = None, **kwargs
):
    """``st.plotly_chart`` of ``figure`` in the reader's locale (see :func:`localise_figure`
    and :func:`chart_config`)."""
    localise_figure(figure, lang)
    config = {**chart_config(lang, filename), **kwargs.pop("config", {})}
    target = container if container is not None else st
    return target.plotly_chart(figure, key=key, config=config, **kwargs)


def quarter_axis_layout(figure, lang: str, title: str, unit_code: str, **layout) -> None:
    """A chart over quarters labelled in the language: category x axis, the indicator and its
    unit on the y axis, shares as percentages."""
    figure.update_layout(
        separators=plotly_separators(lang),
        yaxis_title=title,
        xaxis={"type": "category"},
        margin={"t": 10},
        **layout,
    )
    if unit_code == "share":
        figure.update_yaxes(tickformat=".0%")
