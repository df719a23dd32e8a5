"""The Parks page: renders in every language; filters narrow the registry to what plain SQL
counts; a park's card shows the warehouse's values and draws its map and KPI chart."""

import base64
import json

import duckdb
import numpy as np
import pytest

from analytics.i18n import LANGUAGES, fmt_number, t


def sql(db, query: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def plotted(values) -> list:
    """A plotly JSON array: a list, or a typed array (base64 "bdata") as plotly 6+ writes."""
    if isinstance(values, dict):
        raw = base64.b64decode(values["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_parks_render_in_each_language(app, lang):
    at = app(lang, page="parks")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("parks.title", lang)
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the location map and the KPI chart
    assert '"white-bg"' in charts[0].proto.spec  # offline map style, no tiles


def test_filtering_by_type_shows_only_that_type(app, demo_db):
    at = app("en", page="parks")
    (total,) = sql(demo_db, "SELECT count(*) FROM park")[0]
    assert len(at.dataframe[0].value) == total
    at.multiselect(key="parks_type").set_value(["sez"]).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    (sez,) = sql(demo_db, "SELECT count(*) FROM park WHERE park_type = 'sez'")[0]
    assert len(table) == sez
    assert set(table["Type"]) == {t("park_type.sez", "en")}
    expected = {r[0] for r in sql(demo_db, "SELECT park_id FROM park WHERE park_type = 'sez'")}
    assert set(table["ID"]) == expected
    # the park selector offers only the parks left in the table
    offered = {o.rsplit("(", 1)[1].rstrip(")") for o in at.selectbox(key="parks_park").options}
    assert offered == expected


def test_filters_combine(app, demo_db):
    at = app("en", page="parks")
    at.multiselect(key="parks_status").set_value(["operating"]).run()
    at.multiselect(key="parks_ownership").set_value(["public"]).run()
    assert not at.exception
    (n,) = sql(
        demo_db, "SELECT count(*) FROM park WHERE status = 'operating' AND ownership = 'public'"
    )[0]
    assert len(at.dataframe[0].value) == n


def test_opening_a_park_card_shows_its_warehouse_values(app, demo_db):
    at = app("en", page="parks")
    at.selectbox(key="parks_park").set_value("XD-P003").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["park"] in ("XD-P003", ["XD-P003"])
    jobs, residents, quarter = sql(
        demo_db,
        "SELECT jobs_total, residents_count, quarter FROM park_quarter WHERE park_id = 'XD-P003'"
        " ORDER BY quarter DESC LIMIT 1",
    )[0]
    label = f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"
    assert float(metric(at, f"Jobs, {label}").replace(",", "")) == jobs
    assert float(metric(at, f"Residents, {label}").replace(",", "")) == residents
    (area,) = sql(demo_db, "SELECT total_area_ha FROM park WHERE park_id = 'XD-P003'")[0]
    assert float(metric(at, "Total area").replace(",", "")) == pytest.approx(area)
    (name,) = sql(demo_db, "SELECT name_en FROM park WHERE park_id = 'XD-P003'")[0]
    assert at.header[0].value == name


def test_kpi_chart_draws_values_and_target_markers(app, demo_db):
    at = app("en", page="parks")
    at.selectbox(key="parks_park").set_value("XD-P001").run()
    at.selectbox(key="parks_kpi").set_value("jobs_total").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    values, targets = spec["data"][0], spec["data"][1]
    reported = sql(
        demo_db,
        "SELECT jobs_total FROM park_quarter WHERE park_id = 'XD-P001'"
        " AND jobs_total IS NOT NULL ORDER BY quarter",
    )
    drawn = [v for v in plotted(values["y"]) if not np.isnan(v)]
    assert drawn == pytest.approx([r[0] for r in reported])
    annual = sql(
        demo_db,
        "SELECT period_start, target_value FROM park_target"
        " WHERE park_id = 'XD-P001' AND indicator = 'jobs_total' ORDER BY period_start",
    )
    marks = dict(zip(plotted(targets["x"]), plotted(targets["y"]), strict=True))
    for start, value in annual:  # an annual target sits at Q4 of its year
        assert marks[f"Q4 {start.year}"] == pytest.approx(value)


def test_a_park_link_opens_its_card(app_db):
    from tests.app.conftest import new_app

    at = new_app("uk")
    at.query_params["park"] = "XD-P010"
    at.run()
    at.switch_page("app_pages/parks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="parks_park").value == "XD-P010"


def test_a_corrected_report_appears_in_the_revisions_history(app_db, tmp_path):
    """Load a corrected quarterly file into the app's warehouse (as an editor would), then the
    park's card lists the change with the old and new value and who loaded it."""
    from analytics.intake import commit_import, plan_import, read_file, validate
    from analytics.intake.templates import export_frame, write_template
    from tests.app.conftest import new_app

    with duckdb.connect(str(app_db)) as con:
        frame = export_frame(con, "park_quarter", "en")  # the warehouse's own rows
        row = frame[frame.iloc[:, 0] == "XD-P001"].index[-1]
        park, old = "XD-P001", frame.loc[row, "Jobs at residents"]
        frame.loc[row, "Jobs at residents"] = 1234
        corrected = write_template(tmp_path / "corrected.xlsx", "park_quarter", "en", data=frame)
        report = validate(con, read_file(corrected, kind="park_quarter"), "en")
        commit_import(con, plan_import(con, report), user="boris", accept_warnings=True)

    at = new_app("en")
    at.query_params["park"] = park
    at.run()
    at.switch_page("app_pages/parks.py").run()
    assert not at.exception, [e.value for e in at.exception]
    history = at.dataframe[-1].value
    row = history[history["Field"] == "Jobs at residents"].iloc[-1]
    # numbers in the reader's locale, without the stored float's ".0"
    assert (row["Old value"], row["New value"]) == (fmt_number(float(old), "en"), "1,234")
    assert (row["By"], row["File"]) == ("boris", "corrected.xlsx")
