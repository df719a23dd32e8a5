"""Concurrent editors: a preview made against the warehouse as it was, committed after
someone else loaded a file. Values only one of them changed both land; a value both changed
is refused with each conflicting value named (as previewed, theirs, yours), and nothing is
written.

Each "editor" is a plan made on its own connection, as the Data page and the command line
make them; the commits run one after the other, as the single writer does."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from analytics.errors import UserError
from analytics.intake import commit_import, plan_import, read_file, validate
from tests.intake.conftest import table_checksums

QUARTER = dt.date(2025, 10, 1)


def _plan(db, text: str, name: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return plan_import(con, validate(con, read_file(text.encode(), name), "ru"))


def _commit(db, plan, user: str):
    with duckdb.connect(str(db)) as con:
        return commit_import(con, plan, user=user, accept_warnings=True)


def _stored(db, park: str, quarter: dt.date = QUARTER) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(
            "SELECT * EXCLUDE (source_id) FROM stg_park_quarter WHERE park_id = ? AND quarter = ?",
            [park, quarter],
        ).df()
    return frame.iloc[0].to_dict() if len(frame) else {}


def test_different_values_of_one_record_both_land(db):
    before = _stored(db, "XD-P001")
    jobs, wage = int(before["jobs_total"]) + 11, float(before["avg_wage"]) + 1000
    anna = _plan(db, f"park_id;quarter;jobs_total\nXD-P001;2025Q4;{jobs}\n", "anna.csv")
    boris = _plan(db, f"park_id;quarter;avg_wage\nXD-P001;2025Q4;{wage:.0f}\n", "boris.csv")
    _commit(db, anna, "anna")
    summary = _commit(db, boris, "boris")  # previewed before anna's commit
    assert summary.source_id is not None
    after = _stored(db, "XD-P001")
    # Boris's merged row carries Anna's new jobs, not the jobs his preview saw.
    assert after["jobs_total"] == jobs and after["avg_wage"] == wage
    assert after["residents_count"] == before["residents_count"]


def test_one_value_changed_by_both_is_refused_naming_it(db):
    before = _stored(db, "XD-P001")
    old = int(before["jobs_total"])
    anna = _plan(db, f"park_id;quarter;jobs_total\nXD-P001;2025Q4;{old + 1}\n", "anna.csv")
    boris = _plan(
        db, f"park_id;quarter;jobs_total;avg_wage\nXD-P001;2025Q4;{old + 2};77000\n", "boris.csv"
    )
    _commit(db, anna, "anna")
    checksums = table_checksums(db)
    with pytest.raises(UserError) as caught:
        _commit(db, boris, "boris")
    assert caught.value.key == "intake.edit_conflict"
    text = caught.value.message("ru")
    assert (
        f"XD-P001 · IV кв. 2025, «Рабочие места у резидентов»: было {old}, "
        f"у другого пользователя {old + 1}, у вас {old + 2}"
    ) in text
    assert "Ничего не записано" in text and "(1)" in text  # only jobs conflicts, not the wage
    assert "XD-P001 · IV кв. 2025, «" in caught.value.message("uk")
    assert table_checksums(db) == checksums
    assert _stored(db, "XD-P001")["jobs_total"] == old + 1


def test_a_value_stated_as_stored_is_not_written_back_over_a_new_one(db):
    """A template filled with the current data states every value: those the editor did not
    touch were equal to the stored ones at the preview, and must not undo another change."""
    before = _stored(db, "XD-P001")
    old = int(before["jobs_total"])
    filled = f"park_id;quarter;jobs_total;residents_count\nXD-P001;2025Q4;{old};999\n"
    boris = _plan(db, filled, "filled.csv")
    _commit(db, _plan(db, f"park_id;quarter;jobs_total\nXD-P001;2025Q4;{old + 5}\n", "a.csv"), "a")
    with pytest.raises(UserError) as caught:
        _commit(db, boris, "boris")
    text = caught.value.message("en")
    assert f'"Jobs at residents": was {old}, theirs {old + 5}, yours {old}' in text
    assert _stored(db, "XD-P001")["jobs_total"] == old + 5


def test_a_record_both_create_is_a_conflict_where_their_values_differ(db):
    new_quarter = "park_id;quarter;jobs_total;residents_count\nXD-P001;2026Q1;{jobs};{res}\n"
    anna = _plan(db, new_quarter.format(jobs=10, res=3), "anna.csv")
    boris = _plan(db, new_quarter.format(jobs=20, res=3), "boris.csv")
    _commit(db, anna, "anna")
    with pytest.raises(UserError) as caught:
        _commit(db, boris, "boris")
    text = caught.value.message("en")
    assert "XD-P001 · Q1 2026" in text and "was –, theirs 10, yours 20" in text
    assert "Residents" not in text  # both said 3
    assert _stored(db, "XD-P001", dt.date(2026, 1, 1))["jobs_total"] == 10


def test_a_file_another_import_already_wrote_writes_nothing(db):
    text = "park_id;quarter;jobs_total\nXD-P002;2025Q4;4321\n"
    anna, boris = _plan(db, text, "anna.csv"), _plan(db, text, "boris.csv")
    _commit(db, anna, "anna")
    checksums = table_checksums(db)
    summary = _commit(db, boris, "boris")
    assert summary.source_id is None and summary.inserted == summary.updated == 0
    assert table_checksums(db) == checksums
