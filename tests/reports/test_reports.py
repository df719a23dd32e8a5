"""Reports in every format and language from a hand-made warehouse: PDF text (pdftotext),
DOCX tables (python-docx), XLSX typed cells (openpyxl), and one PDF page as a PNG artifact."""

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from analytics.reports.commands import write_report
from analytics.reports.document import build_report
from analytics.warehouse import connect
from tests.kpi.test_review import warehouse  # noqa: F401  (module-scoped fixture)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLES = {
    "ru": "Индустриальные парки: квартальный отчёт",
    "uk": "Індустріальні парки: квартальний звіт",
    "en": "Industrial parks: quarterly report",
}
# Park F's occupancy: 1 ha occupied of 10 ha leasable = 10 % (formatted per locale).
OCCUPANCY_F = {"ru": "10,0\xa0%", "uk": "10,0%", "en": "10.0%"}  # CLDR: uk has no space
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


@pytest.fixture(scope="module")
def documents(warehouse, tmp_path_factory):  # noqa: F811
    """Every format x language, written once for the module."""
    out = tmp_path_factory.mktemp("reports")
    written = {}
    with connect(warehouse, read_only=True) as con:
        for lang in ("ru", "uk", "en"):
            content = build_report(con, "2024Q4", region="R1", lang=lang)
            for fmt in ("pdf", "docx", "xlsx"):
                path = out / f"report_{lang}.{fmt}"
                write_report(content, fmt, path)
                written[lang, fmt] = (content, path)
    return written


def _pdf_text(path: Path) -> str:
    proc = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@needs_poppler
@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_pdf_has_the_title_a_kpi_value_and_the_demo_notice(documents, lang):
    _, path = documents[lang, "pdf"]
    text = _pdf_text(path)
    assert TITLES[lang] in text
    assert OCCUPANCY_F[lang].replace("\xa0", " ") in text.replace("\xa0", " ")
    assert "Park F" in text or "Парк F" in text
    notice = {"ru": "Демонстрационные данные", "uk": "Демонстраційні дані", "en": "Demo data"}
    assert notice[lang] in text


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_docx_opens_and_has_the_tables(documents, lang):
    content, path = documents[lang, "docx"]
    document = Document(str(path))
    assert len(document.tables) == len(content.tables())
    kpi_index = [t.key for t in content.tables()].index("kpis")
    kpi_table = document.tables[kpi_index]
    assert kpi_table.rows[0].cells[0].text == content.tables()[kpi_index].headers[0]
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in kpi_table.rows[1:]}
    assert OCCUPANCY_F[lang] in rows[("Park F" if lang == "en" else "Парк F")]
    assert TITLES[lang] in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == len(content.charts())


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_xlsx_numbers_are_typed_cells_with_formats(documents, lang):
    content, path = documents[lang, "xlsx"]
    book = openpyxl.load_workbook(path)
    kpi_table = next(t for t in content.tables() if t.key == "kpis")
    sheet = book[kpi_table.sheet]
    headers = [c.value for c in sheet[3]]
    assert headers == list(kpi_table.headers)
    occupancy_col = list(kpi_table.frame.columns).index("occupancy_rate") + 1
    jobs_col = list(kpi_table.frame.columns).index("jobs_total") + 1
    by_name = {sheet.cell(r, 1).value: r for r in range(4, sheet.max_row + 1)}
    row = by_name["Park F" if lang == "en" else "Парк F"]
    occupancy = sheet.cell(row, occupancy_col)
    assert occupancy.data_type == "n" and occupancy.value == pytest.approx(0.1)
    assert occupancy.number_format == "0.0%"
    jobs = sheet.cell(by_name["Park A" if lang == "en" else "Парк A"], jobs_col)
    assert jobs.value == 120 and jobs.number_format == "#,##0"
    # charts travel as native charts over a data sheet
    drawn = [c for c in content.charts() if c.sheet and len(c.data)]  # empty: a sheet, no chart
    assert sum(len(ws._charts) for ws in book.worksheets) == len(drawn)


@needs_poppler
def test_report_command_and_a_page_rendered_for_a_person(warehouse, tmp_path):  # noqa: F811
    pdf = tmp_path / "report.pdf"
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "report", "--quarter", "2024Q4", "--region", "R1"]
        + ["--format", "pdf", "--lang", "ru", "-o", str(pdf), "--db", str(warehouse)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert TITLES["ru"] in _pdf_text(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "2", "-l", "2", str(pdf), str(ARTIFACTS / "report")],
        check=True,
    )
    assert list(ARTIFACTS.glob("report*.png"))


def test_one_park_scorecard_and_bad_input(warehouse, tmp_path):  # noqa: F811
    from analytics.errors import UserError

    with connect(warehouse, read_only=True) as con:
        content = build_report(con, "2024Q4", park="B", lang="en")
        with pytest.raises(UserError) as err:
            build_report(con, "2024Q4", park="NOPE", lang="en")
    assert err.value.key == "report.unknown_park"
    with connect(warehouse, read_only=True) as con, pytest.raises(UserError) as err:
        build_report(con, "2024Q4", region="R9", park="B", lang="en")
    assert err.value.key == "report.park_not_in_region"
    assert content.scope == "Park: Park B"
    status = next(t for t in content.tables() if t.key == "status")
    assert status.frame["park_id"].tolist() == ["B"]
    assert "ranking" not in [t.key for t in content.tables()]
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "report", "--quarter", "2024Q4"]
        + ["-o", str(tmp_path / "x.odt"), "--db", str(warehouse)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "odt" in proc.stderr


def test_xlsx_keeps_a_formula_like_park_name_as_text(tmp_path):
    import datetime as dt

    from tests.kpi.tiny import build_tiny

    park = {"park_id": "Z", "name_en": '=HYPERLINK("http://x","y")'}
    row = {"park_id": "Z", "quarter": dt.date(2024, 10, 1), "jobs_total": 7.0}
    with build_tiny(tmp_path / "w.duckdb", [park], [row]) as con:
        content = build_report(con, "2024Q4", lang="en")
    path = tmp_path / "r.xlsx"
    write_report(content, "xlsx", path)
    book = openpyxl.load_workbook(path)
    texts = [
        c.value for ws in book.worksheets for r in ws.iter_rows() for c in r if c.data_type == "s"
    ]
    assert '\'=HYPERLINK("http://x","y")' in texts
    assert not any(c.data_type == "f" for ws in book.worksheets for r in ws.iter_rows() for c in r)


def test_user_weights_reach_the_ranking_and_the_methodology(warehouse, tmp_path):  # noqa: F811
    with connect(warehouse, read_only=True) as con:
        content = build_report(con, "2024Q4", lang="en", weights={"jobs_total": 1.0})
    ranking = next(t for t in content.tables() if t.key == "ranking")
    # ranked on jobs alone: A 120 > B 80 > D 5 = F 5 (shared rank 3)
    assert ranking.frame["rank"].tolist() == [1, 2, 3, 3]
    # C did not report: it has no index, and no component to list as missing
    assert ranking.frame["name"].tolist() == ["Park A", "Park B", "Park D", "Park F"]
    method = next(s for s in content.sections if s.heading == "Methodology")
    assert any("Jobs at residents 100%" in b for b in method.bullets)
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "report", "--quarter", "2024Q4", "--weights", "charm=1"]
        + ["-o", str(tmp_path / "x.pdf"), "--db", str(warehouse)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "charm" in proc.stderr


@needs_poppler
def test_demo_region_pdf_shows_occupancy_worked_out_from_the_raw_reports(demo_db, tmp_path):
    from analytics.i18n import fmt_percent

    with connect(demo_db, read_only=True) as con:
        region, region_name = con.execute(
            "SELECT p.region_code, r.name_ru FROM park p JOIN region r ON r.code = p.region_code"
            " GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
        # occupancy straight from the raw report and registry rows, not through our formulas
        name, occupied, leasable = con.execute(
            "SELECT p.name_ru, q.area_occupied_ha, p.leasable_area_ha FROM raw_park_quarter q"
            " JOIN raw_park p USING (park_id) WHERE p.region_code = ?"
            " AND q.quarter = DATE '2025-04-01' AND q.area_occupied_ha > 0"
            " ORDER BY q.park_id LIMIT 1",
            [region],
        ).fetchone()
        content = build_report(con, "2025Q2", region=region, lang="ru")
    write_report(content, "pdf", tmp_path / "demo.pdf")
    text = _pdf_text(tmp_path / "demo.pdf").replace("\xa0", " ")
    assert TITLES["ru"] in text and region_name in text
    row = next(line for line in text.splitlines() if name in line and "%" in line)
    assert fmt_percent(occupied / leasable, "ru").replace("\xa0", " ") in row


def test_an_empty_warehouse_still_gives_a_report(tmp_path):
    import duckdb

    from analytics.warehouse.build import build
    from analytics.warehouse.connection import migrate

    con = duckdb.connect()
    migrate(con)
    build(con)
    content = build_report(con, "2025Q2", lang="en")
    findings = next(s for s in content.part("brief").sections if s.heading == "Findings")
    assert findings.bullets == ("No park was due to report for Q2 2025.",)
    for fmt in ("pdf", "docx", "xlsx"):
        write_report(content, fmt, tmp_path / f"empty.{fmt}")
        assert (tmp_path / f"empty.{fmt}").stat().st_size > 0


def test_dejavu_is_found_without_the_debian_font_package(monkeypatch, tmp_path):
    """`make run` machines may lack fonts-dejavu-core: matplotlib's own DejaVu copy serves."""
    from analytics.reports import pdf

    monkeypatch.setattr(pdf, "PROJECT_FONTS", tmp_path / "none")
    monkeypatch.setattr(pdf, "SYSTEM_FONTS", tmp_path / "none")
    found = [d for d in pdf._font_dirs() if (d / f"{pdf.FONT}.ttf").exists()]
    assert found and (found[0] / f"{pdf.FONT_BOLD}.ttf").exists()
