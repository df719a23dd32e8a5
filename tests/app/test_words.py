"""One currency word per language everywhere money is named: the app's pages, the quarterly
report and the fillable template all name the demo warehouse's roubles the same way.

The reference is the warehouse itself (its one country's currency, RUB) and the catalogue's
word for it; before, the app said "млн ₽" (Babel's symbol), the report "млн RUB" in every
language and the template "млн ден. ед."."""

import duckdb
import openpyxl
import pytest

from analytics.cli import main
from analytics.i18n import LANGUAGES, t
from analytics.reports.document import build_report
from analytics.warehouse import connect

OTHER_SPELLINGS = {
    "ru": ("₽", "RUB", "ден. ед.", "грош. од."),
    "uk": ("₽", "RUB", "ден. ед.", "грош. од."),
    "en": ("₽", "currency units", "руб."),
}


def money_unit(demo_db, lang: str) -> str:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (currency,) = con.execute("SELECT DISTINCT currency FROM country").fetchone()
    return t("unit.mln_currency", lang, currency=t(f"currency.{currency}", lang))


def check(texts: list[str], lang: str, unit: str, where: str) -> None:
    assert any(unit in text for text in texts), f"{where}: no {unit!r}"
    for other in OTHER_SPELLINGS[lang]:
        assert not [x for x in texts if other in x], f"{where} [{lang}] says {other!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_app_names_money_in_the_currency_word(app, demo_db, lang):
    texts = []
    for page in ("overview", "parks", "regions"):
        at = app(lang, page=page)
        assert not at.exception, [e.value for e in at.exception]
        texts += [m.label for m in at.metric]
        texts += [str(c) for frame in at.dataframe for c in frame.value.columns]
    check(texts, lang, money_unit(demo_db, lang), "app")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_names_money_in_the_currency_word(demo_db, lang):
    with connect(demo_db, read_only=True) as con:
        content = build_report(con, "2025Q4", lang=lang)
    texts = [h for table in content.tables() for h in table.headers]
    texts += [p for section in content.sections for p in (*section.paragraphs, *section.bullets)]
    check(texts, lang, money_unit(demo_db, lang), "report")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_names_money_in_the_warehouse_currency_word(demo_db, tmp_path, lang):
    path = tmp_path / f"park_quarter_{lang}.xlsx"
    assert main(["template", "--kind", "park_quarter", "--lang", lang, "--db", str(demo_db),
                 "-o", str(path)]) == 0  # fmt: skip
    guide = openpyxl.load_workbook(path)[t("intake.template.guide_sheet", lang)]
    texts = [str(cell) for row in guide.iter_rows(values_only=True) for cell in row if cell]
    check(texts, lang, money_unit(demo_db, lang), "template")
