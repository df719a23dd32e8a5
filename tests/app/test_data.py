"""The Data page: anyone views batches and revisions; only a logged-in editor uploads; a file
is validated (row-level messages in the reader's language) before it is committed, and
after a commit the other pages show the new values."""

import re
from pathlib import Path

import duckdb
import pytest

from analytics.i18n import LANGUAGES, fmt_number, t
from analytics.intake import users
from analytics.warehouse.connection import connect
from tests.app.conftest import new_app, shown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(app_db):
    """An editor and a viewer in the app's copy of the warehouse (before the app opens it)."""
    with connect(app_db) as con:
        users.add_user(con, "olga", "editor", PASSWORD)
        users.add_user(con, "vera", "viewer", PASSWORD)
    return app_db


def open_data_page(lang: str = "en"):
    at = new_app(lang).run()
    return at.switch_page("app_pages/data.py").run()


def log_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="data_login_name").input(name)
    at.text_input(key="data_login_password").input(password)
    return at.button(key="data_login_submit").click().run()


def upload(at, name: str, content: bytes):
    at.file_uploader(key="data_upload").set_value((name, content, "text/csv"))
    return at.run()


def table_with(at, column: str):
    """The shown table that has ``column`` (AppTest cannot look dataframes up by key)."""
    return next(shown(d) for d in at.dataframe if column in d.value.columns)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_data_page_renders_in_each_language_without_login(app, lang):
    at = app(lang, page="data")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("data.title", lang)
    assert not at.file_uploader  # viewing needs no login; uploading does
    assert any(i.value == t("data.login_to_upload", lang) for i in at.info)
    assert at.get("download_button")


def test_wrong_password_is_refused(accounts):
    at = log_in(open_data_page(), "olga", "not the password")
    assert not at.exception
    assert any(e.value == t("data.login_failed", "en") for e in at.error)
    assert not at.file_uploader
    assert at.text_input(key="data_login_password").value == ""  # not kept in the session


def test_a_viewer_account_cannot_upload(accounts):
    at = log_in(open_data_page(), "vera")
    assert not at.exception, [e.value for e in at.exception]
    assert any(w.value == t("data.viewer_cannot_upload", "en") for w in at.warning)
    assert not at.file_uploader


def test_editor_uploads_previews_commits_and_the_overview_shows_the_new_value(accounts, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        old_jobs, total = con.execute(
            "SELECT max(jobs_total) FILTER (park_id = 'XD-P001'), sum(jobs_total)"
            " FROM park_quarter WHERE quarter = DATE '2025-10-01'"
        ).fetchone()
    new_jobs = old_jobs + 40
    content = f"Park (code or name),Quarter,Jobs at residents\nXD-P001,2025Q4,{new_jobs:.0f}\n"

    at = log_in(open_data_page(), "olga")
    assert at.file_uploader(key="data_upload")
    at = upload(at, "correction.csv", content.encode())
    assert not at.exception, [e.value for e in at.exception]
    # The preview: nothing written yet, one row would be updated.
    assert metric(at, t("data.updated", "en")) == "1"
    assert metric(at, t("data.inserted", "en")) == "0"
    detected = table_with(at, t("data.col_detected", "en"))
    assert "UTF-8".lower() in " ".join(detected.iloc[:, 1]).lower()
    with duckdb.connect(str(demo_db), read_only=True) as con:  # the demo file is untouched
        assert con.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0

    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Committed as batch" in s.value for s in at.success)
    imports = table_with(at, t("data.col_warnings", "en"))
    assert list(imports[t("data.col_user", "en")]) == ["olga"]

    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    label = t("overview.jobs_latest", "en", quarter="Q4 2025")
    assert metric(at, label) == fmt_number(total + 40, "en")


def test_a_rejected_upload_shows_its_row_errors_and_offers_no_commit(accounts):
    at = log_in(open_data_page("ru"), "olga")
    bad = (FIXTURES / "bad" / "negative_jobs.csv").read_bytes()
    at = upload(at, "negative_jobs.csv", bad)
    assert not at.exception, [e.value for e in at.exception]
    issues = table_with(at, t("data.col_message", "ru"))
    errors = issues[issues[t("data.col_severity", "ru")] == t("data.severity_error", "ru")]
    assert len(errors) >= 1
    first = errors.iloc[0]
    assert first[t("data.col_file", "ru")] == "negative_jobs.csv"
    assert first[t("data.col_row", "ru")] == "2"  # the file's first data row
    assert first[t("data.col_value", "ru")] == "-15"
    message = first[t("data.col_message", "ru")]
    # The catalogue's Russian text with the cell's value filled in.
    template = t("intake.error.negative", "ru", value="{value}", column="{column}")
    assert message.startswith(template.split("{")[0]) and "-15" in message
    assert any(e.value == t("data.has_errors", "ru", n=len(errors)) for e in at.error)
    assert not _has_key(at, "data_commit")


def _has_key(at, key: str) -> bool:
    try:
        at.button(key=key)
    except KeyError:
        return False
    return True


def test_unreadable_upload_gives_one_translated_message(accounts):
    at = log_in(open_data_page("uk"), "olga")
    at = upload(at, "empty.csv", (FIXTURES / "bad" / "empty.csv").read_bytes())
    assert not at.exception
    assert any("empty.csv" in e.value for e in at.error)
    assert not _has_key(at, "data_commit")


def test_template_download_follows_kind_language_and_format(app):
    at = app("en", page="data")
    at.selectbox(key="data_template_kind").set_value("park_quarter").run()
    english = at.get("download_button")[0].proto.url
    at.selectbox(key="data_template_lang").set_value("uk").run()
    assert not at.exception
    ukrainian = at.get("download_button")[0].proto.url
    assert english.endswith(".xlsx") and ukrainian.endswith(".xlsx")
    assert ukrainian != english  # other headers, other file
    at.radio(key="data_template_format").set_value(".csv").run()
    assert at.get("download_button")[0].proto.url.endswith(".csv")


def test_warnings_must_be_accepted_before_commit(accounts, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        jobs = con.execute(
            "SELECT jobs_total FROM park_quarter"
            " WHERE park_id = 'XD-P001' AND quarter = DATE '2025-10-01'"
        ).fetchone()[0]
    # Jobs x 20: a unit slip the validator flags as a warning (a jump of more than 10x).
    content = f"Park (code or name),Quarter,Jobs at residents\nXD-P001,2025Q4,{jobs * 20:.0f}\n"
    at = log_in(open_data_page(), "olga")
    at = upload(at, "jump.csv", content.encode())
    assert not at.exception, [e.value for e in at.exception]
    issues = table_with(at, t("data.col_message", "en"))
    severities = set(issues[t("data.col_severity", "en")])
    assert severities == {t("data.severity_warning", "en")}
    assert at.button(key="data_commit").disabled
    at.checkbox(key="data_accept_warnings").check().run()
    assert not at.button(key="data_commit").disabled
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Committed as batch" in s.value for s in at.success)
    log = table_with(at, t("data.col_warnings", "en"))
    assert list(log[t("data.col_warnings", "en")]) == [str(len(issues))]


# ------------------------------------------------------------------ corrections (issue 12)


def _report_template(values: dict[str, dict], lang: str = "ru") -> bytes:
    """The park_quarter template with only park, quarter and the given columns filled."""
    import io
    import tempfile

    from openpyxl import load_workbook

    from analytics.intake.columns import kind_spec
    from analytics.intake.templates import write_template

    with tempfile.TemporaryDirectory() as folder:
        book = load_workbook(write_template(Path(folder) / "t.xlsx", "park_quarter", lang))
    sheet = book.worksheets[0]
    names = [c.name for c in kind_spec("park_quarter").columns]
    for r, (park, row) in enumerate(values.items(), start=2):
        sheet.cell(r, names.index("park_id") + 1, park)
        sheet.cell(r, names.index("quarter") + 1, "IV кв. 2025")
        for column, value in row.items():
            sheet.cell(r, names.index(column) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _stored(db, parks) -> dict[str, dict]:
    # Read-write like the app's own connection: one process may not mix the two modes.
    with duckdb.connect(str(db)) as con:
        frame = con.execute(
            "SELECT * EXCLUDE (source_id) FROM stg_park_quarter"
            " WHERE park_id IN ? AND quarter = DATE '2025-10-01' ORDER BY park_id",
            [list(parks)],
        ).df()
    return {row["park_id"]: row.to_dict() for _, row in frame.iterrows()}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_template_with_two_columns_filled_keeps_every_other_stored_value(accounts):
    parks = ("XD-P001", "XD-P002")
    before = _stored(accounts, parks)
    values = {
        p: {"jobs_total": r["jobs_total"] + 7, "residents_count": r["residents_count"] + 1}
        for p, r in before.items()
    }
    at = log_in(open_data_page("ru"), "olga")
    at.file_uploader(key="data_upload").set_value(("report.xlsx", _report_template(values), XLSX))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = _stored(accounts, parks)
    for park, old in before.items():
        for column, value in old.items():
            expected = values[park].get(column, value)
            got = after[park][column]
            assert (got != got and expected != expected) or got == expected, (park, column)


def test_the_preview_lists_each_change_and_clearing_needs_the_checkbox(accounts):
    before = _stored(accounts, ("XD-P001",))["XD-P001"]
    jobs = before["jobs_total"] + 5
    content = f"park_id;quarter;jobs_total;avg_wage\nXD-P001;2025Q4;{jobs:.0f};очистить\n"
    at = log_in(open_data_page("ru"), "olga")
    at = upload(at, "fix.csv", content.encode())
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, t("data.values_changed", "ru")) == "1"
    assert metric(at, t("data.values_cleared", "ru")) == "1"
    changes = table_with(at, t("data.col_change", "ru"))
    shown = changes.set_index(t("data.col_column", "ru"))
    wage = shown.loc["Средняя зарплата у резидентов"]
    assert wage[t("data.col_old", "ru")] == fmt_number(before["avg_wage"], "ru")
    assert wage[t("data.col_new", "ru")] == t("intake.history.cleared", "ru")
    assert wage[t("data.col_check", "ru")] == t("data.check_cleared", "ru")
    assert wage[t("data.col_key", "ru")] == "XD-P001 · IV кв. 2025"
    assert shown.loc["Рабочие места у резидентов", t("data.col_new", "ru")] == fmt_number(
        jobs, "ru"
    )
    # Nothing written yet; clearing is a warning the editor must accept.
    assert at.button(key="data_commit").disabled
    at.checkbox(key="data_accept_warnings").check().run()
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = _stored(accounts, ("XD-P001",))["XD-P001"]
    assert after["avg_wage"] != after["avg_wage"] and after["jobs_total"] == jobs  # NaN: cleared
    assert after["residents_count"] == before["residents_count"]
    # The imports table says what the import did to single values, not only "1 updated".
    imports = table_with(at, t("data.values_cleared", "ru")).iloc[0]
    assert imports[t("data.values_changed", "ru")] == "1"  # as shown: text in the locale
    assert imports[t("data.values_cleared", "ru")] == "1"
    assert imports[t("data.values_new", "ru")] == "0"
    # The revisions table says the value was cleared.
    at.selectbox(key="data_revisions_code").set_value("XD-P001").run()
    revisions = table_with(at, t("data.col_old", "ru"))
    wage_rows = revisions[revisions[t("data.col_column", "ru")] == "Средняя зарплата у резидентов"]
    assert list(wage_rows[t("data.col_new", "ru")]) == [t("intake.history.cleared", "ru")]
    # the record and the values as the preview named them: the quarter in words (issue 15:
    # the history printed "2025-10-01" and the column's code)
    assert list(wage_rows[t("data.col_item", "ru")]) == ["IV кв. 2025"]
    assert list(wage_rows[t("data.col_old", "ru")]) == [fmt_number(before["avg_wage"], "ru")]
    when = revisions[t("data.col_when", "ru")].iloc[-1]
    assert re.fullmatch(r"\d{1,2} [а-я]+\.? \d{4}\sг\. \d{2}:\d{2}", when), when


def test_the_template_can_be_downloaded_filled_with_the_current_data(app, app_db, monkeypatch):
    import io

    from openpyxl import load_workbook
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):
        files[filename] = data
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    at = app("en", page="data")
    at.selectbox(key="data_template_kind").set_value("park").run()
    at.checkbox(key="data_template_fill").check().run()
    assert not at.exception, [e.value for e in at.exception]
    book = load_workbook(io.BytesIO(files["park_en_filled.xlsx"]))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    with duckdb.connect(str(app_db)) as con:
        parks = con.execute("SELECT park_id, name_en FROM park ORDER BY park_id").fetchall()
    assert [(r[0], r[3]) for r in rows[1:]] == parks
    empty = load_workbook(io.BytesIO(files["park_en.xlsx"])).worksheets[0]
    assert empty.max_row == 1  # unticked: headers only


def _other_editor_loads(db, content: bytes) -> None:
    """Meanwhile someone else loads a file (the command line, another editor)."""
    from analytics.intake import commit_import, plan_import, read_file, validate

    with duckdb.connect(str(db)) as con:
        plan = plan_import(con, validate(con, read_file(content, "other.csv"), "en"))
        commit_import(con, plan, user="boris", accept_warnings=True)


def test_a_preview_made_before_another_import_of_other_values_is_committed(accounts):
    at = log_in(open_data_page("en"), "olga")
    at = upload(at, "mine.csv", b"park_id,quarter,jobs_total\nXD-P001,2025Q4,111\n")
    assert not at.exception, [e.value for e in at.exception]
    _other_editor_loads(accounts, b"park_id,quarter,jobs_total\nXD-P002,2025Q4,222\n")
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and len(at.success) == 1, [e.value for e in at.error]
    stored = _stored(accounts, ("XD-P001", "XD-P002"))
    assert stored["XD-P001"]["jobs_total"] == 111 and stored["XD-P002"]["jobs_total"] == 222


def test_a_value_another_editor_changed_since_the_preview_is_refused_naming_it(accounts):
    old = _stored(accounts, ("XD-P001",))["XD-P001"]["jobs_total"]
    at = log_in(open_data_page("ru"), "olga")
    at = upload(at, "mine.csv", b"park_id,quarter,jobs_total\nXD-P001,2025Q4,111\n")
    assert not at.exception, [e.value for e in at.exception]
    _other_editor_loads(accounts, b"park_id,quarter,jobs_total\nXD-P001,2025Q4,222\n")
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = [e.value for e in at.error]
    assert error.startswith("Файл не загружен: пока вы смотрели предпросмотр")
    assert (
        f"XD-P001 · IV кв. 2025, «Рабочие места у резидентов»: было {fmt_number(old, 'ru')}, "
        "у другого пользователя 222, у вас 111"
    ) in error
    assert _stored(accounts, ("XD-P001",))["XD-P001"]["jobs_total"] == 222
    # The page shows the new preview, made against the new data: now it can be committed.
    assert metric(at, t("data.values_changed", "ru")) == "1"
    at.button(key="data_commit").click().run()
    assert _stored(accounts, ("XD-P001",))["XD-P001"]["jobs_total"] == 111
