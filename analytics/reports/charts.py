"""Report charts as PNG images, drawn with matplotlib's Agg canvas.

Plotly through kaleido was measured first (bench/bench_report.py history, this machine):
starting kaleido's Chromium takes about 3.6 s before the first image, then about 0.2 s per
image, which alone would break the 5 s budget of a report; matplotlib imports in about 0.5 s
and draws a chart in about 0.07 s, with DejaVu Sans (Cyrillic) built in. The app keeps
plotly for interactive charts; reports use these static images.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from analytics.i18n import fmt_quarter, t
from analytics.reports.content import Chart

WIDTH_IN, HEIGHT_IN, DPI = 9.0, 3.6, 100
BAR_COLOUR, LINE_COLOUR, GUIDE_COLOUR = "#2b6cb0", "#c05621", "#718096"


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _png(fig, left: float = 0.08) -> bytes:
    """PNG bytes. Fixed margins instead of tight_layout, which draws the figure twice."""
    buffer = io.BytesIO()
    fig.subplots_adjust(left=left, right=0.97, top=0.88, bottom=0.14)
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def bar_chart(labels, values, title: str, guide: float | None = None, percent=False) -> bytes:
    """Horizontal bars, one per label (missing values are left out of the picture)."""
    fig, ax = _figure()
    frame = pd.DataFrame({"label": labels, "value": values}).dropna()
    frame = frame.sort_values("value")
    scale = 100.0 if percent else 1.0
    ax.barh(frame["label"].astype(str), frame["value"] * scale, color=BAR_COLOUR)
    if guide is not None:
        ax.axvline(guide * scale, color=GUIDE_COLOUR, linestyle="--", linewidth=1)
    ax.set_title(title, fontsize=10)
    if len(frame) > 14:
        ax.tick_params(axis="y", labelsize=6)
    fig.set_size_inches(WIDTH_IN, max(HEIGHT_IN, 0.22 * len(frame) + 1.0))
    # room for the longest park name at 8 pt (about 0.075 in per character)
    longest = max((len(str(x)) for x in frame["label"]), default=10)
    return _png(fig, left=min(0.5, 0.075 * longest / WIDTH_IN + 0.03))


def line_chart(labels, values, title: str) -> bytes:
    fig, ax = _figure()
    ax.plot(list(labels), list(values), marker="o", color=LINE_COLOUR)
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    return _png(fig)


def quarter_charts(review, history: pd.DataFrame, name: Callable[[str], str], lang: str):
    """The report's charts: occupancy and budget efficiency by park this quarter, and jobs
    at residents over recent quarters (sum over the parks that reported each quarter)."""
    names = review.parks.set_index("park_id")["name"]
    now = review.kpis.assign(name=review.kpis["park_id"].map(names))
    out = []
    occupancy = now[["name", "occupancy_rate"]].rename(columns={"name": "park"})
    title = f"{name('occupancy_rate')}, {fmt_quarter(review.quarter, lang)}, %"
    png = bar_chart(occupancy["park"], occupancy["occupancy_rate"], title, percent=True)
    out.append(Chart("occupancy", title, png, occupancy, "bar"))

    efficiency = now[["name", "budget_efficiency"]].rename(columns={"name": "park"})
    title = t("report.chart.efficiency", lang, name=name("budget_efficiency"))
    png = bar_chart(efficiency["park"], efficiency["budget_efficiency"], title, guide=1.0)
    out.append(Chart("efficiency", title, png, efficiency, "bar"))

    jobs = (
        history.groupby("quarter", as_index=False)
        .agg(jobs_total=("jobs_total", "sum"), parks=("park_id", "count"))
        .sort_values("quarter")
    )
    jobs.insert(0, "label", [fmt_quarter(pd.Timestamp(q).date(), lang) for q in jobs["quarter"]])
    title = t("report.chart.jobs", lang, name=name("jobs_total"))
    png = line_chart(jobs["label"], jobs["jobs_total"], title)
    out.append(Chart("jobs", title, png, jobs[["label", "jobs_total", "parks"]], "line"))
    return out
