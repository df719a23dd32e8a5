"""`report --effects`: the command estimates park effects itself and the report reads them.

References: the effects engine called directly on the same warehouse (the report must carry
its numbers unchanged) and the demo generator's planted truth (the interval must cover it)."""

import openpyxl
import pytest

from analytics.cli import main
from analytics.effects.parks import park_effect, park_effect_truth
from analytics.i18n import t
from analytics.warehouse import connect


def effects_rows(path, lang: str) -> list[list]:
    book = openpyxl.load_workbook(path)
    sheet = next(
        ws for ws in book.worksheets if ws.cell(1, 1).value == t("report.table.effects", lang)
    )
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if row[0].value]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_report_estimates_and_reads_the_park_effect(demo_db, tmp_path, lang, capsys):
    out = tmp_path / "review.xlsx"
    code = main(["report", "--db", str(demo_db), "--quarter", "2025Q4", "--lang", lang,
                 "--effects", "employment", "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr()
    with connect(demo_db, read_only=True) as con:
        effect = park_effect(con, outcome="employment")
        truth = park_effect_truth(con, outcome="employment")
    (row,) = effects_rows(out, lang)
    outcome, method, estimate, low, high, reading = row
    assert outcome == effect.outcome_label(lang)  # in words, not the panel's column name
    assert method == t("method.cs", lang)
    assert (estimate, low, high) == pytest.approx(
        (effect.result.estimate, effect.result.ci_low, effect.result.ci_high), abs=1e-12
    )
    assert low <= truth.estimate <= high  # the planted effect of the demo
    assert reading == effect.reading(lang)


def test_an_unknown_outcome_is_refused_in_words_and_writes_nothing(demo_db, tmp_path, capsys):
    out = tmp_path / "review.pdf"
    code = main(["report", "--db", str(demo_db), "--quarter", "2025Q4", "--lang", "uk",
                 "--effects", "happiness", "-o", str(out)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "happiness" in err and "Traceback" not in err
    assert not out.exists()
