"""The Impact page: renders in every language, runs an estimate with keyed widgets, and the
headline it shows equals ``park_effect`` called directly on the same data (the session demo
warehouse; the app holds its private copy read-write)."""

import io
import json
import os
import re

import duckdb
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from analytics.effects.parks import park_effect
from analytics.i18n import LANGUAGES, fmt_number, t


@pytest.mark.parametrize("lang", LANGUAGES)
def test_impact_renders_in_each_language(app, lang):
    at = app(lang, page="impact")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("impact.title", lang)
    assert at.button(key="impact_run")


def test_cs_estimate_headline_matches_park_effect(app, demo_db):
    at = app("en", page="impact")
    at.selectbox(key="impact_outcome_municipality").set_value("employment")
    at.selectbox(key="impact_method").set_value("cs").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        direct = park_effect(con, outcome="employment", method="cs")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("impact.estimate", "en", unit=t("impact.log_points", "en"))] == fmt_number(
        direct.result.estimate, "en", 3
    )
    low, high = (fmt_number(v, "en", 3) for v in (direct.result.ci_low, direct.result.ci_high))
    assert metrics[t("impact.interval", "en", level=95)] == f"{low} – {high}"
    # The demo is simulated: the truth is shown beside the estimate.
    assert t("impact.truth", "en") in metrics
    # Event study and group-time heatmap drawn.
    assert len(at.get("plotly_chart")) == 2


def test_synthetic_control_for_one_park_draws_placebo_lines(app, demo_db):
    at = app("ru", page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    at.selectbox(key="impact_park").set_value("XD-P021").run()
    assert at.query_params["park"] == ["XD-P021"] or at.query_params["park"] == "XD-P021"
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    chart = at.get("plotly_chart")[0]
    spec = json.loads(chart.proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    placebo = t("impact.placebo", "ru")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        n_donors = len(
            park_effect(con, outcome="employment", method="sc", park_id="XD-P021").result.weights
        )
    assert names.count(placebo) == n_donors
    # One chart library: the PNG is plotly's own export of this chart, named for the effect.
    config = json.loads(chart.proto.config)
    assert config["toImageButtonOptions"] == {
        "format": "png",
        "filename": "effect_XD-P021_employment_sc_municipality",
        "scale": 2,
    }


@pytest.fixture
def media_files(monkeypatch):
    """Bytes the app handed to Streamlit's media storage (download buttons), by file id."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return stored


def downloaded(at, media_files, key: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    return media_files[os.path.splitext(os.path.basename(button.proto.url))[0]]


def _interval_in_words(text: str) -> tuple[float, float, int]:
    """The interval an English reading states, and its number of decimals."""
    low, high = re.search(r"95% CI \(?(-?[\d.,]+) – (-?[\d.,]+)\)?", text).groups()
    decimals = len(low.partition(".")[2])
    return float(low.replace(",", "")), float(high.replace(",", "")), decimals


@pytest.mark.parametrize("outcome", ["employment", "avg_wage"])
def test_synthetic_control_card_reading_and_csv_state_one_interval(
    app, demo_db, media_files, outcome
):
    """The symptom of issue 14: the card showed a placebo interval, the reading and the CSV
    another. Now the card, the reading and the CSV all show the effect's one interval."""
    at = app("en", page="impact")
    at.selectbox(key="impact_outcome_municipality").set_value(outcome)
    at.selectbox(key="impact_method").set_value("sc").run()
    park = at.selectbox(key="impact_park").value  # the first park offered, as a user sees it
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome=outcome, method="sc", park_id=park)
    assert effect.result.interval == "placebo_estimates"

    card = {m.label: m.value for m in at.metric}[t("impact.interval", "en", level=95)]
    card_low, card_high = (float(v) for v in card.split(" – "))
    low, high = (fmt_number(v, "en", 3) for v in (effect.ci_low, effect.ci_high))
    assert card == f"{low} – {high}"

    reading = next(m.value for m in at.markdown if m.value == effect.reading("en"))
    said_low, said_high, decimals = _interval_in_words(reading)
    tolerance = 0.5 * 10**-decimals + 0.5e-3  # both are the one interval, each rounded
    assert abs(said_low - card_low) <= tolerance and abs(said_high - card_high) <= tolerance
    assert ("includes zero" in reading) == (effect.ci_low <= 0 <= effect.ci_high)

    table = pd.read_csv(io.BytesIO(downloaded(at, media_files, "impact_csv")), sep=";",
                        decimal=",", encoding="utf-8-sig")  # fmt: skip
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx(
        (effect.ci_low, effect.ci_high), rel=1e-12
    )
    assert table.loc[0, "outcome"] == outcome and table.loc[0, "effect_unit"] == "log_points"


def test_diagnostics_table_lists_the_effects_facts(app, demo_db):
    at = app("en", page="impact")
    at.selectbox(key="impact_method").set_value("twfe").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="twfe")
    (shown,) = (frame.value for frame in at.dataframe)
    labels = [t(f"impact.{fact.name}", "en") for fact in effect.facts()]
    assert list(shown.iloc[:, 0]) == labels
    assert t("impact.forbidden_share", "en") in labels and t("impact.p_value", "en") in labels


# ------------------------------------------------------------------ issue 15


def plotted(values) -> list:
    """A trace's values as plotly's JSON holds them (a list, or a typed base64 buffer)."""
    import base64

    import numpy as np

    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_a_link_reproduces_an_estimate(app_db, demo_db):
    """The choices and the run live in the URL: opening the link shows the estimate without
    pressing anything, equal to park_effect with those choices."""
    from tests.app.conftest import new_app

    at = new_app("uk")
    for key, value in {"method": "cs", "outcome": "avg_wage", "transform": "level",
                       "control": "never", "estimate": "1"}.items():  # fmt: skip
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/impact.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="impact_outcome_municipality").value == "avg_wage"
    assert at.radio(key="impact_control_cs").value == "never"
    with duckdb.connect(str(demo_db), read_only=True) as con:
        direct = park_effect(con, outcome="avg_wage", method="cs", transform="level",
                             control="never")  # fmt: skip
    unit = t("unit.currency_per_month", "uk", currency=t("currency.RUB", "uk"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("impact.estimate", "uk", unit=unit)] == fmt_number(direct.estimate, "uk", 1)


def test_running_writes_every_choice_to_the_url_and_a_change_marks_it_stale(app):
    at = app("en", page="impact")
    at.selectbox(key="impact_method").set_value("sa").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    params = {k: at.query_params[k] for k in ("method", "outcome", "level", "estimate")}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    assert flat == {"method": "sa", "outcome": "employment", "level": "municipality",
                    "estimate": "1"}  # fmt: skip
    at.radio(key="impact_transform").set_value("level").run()
    assert "estimate" not in at.query_params
    assert t("impact.stale", "en") in [c.value for c in at.caption]


def test_synthetic_control_offers_only_parks_it_can_estimate_and_says_why_not(app, demo_db):
    from analytics.effects.park_eligibility import synth_eligibility

    at = app("ru", page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    assert not at.exception, [e.value for e in at.exception]
    offered = at.selectbox(key="impact_park").options
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = synth_eligibility(con, outcome="employment")
    eligible = set(table.loc[table["eligible"], "park_id"])
    assert {re.search(r"\((XD-P\d+)\)$", o).group(1) for o in offered} == eligible
    # every other park is listed with its reason in Russian
    refused = table[~table["eligible"]]
    listing = next(m.value for m in at.markdown if "XD-P" in m.value and ":" in m.value)
    for park, reason in zip(refused["park_id"], refused["reason"], strict=True):
        assert f"({park}): {reason.text('ru')}" in listing


def test_synthetic_control_shows_its_donor_weights(app, demo_db, monkeypatch):
    file_names = []
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_names.append(filename)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    at = app("ru", page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    at.selectbox(key="impact_park").set_value("XD-P021").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    from babel import Locale
    from babel.numbers import format_percent

    from tests.app.conftest import shown

    with duckdb.connect(str(demo_db), read_only=True) as con:
        weights = park_effect(con, outcome="employment", method="sc", park_id="XD-P021").result
        weights = weights.weights
        names = dict(con.execute("SELECT code, name_ru FROM municipality").fetchall())
    header = t("app_locale.impact.weight", "ru")
    table = next(shown(d) for d in at.dataframe if header in d.value.columns)
    used = weights[weights > 0.001].sort_values(ascending=False)
    assert list(table[t("app_locale.impact.donor_code", "ru")]) == list(used.index)
    assert list(table[t("app_locale.impact.donor", "ru")]) == [names[c] for c in used.index]
    pattern = Locale.parse("ru_RU").percent_formats[None].pattern.replace("#,##0", "#,##0.0")
    assert list(table[header]) == [format_percent(w, pattern, locale="ru_RU") for w in used]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [c for c in charts if c["data"][0].get("type") == "bar"]
    assert len(bars) == 1 and bars[0]["data"][0]["orientation"] == "h"
    # files named after the park, the outcome and the method
    stem = "effect_XD-P021_employment_sc_municipality"
    assert {f"{stem}.csv", f"{stem}.xlsx"} <= set(file_names)


def test_twfe_draws_its_event_study_with_a_png(app, demo_db):
    at = app("uk", page="impact")
    at.selectbox(key="impact_method").set_value("twfe").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        events = park_effect(con, outcome="employment", method="twfe").event_study.event_study
    chart = next(c for c in at.get("plotly_chart") if c.proto.spec and "error_y" in c.proto.spec)
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["title"]["text"] == t("impact.event_study", "uk")
    assert spec["layout"]["separators"] == ",\u00a0"
    config = json.loads(chart.proto.config)
    assert (
        config["toImageButtonOptions"]["filename"]
        == "effect_all_parks_employment_twfe_municipality"
    )
    assert config["locale"] == "uk" and config["locales"]["uk"]["dictionary"]
    assert list(plotted(spec["data"][0]["x"])) == list(events["rel_time"])
    assert events["rel_time"].min() == -12 and events["rel_time"].max() == 20
