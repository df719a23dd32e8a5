"""Import kinds region and municipality, and park rows that name their municipality."""

from __future__ import annotations

import pytest

from analytics.intake.columns import KINDS, kind_spec
from analytics.intake.templates import write_template
from tests.realdata.conftest import load, rows

MUNICIPALITIES = (
    "Код громади;Назва (українська);Регіон (код або назва);Тип одиниці;"
    "Чисельність населення;Чисельність населення на дату\n"
    "UA-09-POPASNA;Попасна;Луганська обл.;місто;19 000;01.01.2022\n"
    "UA-09-SIEVIERODONETSK;Сєвєродонецьк;Луганська область;місто;;\n"
)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_region_and_municipality_are_import_kinds_with_templates(tmp_path):
    assert {"region", "municipality"} <= set(KINDS)
    spec = kind_spec("municipality")
    assert spec.keys == ("municipality_code",)
    assert {
        "stat_code",
        "region_code",
        "parent_code",
        "kind",
        "population",
        "population_on",
    } <= set(spec.names)
    for kind in ("region", "municipality"):
        for suffix in (".xlsx", ".csv"):
            path = write_template(tmp_path / f"{kind}{suffix}", kind, "uk")
            assert path.stat().st_size > 0


def test_municipality_file_loads_with_names_resolved_and_population(ua_db, tmp_path):
    report, summary = load(ua_db, write(tmp_path / "m.csv", MUNICIPALITIES, "cp1251"), lang="uk")
    assert report.ok and summary.inserted == 2
    found = rows(
        ua_db,
        "SELECT code, region_code, name_uk, name_ru, kind, population, population_on "
        "FROM municipality ORDER BY code",
    )
    assert found[0][:6] == ("UA-09-POPASNA", "UA-09", "Попасна", "Попасна", "city", 19000.0)
    assert str(found[0][6]) == "2022-01-01"
    assert found[1][5] is None


def test_a_bad_municipality_file_writes_nothing_and_says_where(ua_db, tmp_path):
    bad = MUNICIPALITIES + "UA-09-X;Х;Луганскя обл;хутір;-5;\n"
    report, summary = load(ua_db, write(tmp_path / "m.csv", bad), lang="uk")
    assert summary is None
    found = {(i.row, i.key) for i in report.errors}
    assert found == {
        (4, "intake.error.unknown_region"),
        (4, "intake.error.not_allowed"),
        (4, "intake.error.negative"),
    }
    region_issue = next(i for i in report.errors if i.key == "intake.error.unknown_region")
    assert "Луганська область (UA-09)" in region_issue.message("uk")
    assert rows(ua_db, "SELECT count(*) FROM raw_municipality") == [(0,)]


def test_a_corrected_municipality_file_is_a_revision(ua_db, tmp_path):
    load(ua_db, write(tmp_path / "m.csv", MUNICIPALITIES))
    changed = MUNICIPALITIES.replace("19 000", "18 500")
    report, summary = load(ua_db, write(tmp_path / "m2.csv", changed))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    assert rows(ua_db, "SELECT population FROM raw_municipality WHERE municipality_code = "
                "'UA-09-POPASNA' ORDER BY source_id") == [(19000.0,), (18500.0,)]  # fmt: skip


def test_a_parent_must_exist_in_the_registry_or_the_file(ua_db, tmp_path):
    text = (
        "municipality_code;name_uk;region_code;parent_code;kind\n"
        "UA-09-R1;Сіверськодонецький район;UA-09;;district\n"
        "UA-09-H1;Громада;UA-09;UA-09-R1;community\n"
        "UA-09-H2;Громада 2;UA-09;UA-09-R9;community\n"
    )
    report, _ = load(ua_db, write(tmp_path / "m.csv", text), commit=False)
    assert [(i.row, i.key) for i in report.errors] == [(4, "registries.error.unknown_parent")]


def test_a_region_file_takes_the_warehouse_country(ua_db, tmp_path):
    text = "region_code;name_uk;stat_code\nUA-09;Луганська область;UA44000000000018893\n"
    report, summary = load(ua_db, write(tmp_path / "r.csv", text))
    assert report.ok and summary.unchanged == 1  # the same as init loaded


PARKS = (
    "park_id;name_uk;park_type;region_code;municipality_code;total_area_ha\n"
    "UA-09-P01;Індустріальний парк «Східний регіон»;industrial_park;Луганська область;"
    "м. Попасна;15,3991\n"
)


def test_a_park_names_its_municipality_by_name_within_its_region(ua_db, tmp_path):
    load(ua_db, write(tmp_path / "m.csv", MUNICIPALITIES))
    # the same name in another region must not be taken for it
    other = "municipality_code;name_uk;region_code\nUA-05-POPASNA;Попасна;UA-05\n"
    load(ua_db, write(tmp_path / "o.csv", other))
    report, summary = load(ua_db, write(tmp_path / "p.csv", PARKS))
    assert report.ok and summary.inserted == 1
    assert rows(ua_db, "SELECT municipality_code, status, ownership FROM park") == [
        ("UA-09-POPASNA", None, None)
    ]


def test_an_unknown_municipality_is_an_error_unless_the_file_asks_to_create_it(ua_db, tmp_path):
    report, summary = load(ua_db, write(tmp_path / "p.csv", PARKS))
    assert summary is None
    assert [i.key for i in report.errors] == ["intake.error.unknown_municipality"]
    report, summary = load(ua_db, write(tmp_path / "p.csv", PARKS), create_municipalities=True)
    assert summary.inserted == 1
    notice = [i for i in report.issues if i.severity == "info"]
    assert [i.key for i in notice] == ["registries.municipality.created"]
    assert "UA-09-ПОПАСНА" in notice[0].message("en")
    assert rows(ua_db, "SELECT code, region_code, name_uk, kind FROM municipality") == [
        ("UA-09-ПОПАСНА", "UA-09", "Попасна", "city")
    ]
    assert rows(ua_db, "SELECT municipality_code FROM park") == [("UA-09-ПОПАСНА",)]
    park_source, muni_source = rows(
        ua_db, "SELECT (SELECT source_id FROM park), (SELECT source_id FROM municipality)"
    )[0]
    assert park_source == muni_source  # one batch, loaded together


def test_a_column_can_ask_for_the_municipality_row_by_row(ua_db, tmp_path):
    text = PARKS.replace("total_area_ha\n", "total_area_ha;create_municipality\n").replace(
        "15,3991\n", "15,3991;так\n"
    )
    report, summary = load(ua_db, write(tmp_path / "p.csv", text))
    assert summary.inserted == 1
    assert rows(ua_db, "SELECT count(*) FROM municipality") == [(1,)]


def test_a_park_file_with_an_error_creates_no_municipality(ua_db, tmp_path):
    text = PARKS + "UA-09-P02;Інший;industrial_park;Луганська область;м. Щастя;-3\n"
    report, summary = load(ua_db, write(tmp_path / "p.csv", text), create_municipalities=True)
    assert summary is None and [i.key for i in report.errors] == ["intake.error.negative"]
    assert rows(ua_db, "SELECT count(*) FROM raw_municipality") == [(0,)]
    assert rows(ua_db, "SELECT count(*) FROM raw_park") == [(0,)]


@pytest.mark.parametrize("value", ["может быть", "2"])
def test_yes_no_columns_refuse_other_words(ua_db, tmp_path, value):
    text = PARKS.replace("total_area_ha\n", "total_area_ha;in_register\n").replace(
        "15,3991\n", f"15,3991;{value}\n"
    )
    report, _ = load(ua_db, write(tmp_path / "p.csv", text), commit=False)
    assert "registries.error.not_yes_no" in [i.key for i in report.errors]
