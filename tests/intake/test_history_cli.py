"""`history`: a terminal gets the newest changed values (with a note of how many there are);
--last N chooses how many, 0 all; JSON gets everything unless --last says otherwise."""

import json

import duckdb
import pandas as pd
import pytest

from analytics.cli import main
from analytics.i18n import t
from tests.intake.test_revisions import GOOD, _import

JOBS = "Jobs at residents"


@pytest.fixture
def corrected_three_times(db, tmp_path):
    """One park-quarter's jobs corrected to 1001, 1002 and 1003 by three files."""
    frame = pd.read_csv(GOOD / "park_quarter_utf8_bom.csv", dtype=str, encoding="utf-8-sig")
    park = frame.loc[3, "Park (code or name)"]
    with duckdb.connect(str(db)) as con:
        for value in ("1001", "1002", "1003"):
            frame.loc[3, JOBS] = value
            path = tmp_path / f"corrected_{value}.csv"
            frame.to_csv(path, index=False)
            assert _import(con, path).updated == 1
    return db, park


def test_last_n_shows_the_newest_changes_and_says_how_many_there_are(corrected_three_times, capsys):
    db, park = corrected_three_times
    assert main(["--lang", "en", "history", "--db", str(db), "--park", park, "--last", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.rsplit(": ", 1)[1] for line in lines[:2]] == ["1,001 → 1,002", "1,002 → 1,003"]
    assert lines[2] == t("intake.history.shown", "en", shown=2, total=3)
    assert main(["--lang", "en", "history", "--db", str(db), "--park", park]) == 0
    everything = capsys.readouterr().out.strip().splitlines()
    assert len(everything) == 3 and everything[-1].endswith("1,002 → 1,003")


def test_json_gives_every_change_unless_limited(corrected_three_times, capsys):
    db, park = corrected_three_times
    main(["history", "--db", str(db), "--park", park, "--format", "json"])
    assert len(json.loads(capsys.readouterr().out)) == 3
    main(["history", "--db", str(db), "--park", park, "--format", "json", "--last", "1"])
    (only,) = json.loads(capsys.readouterr().out)
    # JSON keeps the stored text and says the column is numeric
    assert (only["old"], only["new"], only["numeric"]) == ("1002.0", "1003.0", True)


def test_a_negative_count_is_refused_in_words(corrected_three_times, capsys):
    db, park = corrected_three_times
    assert main(["--lang", "ru", "history", "--db", str(db), "--park", park, "--last", "-1"]) == 2
    assert t("intake.history.bad_last", "ru", value=-1) in capsys.readouterr().err
