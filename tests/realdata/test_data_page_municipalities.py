"""The Data page creates the municipalities a park registry file names when the editor ticks
"create missing municipalities", as ``import --create-municipalities`` does; unticked, the
row is refused as before."""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from analytics.i18n import t
from analytics.intake import users
from analytics.registries.init import init_warehouse
from analytics.warehouse.connection import connect

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PASSWORD = "correct horse battery"
PARKS = (
    "Парк (код або назва);Назва (українська);Тип парку;Регіон (код або назва);"
    "Громада (код або назва);Загальна площа, га\n"
    "UA-09-P01;Індустріальний парк «Східний регіон»;індустріальний парк;Луганська область;"
    "м. Попасна;15,3991\n"
).encode("cp1251")


def _data_page(db, monkeypatch) -> AppTest:
    monkeypatch.setenv("PARKS_DB", str(db))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["lang"] = "uk"
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.text_input(key="data_login_name").input("oda")
    at.text_input(key="data_login_password").input(PASSWORD)
    return at.button(key="data_login_submit").click().run()


def test_the_checkbox_creates_the_municipality_the_park_file_names(tmp_path, monkeypatch):
    db = init_warehouse(tmp_path / "ua.duckdb", "UA").path
    with connect(db) as con:
        users.add_user(con, "oda", "editor", PASSWORD)
    at = _data_page(db, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader(key="data_upload").set_value(("parks.csv", PARKS, "text/csv")).run()
    assert any(e.value == t("data.has_errors", "uk", n="1") for e in at.error)
    assert not _has(at, "data_commit")
    at.checkbox(key="data_create_municipalities").check().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    issues = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "UA-09-ПОПАСНА" in issues or "Попасна" in issues
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    con = duckdb.connect(str(db))  # as the app holds it (one configuration per process)
    try:
        park = con.execute("SELECT municipality_code FROM park").fetchall()
        towns = con.execute("SELECT code, region_code, name_uk, kind FROM municipality").fetchall()
    finally:
        con.close()
    assert towns == [("UA-09-ПОПАСНА", "UA-09", "Попасна", "city")]
    assert park == [("UA-09-ПОПАСНА",)]


def _has(at: AppTest, key: str) -> bool:
    try:
        at.button(key=key)
    except KeyError:
        return False
    return True
