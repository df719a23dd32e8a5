"""Corrected files become revisions; the same file again is a no-op; a killed import
changes nothing; templates filled with the warehouse round-trip; accounts hash passwords."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.errors import UserError
from analytics.intake import commit_import, plan_import, read_file, users, validate
from analytics.intake.history import revisions
from analytics.intake.periods import parse_period, parse_quarter
from analytics.intake.templates import export_frame, write_template
from analytics.spreadsheet import neutralise, write_csv
from analytics.warehouse.build import build
from tests.intake.conftest import table_checksums

GOOD = Path(__file__).parents[1] / "fixtures" / "good"
ROOT = Path(__file__).parents[2]


def _import(con, path, user="anna", **kw):
    report = validate(con, read_file(path, **kw), "en")
    return commit_import(con, plan_import(con, report), user=user, accept_warnings=True)


def test_a_corrected_file_appends_only_changed_rows_and_history_shows_old_to_new(db, tmp_path):
    frame = pd.read_csv(GOOD / "park_quarter_utf8_bom.csv", dtype=str, encoding="utf-8-sig")
    jobs = "Jobs at residents"
    old = frame.loc[3, jobs]
    frame.loc[3, jobs] = "1234"
    corrected = tmp_path / "corrected.csv"
    frame.to_csv(corrected, index=False)
    con = duckdb.connect(str(db))
    with con:
        first = _import(con, GOOD / "park_quarter_utf8_bom.csv")
        assert first.noop and first.inserted == 0 and first.unchanged == len(frame)
        before = con.execute("SELECT count(*) FROM raw_park_quarter").fetchall()[0][0]
        summary = _import(con, corrected, user="boris")
        assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, len(frame) - 1)
        assert con.execute("SELECT count(*) FROM raw_park_quarter").fetchall()[0][0] == before + 1
        park, quarter = frame.loc[3, "Park (code or name)"], parse_quarter(frame.loc[3, "Quarter"])
        latest = con.execute(
            "SELECT jobs_total, source_id FROM park_quarter WHERE park_id = ? AND quarter = ?",
            [park, quarter],
        ).fetchall()[0]
        assert latest == (1234.0, summary.source_id)
        changes = revisions(con, "park", park)
        row = changes[changes.column_name == "jobs_total"].iloc[-1]
        assert (float(row.old), float(row.new), row.loaded_by, row.file_name) == (
            float(old),
            1234.0,
            "boris",
            "corrected.csv",
        )
        again = _import(con, corrected, user="boris")
        assert again.noop and again.same_file_source_id == summary.source_id
        logged = con.execute("SELECT count(*), max(updated) FROM import_log").fetchall()[0]
        assert logged == (1, 1)


def test_warnings_need_the_flag_and_errors_always_refuse(db):
    bad = Path(__file__).parents[1] / "fixtures" / "bad"
    con = duckdb.connect(str(db))
    with con:
        report = validate(con, read_file(bad / "wage_implausible.csv"), "en")
        plan = plan_import(con, report)
        with pytest.raises(UserError) as caught:
            commit_import(con, plan, user="anna")
        assert caught.value.key == "intake.warnings_need_flag"
        summary = commit_import(con, plan, user="anna", accept_warnings=True)
        # implausible + 2 jumps against the neighbouring quarters + the stored wage changing
        # more than tenfold (the plan's own warning)
        assert summary.updated == 1 and summary.warnings == 4


def _data_checksums(path) -> dict[str, str]:
    """Every table but the login log (a login is written before the import starts)."""
    return {k: v for k, v in table_checksums(path).items() if k != "login_log"}


def test_killing_the_import_process_leaves_the_database_unchanged_and_usable(db, tmp_path):
    with duckdb.connect(str(db)) as con:
        users.add_user(con, "anna", "editor", "anna's long password")
    before = _data_checksums(db)
    env = dict(os.environ, PARKS_INTAKE_PAUSE_SECONDS="60", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "analytics", "--lang", "en", "import", "--db", str(db)]
    cmd += [
        "--user",
        "anna",
        "--password-stdin",
        str(Path(__file__).parents[1] / "fixtures" / "bad" / "wage_implausible.csv"),
    ]
    proc = subprocess.Popen(
        [*cmd, "--accept-warnings"],
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdin.write("anna's long password\n")
    proc.stdin.close()
    try:
        # Wait until the process is inside its transaction (rows appended, marts not yet built).
        for line in proc.stderr:
            if "paused inside the import transaction" in line:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _data_checksums(db) == before
    env.pop("PARKS_INTAKE_PAUSE_SECONDS")
    done = subprocess.run(
        [*cmd, "--accept-warnings", "--format", "json"],
        input="anna's long password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["updated"] == 1


def test_cli_prints_every_problem_and_exits_non_zero(db, capsys):
    # In-process: the entry point (python -m analytics) runs in a real subprocess in the kill
    # test above; here the command's output and exit code are what matter.
    from analytics.cli import main

    bad = Path(__file__).parents[1] / "fixtures" / "bad" / "negative_jobs.csv"
    cmd = ["--lang", "uk", "import", str(bad), "--db", str(db)]
    returncode = main(cmd)
    text = capsys.readouterr()
    assert returncode == 1
    assert "рядок 2" in text.out and "Від'ємне значення «-15»" in text.out
    main([*cmd, "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["status"] == "errors"
    assert payload["issues"][0]["row"] == 2 and payload["issues"][0]["value"] == "-15"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_templates_filled_with_the_warehouse_round_trip(intake_demo_db, db, tmp_path, suffix):
    kinds = ["park", "park_quarter", "park_target", "region_quarter"]
    with duckdb.connect(str(intake_demo_db), read_only=True) as ref:
        files = {}
        for kind, lang in zip(kinds, ["ru", "uk", "en", "ru"], strict=True):
            files[kind] = write_template(
                tmp_path / f"{kind}{suffix}", kind, lang, data=export_frame(ref, kind, lang)
            )
        marts = {
            k: ref.execute(f"SELECT * EXCLUDE (source_id) FROM {k} ORDER BY ALL").fetchall()
            for k in kinds
        }
    con = duckdb.connect(str(db))
    with con:
        for kind in kinds:
            con.execute(f"DELETE FROM raw_{kind}")
        build(con)
        for kind in kinds:
            summary = _import(con, files[kind], kind=kind)
            assert summary.inserted == len(marts[kind]), kind
        for kind in kinds:
            got = con.execute(f"SELECT * EXCLUDE (source_id) FROM {kind} ORDER BY ALL").fetchall()
            assert _rounded(got) == _rounded(marts[kind]), kind


def _rounded(rows):
    """openpyxl writes floats with 16 significant digits; the demo has sums like
    18500.800000000003. Compare to 12 significant digits (1e-12 relative)."""
    return [tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in r) for r in rows]


def test_template_has_a_guide_sheet_and_drop_downs(tmp_path):
    from openpyxl import load_workbook

    path = write_template(tmp_path / "park.xlsx", "park", "uk")
    book = load_workbook(path)
    assert book.sheetnames == ["Дані", "Опис стовпців"]
    assert book["Дані"]["E1"].value == "Тип парку"
    lists = [dv.formula1 for dv in book["Дані"].data_validations.dataValidation]
    assert any("технопарк" in f for f in lists)


def test_accounts_store_argon2_hashes_and_check_passwords(db):
    con = duckdb.connect(str(db))
    with con:
        users.add_user(con, "olena", "editor", "correct horse")
        stored = con.execute("SELECT password_hash FROM app_user").fetchall()[0][0]
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        assert users.authenticate(con, "olena", "correct horse") == users.User("olena", "editor")
        assert users.authenticate(con, "olena", "wrong password") is None
        assert users.authenticate(con, "nobody", "correct horse") is None
        with pytest.raises(UserError, match="at least 8"):
            users.add_user(con, "ivan", "editor", "short")
        users.add_user(con, "viewer1", "viewer", "long enough")
        with pytest.raises(UserError) as caught:
            users.require_editor(con, "viewer1")
        assert caught.value.key == "intake.user.cannot_edit"


def test_export_neutralises_formula_cells(tmp_path):
    assert neutralise("=1+2") == "'=1+2" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("Технопарк") == "Технопарк" and neutralise(-5) == -5
    path = write_csv(
        pd.DataFrame({"name": ["=HYPERLINK(1)", "ok"], "x": [-1.5, 2.0]}), tmp_path / "a.csv"
    )
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "-1,5" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024Q3", "2024-07-01"),
        ("2024-Q3", "2024-07-01"),
        ("III кв. 2024", "2024-07-01"),
        ("3 кв 2024", "2024-07-01"),
        ("Q3 2024", "2024-07-01"),
        ("31.12.2024", "2024-10-01"),
        ("2024-12-31", "2024-10-01"),
        ("IV квартал 2024 г.", "2024-10-01"),
        ("5 кв 2024", None),
    ],
)
def test_quarters_as_people_write_them(text, expected):
    parsed = parse_quarter(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_periods_are_years_or_quarters():
    assert parse_period("2025")[0] == "year" and parse_period("2025 г.")[0] == "year"
    assert parse_period("2025Q2")[0] == "quarter"


def test_numbers_with_decimal_commas_and_thousands_spaces():
    con = duckdb.connect()
    from analytics.intake.validate import clean_number_sql, number_sql

    values = [
        "1 234,5",
        "1\u00a0234,5",
        "1.234,5",
        "1,234.5",
        "1234.5",
        "−3,5",
        "1,234",
        "abc",
        "nan",
    ]
    con.register("frame", pd.DataFrame({"v": values}))
    sql = number_sql(clean_number_sql("v"), ",")
    got = con.execute(f"SELECT {sql} FROM frame").fetchall()
    assert [g[0] for g in got][:7] == [1234.5, 1234.5, 1234.5, 1234.5, 1234.5, -3.5, 1.234]
    assert got[7][0] is None
    literal = clean_number_sql("'1,234'")
    dot = con.execute(f"SELECT {number_sql(literal, '.')}").fetchall()[0][0]
    assert dot == 1234.0
