"""The Methods and sources page: every method's assumptions, every loaded batch's origin and
licence, the reference data sets and the KPI definitions, in each language."""

from pathlib import Path

import duckdb
import pytest
import yaml

from analytics.i18n import LANGUAGES, t
from analytics.warehouse.build import indicator_catalogue

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("twfe", "cs", "sunab", "synth", "pretrend", "relative_magnitudes")


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_methods_page_renders_every_method_in_each_language(app, lang):
    at = app(lang, page="methods")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("methods.title", lang)
    headers = {h.value for h in at.subheader}
    for method in METHODS:
        assert t(f"methods.{method}.name", lang) in headers
    text = " ".join(m.value for m in at.markdown)
    assert t("methods.twfe.distrust", lang) in text
    assert "Goodman-Bacon" in t("methods.twfe.references", lang)


def test_loaded_batches_show_their_origin_and_licence(app, demo_db):
    at = app("en", page="methods")
    shown = table_with(at, t("methods.col_licence", "en"))
    with duckdb.connect(str(demo_db), read_only=True) as con:
        sources = con.execute(
            "SELECT title, licence, simulated FROM source ORDER BY source_id"
        ).df()
    assert list(shown[t("methods.col_title", "en")]) == list(sources["title"])
    assert list(shown[t("methods.col_licence", "en")]) == list(sources["licence"])
    assert set(shown[t("methods.col_simulated", "en")]) == {t("data.yes", "en")}


def test_reference_data_sets_with_origin_licence_and_existing_copies(app):
    entries = yaml.safe_load((ROOT / "data" / "sources.yml").read_text(encoding="utf-8"))
    entries = entries["reference_data"]
    assert {e["id"] for e in entries} >= {"mpdta", "castle", "basque", "germany", "texas"}
    for entry in entries:
        assert entry["licence"] and entry["url"].startswith("https://")
        assert set(entry["purpose"]) == set(LANGUAGES)
        copy = entry["copy"].split(",")[0]
        if copy.startswith("tests/"):
            assert (ROOT / copy).exists(), copy
        for test_file in entry["used_in"].split(", "):
            assert (ROOT / test_file).exists(), test_file
    at = app("uk", page="methods")
    shown = table_with(at, t("methods.col_purpose", "uk"))
    assert list(shown[t("methods.col_purpose", "uk")]) == [e["purpose"]["uk"] for e in entries]


def test_kpi_definitions_come_from_the_indicator_catalogue(app):
    at = app("ru", page="methods")
    catalogue = indicator_catalogue()
    park = catalogue[catalogue["entity"] == "park"]
    shown = table_with(at, t("methods.col_formula", "ru"))  # the first: park indicators
    codes = list(shown[t("methods.col_code", "ru")])
    assert sorted(codes) == sorted(park["code"])
    by_code = shown.set_index(t("methods.col_code", "ru"))
    occupancy = park.set_index("code").loc["occupancy_rate"]
    assert by_code.loc["occupancy_rate", t("methods.col_formula", "ru")] == occupancy["formula_ru"]
    assert by_code.loc["occupancy_rate", t("methods.col_indicator", "ru")] == occupancy["name_ru"]
    assert by_code.loc["jobs_total", t("methods.col_formula", "ru")] == t("methods.reported", "ru")
    assert by_code.loc["jobs_total", t("methods.col_direction", "ru")] == t(
        "methods.direction_up", "ru"
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_monitoring_methods_and_every_configured_rule_are_described(app, lang):
    from analytics.policy.compliance import load_config, rule_title

    at = app(lang, page="methods")
    assert not at.exception, [e.value for e in at.exception]
    headers = {h.value for h in at.subheader}
    for section in ("compliance", "plan", "cost", "net_jobs", "peers", "growth", "rings"):
        assert t(f"methods.monitoring.{section}", lang) in headers
    text = " ".join(m.value for m in at.markdown)
    assert t("policy.rings.method", lang) in text
    assert t("policy.net_jobs.method", lang) in text
    # every rule in data/compliance.yml, read here straight from the file's own loader
    for rule in load_config().rules:
        assert rule_title(rule.rule_id, rule.kind, lang) in text
