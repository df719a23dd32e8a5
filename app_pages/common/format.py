"""Charts in the reader's locale. Tables and single values go through the one cell formatter
the reports use too (``analytics.i18n.cells``: ``format_cell``, ``display_frame``)."""

from __future__ import annotations


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language."""
    return ".," if lang == "en" else ", "


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
