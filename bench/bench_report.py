"""Benchmark: the quarterly brief (PDF) for one region and quarter, ours vs a bare ReportLab
document.

Data: the demo warehouse (default seed), built once into a temporary folder (not timed). The
region is the demo region with the most parks; quarter 2025Q2.

Timed in the same run, each in a fresh Python process (cold: imports, fonts and the first
chart included, what a user waits for) and in-process after a warm-up (warm):

* ours: ``python -m analytics report --quarter 2025Q2 --region R --format pdf``: the brief
  on page 1 (KPI cards, findings, parks needing attention, public money and taxes), a
  profile page per park (registry, eight quarters as a chart and a table, targets,
  compliance, cost per job, reporting discipline), the annex (review, ranking,
  recommendations support, regional totals, compliance and passport forecasts, 3 charts),
  methods and sources; ~15 pages;
* peer "minimal reportlab/pandas baseline": the region's park_quarter rows for the quarter
  read with DuckDB into pandas, written as one ReportLab table (DejaVu embedded) with one
  matplotlib bar chart of occupied area; no KPIs, no review, no formatting by locale.

Prints the timings and the ratio ours / baseline, wall and CPU (other jobs on the machine's
two cores stretch the wall time, not the CPU time). Target: the brief in a fresh process
under 3 s; exit code 1 if it is slower.

    .venv/bin/python bench/bench_report.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUARTER = "2025Q2"
TARGET_SECONDS = 3.0

BASELINE = r"""
import io, sys
import duckdb
from matplotlib.figure import Figure
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table
from reportlab.lib.styles import getSampleStyleSheet

db, region, out, font = sys.argv[1:5]
pdfmetrics.registerFont(TTFont("DejaVuSans", font))
con = duckdb.connect(db, read_only=True)
frame = con.execute(
    "SELECT p.name_ru, q.* EXCLUDE (park_id, quarter, source_id, reported_on) "
    "FROM park_quarter q JOIN park p USING (park_id) "
    "WHERE p.region_code = ? AND q.quarter = DATE '2025-04-01' ORDER BY p.park_id",
    [region],
).df()
style = getSampleStyleSheet()["BodyText"]
style.fontName = "DejaVuSans"
fig = Figure(figsize=(9, 3.6), dpi=100)
ax = fig.add_subplot(1, 1, 1)
ax.barh(frame["name_ru"], frame["area_occupied_ha"].fillna(0))
png = io.BytesIO()
fig.savefig(png, format="png")
png.seek(0)
cols = list(frame.columns[:10])
rows = [cols] + frame[cols].astype(str).values.tolist()
table = Table(rows)
table.setStyle([("FONTNAME", (0, 0), (-1, -1), "DejaVuSans"), ("FONTSIZE", (0, 0), (-1, -1), 6)])
doc = SimpleDocTemplate(out, pagesize=landscape(A4))
doc.build([Paragraph("Индустриальные парки", style), table, Image(png, width=600, height=240)])
"""


def _timed_process(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process. CPU time is shown beside the wall
    time because a busy machine (other jobs on the 2 cores) stretches only the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _median_run(args: list[str], repeats: int) -> tuple[float, float]:
    runs = [_timed_process(args) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _pages(pdf: Path) -> int:
    """The page count, read from the PDF's page tree (no poppler needed)."""
    import re

    counts = re.findall(rb"/Count (\d+)", pdf.read_bytes())
    return max((int(c) for c in counts), default=0)


def _font() -> str:
    from analytics.reports.pdf import FONT, _font_dirs

    return next(str(d / f"{FONT}.ttf") for d in _font_dirs() if (d / f"{FONT}.ttf").exists())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from analytics.demo.load import write_demo
    from analytics.reports.document import build_report
    from analytics.reports.pdf import write_pdf
    from analytics.warehouse import connect

    folder = Path(tempfile.mkdtemp(prefix="bench_report_"))
    db = write_demo(folder / "warehouse.duckdb")
    with connect(db, read_only=True) as con:
        region = con.execute(
            "SELECT region_code FROM park GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        parks = con.execute("SELECT count(*) FROM park WHERE region_code = ?", [region]).fetchone()

    load = os.getloadavg()[0]
    ours_cmd = [sys.executable, "-m", "analytics", "report", "--quarter", QUARTER]
    ours_cmd += ["--region", region, "--format", "pdf", "--lang", "ru", "--db", str(db)]
    ours_cmd += ["-o", str(folder / "ours.pdf")]
    baseline_file = folder / "baseline.py"
    baseline_file.write_text(BASELINE, encoding="utf-8")
    peer_cmd = [sys.executable, str(baseline_file), str(db), region, str(folder / "peer.pdf")]
    peer_cmd.append(_font())

    ours_cold, ours_cpu = _median_run(ours_cmd, args.repeats)
    peer_cold, peer_cpu = _median_run(peer_cmd, args.repeats)

    warm = []
    with connect(db, read_only=True) as con:
        for i in range(args.repeats + 1):
            start = time.perf_counter()
            write_pdf(build_report(con, QUARTER, region, None, "ru"), folder / f"warm{i}.pdf")
            warm.append(time.perf_counter() - start)
    ours_warm = statistics.median(warm[1:])

    pages = _pages(folder / "ours.pdf")
    print(
        f"PDF brief, region {region} ({parks[0]} parks, {pages} pages), {QUARTER}; median of {args.repeats}"
    )
    print(f"  load average before the run: {load:.1f} on {os.cpu_count()} cores")
    print(f"  ours, the one-region brief in a fresh process:      {ours_cold:6.2f} s wall")
    print(f"      CPU {ours_cpu:.2f} s")
    print(f"  bare ReportLab document (one table, one chart):    {peer_cold:6.2f} s wall")
    print(f"      CPU {peer_cpu:.2f} s")
    print(
        f"  ratio ours / baseline, wall: {ours_cold / peer_cold:.2f}x; CPU: {ours_cpu / peer_cpu:.2f}x"
    )
    print(f"  ours, in-process after warm-up (build + write):     {ours_warm:6.2f} s")
    verdict = "OK" if ours_cold < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"  target < {TARGET_SECONDS:.0f} s (fresh process, wall): {verdict}")
    if load > (os.cpu_count() or 1):
        print(f"  (the machine was busy: load {load:.1f}; the CPU times are the fairer figure)")
    return 0 if ours_cold < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
