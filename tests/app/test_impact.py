"""The Impact page: renders in every language, runs an estimate with keyed widgets, and the
headline it shows equals ``park_effect`` called directly on the same data (the session demo
warehouse; the app holds its private copy read-write)."""

import duckdb
import pytest

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
    at.selectbox(key="impact_outcome").set_value("employment")
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
    import json

    spec = json.loads(chart.proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    placebo = t("impact.placebo", "ru")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        n_donors = len(
            park_effect(con, outcome="employment", method="sc", park_id="XD-P021").result.weights
        )
    assert names.count(placebo) == n_donors
    at.button(key="impact_png_make").click().run()
    assert not at.exception
