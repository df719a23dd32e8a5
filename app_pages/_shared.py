"""What every page shares: the cached warehouse connection, cached queries, language and banner.

Caching lives here and only here: ``st.cache_resource`` for the DuckDB connection and
``st.cache_data`` for query results keyed by their parameters and a stamp of the loaded
batches, so loading new data invalidates them. Pages call these and draw; analytics computes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from analytics import explore
from analytics.errors import UserError
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, fmt_date, fmt_number, fmt_percent, t
from analytics.i18n import unit_label as _unit_label
from analytics.intake.export import neutralise
from analytics.kpi import cards, formulas, park_card
from analytics.kpi.country import country_kpis as _country_kpis
from analytics.kpi.overview import Overview, overview
from analytics.kpi.ranking import Ranking, rank_parks
from analytics.kpi.recommendations import RecommendationsSupport, recommendations_support
from analytics.kpi.review import Review, quarterly_review
from analytics.warehouse.connection import connect, default_db_path

if TYPE_CHECKING:  # the report writers import matplotlib: loaded on demand only
    from analytics.reports.document import ReportContent

LANGUAGE_NAMES = {"ru": "Русский", "uk": "Українська", "en": "English"}


def language() -> str:
    """The language from the URL (?lang=uk), so a link reproduces the view; Russian by default."""
    lang = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def sidebar_language_switch(lang: str) -> None:
    def _changed() -> None:
        st.query_params["lang"] = st.session_state["lang_select"]

    st.sidebar.selectbox(
        t("app.language", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=LANGUAGE_NAMES.__getitem__,
        key="lang_select",
        on_change=_changed,
    )


def url_choice(key: str, options: list, default=None):
    """A choice kept in the URL (?quarter=2025Q2&region=XD-R01&park=XD-P001) so that a link
    reproduces the view. Returns the URL's value when it is one of ``options``, else
    ``default`` (or the first option). Pages pass the same ``key`` to their widget and call
    :func:`remember_choice` from its ``on_change``."""
    value = st.query_params.get(key)
    if value in options:
        return value
    return default if default in options else (options[0] if options else None)


def region_select(container, label: str, names: dict[str, str], all_label: str, key: str):
    """A region choice with "all regions" (None) first, kept in the URL (?region=XD-05)."""
    options = [None, *names]
    return container.selectbox(
        label,
        options,
        index=options.index(url_choice("region", options, None)),
        format_func=lambda c: all_label if c is None else names[c],
        key=key,
        on_change=remember_choice,
        args=("region", key),
    )


def remember_choice(key: str, widget_key: str) -> None:
    """Write a widget's value to the URL (use as ``on_change=remember_choice, args=(...)``)."""
    value = st.session_state.get(widget_key)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


@st.cache_resource
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    """The app's one DuckDB connection, read-write because editors load data from the Data
    page (DuckDB lets one process hold a file read-write; pages take a cursor per call)."""
    if not Path(path).exists():
        raise UserError("warehouse.missing", path=path)
    return connect(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the shared connection (DuckDB cursors are not shared across threads)."""
    return _connection(str(default_db_path())).cursor()


# A page asks for the stamp once per cached accessor, dozens of times a run; reading it takes a
# cursor and a query each time, which made up a third of a cached rerun. It is kept for a
# moment instead: an import from the command line shows on the next interaction after that,
# one from the Data page at once (it calls forget_data_stamp).
STAMP_SECONDS = 1.0
_stamps: dict[str, tuple[float, tuple[str, int, int]]] = {}


def _db_stamp() -> tuple[str, int, int]:
    """Cache key of the data: the file plus the newest loaded batch, so an import (from the
    app or the command line) invalidates every cached query."""
    path = str(default_db_path())
    now = time.monotonic()
    kept = _stamps.get(path)
    if kept is not None and now - kept[0] < STAMP_SECONDS:
        return kept[1]
    with _connection(path).cursor() as cur:
        newest, batches = cur.execute(
            "SELECT coalesce(max(source_id), 0), count(*) FROM source"
        ).fetchone()
    stamp = (path, newest, batches)
    _stamps[path] = (now, stamp)
    return stamp


def forget_data_stamp() -> None:
    """Read the data stamp afresh on the next call (after the app itself loaded data)."""
    _stamps.clear()


def require_database(lang: str) -> None:
    """Stop the page with a translated explanation when the warehouse cannot be opened."""
    try:
        _db_stamp()
    except UserError as exc:
        st.error(exc.message(lang))
        st.stop()


@st.cache_data(show_spinner=False)
def _overview(path: str, newest: int, batches: int) -> Overview:
    with _connection(path).cursor() as cur:
        return overview(cur)


def load_overview() -> Overview:
    return _overview(*_db_stamp())


def data_banner(lang: str) -> None:
    """The simulated-data notice, on every page while demo data are loaded."""
    try:
        simulated = load_overview().simulated
    except UserError:
        return
    if simulated:
        st.warning(t("app.simulated_banner", lang), icon="⚠️")


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language."""
    return ".," if lang == "en" else ", "


def indicator_select(container, label: str, names: dict[str, str], key: str):
    """A choice of indicator (code -> name in the language), employment first when offered."""
    options = list(names)
    return container.selectbox(
        label,
        options,
        index=options.index("employment") if "employment" in names else 0,
        format_func=names.__getitem__,
        key=key,
    )


def quarter_axis_layout(figure, lang: str, title: str, unit_code: str, **layout) -> None:
    """A chart over quarters labelled in the language: category x axis, the indicator and its
    unit on the y axis, shares as percentages."""
    figure.update_layout(
        separators=plotly_separators(lang),
        yaxis_title=title,
        xaxis={"type": "category"},
        margin={"t": 10},
        **layout,
    )
    if unit_code == "share":
        figure.update_yaxes(tickformat=".0%")


@st.cache_data(show_spinner=False)
def _cached(name: str, stamp: tuple[str, int, int], *args):
    """One cache for the queries pages use, keyed by function, data stamp and arguments."""
    with _connection(stamp[0]).cursor() as cur:
        return _QUERIES[name](cur, *args)


_QUERIES = {
    "indicators": explore.indicators,
    "quarters": explore.quarters,
    "currency": explore.currency,
    "group_labels": explore.group_labels,
    "series": lambda cur, *a: explore.series(
        cur, a[0], a[1], group_by=a[2], start=a[3], end=a[4], region=a[5]
    ),
    "regions": lambda cur, lang: dict(
        cur.execute(f"SELECT code, name_{lang} FROM region ORDER BY name_{lang}").fetchall()
    ),
}


def indicators(level: str) -> pd.DataFrame:
    return _cached("indicators", _db_stamp(), level)


def quarters() -> list[dt.date]:
    return _cached("quarters", _db_stamp())


def regions(lang: str) -> dict[str, str]:
    """Region code -> name in the language, sorted by name."""
    return _cached("regions", _db_stamp(), lang)


def group_labels(group_by: str, lang: str) -> dict[str, str]:
    return _cached("group_labels", _db_stamp(), group_by, lang)


def explore_series(level, indicator, group_by, start, end, region) -> explore.Series:
    return _cached("series", _db_stamp(), level, indicator, group_by, start, end, region)


def unit_label(unit: str, lang: str) -> str:
    return _unit_label(unit, lang, _cached("currency", _db_stamp()))


# ---------------------------------------------------------------------------------------
# Quarterly review and parks (app_pages/review.py, app_pages/parks.py)


def _review_of(cur, quarter: str, region: str | None, lang: str) -> Review:
    return quarterly_review(cur, quarter, region, lang, park_kpis(region))


def _report_content(cur, quarter: str, region: str | None, lang: str, weights) -> ReportContent:
    from analytics.reports.document import build_report

    return build_report(cur, quarter, region, None, lang, weights=dict(weights))


def _report_file(cur, quarter: str, region: str | None, lang: str, fmt: str, weights) -> bytes:
    from analytics.reports.commands import write_report

    buffer = io.BytesIO()
    write_report(report_content(quarter, region, lang, weights), fmt, buffer)
    return buffer.getvalue()


def _ranking_of(cur, quarter: str, region: str | None, weights) -> Ranking:
    ranked = rank_parks(park_kpis(region), quarter, dict(weights))
    # st.cache_data pickles results; the read-only weights mapping does not pickle
    return dataclasses.replace(ranked, weights=dict(ranked.weights))


def _park_card_of(cur, park_id: str) -> park_card.ParkCard:
    region = cur.execute("SELECT region_code FROM park WHERE park_id = ?", [park_id]).fetchone()
    return park_card.park_card(cur, park_id, park_kpis(region[0]) if region else None)


_QUERIES.update(
    {
        "park_kpis": lambda cur, region: formulas.park_kpis(cur, None, None, region),
        "review": _review_of,
        "review_cards": lambda cur, q, region, lang: cards.review_cards(
            review(q, region, lang), park_kpis(region)
        ),
        "ranking": _ranking_of,
        "card_history": lambda cur, q, region, lang, code: cards.card_history(
            review(q, region, lang), park_kpis(region), code
        ),
        "recommendations": lambda cur, q, region, lang: recommendations_support(
            review(q, region, lang)
        ),
        "report_content": _report_content,
        "report_file": _report_file,
        "park_registry": lambda cur: formulas.load_parks(cur),
        "park_card": _park_card_of,
        "municipalities": lambda cur, lang: dict(
            cur.execute(f"SELECT code, name_{lang} FROM municipality ORDER BY code").fetchall()
        ),
        "indicator_names": lambda cur, lang: dict(
            cur.execute(f"SELECT code, name_{lang} FROM indicator WHERE entity = 'park'").fetchall()
        ),
        "report_quarters": lambda cur: [
            r[0]
            for r in cur.execute("SELECT DISTINCT quarter FROM park_quarter ORDER BY 1").fetchall()
        ],
        "indicator_units": lambda cur: dict(
            cur.execute("SELECT code, unit FROM indicator WHERE entity = 'park'").fetchall()
        ),
    }
)


def park_kpis(region: str | None) -> pd.DataFrame:
    """``park_kpis`` of a region (None: all parks) over every reported quarter."""
    return _cached("park_kpis", _db_stamp(), region)


def review(quarter: str, region: str | None, lang: str) -> Review:
    """The quarterly review of ``quarter`` ("2025Q4") for a region or all parks."""
    return _cached("review", _db_stamp(), quarter, region, lang)


def review_cards(quarter: str, region: str | None, lang: str) -> tuple[cards.KpiCard, ...]:
    return _cached("review_cards", _db_stamp(), quarter, region, lang)


def card_history(quarter: str, region: str | None, lang: str, code: str) -> pd.DataFrame:
    """A KPI card's total over the 8 quarters up to ``quarter`` (analytics.kpi.cards)."""
    return _cached("card_history", _db_stamp(), quarter, region, lang, code)


def ranking(quarter: str, region: str | None, weights: tuple[tuple[str, float], ...]) -> Ranking:
    """The composite index; ``weights``: (KPI code, weight) pairs (hashable for the cache)."""
    return _cached("ranking", _db_stamp(), quarter, region, weights)


def recommendations(quarter: str, region: str | None, lang: str) -> RecommendationsSupport:
    return _cached("recommendations", _db_stamp(), quarter, region, lang)


def report_content(quarter, region, lang, weights) -> ReportContent:
    return _cached("report_content", _db_stamp(), quarter, region, lang, weights)


def report_file(quarter: str, region: str | None, lang: str, fmt: str, weights) -> bytes:
    """The quarterly report as PDF, DOCX or XLSX bytes, built once per parameters and data."""
    return _cached("report_file", _db_stamp(), quarter, region, lang, fmt, weights)


def park_registry() -> pd.DataFrame:
    return _cached("park_registry", _db_stamp())


def park_card_data(park_id: str) -> park_card.ParkCard:
    return _cached("park_card", _db_stamp(), park_id)


def municipalities(lang: str) -> dict[str, str]:
    return _cached("municipalities", _db_stamp(), lang)


def indicator_names(lang: str) -> dict[str, str]:
    """Park-level indicator code -> name in the language."""
    return _cached("indicator_names", _db_stamp(), lang)


def indicator_unit_codes() -> dict[str, str]:
    """Park-level indicator code -> unit code of the catalogue (share, persons, ha ...)."""
    return _cached("indicator_units", _db_stamp())


def status_counts(quarter: str, region: str | None, lang: str) -> dict[str, int]:
    return cards.status_counts(review(quarter, region, lang))


def reporting_counts(quarter: str, region: str | None, lang: str) -> tuple[int, int]:
    return cards.reporting_counts(review(quarter, region, lang))


def indicator_units(lang: str) -> dict[str, str]:
    """Park-level indicator code -> unit in words (currency of the data where one)."""
    stamp = _db_stamp()
    currency = _cached("currency", stamp)
    return {
        code: _unit_label(unit, lang, currency)
        for code, unit in _cached("indicator_units", stamp).items()
    }


def report_quarters() -> list[str]:
    """Quarters with park reports, oldest first, as URL values ("2025Q4")."""
    days = _cached("report_quarters", _db_stamp())
    return [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in days]


# How display tables format a column: numbers in the user's locale, as text, because
# st.dataframe would show them in the browser's (often English) format. Text is neutralised:
# the table's own CSV download and copy do not guard against spreadsheet formulas.
CELL_FORMATS = {
    "text": lambda v, lang: neutralise(str(v)),
    "code": lambda v, lang: neutralise(str(v)),
    "int": lambda v, lang: fmt_number(float(v), lang, 0),
    "num1": lambda v, lang: fmt_number(float(v), lang, 1),
    "num2": lambda v, lang: fmt_number(float(v), lang, 2),
    "pct": lambda v, lang: fmt_percent(float(v), lang, 1),
    "date": lambda v, lang: fmt_date(pd.Timestamp(v).date(), lang),
    "year": lambda v, lang: str(int(v)),
    "signed": lambda v, lang: ("+" if float(v) > 0 else "") + fmt_number(float(v), lang, 0),
    "pct_change": lambda v, lang: ("+" if float(v) > 0 else "") + fmt_percent(float(v), lang, 1),
}
UNIT_FORMATS = {
    "share": "pct",
    "persons": "int",
    "firms": "int",
    "year": "year",
    "currency_per_month": "int",
    "mln_currency_per_job": "num2",  # 0.55 mln per job would round to 0.6 with one decimal
}


def unit_format(unit: str) -> str:
    """The display format of an indicator unit (money and areas with one decimal)."""
    if unit in UNIT_FORMATS:
        return UNIT_FORMATS[unit]
    return "num2" if unit in ("ratio", "persons_per_ha", "mln_currency_per_ha") else "num1"


def format_cell(value, kind: str, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return CELL_FORMATS[kind](value, lang)


def display_table(frame: pd.DataFrame, columns, lang: str) -> pd.DataFrame:
    """``frame`` for st.dataframe: ``columns`` = (column, header, kind) triples, values as
    locale text."""
    return pd.DataFrame(
        {
            header: [format_cell(v, kind, lang) for v in frame[column]]
            for column, header, kind in columns
        }
    )


# ---------------------------------------------------------------------------------------
# Regions, data and methods (app_pages/regions.py, data.py, methods.py)


def _region_kpis_of(cur, region: str | None) -> pd.DataFrame:
    from analytics.kpi.formulas import region_kpis as _region_kpis

    return _region_kpis(cur, region=region, kpis_all=park_kpis(region))


def _revisions_of(cur, target: str, code: str) -> pd.DataFrame:
    from analytics.intake.history import revisions as _revisions

    return _revisions(cur, target, code)


def _geo_query(name: str):
    def run(cur, *args):
        from analytics import geo

        return getattr(geo, name)(cur, *args)

    return run


_QUERIES.update(
    {
        "region_shapes": _geo_query("region_shapes"),
        "park_points": _geo_query("park_points"),
        "area_points": _geo_query("area_points"),
        "region_indicator": _geo_query("region_indicator"),
        "region_kpis": _region_kpis_of,
        "country_kpis": lambda cur: _country_kpis(cur, park_kpis(None)),
        "ring_effects": lambda cur, outcome: _ring_effects(cur, outcome),
        "region_series": lambda cur, indicator, region: cur.execute(
            "SELECT quarter, value FROM region_quarter WHERE indicator = ? AND region_code = ?"
            " ORDER BY quarter",
            [indicator, region],
        ).df(),
        "sources": lambda cur: cur.execute(
            "SELECT source_id, kind, producer, title, published, url, licence, file_name,"
            " simulated, loaded_at, loaded_by FROM source ORDER BY source_id"
        ).df(),
        "revisions": lambda cur, target, code: _revisions_of(cur, target, code),
        "import_log": lambda cur: cur.execute(
            "SELECT import_id, source_id, kind, file_name, sheet, rows_read, inserted, updated,"
            " unchanged, warnings, imported_by, imported_at FROM import_log"
            " ORDER BY import_id DESC"
        ).df(),
    }
)


def region_shapes() -> dict:
    """Current region outlines as a GeoJSON FeatureCollection (see analytics.geo)."""
    return _cached("region_shapes", _db_stamp())


def park_points() -> pd.DataFrame:
    return _cached("park_points", _db_stamp())


def area_points(level: str) -> pd.DataFrame:
    return _cached("area_points", _db_stamp(), level)


def region_indicator(indicator: str, quarter: dt.date) -> pd.DataFrame:
    """A region indicator for every region in a quarter: region_code, value."""
    return _cached("region_indicator", _db_stamp(), indicator, quarter)


def region_kpis(region: str | None) -> pd.DataFrame:
    """Parks' totals and shares of regional jobs and investment, region x quarter."""
    return _cached("region_kpis", _db_stamp(), region)


def _ring_effects(cur, outcome: str) -> pd.DataFrame:
    from analytics.policy.spatial import ring_effects_table  # imports the estimators

    return ring_effects_table(cur, outcome)


def ring_effects(outcome: str) -> pd.DataFrame:
    """Spillovers of parks on neighbouring municipalities by distance ring (a few seconds)."""
    return _cached("ring_effects", _db_stamp(), outcome)


def country_kpis() -> pd.DataFrame:
    """Every park's totals and shares of the country (all regions summed), by quarter."""
    return _cached("country_kpis", _db_stamp())


def region_series(indicator: str, region: str) -> pd.DataFrame:
    """A region statistic over time: quarter, value."""
    return _cached("region_series", _db_stamp(), indicator, region)


def sources() -> pd.DataFrame:
    """Every loaded batch with its origin and licence (the ``source`` table)."""
    return _cached("sources", _db_stamp())


def import_log() -> pd.DataFrame:
    """Committed imports, newest first."""
    return _cached("import_log", _db_stamp())


def data_stamp() -> tuple[str, int, int]:
    """The data's cache key (file, newest batch, batches): changes with every import."""
    return _db_stamp()


def revisions(target: str, code: str) -> pd.DataFrame:
    """Changed values of a park, region or municipality (analytics.intake.history)."""
    return _cached("revisions", _db_stamp(), target, code)


@st.cache_data(show_spinner=False)
def template_file(kind: str, lang: str, suffix: str) -> bytes:
    """An empty fillable template (``suffix`` .xlsx or .csv) as bytes; data-independent."""
    import tempfile

    from analytics.intake.templates import write_template

    with tempfile.TemporaryDirectory() as folder:
        path = write_template(Path(folder) / f"template{suffix}", kind, lang)
        return path.read_bytes()


@st.cache_data(show_spinner=False)
def reference_sources() -> list[dict]:
    """The public reference data sets used for validation (data/sources.yml)."""
    import yaml

    path = Path(__file__).resolve().parents[1] / "data" / "sources.yml"
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("reference_data", [])


# ---------------------------------------------------------------------------------------
# Impact (app_pages/impact.py): park effects, memoised by parameters and data stamp


def _impact_parks(cur, lang: str) -> pd.DataFrame:
    return cur.execute(
        f"SELECT park_id, name_{lang} AS name, park_type, municipality_code, region_code,"
        " registered_on, opened_on, closed_on FROM park ORDER BY name"
    ).df()


def _park_effect(cur, items: tuple):
    from analytics.effects.parks import park_effect

    return park_effect(cur, **dict(items))


def _park_effect_truth(cur, items: tuple):
    from analytics.effects.parks import park_effect_truth

    return park_effect_truth(cur, **dict(items))


def _impact_outcomes(cur, level: str) -> pd.DataFrame:
    from analytics.effects.parks import area_outcomes

    return area_outcomes(cur, level)


_QUERIES.update(
    {
        "impact_outcomes": _impact_outcomes,
        "impact_parks": _impact_parks,
        "park_effect": _park_effect,
        "park_effect_truth": _park_effect_truth,
    }
)


def impact_outcomes(level: str) -> pd.DataFrame:
    """Area indicators an effect can be estimated on: code, unit, name_ru/uk/en."""
    return _cached("impact_outcomes", _db_stamp(), level)


def impact_parks(lang: str) -> pd.DataFrame:
    """Parks with their name in the language and the dates that can start a treatment."""
    return _cached("impact_parks", _db_stamp(), lang)


def park_effect(params: dict):
    """``analytics.effects.parks.park_effect`` with ``params``, cached by them and the data."""
    return _cached("park_effect", _db_stamp(), tuple(sorted(params.items())))


def park_effect_truth(params: dict):
    """The simulated truth for the same parameters (None on real data)."""
    return _cached("park_effect_truth", _db_stamp(), tuple(sorted(params.items())))


# ---------------------------------------------------------------------------------------
# Statutory monitoring (issue 8, analytics.policy): compliance flags, legal timeline, plan vs
# fact, cost per job and net jobs, peer groups, relative growth. Shown on the review, park and
# region pages.


def _peer_frames(cur) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(park mart, municipality mart): what peer groups are built from."""
    return cur.execute("SELECT * FROM park").df(), cur.execute("SELECT * FROM municipality").df()


def _compliance_of(cur, quarter: str, region: str | None):
    from analytics.policy.compliance import compliance_check

    return compliance_check(cur, quarter, region)


def _peer_ranking_of(cur, quarter: str, region: str | None, weights) -> Ranking:
    from analytics.policy.peers import rank_within_peers

    parks, munis = _peer_frames(cur)
    ranked = rank_within_peers(park_kpis(region), parks, munis, quarter, dict(weights))
    return dataclasses.replace(ranked, weights=dict(ranked.weights))


def _park_peers_of(cur, park_id: str, quarter: dt.date) -> pd.DataFrame:
    from analytics.policy.peers import peer_percentiles

    parks, munis = _peer_frames(cur)
    frame = peer_percentiles(park_kpis(None), parks, munis, quarter)
    return frame[frame["park_id"] == park_id].reset_index(drop=True)


def _park_plan_of(cur, park_id: str, lang: str):
    """(plan_vs_fact rows of the park, park_quarter rows, [(indicator, forecast or None,
    message when no forecast)])."""
    from analytics.policy.plan import commitment_forecast, passport_frames, plan_vs_fact

    quarters_, targets = passport_frames(cur)
    own_targets = targets[targets["park_id"] == park_id]
    table = plan_vs_fact(own_targets, quarters_)
    forecasts = []
    for indicator in table["indicator"].unique():
        try:
            found = commitment_forecast(quarters_, own_targets, park_id, indicator)
            forecasts.append((indicator, found, None))
        except UserError as exc:  # named by the park's name, not its id
            name = cur.execute(
                f"SELECT name_{lang} FROM park WHERE park_id = ?", [park_id]
            ).fetchone()[0]
            forecasts.append((indicator, None, t(exc.key, lang, **{**exc.params, "park": name})))
    own = quarters_[quarters_["park_id"] == park_id].reset_index(drop=True)
    return table, own, forecasts


def _forecast_path_of(cur, park_id: str, indicator: str) -> pd.DataFrame:
    """The forecast at Q4 of each year from the last report to the commitment year: quarter,
    forecast (same method as ``commitment_forecast``), for the plan-vs-fact chart."""
    from analytics.policy.plan import (
        commitment_forecast,
        forecast_series,
        passport_frames,
        quarterly_series,
    )

    quarters_, targets = passport_frames(cur)
    found = commitment_forecast(quarters_, targets, park_id, indicator)
    own = quarters_[quarters_["park_id"] == park_id]
    series, _ = quarterly_series(
        own.set_index(pd.to_datetime(own["quarter"]))[indicator].astype(float)
    )
    # the trend line from the last report (steps = 0) to Q4 of each year up to the commitment
    last = pd.Timestamp(found.last_quarter)
    steps = [last] + [pd.Timestamp(year, 10, 1) for year in
                      range(last.year, found.commitment_year + 1)]  # fmt: skip
    steps = sorted({s for s in steps if s >= last})
    values = [forecast_series(series, s, found.method, found.alpha)[0] for s in steps]
    return pd.DataFrame({"quarter": steps, "forecast": values})


def _park_timeline_of(cur, park_id: str) -> pd.DataFrame:
    from analytics.policy.timeline import park_timeline as _park_timeline

    return _park_timeline(cur, park_id)


def _park_efficiency_of(cur, park_id: str) -> pd.DataFrame:
    from analytics.policy.efficiency import cost_efficiency

    region = cur.execute("SELECT region_code FROM park WHERE park_id = ?", [park_id]).fetchone()
    frame = cost_efficiency(cur, None, region[0] if region else None)
    return frame[frame["park_id"] == park_id].reset_index(drop=True)


def _relative_growth_of(cur, level: str, indicator: str, base_quarter: str) -> pd.DataFrame:
    from analytics.policy.spatial import area_relative_growth

    return area_relative_growth(cur, level, indicator, base_quarter)


_QUERIES.update(
    {
        "compliance": _compliance_of,
        "peer_ranking": _peer_ranking_of,
        "park_timeline": _park_timeline_of,
        "park_peers": _park_peers_of,
        "park_plan": _park_plan_of,
        "forecast_path": _forecast_path_of,
        "park_efficiency": _park_efficiency_of,
        "relative_growth": _relative_growth_of,
    }
)


def compliance(quarter: str, region: str | None):
    """``analytics.policy.compliance.compliance_check`` as of the end of ``quarter``."""
    return _cached("compliance", _db_stamp(), quarter, region)


def peer_ranking(quarter: str, region: str | None, weights) -> Ranking:
    """The composite index ranked within peer groups (analytics.policy.peers)."""
    return _cached("peer_ranking", _db_stamp(), quarter, region, weights)


def park_timeline(park_id: str) -> pd.DataFrame:
    """The park's legal status milestones: milestone, step, date, reason."""
    return _cached("park_timeline", _db_stamp(), park_id)


def park_peers(park_id: str, quarter: dt.date) -> pd.DataFrame:
    """The park's row of ``peer_percentiles`` among all parks reporting in ``quarter``."""
    return _cached("park_peers", _db_stamp(), park_id, quarter)


def park_plan(park_id: str, lang: str):
    """Passport plan vs fact of a park, its reports and a forecast per committed indicator."""
    return _cached("park_plan", _db_stamp(), park_id, lang)


def forecast_path(park_id: str, indicator: str) -> pd.DataFrame:
    return _cached("forecast_path", _db_stamp(), park_id, indicator)


def park_efficiency(park_id: str) -> pd.DataFrame:
    """Cost per job, gross vs net jobs, money ratios of a park by quarter."""
    return _cached("park_efficiency", _db_stamp(), park_id)


def relative_growth(level: str, indicator: str, base_quarter: str) -> pd.DataFrame:
    """Growth of regions (against their country) or municipalities (against their region)."""
    return _cached("relative_growth", _db_stamp(), level, indicator, base_quarter)


# How a compliance value reads: months elapsed, a share in percent, or a plain number.
def compliance_display(flags: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Compliance flags as a display table: park, rule, value, threshold, since, legal check."""
    from analytics.policy.compliance import measure_text, rule_title

    units = list(flags["unit"])
    return pd.DataFrame(
        {
            t("report.col.park_id", lang): list(flags["park_id"]),
            t("report.col.park", lang): list(flags[f"name_{lang}"]),
            t("policy_app.col.rule", lang): [
                rule_title(r, k, lang) for r, k in zip(flags["rule"], flags["kind"], strict=True)
            ],
            t("policy_app.col.value", lang): [
                measure_text(v, u, lang, below=b)
                for v, u, b in zip(flags["value"], units, flags["threshold"], strict=True)
            ],
            t("policy_app.col.threshold", lang): [
                measure_text(v, u, lang) for v, u in zip(flags["threshold"], units, strict=True)
            ],
            t("policy_app.col.since", lang): [format_cell(v, "date", lang) for v in flags["since"]],
            t("policy_app.col.legal_check", lang): [
                t("policy_app.yes", lang) if x else "" for x in flags["needs_legal_check"]
            ],
        }
    )


def flag_sentences(flags: pd.DataFrame, lang: str) -> list[str]:
    """Each flag in words (analytics.policy.compliance.flag_text), naming the park."""
    from analytics.policy.compliance import flag_text

    return [
        flag_text({**row, "park_id": f"{row[f'name_{lang}']} ({row['park_id']})"}, lang)
        for row in flags.to_dict("records")
    ]


def rule_lines(lang: str, jurisdictions=None) -> list[str]:
    """The configured rules in words (of ``jurisdictions``, default all): title, threshold,
    legal basis, legal-check mark."""
    from analytics.policy.compliance import load_config, measure_text, rule_title

    lines = []
    for rule in load_config().rules:
        if jurisdictions is not None and rule.jurisdiction not in set(jurisdictions):
            continue
        threshold = measure_text(rule.threshold, rule.unit, lang)
        line = t(
            "policy_app.compliance.rule_line",
            lang,
            rule=rule_title(rule.rule_id, rule.kind, lang),
            threshold=threshold,
            basis=rule.legal_basis or "–",
        )
        if rule.needs_legal_check:
            line += " " + t("policy.needs_legal_check", lang)
        lines.append(f"{rule.jurisdiction}: {line}")
    return lines


def peer_group_label(group: str, lang: str) -> str:
    """A peer group key (park_type/size_band/age_band/region_type, coarser keys shorter) in
    words."""
    if not isinstance(group, str):
        return "–"
    prefixes = ("park_type", "policy_app.size_band", "policy_app.age_band",
                "policy_app.region_type")  # fmt: skip
    return ", ".join(
        t(f"{prefix}.{part}", lang)
        for prefix, part in zip(prefixes, group.split("/"), strict=False)
    )
