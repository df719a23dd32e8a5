"""Issue 17's acceptance, end to end through the command line and the app: a real warehouse
from init, registries and a report loaded from files, nothing simulated anywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.cli import main
from analytics.kpi.park_card import park_card
from analytics.policy.compliance import compliance_check, unchecked_texts
from tests.realdata.test_stat_tables import (
    ROSSTAT,
    ROSSTAT_LOADED,
    ROSSTAT_NOTES,
    ROSSTAT_TITLE,
    _xlsx,
)

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
MUNICIPALITIES = (
    "Код громади;Назва (українська);Регіон (код або назва);Тип одиниці\n"
    "UA-09-POPASNA;Попасна;Луганська обл.;місто\n"
)
PARKS = (
    "Парк (код або назва);Назва (українська);Тип парку;Регіон (код або назва);"
    "Громада (код або назва);Загальна площа, га;Площа для резидентів, га;У державному реєстрі\n"
    "UA-09-P01;Індустріальний парк «Східний регіон»;індустріальний парк;Луганська область;"
    "Попасна;15,3991;12;так\n"
)
REPORT = (
    "Парк (код або назва);Квартал;Робочі місця в резидентів;Резиденти (учасники);"
    "Зайнята площа, га;Дата звіту\n"
    "UA-09-P01;II кв. 2025;12;1;3,5;15.07.2025\n"
)


def cli(*args: str) -> int:
    return main(["--lang", "uk", *args])


def _write(path: Path, text: str, encoding: str = "cp1251") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.fixture(scope="module")
def ua_warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accept_ua")
    db = str(folder / "ua.duckdb")
    assert cli("init", "--country", "UA", "--db", db) == 0
    for name, text in (("m.csv", MUNICIPALITIES), ("p.csv", PARKS), ("q.csv", REPORT)):
        assert cli("import", _write(folder / name, text), "--db", db, "--user", "oda") == 0
    return Path(db)


def test_ua_from_init_to_review_park_card_and_check(ua_warehouse, capsys):
    db = str(ua_warehouse)
    capsys.readouterr()
    assert cli("check", "--db", db) == 0
    assert cli("review", "--quarter", "2025Q2", "--db", db) == 0
    assert cli("info", "--db", db) == 0
    out = capsys.readouterr().out
    assert "Східний регіон" in out
    assert "Демонстрац" not in out and "вигадан" not in out
    con = duckdb.connect(db, read_only=True)
    try:
        card = park_card(con, "UA-09-P01")
        check = compliance_check(con, "2025Q2")
    finally:
        con.close()
    assert (
        card.park["municipality_code"] == "UA-09-POPASNA" and card.park["total_area_ha"] == 15.3991
    )
    assert card.latest["jobs_total"] == 12.0
    # in the register, date not given: not flagged, and the date is named
    assert check.flags.empty
    texts = unchecked_texts(check, "UA-09-P01", "uk")
    assert len(texts) == 2 and all("Дата включення до реєстру" in text for text in texts)


def test_ru_rosstat_table_loads_exactly(tmp_path, capsys):
    db = str(tmp_path / "ru.duckdb")
    assert cli("init", "--country", "RU", "--db", db) == 0
    table = _xlsx(tmp_path / "rosstat.xlsx", ROSSTAT_TITLE, ROSSTAT, ROSSTAT_NOTES)
    assert cli("import", str(table), "--db", db, "--user", "stat") == 0
    assert cli("check", "--db", db) == 0
    con = duckdb.connect(db, read_only=True)
    try:
        found = con.execute("SELECT region_code, quarter, value FROM region_quarter").fetchall()
    finally:
        con.close()
    assert {(r, str(q)): v for r, q, v in found} == ROSSTAT_LOADED


@pytest.mark.parametrize("country", ["UA", "RU"])
def test_the_example_registry_loads_into_a_fresh_warehouse(tmp_path, country, capsys):
    db = str(tmp_path / "w.duckdb")
    assert cli("init", "--country", country, "--db", db) == 0
    path = EXAMPLES / f"{country.lower()}_parks.csv"
    assert cli("import", str(path), "--db", db, "--user", "example") == 0
    assert cli("check", "--db", db) == 0
    assert cli("compliance", "--db", db) == 0
    con = duckdb.connect(db, read_only=True)
    try:
        parks = dict(con.execute("SELECT park_id, total_area_ha FROM park").fetchall())
        sources = con.execute("SELECT count(*) FROM park WHERE source_document IS NULL").fetchone()
    finally:
        con.close()
    expected = {
        "UA": {"UA-09-P01": 15.3991},
        "RU": {"RU-KEM-P01": None, "RU-SMO-P01": None, "RU-SMO-P02": None},
    }
    assert parks == expected[country] and sources == (0,)


# ---------------------------------------------------------------- the app


def _app(db, monkeypatch, lang="uk") -> AppTest:
    monkeypatch.setenv("PARKS_DB", str(db))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["lang"] = lang
    return at.run()


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.info, *at.success, *at.warning, *at.caption)]
    return " ".join(str(p) for p in parts) + " " + " ".join(str(e.value) for e in at.title)


def test_the_app_on_a_missing_warehouse_opens_on_getting_started(tmp_path, monkeypatch):
    at = _app(tmp_path / "none.duckdb", monkeypatch, "en")
    assert not at.exception and not at.error
    assert "Getting started" in _texts(at) and "init --country" in _texts(at)


def test_the_app_on_a_new_warehouse_lists_the_steps_and_no_demo_banner(tmp_path, monkeypatch):
    db = tmp_path / "ua.duckdb"
    assert cli("init", "--country", "UA", "--db", str(db)) == 0
    at = _app(db, monkeypatch)
    assert not at.exception and not at.error
    text = _texts(at)
    assert "З чого почати" in text and "Регіони" in text and "27" in text
    assert "Демонстраційні дані" not in text
    assert len(at.get("download_button")) == 12  # six steps, .xlsx and .csv each


def test_the_app_on_a_loaded_real_warehouse_opens_the_review(ua_warehouse, tmp_path, monkeypatch):
    db = tmp_path / "copy.duckdb"
    shutil.copy(ua_warehouse, db)
    at = _app(db, monkeypatch)
    assert not at.exception and not at.error
    text = _texts(at)
    assert "Демонстраційні дані" not in text
    at.switch_page("app_pages/parks.py").run()
    assert not at.exception
    park = next(s for s in at.selectbox if s.value == "UA-09-P01")
    assert "Східний регіон" in park.format_func(park.value)
    shown = " ".join(str(e.value) for e in (*at.subheader, *at.header, *at.metric))
    assert "Східний регіон" in shown or "15,3991" in shown or "12" in shown
    assert not at.error
    # the card says which registry date keeps the 24/36-month rules from being checked
    assert sum("Дата включення до реєстру" in str(i.value) for i in at.info) == 2
