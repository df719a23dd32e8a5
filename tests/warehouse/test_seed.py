"""The indicator catalogue is complete in every language and its units are translatable."""

from analytics.i18n import LANGUAGES, has_key
from analytics.warehouse.build import indicator_catalogue


def test_every_indicator_is_named_and_described_in_every_language():
    catalogue = indicator_catalogue()
    for lang in LANGUAGES:
        for column in (f"name_{lang}", f"description_{lang}"):
            empty = catalogue.loc[catalogue[column].fillna("").str.strip() == "", "code"]
            assert empty.empty, f"{column} empty for {list(empty)}"
    derived = catalogue[catalogue["kind"] == "derived"]
    for lang in LANGUAGES:
        assert derived[f"formula_{lang}"].notna().all(), f"derived indicator without formula_{lang}"


def test_every_unit_has_a_translation_and_keys_are_unique():
    catalogue = indicator_catalogue()
    assert not catalogue.duplicated(["entity", "code"]).any()
    assert {"park", "region", "municipality"} == set(catalogue["entity"])
    missing = sorted(u for u in set(catalogue["unit"]) if not has_key(f"unit.{u}"))
    assert missing == []


def test_park_quarter_columns_are_all_catalogued():
    """Every reported park_quarter measure has a catalogue entry (intake maps headers through it)."""
    import duckdb

    from analytics.warehouse.connection import migrate

    con = duckdb.connect()
    migrate(con)
    columns = {r[0] for r in con.execute("DESCRIBE raw_park_quarter").fetchall()}
    measures = columns - {"source_id", "park_id", "quarter", "reported_on"}
    park_codes = set(indicator_catalogue().query("entity == 'park'")["code"])
    assert measures <= park_codes, measures - park_codes
