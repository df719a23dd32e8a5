"""The report's charts as data (:class:`~analytics.reports.content.Chart`), and their PNG
drawn with matplotlib's Agg canvas for the DOCX (the PDF draws the same chart as vector
graphics, :mod:`analytics.reports.vector`; the XLSX as a native Excel chart).

Numbers on the axes are in the report's locale (no "50k": "50 000" in ru, "50,000" in en).
Plotly through kaleido was measured first (bench/bench_report.py history, this machine):
starting kaleido's Chromium takes about 3.6 s before the first image; matplotlib imports in
about 0.5 s and draws a chart in about 0.1 s, with DejaVu Sans (Cyrillic) built in. The app
keeps plotly for interactive charts.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pandas as pd

from analytics.i18n import fmt_number, fmt_percent, fmt_quarter, t
from analytics.quarter import Quarter
from analytics.reports.content import Chart, Panel
from analytics.reports.context import Context

DPI = 150
BAR_COLOUR, LINE_COLOUR, GUIDE_COLOUR = "#2b6cb0", "#c05621", "#718096"
PARK_PANELS: tuple[str, ...] = ("jobs_total", "investment_cumulative", "occupancy_rate")


# ---------------------------------------------------------------------------------------
# Axes: nice ticks and their labels in the locale (shared with the vector drawing)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About ``count`` round tick values (1, 2, 2.5 or 5 times a power of ten) from at most
    ``low`` (0 when all values are positive) to at least ``high``."""
    low, high = min(0.0, low), max(0.0, high)
    if high - low <= 0:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [k * step for k in range(first, last + 1)]


def tick_label(value: float, step: float, lang: str, percent: bool = False) -> str:
    """A tick in the locale with as many decimals as the step needs (percent: of 0-100)."""
    decimals = (
        0 if float(step).is_integer() else min(3, max(1, -math.floor(math.log10(step % 1 or step))))
    )
    if percent:
        return fmt_percent(value / 100, lang, decimals)
    return fmt_number(value, lang, decimals)


def quarter_ticks(quarters, lang: str) -> tuple[str, ...]:
    """Short quarter labels for a narrow axis: "II" / "Q2", with the year under the first
    tick and under each first quarter."""
    labels = []
    for i, value in enumerate(quarters):
        q = Quarter.of(pd.Timestamp(value).date())
        short = q.text(lang).split()[0]  # the quarter's own label without the year: II, Q2
        labels.append(f"{short}\n{q.year}" if i == 0 or q.q == 1 else short)
    return tuple(labels)


def _values(series: pd.Series, percent: bool = False) -> tuple[float, ...]:
    scale = 100.0 if percent else 1.0
    return tuple(float(v) * scale if pd.notna(v) else float("nan") for v in series)


# ---------------------------------------------------------------------------------------
# The charts as data


def park_panels(history: pd.DataFrame, ctx: Context, quarter: dt.date) -> Chart:
    """A park's jobs, cumulative investment and occupancy over its eight quarters, side by
    side (a quarter without a report is a gap)."""
    quarters = [fmt_quarter(pd.Timestamp(q).date(), ctx.lang) for q in history["quarter"]]
    ticks = quarter_ticks(history["quarter"], ctx.lang)
    panels = tuple(
        Panel(
            ctx.header(code),
            tuple(quarters),
            _values(history[code], percent=code == "occupancy_rate"),
            "bar" if code == "jobs_total" else "line",
            ticks=ticks,
            percent=code == "occupancy_rate",
        )
        for code in PARK_PANELS
    )
    data = history[["quarter", *PARK_PANELS]]
    return Chart("park_panels", ctx.t("brief.profile.history"), panels, data, "line", height_cm=4.3)


def _bars(
    key: str, title: str, names: pd.Series, values: pd.Series, ctx: Context, code: str, **style
) -> Chart:
    frame = pd.DataFrame({"name": names.to_numpy(), code: values.to_numpy()}).dropna()
    frame = frame.sort_values(code, kind="stable").reset_index(drop=True)
    percent = style.get("percent", False)
    panel = Panel(
        title, tuple(frame["name"].astype(str)), _values(frame[code], percent), "hbar", **style
    )
    return Chart(
        key,
        title,
        (panel,),
        frame,
        "bar",
        headers=(t("report.col.park", ctx.lang), ctx.header(code)),
        kinds=("text", "pct" if percent else "num2"),
        axis_title=ctx.header(code),
        sheet=t(f"brief.sheet.chart_{key}", ctx.lang),
        # a bar per park, up to a landscape page's height (all regions: thinner bars)
        height_cm=min(15.0, max(5.0, 0.55 * len(frame) + 1.8)),
    )


def quarter_charts(review, history: pd.DataFrame, ctx: Context) -> list[Chart]:
    """The annex charts: occupancy and budget efficiency by park this quarter, and jobs at
    residents over recent quarters (sum over the parks that reported each quarter)."""
    lang = ctx.lang
    names = review.parks.set_index("park_id")["name"]
    now = review.kpis.assign(name=review.kpis["park_id"].map(names))
    title = f"{ctx.header('occupancy_rate')}, {fmt_quarter(review.quarter, lang)}"
    occupancy = _bars(
        "occupancy", title, now["name"], now["occupancy_rate"], ctx, "occupancy_rate", percent=True
    )
    title = t("report.chart.efficiency", lang, name=ctx.name("budget_efficiency"))
    efficiency = _bars(
        "efficiency",
        title,
        now["name"],
        now["budget_efficiency"],
        ctx,
        "budget_efficiency",
        guide=1.0,
    )

    jobs = (
        history.groupby("quarter", as_index=False)
        .agg(jobs_total=("jobs_total", "sum"), parks=("park_id", "count"))
        .sort_values("quarter")
    )
    labels = tuple(fmt_quarter(pd.Timestamp(q).date(), lang) for q in jobs["quarter"])
    jobs.insert(0, "label", list(labels))
    title = t("report.chart.jobs", lang, name=ctx.header("jobs_total"))
    panel = Panel(
        title,
        labels,
        _values(jobs["jobs_total"]),
        "line",
        ticks=quarter_ticks(jobs["quarter"], lang),
    )
    headers = (
        t("report.col.quarter", lang),
        ctx.header("jobs_total"),
        t("report.col.parks_reporting", lang),
    )
    jobs_chart = Chart(
        "jobs", title, (panel,), jobs[["label", "jobs_total", "parks"]], "line",
        headers=headers, kinds=("text", "int", "int"), axis_title=ctx.header("jobs_total"),
        sheet=t("brief.sheet.chart_jobs", lang), height_cm=6.0,
    )  # fmt: skip
    return [occupancy, efficiency, jobs_chart]


# ---------------------------------------------------------------------------------------
# PNG (matplotlib), for the DOCX


def _draw_panel(ax, panel: Panel, lang: str) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    values = np.array(panel.values, dtype=float)
    x = np.arange(len(values))
    ticks_text = panel.ticks or panel.categories
    finite = values[np.isfinite(values)]
    top = 100.0 if panel.percent else (float(finite.max()) if len(finite) else 1.0)
    ticks = nice_ticks(float(finite.min()) if len(finite) else 0.0, max(top, panel.guide or 0.0))
    step = ticks[1] - ticks[0]
    if panel.style == "hbar":
        ax.barh(x, values, color=BAR_COLOUR)
        ax.set_yticks(x, ticks_text)
        ax.set_xlim(ticks[0], ticks[-1])
        axis = ax.xaxis
        if panel.guide is not None:
            ax.axvline(panel.guide, color=GUIDE_COLOUR, linestyle="--", linewidth=1)
    else:
        if panel.style == "bar":
            ax.bar(x, values, color=BAR_COLOUR, width=0.6)
        else:
            ax.plot(x, values, marker="o", markersize=3, color=LINE_COLOUR, linewidth=1.5)
        ax.set_xticks(x, ticks_text)
        ax.set_ylim(ticks[0], ticks[-1])
        axis = ax.yaxis
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _p: tick_label(v, step, lang, panel.percent)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=6.5)
    # a text, not set_title: the title's layout pass costs more than the whole panel
    import textwrap

    title = "\n".join(textwrap.wrap(panel.title, 38 if panel.style != "hbar" else 110)[:2])
    ax.text(0, 1.06, title, transform=ax.transAxes, fontsize=7.5, va="bottom")


def render_png(chart: Chart, lang: str) -> bytes:
    """The chart as a PNG at its document size (DPI dots per inch)."""
    from matplotlib.figure import Figure

    width, height = chart.width_cm / 2.54, chart.height_cm / 2.54
    fig = Figure(figsize=(width, height), dpi=DPI)
    axes = [fig.add_subplot(1, len(chart.panels), i + 1) for i in range(len(chart.panels))]
    for ax, panel in zip(axes, chart.panels, strict=True):
        _draw_panel(ax, panel, lang)
    left = 0.07
    if chart.panels[0].style == "hbar":  # room for the longest park name at 6.5 pt
        longest = max((len(c) for c in chart.panels[0].categories), default=10)
        left = min(0.45, 0.06 * longest / width + 0.03)
    fig.subplots_adjust(
        left=left, right=0.98, top=1 - 0.5 / height, bottom=0.45 / height + 0.05, wspace=0.3
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
