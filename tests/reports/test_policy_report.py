"""The report's compliance and passport section (issue 8) on the demo warehouse, in every
format and language. References from outside our code: the generator's planted
``truth_compliance`` rows, the thresholds in data/compliance.yml and the passport targets in
``park_target`` (plain SQL)."""

import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest
import yaml
from docx import Document

from analytics.i18n import LANGUAGES, t
from analytics.policy.compliance import DEFAULT_CONFIG
from analytics.reports.commands import write_report
from analytics.reports.document import build_report
from analytics.reports.policy import COMPLIANCE_KEY, PLAN_KEY
from analytics.warehouse import connect

REGION = "XD-07"  # the demo plants breaches here and has a passport park in it
QUARTER = "2025Q4"  # the as-of quarter of the planted breaches
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


@pytest.fixture(scope="module")
def documents(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("policy_reports")
    written = {}
    with connect(demo_db, read_only=True) as con:
        for lang in LANGUAGES:
            content = build_report(con, QUARTER, region=REGION, lang=lang)
            for fmt in ("pdf", "docx", "xlsx"):
                path = out / f"report_{lang}.{fmt}"
                write_report(content, fmt, path)
                written[lang, fmt] = (content, path)
    return written


def planted(demo_db, lang: str) -> list[tuple[str, str, str]]:
    """(park_id, park name, rule) of the breaches planted in REGION."""
    with connect(demo_db, read_only=True) as con:
        return con.execute(
            f"SELECT c.park_id, p.name_{lang}, c.rule FROM truth_compliance c"
            " JOIN park p USING (park_id) WHERE p.region_code = ? ORDER BY 1, 3",
            [REGION],
        ).fetchall()


def sheet_titled(book, title: str):
    return next(ws for ws in book.worksheets if ws.cell(1, 1).value == title)


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_compliance_section_names_the_flagged_parks(documents, demo_db, lang):
    content, path = documents[lang, "pdf"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    heading = t("policy.report.section", lang)
    section = text[text.rindex(heading) :]  # after the table of contents, if any
    section = section[: section.index(t("report.section.methodology", lang))]
    breaches = planted(demo_db, lang)
    assert len(breaches) >= 2
    for _, name, _ in breaches:
        assert name in section
    # the table and the sentences list each planted breach: nothing else is flagged
    table = next(tb for tb in content.tables() if tb.key == COMPLIANCE_KEY)
    assert sorted(table.frame["park_id"]) == sorted(p for p, _, _ in breaches)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_xlsx_compliance_sheet_has_typed_numbers_from_the_rules_file(documents, demo_db, lang):
    content, path = documents[lang, "xlsx"]
    book = openpyxl.load_workbook(path)
    table = next(tb for tb in content.tables() if tb.key == COMPLIANCE_KEY)
    sheet = sheet_titled(book, table.title)
    assert [c.value for c in sheet[3]] == list(table.headers)
    rules = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    thresholds = {rid: body["minimum"] if "minimum" in body else body["months"]
                  for rid, body in rules["jurisdictions"]["XD"]["rules"].items()}  # fmt: skip
    expected = {(p, r) for p, _, r in planted(demo_db, lang)}
    value_col, threshold_col, unit_col, since_col = 4, 5, 6, 7
    found = set()
    for r in range(4, sheet.max_row + 1):
        park = sheet.cell(r, 1).value
        value, threshold = sheet.cell(r, value_col), sheet.cell(r, threshold_col)
        assert value.data_type == "n" and threshold.data_type == "n"
        assert sheet.cell(r, since_col).is_date
        rule = next(rid for p, rid in expected if p == park and thresholds[rid] == threshold.value)
        unit = sheet.cell(r, unit_col).value
        if rule.startswith("ua_"):  # months since registration, past the limit
            assert value.value >= threshold.value
            assert unit == t("policy.unit.months", lang, value="").strip()
        else:  # a value below its minimum
            assert value.value < threshold.value
        found.add((park, rule))
    assert found == expected and sheet.max_row - 3 == len(expected)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_passport_forecast_table_and_readings(documents, demo_db, lang):
    content, path = documents[lang, "xlsx"]
    with connect(demo_db, read_only=True) as con:
        passports = con.execute(
            "SELECT t.park_id, year(t.period_start), t.target_value FROM park_target t"
            " JOIN park p USING (park_id) WHERE p.region_code = ?"
            " AND t.indicator = 'high_productivity_jobs' AND t.period_type = 'year'"
            " AND lower(t.document) LIKE '%паспорт%' ORDER BY t.park_id, t.period_start",
            [REGION],
        ).fetchall()
    assert passports, "the demo region should hold a passport park"
    commitment_year, commitment = passports[-1][1], passports[-1][2]
    table = next(tb for tb in content.tables() if tb.key == PLAN_KEY)
    sheet = sheet_titled(openpyxl.load_workbook(path), table.title)
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [commitment_year, commitment] in [row[2:4] for row in rows]
    assert all(isinstance(row[4], (int, float)) for row in rows)  # forecasts are numbers
    section = next(s for s in content.sections if s.heading == t("policy.report.section", lang))
    assert any(str(commitment_year) in b for b in section.bullets)
    document = Document(str(documents[lang, "docx"][1]))
    assert len(document.tables) == len(content.tables())


def test_a_past_quarter_report_forecasts_from_the_reports_up_to_that_quarter(demo_db):
    """Reference: the random walk with drift fitted by statsmodels OLS on the quarterly gains
    of the park's series read with plain SQL up to the report's quarter, carried on to Q4 of
    the commitment year (last value + quarters ahead x mean gain)."""
    import numpy as np
    import statsmodels.api as sm

    park, region, quarter = "XD-P059", "XD-12", "2024Q2"
    with connect(demo_db, read_only=True) as con:
        series = con.execute(
            "SELECT quarter, high_productivity_jobs FROM park_quarter WHERE park_id = ?"
            " AND quarter <= DATE '2024-04-01' AND high_productivity_jobs IS NOT NULL"
            " ORDER BY quarter",
            [park],
        ).df()
        year, commitment = con.execute(
            "SELECT year(period_start), target_value FROM park_target WHERE park_id = ?"
            " AND indicator = 'high_productivity_jobs' AND period_type = 'year'"
            " ORDER BY period_start DESC LIMIT 1",
            [park],
        ).fetchone()
        name = con.execute("SELECT name_en FROM park WHERE park_id = ?", [park]).fetchone()[0]
        content = build_report(con, quarter, region=region, lang="en")
    dates = pd.to_datetime(series["quarter"])
    steps = (dates.dt.year - dates.dt.year.iloc[0]) * 4 + (
        dates.dt.month - dates.dt.month.iloc[0]
    ) // 3
    assert list(steps) == list(range(len(series)))  # consecutive quarters: no interpolation
    y = series["high_productivity_jobs"].to_numpy(float)
    gains = np.diff(y)
    drift = sm.OLS(gains, np.ones((len(gains), 1))).fit().params[0]
    last = dates.iloc[-1]
    ahead = (year - last.year) * 4 + (10 - last.month) // 3
    expected = float(y[-1] + ahead * drift)
    table = next(tb for tb in content.tables() if tb.key == PLAN_KEY).frame
    row = table[(table["park_name"] == name) & (table["indicator"] == "High-productivity jobs")]
    assert row["forecast"].item() == pytest.approx(expected, rel=1e-9)
    assert row["commitment"].item() == commitment
    assert row["share"].item() == pytest.approx(expected / commitment, rel=1e-9)
