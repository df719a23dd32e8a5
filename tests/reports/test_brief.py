"""The quarterly brief as a department hands it over, read from the rendered pages in three
languages: the PDF as written, the DOCX as LibreOffice lays it out.

References from outside the report code: the headline numbers are plain SQL sums over the
``park_quarter`` mart for the region and quarter, formatted with Babel directly; the parks
that get a profile page are the ones the review's written rule makes due (in SQL here); page
geometry comes from poppler's own word boxes (pdftotext -bbox).
"""

from __future__ import annotations

import re
import statistics
import zipfile

import openpyxl
import pytest
from babel.numbers import format_decimal
from docx import Document

from analytics.i18n import LANGUAGES, t
from analytics.reports.commands import write_report
from analytics.reports.document import build_report
from analytics.warehouse import connect
from tests.reports.pdf_pages import (
    SOFFICE,
    needs_poppler,
    page_count,
    page_texts,
    pages,
    png,
    to_pdf,
)
from tests.reports.test_reports import ARTIFACTS

REGION, QUARTER, QUARTER_START = "XD-07", "2025Q4", "2025-10-01"
LOCALES = {"ru": "ru_RU", "uk": "uk_UA", "en": "en_GB"}
CM = 72 / 2.54
# The PDF writer's margins (analytics/reports/pdf.py) and the DOCX's (docx.py): the same.
LEFT, RIGHT = 2.0 * CM, 1.5 * CM
EDGE = 0.5 * CM  # nothing is printed closer to the top or bottom edge than this
FORMATS = ("pdf", "docx")


@pytest.fixture(scope="module")
def briefs(demo_db, tmp_path_factory):
    """(content, PDF path) per language and format: PDFs as written, DOCX through LibreOffice."""
    out = tmp_path_factory.mktemp("briefs")
    made, docx = {}, []
    with connect(demo_db, read_only=True) as con:
        for lang in LANGUAGES:
            content = build_report(con, QUARTER, region=REGION, lang=lang)
            for fmt in ("pdf", "docx", "xlsx"):
                write_report(content, fmt, out / f"brief_{lang}.{fmt}")
            made[lang, "pdf"] = (content, out / f"brief_{lang}.pdf")
            made[lang, "xlsx"] = (content, out / f"brief_{lang}.xlsx")
            made[lang, "docx_file"] = (content, out / f"brief_{lang}.docx")
            docx.append(out / f"brief_{lang}.docx")
    if SOFFICE is not None:
        for lang, pdf in zip(LANGUAGES, to_pdf(docx, out / "office"), strict=True):
            made[lang, "docx"] = (made[lang, "pdf"][0], pdf)
    return made


def rendered(briefs, lang, fmt):
    if (lang, fmt) not in briefs:
        pytest.skip("LibreOffice is not installed")
    return briefs[lang, fmt]


def due_parks(con, lang: str) -> list[str]:
    """The review's rule in SQL: open at the quarter's start, and either reported before or
    operating / under construction and founded by the quarter's end."""
    return [
        name
        for (name,) in con.execute(
            f"SELECT p.name_{lang} FROM park p WHERE p.region_code = ?"
            " AND (p.closed_on IS NULL OR p.closed_on >= DATE '2025-10-01')"
            " AND (EXISTS (SELECT 1 FROM park_quarter q WHERE q.park_id = p.park_id"
            "              AND q.quarter <= DATE '2025-10-01')"
            "      OR (p.status IN ('operating', 'under_construction')"
            "          AND p.founded_on <= DATE '2025-12-31'))"
            " ORDER BY p.park_id",
            [REGION],
        ).fetchall()
    ]


def headline_sums(con) -> dict[str, float]:
    """The six headline totals, straight from the mart."""
    jobs, residents, investment, area, taxes, jobs_parks = con.execute(
        "SELECT sum(q.jobs_total), sum(q.residents_count), sum(q.investment_cumulative),"
        " sum(q.area_occupied_ha), sum(q.taxes_total), count(q.jobs_total)"
        " FROM park_quarter q JOIN park p USING (park_id)"
        " WHERE p.region_code = ? AND q.quarter = DATE '2025-10-01'",
        [REGION],
    ).fetchone()
    (occupancy,) = con.execute(
        "SELECT sum(q.area_occupied_ha) / sum(p.leasable_area_ha)"
        " FROM park_quarter q JOIN park p USING (park_id)"
        " WHERE p.region_code = ? AND q.quarter = DATE '2025-10-01'"
        " AND q.area_occupied_ha IS NOT NULL AND p.leasable_area_ha > 0",
        [REGION],
    ).fetchone()
    (jobs_change,) = con.execute(
        "SELECT sum(n.jobs_total - b.jobs_total) FROM park_quarter n"
        " JOIN park_quarter b ON b.park_id = n.park_id AND b.quarter = DATE '2025-07-01'"
        " JOIN park p ON p.park_id = n.park_id"
        " WHERE p.region_code = ? AND n.quarter = DATE '2025-10-01'"
        " AND n.jobs_total IS NOT NULL AND b.jobs_total IS NOT NULL",
        [REGION],
    ).fetchone()
    return {
        "jobs_total": jobs,
        "residents_count": residents,
        "investment_cumulative": investment,
        "area_occupied_ha": area,
        "occupancy_rate": occupancy,
        "taxes_total": taxes,
        "jobs_change": jobs_change,
        "jobs_parks": jobs_parks,
    }


def _number(value: float, lang: str, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang]).replace("\xa0", " ")


def _row(text: str, name: str) -> list[str]:
    """The headline row that starts with the indicator ``name``, as its columns."""
    line = next(line for line in text.splitlines() if line.strip().startswith(name[:14]))
    return re.split(r"\s{2,}", line.strip())


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_one_headline_numbers_equal_sql_sums(briefs, demo_db, lang, fmt):
    content, pdf = rendered(briefs, lang, fmt)
    first = page_texts(pdf)[0]
    with connect(demo_db, read_only=True) as con:
        sums = headline_sums(con)
        names = dict(
            con.execute(f"SELECT code, name_{lang} FROM indicator WHERE entity = 'park'").fetchall()
        )
    counts = {"jobs_total", "residents_count"}
    for code in (
        "jobs_total",
        "residents_count",
        "investment_cumulative",
        "area_occupied_ha",
        "taxes_total",
    ):
        row = _row(first, names[code])
        expected = _number(sums[code], lang, 0 if code in counts else 1)
        assert row[1] == expected, (code, row)
    occupancy = _row(first, names["occupancy_rate"])
    assert re.fullmatch(
        re.escape(_number(sums["occupancy_rate"] * 100, lang, 1)) + r"\s?%", occupancy[1]
    )
    jobs = _row(first, names["jobs_total"])
    change = _number(sums["jobs_change"], lang, 0)
    assert jobs[3].lstrip("+") == change, jobs  # like for like, a signed integer
    assert jobs[2] == str(sums["jobs_parks"])  # a count: "6", never "6,0"


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_brief_fits_page_one_and_each_park_its_own_page(briefs, demo_db, lang, fmt):
    content, pdf = rendered(briefs, lang, fmt)
    texts = page_texts(pdf)
    with connect(demo_db, read_only=True) as con:
        parks = due_parks(con, lang)
    assert len(parks) >= 3
    assert page_count(pdf) == len(texts) >= 1 + len(parks) + 2
    brief = texts[0]
    assert content.title in brief
    assert t("brief.sign_off.prepared_by", lang) in brief  # the sign-off closes page 1
    for number, name in enumerate(parks, start=2):  # the profiles, in park order
        page = texts[number - 1]
        body = [line.strip() for line in page.splitlines() if line.strip()][1:]
        assert body[0] == name, (number, body[:2])
        assert t("brief.profile.money_heading", lang) in page.replace("\n", " ")
    annex = texts[len(parks) + 1]
    assert t("brief.part.annex", lang) in annex


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_overflows_the_page(briefs, lang, fmt):
    _, pdf = rendered(briefs, lang, fmt)
    for number, page in enumerate(pages(pdf), start=1):
        for word in page.words:
            inside = (
                word.x0 >= LEFT - 1
                and word.x1 <= page.width - RIGHT + 1
                and word.y0 >= EDGE
                and word.y1 <= page.height - EDGE
            )
            assert inside, (number, word)


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_has_the_running_header_the_stamp_and_its_number(briefs, lang, fmt):
    content, pdf = rendered(briefs, lang, fmt)
    texts = page_texts(pdf)
    simulated = t("brief.stamp.simulated", lang)
    for number, text in enumerate(texts, start=1):
        flat = re.sub(r"\s+", " ", text)
        assert re.sub(r"\s+", " ", content.header) in flat, number
        assert simulated in flat, number
        label = t("brief.page_label", lang, page=number, pages=len(texts))
        assert label in flat, number


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_heading_is_left_alone_at_the_foot_of_a_page(briefs, lang, fmt):
    content, pdf = rendered(briefs, lang, fmt)
    headings = {part.heading for part in content.parts}
    headings |= {section.heading for section in content.sections}
    headings |= {table.title for table in content.tables() if table.title}
    for number, page in enumerate(pages(pdf), start=1):
        body = [w for w in page.words if 1.6 * CM < w.y0 < page.height - 1.6 * CM]
        if not body:  # a page of pictures
            continue
        last = max(body, key=lambda w: w.y0)
        line = " ".join(w.text for w in sorted(body, key=lambda w: w.x0) if abs(w.y0 - last.y0) < 2)
        assert line not in headings, (number, line)


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_brief_is_set_at_10_points_not_shrunk_to_fit(briefs, lang):
    _, pdf = rendered(briefs, lang, "pdf")
    heights = [round(w.height, 1) for w in pages(pdf)[0].words]
    assert statistics.mode(heights) == 10.0


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_one_names_the_parks_behind_and_in_breach(briefs, demo_db, lang):
    content, pdf = rendered(briefs, lang, "pdf")
    with connect(demo_db, read_only=True) as con:
        breached = [
            name
            for (name,) in con.execute(
                f"SELECT DISTINCT p.name_{lang} FROM truth_compliance c JOIN park p USING (park_id)"
                " WHERE p.region_code = ? ORDER BY 1",
                [REGION],
            ).fetchall()
        ]
    flat = re.sub(r"\s+", " ", page_texts(pdf)[0])
    attention = flat.split(t("brief.section.attention", lang), 1)[1]
    assert breached and all(name in attention for name in breached)
    findings = next(
        s for s in content.part("brief").sections if s.heading == t("brief.section.findings", lang)
    )
    assert 3 <= len(findings.bullets) <= 6


@pytest.mark.parametrize("lang", LANGUAGES)
def test_docx_has_page_fields_a_header_and_headings_kept_with_the_next(briefs, lang):
    content, path = briefs[lang, "docx_file"]
    document = Document(str(path))
    section = document.sections[0]
    assert section.page_height > section.page_width  # the brief is portrait
    assert any(s.page_width > s.page_height for s in document.sections)  # the annex landscape
    assert section.header.paragraphs[0].text == content.header
    footer = section.footer._element.xml
    assert (
        "PAGE" in footer
        and "NUMPAGES" in footer
        and content.stamp in section.footer.paragraphs[0].text
    )
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings and all(p.style.paragraph_format.keep_with_next for p in headings)
    assert sum(p.text == content.sign_off.heading for p in document.paragraphs) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_xlsx_sheets_headers_and_number_formats(briefs, lang):
    content, path = briefs[lang, "xlsx"]
    book = openpyxl.load_workbook(path)
    tables = [tb for tb in [*content.tables(), *content.workbook_tables] if tb.sheet]
    charts = [c for c in content.charts() if c.sheet]
    expected = [
        t("brief.sheet.summary", lang),
        *(tb.sheet for tb in tables),
        *(c.sheet for c in charts),
    ]
    assert book.sheetnames == expected  # full names from the catalogue, none cut
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
    for table in tables:
        sheet = book[table.sheet]
        headers = [c.value for c in sheet[3]][: len(table.headers)]
        assert headers == list(table.headers)
        assert len(set(headers)) == len(headers), table.key  # no duplicated column
        assert not any(re.fullmatch(r"[a-z_]+", h) for h in headers), headers  # no raw codes
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                if cell.data_type == "n" and cell.value is not None:
                    assert cell.number_format != "General", (table.key, cell.coordinate)
    plan = book[t("brief.sheet.passport_forecast", lang)]
    probability = [c.value for c in plan[3]].index(t("policy.col.probability", lang)) + 1
    cells = [plan.cell(r, probability) for r in range(4, plan.max_row + 1)]
    assert cells and all(c.number_format.endswith("%") for c in cells if c.value is not None)
    headline = book[t("brief.sheet.headline", lang)]
    formats = {headline.cell(r, 1).value: headline.cell(r, 5).number_format for r in range(4, 10)}
    assert t("brief.unit.points", lang) in formats[content.tables()[0].frame["indicator"][4]]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_xlsx_charts_have_translated_axis_titles(briefs, lang):
    content, path = briefs[lang, "xlsx"]
    with zipfile.ZipFile(path) as archive:
        xml = [
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")
        ]
    charts = [c for c in content.charts() if c.sheet]
    assert len(xml) == len(charts)
    for chart, text in zip(charts, xml, strict=True):
        assert chart.axis_title in text and chart.headers[0] in text
        assert "occupancy_rate" not in text and "budget_efficiency" not in text


@needs_poppler
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_screenshots_of_the_brief_and_a_park_page(briefs, lang, fmt):
    """Page 1 and the first park profile as images, for a person to look at."""
    _, pdf = rendered(briefs, lang, fmt)
    folder = ARTIFACTS / "brief"
    for page, name in ((1, "brief"), (2, "park")):
        image = png(pdf, page, folder / f"{fmt}_{lang}_{name}", dpi=90)
        assert image.stat().st_size > 20_000


@needs_poppler
def test_the_brief_reads_the_park_effects_when_asked_and_still_fits_page_one(demo_db, tmp_path):
    """The effects engine's own reading (called directly, the reference) is on page 1."""
    from analytics.effects.parks import park_effect

    with connect(demo_db, read_only=True) as con:
        effect = park_effect(con, outcome="employment")
        content = build_report(con, QUARTER, region=REGION, lang="ru", effects=[effect])
        first_park = due_parks(con, "ru")[0]
    section = content.part("brief").sections[-1]
    assert section.heading == t("brief.section.effects", "ru")
    (line,) = section.bullets
    assert effect.reading("ru") in line and effect.outcome_label("ru") in line
    write_report(content, "pdf", tmp_path / "effects.pdf")
    texts = page_texts(tmp_path / "effects.pdf")
    flat = re.sub(r"\s+", " ", texts[0])
    assert re.sub(r"\s+", " ", effect.reading("ru"))[:60] in flat
    body = [line.strip() for line in texts[1].splitlines() if line.strip()][1:]
    assert body[0] == first_park  # the brief did not spill onto page 2
