"""Compliance rules on hand-built parks at, just below and just above each threshold; the demo's
flags equal the generator's truth table; a threshold changed in the file changes the flags."""

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from analytics.demo.policy import DEMO_RULES
from analytics.errors import UserError
from analytics.policy.compliance import (
    DEFAULT_CONFIG,
    compliance_check,
    evaluate_compliance,
    flag_text,
    load_config,
)
from analytics.warehouse import connect

AS_OF = pd.Timestamp("2025-12-31")
NO_REPORTS = pd.DataFrame(
    {"park_id": pd.Series(dtype="str"), "quarter": pd.Series(dtype="datetime64[ns]"),
     "area_occupied_ha": pd.Series(dtype=float)}
)  # fmt: skip


def _park(park_id: str, **fields) -> dict:
    base = {
        "park_id": park_id,
        "park_type": "industrial_park",
        "jurisdiction": "T",
        "founded_on": pd.Timestamp("2015-01-01"),
        "registered_on": pd.Timestamp("2016-01-01"),
        "first_resident_on": pd.Timestamp("2017-01-01"),
        "management_company_on": pd.Timestamp("2016-02-01"),
        "closed_on": pd.NaT,
        "excluded_on": pd.NaT,
        "total_area_ha": 100.0,
        "leasable_area_ha": 80.0,
        "production_area_ha": 70.0,
        "electricity_mw": 30.0,
    }
    base.update(fields)
    return base


def _config(tmp_path, rules: dict, name: str = "rules.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"jurisdictions": {"T": {"rules": rules}}}), encoding="utf-8")
    return load_config(path)


def _statuses(parks, config, reports=NO_REPORTS, as_of=AS_OF) -> dict:
    table = evaluate_compliance(pd.DataFrame(parks), reports, as_of, config)
    return {(r.park_id, r.rule): (r.status, r.since) for r in table.itertuples()}


# ------------------------------------------------------------------ UA: deadlines in months


def test_management_company_deadline_at_just_before_and_just_after(tmp_path):
    config = _config(
        tmp_path,
        {"mc": {"kind": "no_event_within", "start": "registered_on",
                "event": "management_company_on", "months": 24}},
    )  # fmt: skip
    # Registered 2023-12-31: the 24 months end on 2025-12-31 = the as-of date (deadline passed).
    at = _park("at", registered_on=pd.Timestamp("2023-12-31"), management_company_on=pd.NaT)
    # Registered a day later: the deadline is 2026-01-01, after the as-of date: no breach yet.
    before = _park("before", registered_on=pd.Timestamp("2024-01-01"), management_company_on=pd.NaT)
    # Registered a day earlier: deadline 2025-12-30, passed.
    after = _park("after", registered_on=pd.Timestamp("2023-12-30"), management_company_on=pd.NaT)
    # Company chosen on the deadline day (within 24 months) and one chosen late but by the
    # as-of date: both compliant as of now (a late choice cures the breach).
    on_time = _park(
        "on_time",
        registered_on=pd.Timestamp("2023-06-30"),
        management_company_on=pd.Timestamp("2025-06-30"),
    )
    cured = _park(
        "cured",
        registered_on=pd.Timestamp("2022-01-15"),
        management_company_on=pd.Timestamp("2025-12-31"),
    )
    # Chosen the day after the as-of date: not yet there on the as-of date.
    late = _park(
        "late",
        registered_on=pd.Timestamp("2022-01-15"),
        management_company_on=pd.Timestamp("2026-01-01"),
    )
    unregistered = _park("unregistered", registered_on=pd.NaT, management_company_on=pd.NaT)
    got = _statuses([at, before, after, on_time, cured, late, unregistered], config)
    assert got[("at", "mc")] == ("breach", pd.Timestamp("2025-12-31"))
    assert got[("before", "mc")][0] == "ok"
    assert got[("after", "mc")] == ("breach", pd.Timestamp("2025-12-30"))
    assert got[("on_time", "mc")][0] == "ok"
    assert got[("cured", "mc")][0] == "ok"
    assert got[("late", "mc")] == ("breach", pd.Timestamp("2024-01-15"))
    assert ("unregistered", "mc") not in got  # the clock never started


def test_participants_deadline_uses_the_real_ua_rule_of_the_file():
    config = load_config(DEFAULT_CONFIG)
    parks = [
        # 36 months after 2022-12-31 is 2025-12-31: due exactly on the as-of date.
        _park("at", jurisdiction="UA", registered_on=pd.Timestamp("2022-12-31"),
              first_resident_on=pd.NaT),
        _park("before", jurisdiction="UA", registered_on=pd.Timestamp("2023-01-01"),
              first_resident_on=pd.NaT),
        _park("resident", jurisdiction="UA", registered_on=pd.Timestamp("2020-01-01"),
              first_resident_on=pd.Timestamp("2023-12-31")),
        _park("closed", jurisdiction="UA", registered_on=pd.Timestamp("2018-01-01"),
              first_resident_on=pd.NaT, closed_on=pd.Timestamp("2022-01-01")),
        _park("excluded", jurisdiction="UA", registered_on=pd.Timestamp("2018-01-01"),
              first_resident_on=pd.NaT, excluded_on=pd.Timestamp("2021-02-01")),
    ]  # fmt: skip
    got = _statuses(parks, config)
    assert got[("at", "ua_participants_36m")] == ("breach", pd.Timestamp("2025-12-31"))
    assert got[("before", "ua_participants_36m")][0] == "ok"
    assert got[("resident", "ua_participants_36m")][0] == "ok"
    assert not any(key[0] in {"closed", "excluded"} for key in got)
    # UA rules only: no RU rule is checked for a Ukrainian park.
    assert {rule for _, rule in got} == {"ua_participants_36m", "ua_management_company_24m"}


# ------------------------------------------------------------------ RU: minimums


@pytest.mark.parametrize(
    ("area", "expected"),
    [(8.0, "ok"), (7.99, "breach"), (8.01, "ok")],
    ids=["at", "below", "above"],
)
def test_minimum_area(tmp_path, area, expected):
    config = _config(
        tmp_path,
        {"area": {"kind": "minimum", "field": "total_area_ha", "minimum": 8,
                  "park_types": ["industrial_park"]}},
    )  # fmt: skip
    parks = [_park("p", total_area_ha=area), _park("t", total_area_ha=area, park_type="technopark")]
    got = _statuses(parks, config)
    assert got[("p", "area")][0] == expected
    if expected == "breach":  # since registration
        assert got[("p", "area")][1] == pd.Timestamp("2016-01-01")
    assert ("t", "area") not in got  # the rule names industrial parks only


@pytest.mark.parametrize(
    ("production", "expected"),
    [(50.0, "ok"), (49.99, "breach"), (50.01, "ok")],
    ids=["at", "below", "above"],
)
def test_production_share(tmp_path, production, expected):
    config = _config(
        tmp_path,
        {"share": {"kind": "minimum_ratio", "numerator": "production_area_ha",
                   "denominator": "total_area_ha", "minimum": 0.5}},
    )  # fmt: skip
    # 100 ha in total: 50 ha for production is exactly half.
    unregistered = _park("u", production_area_ha=production, registered_on=pd.NaT)
    got = _statuses([_park("p", production_area_ha=production), unregistered], config)
    assert got[("p", "share")][0] == expected
    if expected == "breach":  # since registration, or founding for an unregistered park
        assert got[("p", "share")][1] == pd.Timestamp("2016-01-01")
        assert got[("u", "share")][1] == pd.Timestamp("2015-01-01")


@pytest.mark.parametrize(
    ("mw", "expected"), [(15.0, "ok"), (14.9, "breach"), (15.1, "ok")], ids=["at", "below", "above"]
)
def test_electricity_per_hectare(tmp_path, mw, expected):
    config = _config(
        tmp_path,
        {"power": {"kind": "minimum_ratio", "numerator": "electricity_mw",
                   "denominator": "total_area_ha", "minimum": 0.15}},
    )  # fmt: skip
    # 15 MW on 100 ha = 0.15 MW/ha.
    got = _statuses([_park("p", electricity_mw=mw), _park("blank", electricity_mw=None)], config)
    assert got[("p", "power")][0] == expected
    assert got[("blank", "power")][0] == "no_data"


def _reports(park_id: str, quarters: list[str], occupied: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "park_id": park_id,
            "quarter": pd.PeriodIndex(quarters, freq="Q").start_time,
            "area_occupied_ha": occupied,
        }
    )


@pytest.mark.parametrize(
    ("occupied", "expected"),
    [(40.0, "ok"), (39.9, "breach"), (40.1, "ok")],
    ids=["at", "below", "above"],
)
def test_occupancy_threshold(tmp_path, occupied, expected):
    config = _config(
        tmp_path,
        {"occ": {"kind": "occupancy_after_years", "start": "first_resident_on", "years": 3,
                 "minimum": 0.5}},
    )  # fmt: skip
    # 80 ha leasable: 40 ha is 50%. First resident 2020-03-15: the 3 years end 2023-03-15.
    park = _park("p", first_resident_on=pd.Timestamp("2020-03-15"))
    reports = _reports("p", ["2024Q1", "2024Q2", "2024Q3"], [60.0, occupied, occupied])
    got = _statuses([park], config, reports)
    assert got[("p", "occ")][0] == expected
    if expected == "breach":  # the run of low reports starts in 2024Q2, ending 30 June 2024
        assert got[("p", "occ")][1] == pd.Timestamp("2024-06-30")


def test_occupancy_grace_period_at_just_before_and_after(tmp_path):
    config = _config(
        tmp_path,
        {"occ": {"kind": "occupancy_after_years", "start": "first_resident_on", "years": 3,
                 "minimum": 0.5}},
    )  # fmt: skip
    reports = pd.concat(
        [
            _reports(p, ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"], [10.0] * 5)
            for p in ("at", "before", "after")
        ]
    )
    parks = [
        _park("at", first_resident_on=pd.Timestamp("2022-12-31")),  # 3 years end on the as-of
        _park("before", first_resident_on=pd.Timestamp("2023-01-01")),  # a day short
        _park("after", first_resident_on=pd.Timestamp("2022-12-30")),
    ]
    got = _statuses(parks, config, reports)
    # Low from 2024Q4 on; the grace period decides since when.
    assert got[("at", "occ")] == ("breach", pd.Timestamp("2025-12-31"))
    assert got[("before", "occ")][0] == "ok"
    assert got[("after", "occ")] == ("breach", pd.Timestamp("2025-12-30"))


def test_occupancy_uses_the_latest_report_with_a_value_up_to_the_as_of_quarter(tmp_path):
    config = _config(
        tmp_path,
        {"occ": {"kind": "occupancy_after_years", "start": "first_resident_on", "years": 1,
                 "minimum": 0.5}},
    )  # fmt: skip
    park = _park("p", first_resident_on=pd.Timestamp("2018-01-01"))
    # Low, recovered, low again, then a blank report and a report after the as-of quarter.
    reports = _reports(
        "p",
        ["2020Q1", "2020Q2", "2021Q1", "2021Q2", "2021Q3", "2026Q1"],
        [10.0, 60.0, 10.0, 20.0, None, 70.0],
    )
    got = _statuses([park], config, reports)
    assert got[("p", "occ")] == ("breach", pd.Timestamp("2021-03-31"))


# ------------------------------------------------------------------ configuration


def test_demo_generator_and_the_demo_profile_use_the_same_numbers():
    rules = {r.rule_id: r for r in load_config().for_jurisdiction("XD")}
    assert set(rules) == set(DEMO_RULES)
    for rule_id, numbers in DEMO_RULES.items():
        for key, value in numbers.items():
            if key == "park_types":
                assert set(rules[rule_id].park_types) == set(value)
            else:
                assert rules[rule_id].params[key] == value, rule_id


def test_every_uncertain_russian_threshold_is_marked_for_a_legal_check():
    rules = load_config().for_jurisdiction("RU")
    assert rules and all(r.needs_legal_check for r in rules)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"kind": "magic"}, "kind must be one of"),
        ({"kind": "minimum", "field": "total_area_ha"}, "missing minimum"),
        ({"kind": "minimum", "field": "total_area_ha", "minimum": "eight"}, "non-negative"),
    ],
)
def test_a_broken_rule_is_a_user_error_naming_it(tmp_path, body, problem):
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"jurisdictions": {"T": {"rules": {"r1": body}}}}))
    with pytest.raises(UserError) as error:
        load_config(path)
    assert "T/r1" in error.value.message("en") and problem in error.value.message("en")


# ------------------------------------------------------------------ the demo database


def test_demo_flags_equal_the_planted_breaches(demo_db):
    with connect(demo_db, read_only=True) as con:
        truth = con.execute("SELECT park_id, rule, since FROM truth_compliance").df()
        check = compliance_check(con)
    assert check.as_of == dt.date(2025, 12, 31)
    flags = check.flags
    assert set(truth["rule"]) == set(DEMO_RULES)  # every rule is broken by some park
    assert sorted(zip(flags["park_id"], flags["rule"], flags["since"].dt.date, strict=True)) == (
        sorted(zip(truth["park_id"], truth["rule"], pd.to_datetime(truth["since"]).dt.date,
                   strict=True))
    )  # fmt: skip
    for lang in ("ru", "uk", "en"):
        assert len(check.messages(lang)) == len(truth)


def test_changing_a_threshold_in_the_file_changes_the_flags(demo_db, tmp_path):
    content = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    with connect(demo_db, read_only=True) as con:
        before = compliance_check(con).flags
        areas = con.execute(
            "SELECT park_id, total_area_ha FROM park WHERE park_type IN"
            " ('industrial_park', 'industrial_site') AND closed_on IS NULL"
        ).df()
        content["jurisdictions"]["XD"]["rules"]["ru_min_area"]["minimum"] = 20
        path = tmp_path / "stricter.yml"
        path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
        after = compliance_check(con, config=path).flags
    small = set(areas.loc[areas["total_area_ha"] < 20, "park_id"])
    old = set(before.loc[before["rule"] == "ru_min_area", "park_id"])
    new = set(after.loc[after["rule"] == "ru_min_area", "park_id"])
    assert old < new and new == small
    others = after[after["rule"] != "ru_min_area"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        others, before[before["rule"] != "ru_min_area"].reset_index(drop=True)
    )


# ------------------------------------------------------------------ flag texts with units

UNIT_RULES = {
    "ua_management_company_24m": {"kind": "no_event_within", "start": "registered_on",
                                  "event": "management_company_on", "months": 24,
                                  "needs_legal_check": False},
    "ru_min_area": {"kind": "minimum", "field": "total_area_ha", "minimum": 12.5},
    "ru_production_share": {"kind": "minimum_ratio", "numerator": "production_area_ha",
                            "denominator": "total_area_ha", "minimum": 0.5},
    "ru_electricity_per_ha": {"kind": "minimum_ratio", "numerator": "electricity_mw",
                              "denominator": "total_area_ha", "minimum": 0.15},
    "ru_gas_per_ha": {"kind": "minimum_ratio", "numerator": "gas_m3_per_hour",
                      "denominator": "total_area_ha", "minimum": 100},
    "ru_occupancy_after_years": {"kind": "occupancy_after_years", "start": "first_resident_on",
                                 "years": 3, "minimum": 0.5},
}  # fmt: skip
# One park per rule, each breaking that rule only (100 ha in all, registered 1 Jan 2016).
UNIT_PARKS = {
    # registered 15 Jan 2023, no company: 24 months end 15 Jan 2025; 15 Jan 2023 -> 31 Dec
    # 2025 is 35 whole months
    "ua_management_company_24m": {"registered_on": pd.Timestamp("2023-01-15"),
                                  "management_company_on": pd.NaT},
    "ru_min_area": {"total_area_ha": 12.1, "production_area_ha": 12.0,
                    "electricity_mw": 5.0},  # 12.1 ha < 12.5 ha
    "ru_production_share": {"production_area_ha": 42.0},  # 42 / 100 ha = 42% < 50%
    "ru_electricity_per_ha": {"electricity_mw": 12.0},  # 12 MW / 100 ha = 0.12 MW/ha < 0.15
    "ru_gas_per_ha": {"gas_m3_per_hour": 8000.0},  # 8000 m³/h / 100 ha = 80 per ha < 100
    # first resident 15 Mar 2020 (3 years end 15 Mar 2023); 39.97 of 80 ha leasable since
    # 2024Q2 = 49.9625%: shown as 49.96%, as 50.0% would read as meeting the minimum
    "ru_occupancy_after_years": {"first_resident_on": pd.Timestamp("2020-03-15")},
}  # fmt: skip
UNIT_TEXTS = {
    ("ua_management_company_24m", "en"):
        "No management company 24 months after entering the register — 35 months have passed"
        " against a limit of 24 months; in breach since 15 Jan 2025",
    ("ua_management_company_24m", "ru"):
        "Нет управляющей компании через 24 месяца после включения в реестр — прошло 35 мес."
        " при сроке 24 мес.; нарушение с 15 янв. 2025\u202fг.",
    ("ru_min_area", "en"):
        "Park area below the minimum — 12.1 ha against a minimum of 12.5 ha; in breach since"
        " 1 Jan 2016 (Threshold needs a legal check.)",
    ("ru_min_area", "uk"):
        "Площа парку менша за мінімальну — 12,1 га за мінімуму 12,5 га; порушення з"
        " 1 січ. 2016\u202fр. (Поріг потребує юридичної перевірки.)",
    ("ru_production_share", "en"):
        "Share of land for production below the minimum — 42.0% against a minimum of 50%;"
        " in breach since 1 Jan 2016 (Threshold needs a legal check.)",
    ("ru_production_share", "ru"):
        "Доля территории под производство меньше минимальной — 42,0\xa0% при минимуме 50\xa0%;"
        " нарушение с 1 янв. 2016\u202fг. (Порог требует юридической проверки.)",
    ("ru_electricity_per_ha", "en"):
        "Electric capacity per hectare below the minimum — 0.12 MW/ha against a minimum of"
        " 0.15 MW/ha; in breach since 1 Jan 2016 (Threshold needs a legal check.)",
    ("ru_electricity_per_ha", "ru"):
        "Электрическая мощность на гектар меньше минимальной — 0,12 МВт/га при минимуме"
        " 0,15 МВт/га; нарушение с 1 янв. 2016\u202fг. (Порог требует юридической проверки.)",
    ("ru_gas_per_ha", "en"):
        "Gas capacity per hectare below the minimum — 80.0 m³/h per ha against a minimum of"
        " 100 m³/h per ha; in breach since 1 Jan 2016 (Threshold needs a legal check.)",
    ("ru_gas_per_ha", "uk"):
        "Потужність за газом на гектар менша за мінімальну — 80,0 м³/год на га за мінімуму"
        " 100 м³/год на га; порушення з 1 січ. 2016\u202fр. (Поріг потребує юридичної"
        " перевірки.)",
    ("ru_occupancy_after_years", "en"):
        "Occupancy below the minimum once the grace period after the first resident has passed"
        " — occupancy 49.96% against a minimum of 50%; in breach since 30 Jun 2024 (Threshold"
        " needs a legal check.)",
    ("ru_occupancy_after_years", "ru"):
        "Заполняемость ниже минимальной по истечении срока после прихода первого резидента —"
        " заполняемость 49,96\xa0% при минимуме 50\xa0%; нарушение с 30 июн. 2024\u202fг."
        " (Порог требует юридической проверки.)",
}  # fmt: skip


def test_flag_texts_give_every_number_its_unit(tmp_path):
    config = _config(tmp_path, UNIT_RULES)
    # every park has gas enough (20000 m³/h) but the one that should lack it
    parks = [
        _park(rule, **{"gas_m3_per_hour": 20000.0, **fields}) for rule, fields in UNIT_PARKS.items()
    ]
    occupied = _reports("ru_occupancy_after_years", ["2024Q1", "2024Q2", "2024Q3"],
                        [60.0, 39.97, 39.97])  # fmt: skip
    table = evaluate_compliance(pd.DataFrame(parks), occupied, AS_OF, config)
    flags = table[table["status"] == "breach"]
    assert sorted(zip(flags["park_id"], flags["rule"], strict=True)) == sorted(
        (rule, rule) for rule in UNIT_PARKS
    )  # each park breaks its own rule and no other
    by_rule = flags.set_index("rule")
    for (rule, lang), expected in UNIT_TEXTS.items():
        assert (
            flag_text(by_rule.loc[rule].to_dict() | {"rule": rule}, lang) == f"{rule}: {expected}"
        )


def test_a_ratio_of_fields_without_a_known_unit_prints_plain_numbers(tmp_path):
    config = _config(
        tmp_path,
        {"odd": {"kind": "minimum_ratio", "numerator": "electricity_mw",
                 "denominator": "leasable_area_mystery", "minimum": 0.5}},
    )  # fmt: skip
    table = evaluate_compliance(
        pd.DataFrame([_park("p", leasable_area_mystery=100.0)]), NO_REPORTS, AS_OF, config
    )
    row = table.iloc[0].to_dict()
    assert (row["status"], row["unit"]) == ("breach", "")  # 30 / 100 = 0.3 < 0.5
    assert "— 0.30 against a minimum of 0.5;" in flag_text(row, "en")


def test_cli_prints_the_flags(demo_db):
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "compliance", "--db", str(demo_db), "--lang", "en",
         "--quarter", "2025Q4"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Compliance as of 31 Dec 2025: 19 breaches")
    bad = subprocess.run(
        [sys.executable, "-m", "analytics", "compliance", "--db", str(demo_db), "--config",
         "/no/such/rules.yml"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "/no/such/rules.yml" in bad.stderr
