"""The Quarterly review page: renders in every language; the quarter and region selectors
change the cards to the warehouse's own totals; a link keeps the view; reports download."""

import datetime as dt
import os

import duckdb
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from analytics.i18n import LANGUAGES, fmt_quarter, t
from tests.app.conftest import open_section

JOBS_LABEL = "Jobs at residents"


def number(text: str) -> float:
    """An English-formatted metric value ("43,827" / "1,566.0") as a number."""
    return float(text.replace(",", ""))


def jobs_card(at) -> float:
    return number(next(m.value for m in at.metric if m.label.startswith(JOBS_LABEL)))


def sql_jobs(db, quarter: str, region: str | None = None) -> float:
    """Outside reference: the quarter's reported jobs straight from the mart."""
    sql = (
        "SELECT sum(q.jobs_total) FROM park_quarter q JOIN park p USING (park_id)"
        " WHERE q.quarter = CAST(? AS DATE)" + (" AND p.region_code = ?" if region else "")
    )
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, [quarter, region] if region else [quarter]).fetchone()[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_review_renders_in_each_language(app, lang):
    at = app(lang, page="review")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("review.page.title", lang)
    assert any(t("simulated.notice", lang) == w.value for w in at.warning)
    labels = [m.label for m in at.metric]
    q4 = fmt_quarter(dt.date(2025, 10, 1), lang)
    assert t("review.reporting.label", lang, quarter=q4) in labels
    assert len(at.dataframe) >= 2  # status and compliance (late reports when there are some)
    assert at.button_group(key="review_section").value == "compliance"
    assert not at.get("plotly_chart")  # the chart is drawn only when its section is opened


def test_review_is_the_home_page(app):
    at = app("en")
    assert not at.exception
    assert at.title[0].value == t("review.page.title", "en")


def test_changing_the_quarter_changes_the_cards_to_the_warehouse_totals(app, demo_db):
    at = app("en", page="review")
    latest = at.selectbox(key="review_quarter").value
    assert jobs_card(at) == pytest.approx(sql_jobs(demo_db, "2025-10-01"))
    assert latest == "2025Q4"
    at.selectbox(key="review_quarter").set_value("2024Q2").run()
    assert not at.exception, [e.value for e in at.exception]
    assert jobs_card(at) == pytest.approx(sql_jobs(demo_db, "2024-04-01"))
    assert jobs_card(at) != pytest.approx(sql_jobs(demo_db, "2025-10-01"))
    assert at.query_params["quarter"] in ("2024Q2", ["2024Q2"])
    # the status table lists each park expected to report once
    with duckdb.connect(str(demo_db), read_only=True) as con:
        reported = con.execute(
            "SELECT count(*) FROM park_quarter WHERE quarter = DATE '2024-04-01'"
        ).fetchone()[0]
    status = at.dataframe[0].value
    assert status["ID"].is_unique
    assert (status["Report"] != "missing").sum() == reported


def test_changing_the_region_narrows_the_cards_to_its_parks(app, demo_db):
    at = app("en", page="review")
    at.selectbox(key="review_region").set_value("XD-10").run()
    assert not at.exception, [e.value for e in at.exception]
    assert jobs_card(at) == pytest.approx(sql_jobs(demo_db, "2025-10-01", "XD-10"))
    with duckdb.connect(str(demo_db), read_only=True) as con:
        ids = {
            r[0]
            for r in con.execute("SELECT park_id FROM park WHERE region_code = 'XD-10'").fetchall()
        }
    assert set(at.dataframe[0].value["ID"]) <= ids
    assert at.query_params["region"] in ("XD-10", ["XD-10"])


def test_a_link_reproduces_the_view(app_db, demo_db):
    from tests.app.conftest import new_app

    at = new_app("en")
    at.query_params["quarter"] = "2023Q3"
    at.query_params["region"] = "XD-10"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="review_quarter").value == "2023Q3"
    assert at.selectbox(key="review_region").value == "XD-10"
    assert jobs_card(at) == pytest.approx(sql_jobs(demo_db, "2023-07-01", "XD-10"))


def test_all_zero_weights_are_refused_in_words(app):
    at = open_section(app("en", page="review"), "ranking")
    for box in at.number_input:
        if box.key.startswith("review_weight_"):
            box.set_value(0.0)
    at.run()
    assert not at.exception
    assert t("review.page.bad_weights", "en") in [e.value for e in at.error]


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


def downloaded(at, media_files) -> bytes:
    button = at.get("download_button")[0]
    file_id = os.path.splitext(os.path.basename(button.proto.url))[0]
    return media_files[file_id]


def test_report_downloads_as_pdf_and_xlsx(app, media_files):
    at = open_section(app("uk", page="review"), "report")
    at.selectbox(key="review_region").set_value("XD-10").run()
    assert not at.get("download_button")  # nothing is built before it is asked for
    at.radio(key="review_report_format").set_value("xlsx").run()
    at.button(key="review_report_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert downloaded(at, media_files)[:2] == b"PK"
    at.radio(key="review_report_format").set_value("pdf").run()
    assert not at.get("download_button")  # another format must be prepared again
    at.button(key="review_report_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert downloaded(at, media_files)[:4] == b"%PDF"


def test_trend_chart_shows_the_quarterly_totals(app, demo_db):
    import base64
    import json

    import numpy as np

    at = open_section(app("en", page="review"), "trend")
    at.selectbox(key="review_trend_kpi").set_value("residents_count").run()
    assert not at.exception
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    y = bars["y"]
    if isinstance(y, dict):  # plotly 6+ writes numeric arrays as base64 typed arrays
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute(
            "SELECT sum(residents_count) FROM park_quarter"
            " WHERE quarter BETWEEN DATE '2024-01-01' AND DATE '2025-10-01'"
            " GROUP BY quarter ORDER BY quarter"
        ).fetchall()
    assert bars["x"][-1] == "Q4 2025"
    assert y == pytest.approx([r[0] for r in expected])


def test_ranking_choices_stay_when_another_section_is_shown(app):
    at = open_section(app("en", page="review"), "ranking")
    at.number_input(key="review_weight_occupancy_rate").set_value(0.6).run()
    top = at.dataframe[-1].value.iloc[0]["Park"]
    open_section(at, "report")
    assert t("review.page.report_weights", "en") in [c.value for c in at.caption]
    open_section(at, "ranking")
    assert at.number_input(key="review_weight_occupancy_rate").value == pytest.approx(0.6)
    assert at.dataframe[-1].value.iloc[0]["Park"] == top
    at.toggle(key="review_rank_peers").set_value(True).run()
    open_section(at, "trend")
    open_section(at, "ranking")
    assert at.toggle(key="review_rank_peers").value is True


def test_the_open_section_is_kept_in_the_link(app_db):
    from tests.app.conftest import new_app

    at = new_app("en")
    at.query_params["section"] = "ranking"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="review_section").value == "ranking"
    assert t("review.page.ranking", "en") in [h.value for h in at.subheader]
    open_section(at, "trend")
    assert at.query_params["section"] in ("trend", ["trend"])


def test_switching_the_language_does_not_recompute_the_review(app, monkeypatch):
    """The review is the same object in every language: findings and statuses are codes
    rendered on the page, so the cached review serves ru and en alike."""
    import analytics.kpi.review as review_module

    computed = []
    original = review_module.expected_parks

    def counted(parks, kpis_all, quarter):
        computed.append(quarter)
        return original(parks, kpis_all, quarter)

    monkeypatch.setattr(review_module, "expected_parks", counted)
    at = app("ru", page="review")
    findings_ru = [m.value for m in at.markdown if m.value.startswith(("⚠️", "ℹ️"))]
    at.sidebar.selectbox(key="lang_select").set_value("en").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("review.page.title", "en")
    findings_en = [m.value for m in at.markdown if m.value.startswith(("⚠️", "ℹ️"))]
    assert len(findings_en) == len(findings_ru) > 0 and findings_en != findings_ru
    assert len(computed) == 1  # one review for both languages


def sql_reporting(db, quarter: str) -> tuple[int, int]:
    """Outside reference: (parks that reported, parks due to report) for a quarter, the due
    rule written out in SQL (analytics/kpi/review.py's docstring): not closed before the
    quarter starts, and either reported by then or operating / under construction and founded
    by the quarter's end."""
    sql = """
        WITH due AS (
            SELECT p.park_id FROM park p
            WHERE (p.closed_on IS NULL OR p.closed_on >= CAST(? AS DATE))
              AND (EXISTS (SELECT 1 FROM park_quarter q WHERE q.park_id = p.park_id
                                                        AND q.quarter <= CAST(? AS DATE))
                   OR (p.status IN ('operating', 'under_construction')
                       AND (p.founded_on IS NULL
                            OR p.founded_on < CAST(? AS DATE) + INTERVAL 3 MONTH)))
        )
        SELECT count(q.park_id), count(*) FROM due
        LEFT JOIN park_quarter q ON q.park_id = due.park_id AND q.quarter = CAST(? AS DATE)
    """
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, [quarter] * 4).fetchone()


def test_reported_parks_say_their_denominator_and_agree_on_overview_and_review(app, demo_db):
    reported, due = sql_reporting(demo_db, "2025-10-01")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        registry = con.execute("SELECT count(*) FROM park").fetchone()[0]
    assert due < registry  # the denominator is the parks due to report, not the registry
    label = t("review.reporting.label", "en", quarter="Q4 2025")
    figures = {}
    for page in ("review", "overview"):
        at = app("en", page=page)
        assert not at.exception, [e.value for e in at.exception]
        figures[page] = next(m.value for m in at.metric if m.label == label)
    assert figures["review"] == figures["overview"] == f"{reported} / {due}"
