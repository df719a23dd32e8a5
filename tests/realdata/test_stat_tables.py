"""Regional statistics tables in the layouts Rosstat and Ukrstat publish, as .xlsx and as
CP1251 ';' CSV: every loaded value is the one the test wrote, subtotal rows are not loaded."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from analytics.intake import read_file
from analytics.intake.stat_tables import clean_name, clean_value, is_total
from tests.realdata.conftest import load, rows

ROSSTAT_TITLE = (
    "Численность населения по субъектам Российской Федерации (на начало квартала), человек"
)
# (label as printed, values per column, the region it is, what loads: {quarter: value})
ROSSTAT = [
    ["", "2024", None, "2025"],
    ["", "I квартал", "II квартал", "I квартал"],
    ["Российская Федерация", "146 150 789", "146 000 000", "145 900 000"],
    ["Центральный федеральный округ", "40 000 000", "39 990 000", "39 980 000"],
    ["Смоленская область1)", "874 012", "873 500 2)", "…"],
    ["г. Москва", "13 149 803", "13 150 000", "13 160 000"],
    ["Северо-Западный федеральный округ", "13 900 000", "13 890 000", "13 880 000"],
    ["Архангельская область", "1 000 000", "999 000", "998 000"],
    ["в том числе:", None, None, None],
    ["Ненецкий автономный округ", "41 000", "41 100", "41 200"],
    ["Архангельская область без автономного округа", "959 000", "957 900", "956 800"],
    ["Сибирский федеральный округ", "16 700 000", "16 690 000", "16 680 000"],
    ["Кемеровская область - Кузбасс", "2 568 000", "2 567 000", "-"],
    ["Республика Татарстан (Татарстан)", "4 004 000,5", "4 003 000", "4 002 000"],
]
ROSSTAT_NOTES = [[], ["1) Оценка."], ["2) Предварительные данные."]]
ROSSTAT_LOADED = {
    ("RU-SMO", "2024-01-01"): 874012.0,
    ("RU-SMO", "2024-04-01"): 873500.0,
    ("RU-MOW", "2024-01-01"): 13149803.0,
    ("RU-MOW", "2024-04-01"): 13150000.0,
    ("RU-MOW", "2025-01-01"): 13160000.0,
    ("RU-NEN", "2024-01-01"): 41000.0,
    ("RU-NEN", "2024-04-01"): 41100.0,
    ("RU-NEN", "2025-01-01"): 41200.0,
    ("RU-ARK", "2024-01-01"): 959000.0,
    ("RU-ARK", "2024-04-01"): 957900.0,
    ("RU-ARK", "2025-01-01"): 956800.0,
    ("RU-KEM", "2024-01-01"): 2568000.0,
    ("RU-KEM", "2024-04-01"): 2567000.0,
    ("RU-TA", "2024-01-01"): 4004000.5,
    ("RU-TA", "2024-04-01"): 4003000.0,
    ("RU-TA", "2025-01-01"): 4002000.0,
}

UKRSTAT_TITLE = "Чисельність населення (за оцінкою) на початок кварталу, осіб"
UKRSTAT = [
    ["", "I кв. 2021", "II кв. 2021"],
    ["Україна1)", "41 588 354", "41 500 000"],
    ["Автономна Республіка Крим", "…", "…"],
    ["Вінницька", "1 529 123", "1 527 000"],
    ["Луганська область2)", "2 121 322", "2 115 000"],
    ["м. Київ", "2 962 180", "2 960 000"],
    ["м.Севастополь", "…", "…"],
]
UKRSTAT_NOTES = [
    [],
    [
        "1) Без урахування тимчасово окупованої території Автономної Республіки Крим та м. Севастополя."
    ],
    ["2) Без урахування частини тимчасово окупованих територій у Луганській області."],
]
UKRSTAT_LOADED = {
    ("UA-09", "2021-01-01"): 2121322.0,
    ("UA-09", "2021-04-01"): 2115000.0,
    ("UA-30", "2021-01-01"): 2962180.0,
    ("UA-30", "2021-04-01"): 2960000.0,
}


def _xlsx(path, title, table, notes, numbers=True):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append([])
    for row in [*table, *notes]:
        cells = []
        for cell in row:
            plain = None if cell is None else cell.replace(" ", "").replace(",", ".")
            is_number = plain is not None and plain.replace(".", "").isdigit()
            cells.append(float(plain) if numbers and is_number else cell)
        sheet.append(cells)
    book.save(path)
    return path


def _csv(path, title, table, notes):
    lines = [title, ""] + [
        ";".join("" if c is None else c for c in row) for row in [*table, *notes]
    ]
    path.write_bytes("\r\n".join(lines).replace("…", "...").encode("cp1251"))
    return path


def _loaded(db) -> dict:
    found = rows(
        db, "SELECT region_code, quarter, value FROM region_quarter WHERE indicator = 'population'"
    )
    return {(r, str(q)): v for r, q, v in found}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_rosstat_table_loads_exactly_its_regions_values(ru_db, tmp_path, fmt):
    make = _xlsx if fmt == "xlsx" else _csv
    path = make(tmp_path / f"rosstat.{fmt}", ROSSTAT_TITLE, ROSSTAT, ROSSTAT_NOTES)
    report, summary = load(ru_db, path, kind="region_quarter", lang="ru")
    assert report.ok and not report.warnings, report.messages("en")
    assert summary.inserted == len(ROSSTAT_LOADED)
    assert _loaded(ru_db) == ROSSTAT_LOADED
    notes = {(i.row, i.key) for i in report.issues if i.severity == "info"}
    assert {(5, "stat.note.total"), (6, "stat.note.total"), (9, "stat.note.total")} <= notes
    assert (10, "stat.note.composite_total") in notes and (13, "stat.note.composite_part") in notes


def test_the_rosstat_table_is_detected_without_being_told_its_kind(tmp_path):
    read = read_file(_xlsx(tmp_path / "r.xlsx", ROSSTAT_TITLE, ROSSTAT, ROSSTAT_NOTES))
    assert read.kind == "region_quarter" and read.detected.indicator == "population"
    assert read.detected.header_row == 4  # the quarter row under the years


def test_a_territory_outside_the_registry_is_left_out_with_a_warning(ru_db, tmp_path):
    table = [*ROSSTAT, ["Республика Крым", "1 900 000", "1 901 000", "1 902 000"]]
    path = _xlsx(tmp_path / "r.xlsx", ROSSTAT_TITLE, table, ROSSTAT_NOTES)
    report, summary = load(ru_db, path, kind="region_quarter", commit=False)
    assert report.ok and [(i.row, i.key) for i in report.warnings] == [
        (17, "registries.warning.outside_registry")
    ]
    report, summary = load(ru_db, path, kind="region_quarter", accept_warnings=True)
    assert _loaded(ru_db) == ROSSTAT_LOADED


# The territories article 65 of Russia's constitution lists and ISO 3166-2:RU does not, as a
# recent Rosstat table prints them (with a footnote mark and no values for early periods).
OUTSIDE_ISO = [
    ["Республика Крым", "1 900 000", "1 901 000", "1 902 000"],
    ["г. Севастополь", "550 000", "551 000", "552 000"],
    ["Донецкая Народная Республика 3)", "…", "…", "2 200 000"],
    ["Луганская Народная Республика", "…", "…", "1 300 000"],
    ["Запорожская область", "…", "-", "500 000"],
    ["Херсонская область", "…", "…", "300 000 2)"],
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_territories_outside_iso_3166_2_ru_are_left_out_with_one_warning(ru_db, tmp_path, fmt):
    make = _xlsx if fmt == "xlsx" else _csv
    table = [*ROSSTAT[:5], *OUTSIDE_ISO, *ROSSTAT[5:]]
    path = make(tmp_path / f"r.{fmt}", ROSSTAT_TITLE, table, [*ROSSTAT_NOTES, ["3) Оценка."]])
    report, summary = load(ru_db, path, kind="region_quarter", lang="ru")
    assert report.ok and not report.errors and summary is None  # to accept, not refused
    [warning] = report.warnings
    names = ("Республика Крым", "г. Севастополь", "Донецкая Народная Республика",
             "Луганская Народная Республика", "Запорожская область", "Херсонская область")  # fmt: skip
    assert (warning.key, warning.row, warning.params["names"]) == (
        "registries.warning.outside_registry",
        8,
        names,
    )
    assert warning.params["values"] == 3 + 3 + 1 + 1 + 1 + 1
    assert all(f"«{name}»" in warning.message("ru") for name in names)
    report, summary = load(ru_db, path, kind="region_quarter", accept_warnings=True)
    assert summary.inserted == len(ROSSTAT_LOADED) and _loaded(ru_db) == ROSSTAT_LOADED


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_ukrstat_oblast_table_loads_exactly_and_notes_the_occupied_territories(
    ua_db, tmp_path, fmt
):
    make = _xlsx if fmt == "xlsx" else _csv
    path = make(tmp_path / f"ukrstat.{fmt}", UKRSTAT_TITLE, UKRSTAT, UKRSTAT_NOTES)
    report, summary = load(ua_db, path, kind="region_quarter", lang="uk")
    assert report.ok and not report.warnings, report.messages("en")
    expected = {
        **UKRSTAT_LOADED,
        ("UA-05", "2021-01-01"): 1529123.0,
        ("UA-05", "2021-04-01"): 1527000.0,
    }
    assert _loaded(ua_db) == expected
    keys = [(i.row, i.key) for i in report.issues if i.severity == "info"]
    assert (4, "stat.note.total") in keys  # Україна
    assert (5, "stat.note.no_values") in keys and (9, "stat.note.no_values") in keys
    assert [k for k in keys if k[1] == "stat.note.text"] == [
        (11, "stat.note.text"),
        (12, "stat.note.text"),
    ]


def test_a_digit_glued_to_a_values_footnote_mark_is_refused_not_guessed(ua_db, tmp_path):
    table = [UKRSTAT[0], ["Луганська область", "2 121 3221)", "2 115 000"]]
    report, _ = load(
        ua_db,
        _csv(tmp_path / "u.csv", UKRSTAT_TITLE, table, []),
        kind="region_quarter",
        commit=False,
    )
    assert [(i.row, i.key, i.value) for i in report.errors] == [
        (4, "intake.error.not_a_number", "2 121 3221)")
    ]


def test_an_annual_table_loads_only_when_it_is_at_the_start_of_the_year(ru_db, tmp_path):
    table = [["", "2023", "2024 г."], ["г. Москва", "13 104 177", "13 149 803"]]
    title = "Численность постоянного населения, человек"
    report, _ = load(
        ru_db, _xlsx(tmp_path / "a.xlsx", title, table, []), kind="region_quarter", commit=False
    )
    assert [i.key for i in report.errors] == ["stat.error.annual"]
    title = "Численность постоянного населения на 1 января, человек"
    report, summary = load(
        ru_db, _xlsx(tmp_path / "b.xlsx", title, table, []), kind="region_quarter"
    )
    assert report.ok and _loaded(ru_db) == {
        ("RU-MOW", "2023-01-01"): 13104177.0,
        ("RU-MOW", "2024-01-01"): 13149803.0,
    }


@pytest.mark.parametrize(
    ("text", "name"),
    [("Луганська область1)", "Луганська область"), ("Смоленская область 2)", "Смоленская область"),
     ("Вінницька¹", "Вінницька"), ("г. Москва*", "г. Москва"), ("Москва", "Москва")],
)  # fmt: skip
def test_footnote_marks_after_names(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 234,5 1)", "1 234,5"), ("102,3¹", "102,3"), ("…", None), ("-", None), ("x", None),
     ("102,31)", "102,31)"), ("...", None), ("0", "0")],
)  # fmt: skip
def test_footnote_marks_and_no_data_marks_after_values(text, value):
    assert clean_value(text) == value


@pytest.mark.parametrize(
    "text",
    ["Российская Федерация", "Центральный федеральный округ", "Україна", "в том числе:", "Итого"],
)
def test_totals_are_recognised(text):
    assert is_total(text)


def test_regions_are_not_totals():
    assert not any(
        is_total(t) for t in ("Республика Татарстан", "Ненецкий автономный округ", "м. Київ")
    )


def test_quarters_in_one_cell_keep_working_as_before(ru_db, tmp_path):
    table = [["Регион", "I кв. 2024", "II кв. 2024"], ["г. Москва", "1", "2"]]
    report, _ = load(
        ru_db, _xlsx(tmp_path / "q.xlsx", ROSSTAT_TITLE, table, []), kind="region_quarter"
    )
    assert report.ok and _loaded(ru_db) == {
        ("RU-MOW", "2024-01-01"): 1.0,
        ("RU-MOW", "2024-04-01"): 2.0,
    }
    assert dt.date(2024, 4, 1)
