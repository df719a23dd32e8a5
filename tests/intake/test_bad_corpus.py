"""Every file of the bad-input corpus gives its specific message and changes nothing."""

import re
from pathlib import Path

import duckdb
import pytest

from analytics.errors import UserError
from analytics.intake import Limits, commit_import, plan_import, read_file, validate
from tests.intake.conftest import table_checksums

BAD = Path(__file__).parents[1] / "fixtures" / "bad"
ROW = re.compile(r"^\| `([^`]+)` \| (\S+) \| .* \| `([a-z_.]+)`:")


def corpus() -> list[tuple[str, str | None, str]]:
    cases = []
    for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            name, kind, key = match.groups()
            cases.append((name, None if kind == "detected" else kind, key))
    return cases


def attempt(db: Path, source, name: str, kind: str | None, limits: Limits | None = None):
    """Read → validate → plan → commit as the app would; return every message key seen."""
    keys = set()
    con = duckdb.connect(str(db))
    try:
        read = read_file(source, name, kind=kind, limits=limits)
        report = validate(con, read, "en")
        keys |= {i.key for i in report.issues}
        # Every message renders in every language with row and column where known.
        for lang in ("ru", "uk", "en"):
            assert all(m for m in report.messages(lang))
        plan = plan_import(con, report)
        commit_import(con, plan, user="tester")
    except UserError as exc:
        keys.add(exc.key)
        return keys, True
    finally:
        con.close()
    return keys, False


def test_the_corpus_has_at_least_30_files_each_listed():
    listed = {name for name, _, _ in corpus()}
    files = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert files == listed
    assert len(files) >= 30


@pytest.mark.parametrize(("name", "kind", "key"), corpus(), ids=[c[0] for c in corpus()])
def test_bad_file_gives_its_message_and_leaves_the_database_unchanged(refused_db, name, kind, key):
    before = table_checksums(refused_db)
    limits = Limits(max_bytes=1024) if name == "too_large.csv" else None
    keys, refused = attempt(refused_db, BAD / name, name, kind, limits)
    assert key in keys, keys
    assert refused
    assert table_checksums(refused_db) == before


def test_unknown_park_suggests_the_closest_name(intake_demo_db):
    con = duckdb.connect(str(intake_demo_db), read_only=True)
    report = validate(con, read_file(BAD / "unknown_park_near_miss.csv"), "ru")
    con.close()
    issue = next(i for i in report.issues if i.key == "intake.error.unknown_park")
    # The file's first data row names a park by a truncated name (no quotes, last letters cut).
    lines = (BAD / "unknown_park_near_miss.csv").read_text(encoding="utf-8").splitlines()
    typed_name = lines[1].split(";")[0]
    assert issue.row == 2 and issue.value == typed_name
    assert typed_name.startswith("Индустриальный парк ")
    assert "(XD-P001)" in issue.suggestion
    assert "Возможно, имелось в виду" in issue.message("ru")


def test_wrong_headers_suggest_the_right_ones(intake_demo_db):
    con = duckdb.connect(str(intake_demo_db), read_only=True)
    report = validate(con, read_file(BAD / "cp1251_wrong_headers.csv", kind="park_quarter"), "ru")
    con.close()
    unknown = {i.column: i.suggestion for i in report.issues if i.key == "intake.unknown_column"}
    assert unknown["Рабочие мста у резидентов"] == "Рабочие места у резидентов"
    assert report.read.detected.encoding == "cp1251"


def test_a_csv_with_a_10_mb_line_is_refused_before_parsing(refused_db, tmp_path):
    path = tmp_path / "long_line.csv"
    path.write_bytes(b"park_id;quarter\nXD-P001;" + b"9" * (10 * 1024 * 1024) + b"\n")
    before = table_checksums(refused_db)
    keys, refused = attempt(refused_db, path, path.name, "park_quarter")
    assert keys == {"intake.line_too_long"} and refused
    assert table_checksums(refused_db) == before


def test_the_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(UserError) as caught:
        read_file(path, limits=Limits(max_bytes=1024))
    assert caught.value.key == "intake.file_too_large"
