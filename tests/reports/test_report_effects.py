"""`report --effects`: the command estimates park effects itself and the report reads them.

References: the effects engine called directly on the same warehouse (the report must carry
its numbers unchanged) and the demo generator's planted truth (the interval must cover it)."""

import openpyxl
import pytest

from analytics.cli import main
from analytics.demo.truth import park_effect_truth
from analytics.effects.parks import park_effect
from analytics.i18n import t
from analytics.reports.document import build_report
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


@pytest.mark.parametrize("outcome", ["employment", "avg_wage"])
def test_report_states_the_synthetic_control_interval_the_effect_reports(demo_db, outcome):
    """The report reads the park effect's one interval (the placebo-estimate interval the
    Impact page's card shows), and its reading."""
    with connect(demo_db, read_only=True) as con:
        effect = park_effect(con, outcome=outcome, method="sc", park_id="XD-P021")
        content = build_report(con, "2025Q4", lang="en", effects=[effect])
    (table,) = [table for table in content.tables() if table.key == "effects"]
    (row,) = table.frame.to_dict(orient="records")
    assert (row["ci_low"], row["ci_high"]) == (effect.ci_low, effect.ci_high)
    assert effect.result.interval == "placebo_estimates"
    assert row["reading"] == effect.reading("en")
    assert row["outcome"] == effect.outcome_label("en")
