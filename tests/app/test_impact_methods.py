"""The Impact page offers every park method (one-park methods with the park chooser of
park_eligibility), shows the agreement table of the chosen park and outcome as
analytics.effects.agreement decides it, and a batch's table of every park when one exists for
the current data stamp."""

import json

import duckdb
import pandas as pd
import pytest

from analytics.effects.agreement import park_agreement
from analytics.effects.batch import plan_cells, run_batch
from analytics.effects.park_eligibility import synth_eligibility
from analytics.effects.park_spec import METHODS, ONE_PARK_METHODS
from analytics.effects.parks import park_effect
from analytics.i18n import LANGUAGES, fmt_number, t
from tests.app.conftest import shown

BIG_PARK = "XD-P021"


def test_every_method_is_offered(app):
    at = app("en", page="impact")
    assert list(at.selectbox(key="impact_method").options) == [
        t(f"method.{m}", "en") for m in METHODS
    ]


@pytest.mark.parametrize("method", [m for m in ONE_PARK_METHODS if m != "sc"])
def test_one_park_methods_offer_the_parks_they_can_estimate(app, demo_db, method):
    at = app("en", page="impact")
    at.selectbox(key="impact_method").set_value(method).run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = synth_eligibility(con, outcome="employment")
    eligible = set(table.loc[table["eligible"], "park_id"])
    offered = {o.rsplit("(", 1)[1].rstrip(")") for o in at.selectbox(key="impact_park").options}
    assert offered == eligible


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dcdh_on_the_register_status_reads_the_exits(app, demo_db, lang):
    at = app(lang, page="impact")
    at.selectbox(key="impact_method").set_value("dcdh").run()
    at.radio(key="impact_treatment").set_value("registered").run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="dcdh", treatment="registered")
    metrics = {m.label: m.value for m in at.metric}
    label = t("impact.estimate", lang, unit=t("impact.log_points", lang))
    assert metrics[label] == fmt_number(effect.estimate, lang, 3)
    assert effect.reading(lang) in [m.value for m in at.markdown]
    assert effect.switching.n_switched_off > 0


def test_agreement_table_for_one_park_shows_every_method(app, demo_db):
    at = app("ru", page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    at.selectbox(key="impact_park").set_value(BIG_PARK).run()
    at.button(key="impact_run").click().run()
    at.button(key="impact_agreement_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = park_agreement(con, outcome="employment", method="sc", park_id=BIG_PARK)
    header = t("effects_agreement.col.method", "ru")
    frame = next(shown(d) for d in at.dataframe if header in d.value.columns)
    assert list(frame[header]) == [t(f"method.{r.method}", "ru") for r in table.rows]
    estimates = frame[t("effects_agreement.col.estimate", "ru")]
    digits = table.decimals()
    assert list(estimates) == [fmt_number(r.estimate, "ru", digits) for r in table.rows]
    # A flag on every method whose interval misses another's, naming the other.
    flags = dict(zip(frame[header], frame[t("impact_methods.col_flag", "ru")], strict=True))
    for a, b in table.disagree:
        assert t(f"method.{b}", "ru") in flags[t(f"method.{a}", "ru")]
    said = [m.value for m in at.markdown] + [w.value for w in at.warning]
    assert table.reading("ru") in said
    assert t("effects_agreement.why", "ru") in table.reading("ru")


def _batch(app_db, methods: str):
    cells = plan_cells(["employment"], methods.split(","), ["XD-P021", "XD-P016", "XD-P001"])
    out = app_db.parent / "batches" / "results.parquet"
    out.parent.mkdir(exist_ok=True)
    run_batch(app_db, cells, out=out)
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_batch_table_of_every_park_for_the_current_data(app, app_db, lang):
    out = _batch(app_db, "sc")
    at = app(lang, page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    assert not at.exception, [e.value for e in at.exception]
    frame = next(shown(d) for d in at.dataframe if t("impact.park", lang) in d.value.columns)
    table = pd.read_parquet(out)
    assert list(frame[t("impact_methods.col_park_id", lang)]) == sorted(table["park_id"])
    row = table.loc[table["park_id"] == BIG_PARK].iloc[0]
    shown_row = frame.loc[frame[t("impact_methods.col_park_id", lang)] == BIG_PARK].iloc[0]
    assert shown_row[t("impact.estimate", lang, unit=t("impact.log_points", lang))] == (
        fmt_number(row["estimate"], lang, 3)
    )
    # The park that cannot be estimated keeps its row, with the reason in the reader's words.
    refused = table.loc[table["status"] != "ok"].iloc[0]
    note = frame.loc[frame[t("impact_methods.col_park_id", lang)] == refused["park_id"]]
    assert note.iloc[0][t("impact_methods.col_note", lang)].startswith(
        t(refused["reason_key"], lang, **json.loads(refused["reason_params"]))[:20]
    )


def test_a_batch_of_older_data_is_not_shown(app, app_db):
    out = _batch(app_db, "sc")
    table = pd.read_parquet(out)
    stamp = json.loads(table["data_stamp"].iloc[0])
    table["data_stamp"] = json.dumps([stamp[0], stamp[1] - 1, stamp[2]])
    table.to_parquet(out)
    at = app("en", page="impact")
    at.selectbox(key="impact_method").set_value("sc").run()
    assert not at.exception
    assert t("impact_methods.batch_title", "en") not in [s.value for s in at.subheader]


def test_batch_table_of_a_panel_method_lists_each_parks_cohort(app, app_db):
    out = _batch(app_db, "cs")
    at = app("en", page="impact")  # cs and employment are the page's defaults
    assert not at.exception, [e.value for e in at.exception]
    assert t("impact_methods.batch_title", "en") in [s.value for s in at.subheader]
    frame = next(shown(d) for d in at.dataframe if t("impact.park", "en") in d.value.columns)
    cohorts = pd.read_parquet(out).query("term == 'cohort_ATT'")
    assert sorted(frame[t("impact_methods.col_park_id", "en")]) == sorted(cohorts["park_id"])


@pytest.mark.parametrize(("method", "park"), [("imputation", None), ("sdid", BIG_PARK)])
def test_new_methods_run_on_the_page_as_park_effect(app, demo_db, method, park):
    at = app("uk", page="impact")
    at.selectbox(key="impact_method").set_value(method).run()
    if park:
        at.selectbox(key="impact_park").set_value(park).run()
    at.button(key="impact_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method=method, park_id=park)
    low, high = (fmt_number(v, "uk", 3) for v in (effect.ci_low, effect.ci_high))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("impact.interval", "uk", level=95)] == f"{low} – {high}"
    assert effect.reading("uk") in [m.value for m in at.markdown]
