"""Annual statistics tables as Rosstat and Ukrstat publish them (years as columns), as .xlsx
and as CP1251 ';' CSV: every value loads into the annual indicator the title names, at its
year, exactly as the test wrote it, and never beside quarterly values. A table whose columns
do not fit the frequency of the indicator its title names is refused, naming it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from analytics.i18n import t
from tests.realdata.conftest import load, rows

# ---------------------------------------------------------------- files as published


def _number(cell: str | None) -> float | None:
    """A printed number as a workbook stores it ("1 234,5" → 1234.5); None for text."""
    if cell is None:
        return None
    plain = cell.replace(" ", "").replace(",", ".")
    return float(plain) if plain.replace(".", "", 1).isdigit() else None


def xlsx(path, titles, table, notes=()):
    """A workbook as Rosstat's: title rows, a blank row, the table (numbers stored as numbers,
    footnoted values and "…" as text), the notes below."""
    book = openpyxl.Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    sheet.append([])
    for row in [*table, *notes]:
        sheet.append([_number(c) if _number(c) is not None else c for c in row])
    book.save(path)
    return path


def csv_cp1251(path, titles, table, notes=()):
    """The same as a CP1251 ';' CSV, every cell as printed ("…" stays "…": CP1251 has it)."""
    lines = [*titles, ""] + [";".join("" if c is None else c for c in row) for row in table]
    lines += [";".join(row) for row in notes]
    path.write_bytes("\r\n".join(lines).encode("cp1251"))
    return path


WRITERS = {"xlsx": xlsx, "csv": csv_cp1251}


def annual(db, indicator: str) -> dict:
    found = rows(
        db, "SELECT region_code, year, value FROM region_year WHERE indicator = ?", [indicator]
    )
    return {(r, y): v for r, y, v in found}


def quarterly(db, indicator: str) -> dict:
    found = rows(
        db,
        "SELECT region_code, quarter, value FROM region_quarter WHERE indicator = ?",
        [indicator],
    )
    return {(r, str(q)): v for r, q, v in found}


# ---------------------------------------------------------------- Rosstat: gross regional product

GRP_TITLES = ["Валовой региональный продукт", "(в текущих основных ценах; миллионов рублей)"]
GRP = [
    ["", "2021", "2022", "2023 1)"],
    ["Российская Федерация", "135 295 036,0", "153 523 000,5", "172 148 000"],
    ["Центральный федеральный округ", "48 000 000", "54 000 000", "60 000 000"],
    ["Смоленская область", "460 123,4", "512 345,6 2)", "…"],
    ["г. Москва", "24 487 000", "26 123 000", "29 000 001"],
    ["Северо-Западный федеральный округ", "14 000 000", "15 000 000", "16 000 000"],
    ["Архангельская область", "1 000 000", "1 100 000", "1 200 000"],
    ["в том числе:", None, None, None],
    ["Ненецкий автономный округ", "400 000", "450 000", "500 000"],
    ["Архангельская область без автономного округа", "600 000", "650 000", "700 000"],
    ["Южный федеральный округ", "9 000 000", "10 000 000", "11 000 000"],
    ["Республика Крым 3)", "600 000", "700 000", "800 000"],
    ["г. Севастополь", "200 000", "230 000", "260 000"],
    ["Донецкая Народная Республика", "…", "…", "900 000"],
    ["Луганская Народная Республика", "…", "…", "500 000"],
    ["Запорожская область", "…", "-", "300 000"],
    ["Херсонская область", "…", "…", "200 000 2)"],
    ["Сибирский федеральный округ", "13 000 000", "14 000 000", "15 000 000"],
    ["Кемеровская область - Кузбасс", "1 500 000", "2 300 000", "-"],
    ["Республика Татарстан (Татарстан)", "3 200 000,5", "3 700 000", "4 100 000"],
]
GRP_NOTES = [["1) Предварительные данные."], ["2) Уточнённые данные."], ["3) Оценка."]]
GRP_LOADED = {
    ("RU-SMO", 2021): 460123.4,
    ("RU-SMO", 2022): 512345.6,
    ("RU-MOW", 2021): 24487000.0,
    ("RU-MOW", 2022): 26123000.0,
    ("RU-MOW", 2023): 29000001.0,
    ("RU-NEN", 2021): 400000.0,
    ("RU-NEN", 2022): 450000.0,
    ("RU-NEN", 2023): 500000.0,
    ("RU-ARK", 2021): 600000.0,
    ("RU-ARK", 2022): 650000.0,
    ("RU-ARK", 2023): 700000.0,
    ("RU-KEM", 2021): 1500000.0,
    ("RU-KEM", 2022): 2300000.0,
    ("RU-TA", 2021): 3200000.5,
    ("RU-TA", 2022): 3700000.0,
    ("RU-TA", 2023): 4100000.0,
}
# The territories article 65 lists and ISO 3166-2:RU does not, as the table prints them.
OUTSIDE = (
    "Республика Крым",
    "г. Севастополь",
    "Донецкая Народная Республика",
    "Луганская Народная Республика",
    "Запорожская область",
    "Херсонская область",
)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_rosstat_annual_table_loads_exactly_its_years(ru_db, tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"grp.{fmt}", GRP_TITLES, GRP, GRP_NOTES)
    report, summary = load(ru_db, path, kind="region_quarter", lang="ru", accept_warnings=True)
    assert report.ok, report.messages("en")
    assert report.read.detected.indicator == "grp"
    assert summary.inserted == len(GRP_LOADED)
    assert annual(ru_db, "grp") == GRP_LOADED
    assert rows(ru_db, "SELECT count(*) FROM region_quarter") == [(0,)]
    stored = rows(ru_db, "SELECT DISTINCT quarter FROM raw_region_quarter ORDER BY 1")
    assert stored == [(dt.date(2021, 1, 1),), (dt.date(2022, 1, 1),), (dt.date(2023, 1, 1),)]
    notes = {(i.row, i.key) for i in report.issues if i.severity == "info"}
    totals = {5, 6, 9, 14, 21}  # the country and the federal districts
    assert {(r, "stat.note.total") for r in totals} <= notes
    assert (10, "stat.note.composite_total") in notes and (13, "stat.note.composite_part") in notes


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_territories_outside_iso_3166_2_ru_are_one_warning_never_data(ru_db, tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"grp.{fmt}", GRP_TITLES, GRP, GRP_NOTES)
    report, summary = load(ru_db, path, kind="region_quarter", lang="ru")
    assert report.ok and summary is None  # a warning to accept, not a refusal
    [warning] = report.warnings
    assert warning.key == "registries.warning.outside_registry"
    assert warning.params["names"] == OUTSIDE
    assert warning.params["values"] == 3 + 3 + 1 + 1 + 1 + 1
    message = warning.message("ru")
    assert all(f"«{name}»" in message for name in OUTSIDE) and "ISO 3166-2" in message
    load(ru_db, path, kind="region_quarter", accept_warnings=True)
    loaded = rows(ru_db, "SELECT DISTINCT region_code FROM raw_region_quarter")
    assert {r for (r,) in loaded} == {"RU-SMO", "RU-MOW", "RU-NEN", "RU-ARK", "RU-KEM", "RU-TA"}


# ---------------------------------------------------------------- Rosstat: other annual tables

# (title rows, indicator, years, rows as printed, what loads: {(region, year): value})
ROSSTAT_ANNUAL = [
    (
        [
            "Среднемесячная номинальная начисленная заработная плата работников организаций",
            "(рублей)",
        ],
        "avg_wage_annual",
        [
            ["Российская Федерация", "65 338", "73 709"],
            ["г. Москва", "111 302", "129 000 1)"],
            ["Смоленская область", "42 155,7", "…"],
        ],
        {("RU-MOW", 2022): 111302.0, ("RU-MOW", 2023): 129000.0, ("RU-SMO", 2022): 42155.7},
    ),
    (
        ["Среднегодовая численность занятых", "(тысяч человек)"],
        "employment_annual",
        [
            ["Российская Федерация", "71 974,0", "73 200,1"],
            ["Центральный федеральный округ", "21 000,0", "21 100,0"],
            ["Кемеровская область - Кузбасс", "1 189,4", "1 190,2"],
            ["Республика Татарстан (Татарстан)", "-", "1 960,8"],
        ],
        {("RU-KEM", 2022): 1189.4, ("RU-KEM", 2023): 1190.2, ("RU-TA", 2023): 1960.8},
    ),
    (
        ["Инвестиции в основной капитал", "(в фактически действовавших ценах; миллионов рублей)"],
        "fixed_investment_annual",
        [
            ["Российская Федерация", "28 413 900", "34 035 000"],
            ["Смоленская область 1)", "98 765,4", "105 000,1"],
        ],
        {("RU-SMO", 2022): 98765.4, ("RU-SMO", 2023): 105000.1},
    ),
    (
        ["Число предприятий и организаций", "(на конец года; единиц)"],
        "firms_count_annual",
        [["Российская Федерация", "3 300 000", "3 200 000"], ["г. Москва", "301 234", "295 111"]],
        {("RU-MOW", 2022): 301234.0, ("RU-MOW", 2023): 295111.0},
    ),
    (
        ["Уровень безработицы", "(в среднем за год; в процентах)"],
        "unemployment_rate_annual",
        [["Российская Федерация", "3,9", "3,2"], ["Смоленская область", "3,1", "2,7 1)"]],
        {("RU-SMO", 2022): 3.1, ("RU-SMO", 2023): 2.7},
    ),
    (
        ["Валовой региональный продукт на душу населения", "(рублей)"],
        "grp_per_capita",
        [["Российская Федерация", "1 047 123,5", "…"], ["г. Москва", "2 050 000", "…"]],
        {("RU-MOW", 2022): 2050000.0},
    ),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("titles", "indicator", "body", "expected"), ROSSTAT_ANNUAL, ids=[c[1] for c in ROSSTAT_ANNUAL]
)
def test_rosstat_annual_tables_load_into_their_annual_indicators(
    ru_db, tmp_path, fmt, titles, indicator, body, expected
):
    table = [["", "2022", "2023"], *body]
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", titles, table, [["1) Оценка."]])
    report, _ = load(ru_db, path, kind="region_quarter", lang="ru")
    assert report.ok and not report.warnings, report.messages("en")
    assert report.read.detected.indicator == indicator
    assert annual(ru_db, indicator) == expected
    assert rows(ru_db, "SELECT count(*) FROM region_quarter") == [(0,)]


@pytest.mark.parametrize(
    ("title", "indicator"),
    [
        (
            "Среднемесячная номинальная начисленная заработная плата работников организаций",
            "avg_wage",
        ),
        ("Инвестиции в основной капитал, миллионов рублей", "fixed_investment"),
        ("Уровень безработицы, в процентах", "unemployment_rate"),
    ],
)
def test_the_same_titles_over_quarters_load_the_quarterly_indicator(
    ru_db, tmp_path, title, indicator
):
    table = [["", "I кв. 2024", "II кв. 2024"], ["г. Москва", "10,5", "11,5"]]
    report, _ = load(ru_db, xlsx(tmp_path / "q.xlsx", [title], table), kind="region_quarter")
    assert report.ok and report.read.detected.indicator == indicator
    assert quarterly(ru_db, indicator) == {
        ("RU-MOW", "2024-01-01"): 10.5,
        ("RU-MOW", "2024-04-01"): 11.5,
    }
    assert rows(ru_db, "SELECT count(*) FROM region_year") == [(0,)]


WAGE_TITLE = "Среднемесячная номинальная начисленная заработная плата работников организаций"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_year_beside_quarters_loads_the_year_as_annual_and_the_quarters_as_quarterly(
    ru_db, tmp_path, fmt
):
    table = [
        ["", "2023", "2024", None],  # "2023" merged down over both header rows
        ["", None, "I квартал", "II квартал"],
        ["Российская Федерация", "73 709", "78 000", "83 875"],
        ["г. Москва", "129 000", "140 100,5", "150 000 1)"],
    ]
    path = WRITERS[fmt](tmp_path / f"m.{fmt}", [WAGE_TITLE, "(рублей)"], table, [["1) Оценка."]])
    report, _ = load(ru_db, path, kind="region_quarter")
    assert report.ok and not report.warnings, report.messages("en")
    assert annual(ru_db, "avg_wage_annual") == {("RU-MOW", 2023): 129000.0}
    assert quarterly(ru_db, "avg_wage") == {
        ("RU-MOW", "2024-01-01"): 140100.5,
        ("RU-MOW", "2024-04-01"): 150000.0,
    }


def test_a_year_beside_quarters_of_a_quarterly_only_indicator_is_left_out_by_name(ru_db, tmp_path):
    table = [
        ["", "2023", "2024", None],
        ["", None, "I квартал", "II квартал"],
        ["г. Москва", "13 100 000", "13 149 803", "13 150 000"],
    ]
    title = "Численность населения на начало квартала, человек"
    report, _ = load(ru_db, xlsx(tmp_path / "p.xlsx", [title], table), kind="region_quarter")
    assert report.ok and [(w.key, w.value) for w in report.warnings] == [
        ("stat.warning.columns_left_out", "2023")
    ]
    assert "«Численность населения»" in report.warnings[0].message("ru")
    load(ru_db, xlsx(tmp_path / "p.xlsx", [title], table), kind="region_quarter",
         accept_warnings=True)  # fmt: skip
    assert quarterly(ru_db, "population") == {
        ("RU-MOW", "2024-01-01"): 13149803.0,
        ("RU-MOW", "2024-04-01"): 13150000.0,
    }
    assert rows(ru_db, "SELECT count(*) FROM region_year") == [(0,)]


# ---------------------------------------------------------------- refusals by frequency


def test_years_of_a_quarterly_indicator_are_refused_naming_its_frequency(ru_db, tmp_path):
    table = [["", "2022", "2023"], ["г. Москва", "13 104 177", "13 149 803"]]
    path = xlsx(tmp_path / "a.xlsx", ["Численность населения, человек"], table)
    report, summary = load(ru_db, path, kind="region_quarter", lang="uk")
    assert [(i.row, i.key, i.value) for i in report.errors] == [
        (3, "stat.error.annual", "2022, 2023")
    ]
    assert "«Численность населения» в справочнике квартальный" in report.errors[0].message("ru")
    assert "«Чисельність населення» у довіднику квартальний" in report.errors[0].message("uk")
    assert '"Population" is quarterly' in report.errors[0].message("en")
    assert summary is None and rows(ru_db, "SELECT count(*) FROM raw_region_quarter") == [(0,)]


def test_quarters_of_an_annual_indicator_are_refused_naming_its_frequency(ru_db, tmp_path):
    table = [["", "I кв. 2023", "II кв. 2023"], ["г. Москва", "1 000", "2 000"]]
    path = csv_cp1251(tmp_path / "q.csv", ["Валовой региональный продукт, млн рублей"], table)
    report, summary = load(ru_db, path, kind="region_quarter", lang="en")
    assert [i.key for i in report.errors] == ["stat.error.quarters_for_annual"]
    message = report.errors[0].message("en")
    assert '"Gross regional product" is annual' in message and "I кв. 2023, II кв. 2023" in message
    assert "«Валовий регіональний продукт» у довіднику річний" in report.errors[0].message("uk")
    assert summary is None and rows(ru_db, "SELECT count(*) FROM raw_region_quarter") == [(0,)]


def test_an_annual_indicator_at_1_january_is_refused(ru_db, tmp_path):
    table = [["", "2022", "2023"], ["г. Москва", "1", "2"]]
    title = "Валовой региональный продукт на 1 января, млн рублей"
    report, _ = load(ru_db, xlsx(tmp_path / "s.xlsx", [title], table), kind="region_quarter")
    assert [i.key for i in report.errors] == ["stat.error.start_of_year_annual"]


# ---------------------------------------------------------------- Ukrstat: an annual oblast table

UKRSTAT_TITLES = ["Капітальні інвестиції за регіонами", "(у фактичних цінах; млн.грн)"]
UKRSTAT = [
    ["", "2019", "2020", "2021"],
    ["Україна", "584 544,0", "448 679,3", "…"],
    ["Автономна Республіка Крим", "…", "…", "…"],
    ["Вінницька", "17 623,1", "13 456,7", "17 000,0"],
    ["Луганська1)", "5 100,5", "3 200,1", "4 000"],
    ["м. Київ", "150 000,3", "120 000,2", "130 000,1 2)"],
    ["м.Севастополь", "…", "…", "…"],
]
UKRSTAT_NOTES = [
    ["1) Без урахування частини тимчасово окупованих територій у Луганській області."],
    ["2) Попередні дані."],
]
UKRSTAT_LOADED = {
    ("UA-05", 2019): 17623.1,
    ("UA-05", 2020): 13456.7,
    ("UA-05", 2021): 17000.0,
    ("UA-09", 2019): 5100.5,
    ("UA-09", 2020): 3200.1,
    ("UA-09", 2021): 4000.0,
    ("UA-30", 2019): 150000.3,
    ("UA-30", 2020): 120000.2,
    ("UA-30", 2021): 130000.1,
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_ukrstat_annual_oblast_table_loads_exactly(ua_db, tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"u.{fmt}", UKRSTAT_TITLES, UKRSTAT, UKRSTAT_NOTES)
    report, summary = load(ua_db, path, kind="region_quarter", lang="uk")
    assert report.ok and not report.warnings, report.messages("en")
    assert report.read.detected.indicator == "fixed_investment_annual"
    assert annual(ua_db, "fixed_investment_annual") == UKRSTAT_LOADED
    keys = [(i.row, i.key) for i in report.issues if i.severity == "info"]
    assert (5, "stat.note.total") in keys
    assert (6, "stat.note.no_values") in keys and (10, "stat.note.no_values") in keys
    assert (11, "stat.note.text") in keys


# ---------------------------------------------------------------- long files

LONG = "region_code;quarter;indicator;value\n"


def test_a_long_file_gives_an_annual_indicator_a_year(ru_db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        LONG + "RU-MOW;2022;grp;26 123 000\nRU-SMO;2022 г.;Валовой региональный продукт;512 345,6\n"
    )
    report, _ = load(ru_db, path)
    assert report.ok, report.messages("en")
    assert annual(ru_db, "grp") == {("RU-MOW", 2022): 26123000.0, ("RU-SMO", 2022): 512345.6}


def test_a_long_file_refuses_a_quarter_or_the_running_year_for_an_annual_indicator(ru_db, tmp_path):
    this_year = dt.date.today().year
    path = tmp_path / "long.csv"
    path.write_text(
        LONG + f"RU-MOW;2022Q2;grp;1\nRU-MOW;{this_year};grp;2\nRU-MOW;2022;population;3\n"
    )
    report, _ = load(ru_db, path, commit=False)
    assert [(i.row, i.key) for i in report.errors] == [
        (2, "stat.error.year_expected"),
        (3, "stat.error.year_not_over"),
        (4, "intake.error.not_a_quarter"),
    ]
    assert report.errors[0].message("en") == t(
        "stat.error.year_expected", "en", label="Gross regional product", value="2022Q2"
    )
