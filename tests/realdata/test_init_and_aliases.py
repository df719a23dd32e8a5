"""init --country: an empty warehouse for a real country; the alias table of region names.

Reference values come from outside the project: KATOTTH UA44000000000018893 for Luhansk
oblast (InfDev/CDPN.Classifiers ClassifiersContextSeed_AtdUnits.cs, and the same code in
several other public repositories); OKATO 32000000000 for Kemerovo oblast and 45000000000
for Moscow (hflabs/region region.csv, agreeing with pazoleatti/testm dict_region.sql); the
subdivision counts of ISO 3166-2:RU (83) and ISO 3166-2:UA (27).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest

from analytics.cli import main
from analytics.errors import UserError
from analytics.registries.aliases import RegionLookup, place_key
from analytics.registries.init import init_warehouse
from analytics.registries.subdivisions import all_subdivisions, subdivisions

FORMS = Path(__file__).with_name("region_forms.csv")


def _regions(path) -> dict[str, tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT code, country_code, stat_code, name_ru, name_uk, name_en FROM region"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def test_init_ua_holds_the_oblasts_with_katotth_codes_and_three_names(tmp_path):
    summary = init_warehouse(tmp_path / "ua.duckdb", "UA")
    regions = _regions(summary.path)
    assert len(regions) == 27 and summary.rules == 2
    assert regions["UA-09"] == (
        "UA",
        "UA44000000000018893",
        "Луганская область",
        "Луганська область",
        "Luhanska oblast",
    )
    assert regions["UA-30"][1:3] == ("UA80000000000093317", "Киев")
    assert all(all(v for v in row) for row in regions.values())


def test_init_ru_holds_the_iso_subjects_with_okato_codes(tmp_path):
    summary = init_warehouse(tmp_path / "ru.duckdb", "RU")
    regions = _regions(summary.path)
    assert len(regions) == 83
    assert regions["RU-KEM"][1:3] == ("32000000000", "Кемеровская область - Кузбасс")
    assert regions["RU-MOW"][1:3] == ("45000000000", "Москва")
    assert regions["RU-TA"][2] == "Республика Татарстан (Татарстан)"
    # pycountry's uk catalogue calls both krais "Краснодарський край": not trusted
    assert regions["RU-KYA"][3] == "Красноярский край"
    con = duckdb.connect(str(summary.path), read_only=True)
    try:
        source = con.execute("SELECT simulated, kind, loaded_by FROM source").fetchall()
        country = con.execute("SELECT code, currency FROM country").fetchall()
    finally:
        con.close()
    assert source == [(False, "region", "python -m analytics init")]
    assert country == [("RU", "RUB")]


def test_init_refuses_a_warehouse_with_data_and_leaves_it_untouched(tmp_path, demo_db):
    target = tmp_path / "copy.duckdb"
    target.write_bytes(Path(demo_db).read_bytes())
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(UserError) as refused:
        init_warehouse(target, "UA")
    assert refused.value.key == "registries.init.not_empty"
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    init_warehouse(tmp_path / "new.duckdb", "UA")
    with pytest.raises(UserError):
        init_warehouse(tmp_path / "new.duckdb", "RU")  # the second init of a file


def test_init_command_takes_a_duckdb_url_and_refuses_other_urls(tmp_path, capsys):
    assert (
        main(["--lang", "en", "init", "--country", "UA", "--db", f"duckdb://{tmp_path}/u.duckdb"])
        == 0
    )
    assert "27 regions" in capsys.readouterr().out
    assert main(["--lang", "en", "init", "--country", "RU", "--db", "postgresql://x/y"]) == 2
    assert "not supported" in capsys.readouterr().err


def test_info_on_a_missing_file_names_init_as_well_as_the_demo(tmp_path, capsys):
    assert main(["--lang", "en", "info", "--db", str(tmp_path / "none.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "init --country" in err and "demo" in err


def test_every_shipped_registry_value_has_its_source_listed():
    import yaml

    sources = yaml.safe_load(Path("data/sources.yml").read_text(encoding="utf-8"))
    ids = {s["id"] for s in sources["registries"]}
    assert {"iso3166_2", "hflabs_region", "constitution_ru_65", "katotth"} <= ids
    with open("data/registries/region_aliases.csv", encoding="utf-8") as handle:
        assert {row["source"] for row in csv.DictReader(handle)} <= ids


# ---------------------------------------------------------------- aliases


def _forms() -> list[dict[str, str]]:
    with FORMS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def lookups():
    frames = {c: subdivisions(c).rename(columns={"region_code": "code"}) for c in ("RU", "UA")}
    return {c: RegionLookup(f, "ru") for c, f in frames.items()}


def test_the_forms_table_covers_every_subdivision_with_two_variants():
    forms = _forms()
    assert {f["iso_code"] for f in forms} == set(all_subdivisions()["region_code"])
    for form in forms:
        assert len({form["official"], form["variant_1"], form["variant_2"]}) == 3, form


@pytest.mark.parametrize("form", _forms(), ids=lambda f: f["iso_code"])
def test_every_subdivision_resolves_in_its_official_form_and_two_variants(form, lookups):
    lookup = lookups[form["iso_code"][:2]]
    for text in (form["official"], form["variant_1"], form["variant_2"]):
        assert lookup.code(text) == form["iso_code"], text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Кемеровская область - Кузбасс", "RU-KEM"),
        ("Кемеровская обл.", "RU-KEM"),
        ("Кузбасс", "RU-KEM"),
        ("г. Москва", "RU-MOW"),
        ("город федерального значения Москва", "RU-MOW"),
        ("Республика Татарстан (Татарстан)", "RU-TA"),
        ("Татарстан", "RU-TA"),
        ("Респ Саха /Якутия/", "RU-SA"),
        ("Ханты-Мансийский Автономный округ - Югра АО", "RU-KHM"),
        ("Республика Северная Осетия-Алания", "RU-SE"),
        ("Луганська область", "UA-09"),
        ("м. Київ", "UA-30"),
        ("Kyiv", "UA-30"),
        ("  луганська   ОБЛ. ", "UA-09"),
    ],
)
def test_the_forms_the_issue_names(text, code, lookups):
    assert lookups[code[:2]].code(text) == code


def test_a_name_that_fits_none_gets_the_nearest_suggested(lookups):
    assert lookups["RU"].code("Кемеровская облость") is None
    assert lookups["RU"].suggest("Кемеровская облость") == "Кемеровская область - Кузбасс (RU-KEM)"
    assert lookups["UA"].suggest("Луганскя обл") == "Луганская область (UA-09)"


def test_a_subdivision_of_another_registry_is_known_as_outside(lookups):
    # a Rosstat table's "Республика Крым" row in a Russian warehouse (ISO 3166-2 codes it UA-43)
    assert lookups["RU"].code("Республика Крым") is None
    assert lookups["RU"].outside("Республика Крым") == "UA-43"
    assert lookups["UA"].outside("Кемеровская область") == "RU-KEM"


def test_keys_ignore_case_punctuation_word_order_and_city_words():
    assert place_key("г. Москва") == place_key("МОСКВА") == place_key("Москва г")
    assert place_key("Кемеровская обл.") == place_key("область, Кемеровская")
    assert place_key("Ненецкий АО") != place_key("Ямало-Ненецкий АО")
