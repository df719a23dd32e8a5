"""The pages' data: the warehouse, opened per use, and one cached accessor per analytics call.

Every accessor is a plain function with its own ``st.cache_data``: it takes a cursor on the
connection a run's accessors share, calls analytics and returns the result, so a reader (or an IDE) can
follow a page straight into analytics. Nothing here holds SQL or computes.

The caches hold results for the data as loaded. The router reads the data's stamp (newest
batch, number of batches) once per run and empties every cache when it changed, so an import
from the Data page or from the command line shows on the next interaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from analytics import explore, geo, lookups
from analytics.errors import UserError
from analytics.i18n import t, unit_label
from analytics.intake.history import revisions as revisions_of
from analytics.kpi import cards, formulas, park_card
from analytics.kpi.country import country_kpis as country_kpis_of
from analytics.kpi.overview import Overview
from analytics.kpi.overview import overview as overview_of
from analytics.kpi.ranking import Ranking, rank_parks
from analytics.kpi.recommendations import RecommendationsSupport, recommendations_support
from analytics.kpi.review import Review, quarterly_review
from analytics.policy.compliance import ComplianceCheck, compliance_check
from analytics.policy.efficiency import cost_efficiency as efficiency_of
from analytics.policy.peers import peer_percentiles as percentiles_of
from analytics.policy.peers import rank_within_peers
from analytics.policy.timeline import park_timeline as timeline_of
from analytics.quarter import Quarter
from analytics.warehouse import connection
from analytics.warehouse.connection import Wait, WarehouseBusy, default_db_path, wait_seconds
from analytics.warehouse.sharing import seconds_text
from app_pages.common import state

# Modules that take seconds to import (statsmodels behind the plan forecasts, the estimators,
# the report writers) are imported inside the accessors that need them, so a page that does
# not use them does not wait for them.
if TYPE_CHECKING:
    from analytics.policy.plan import ParkPlan
    from analytics.reports.content import ReportContent

Weights = tuple[tuple[str, float], ...]  # (KPI code, weight) pairs: hashable for the cache


# ---------------------------------------------------------------------------------------
# The warehouse, opened per use, and the data stamp
#
# The app holds no connection between runs, so the command line and notebooks can use the
# file beside it: a run's accessors share one read-only connection (page_run keeps it for the
# run, analytics.warehouse.connection.reading hands out cursors), and a login or a commit
# opens the file for writing for its moment only.

# An accessor waits this long in silence for a writer elsewhere (a commit takes about as
# long); then the router says what the page waits for, waits and runs the page again.
QUERY_WAIT_SECONDS = 1.0


class WarehouseWait(Exception):
    """An accessor found the warehouse held by a writer elsewhere for more than a moment.
    Not a UserError, so pages do not swallow it: it reaches the router (:func:`page_run`). A
    cached function must not draw the notice itself: Streamlit would replay it on every hit."""

    def __init__(self, busy: WarehouseBusy) -> None:
        super().__init__(str(busy))
        self.busy = busy


@contextlib.contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for an accessor (``with cursor() as cur:``) on the connection this run's
    accessors share; waits a moment at most (then :class:`WarehouseWait`)."""
    try:
        lease = connection.reading(wait=min(QUERY_WAIT_SECONDS, wait_seconds()))
    except WarehouseBusy as busy:
        raise WarehouseWait(busy) from None
    with lease as cur:
        yield cur


@contextlib.contextmanager
def _said_in_page() -> Iterator[tuple[Callable[[Wait], None], Callable[[], None]]]:
    """A notice for a wait outside cached functions (a button's callback included), as
    ``(say, got_it)``: nothing for a short wait; past a second, what the page waits for, and
    once ``got_it()`` is called, how long it waited."""
    lang = state.language()
    slot, heard, started = None, [], time.monotonic()

    def say(wait: Wait) -> None:
        nonlocal slot
        slot = slot or st.empty()
        slot.info(wait.message(lang), icon="⏳")
        heard.append(wait)

    def got_it() -> None:
        if slot is not None:
            seconds = seconds_text(time.monotonic() - started, lang)
            holder = heard[-1].holder.text(lang)
            slot.caption(t("warehouse.sharing.waited", lang, seconds=seconds, holder=holder))

    yield say, got_it


@contextlib.contextmanager
def reading_here() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for a read outside cached functions (session checks, previews, callbacks):
    waits up to PARKS_LOCK_WAIT_SECONDS, saying so on the page; WarehouseBusy after that."""
    with _said_in_page() as (say, got_it):
        lease = connection.reading(on_wait=say)
        got_it()
    with lease as cur:
        yield cur


@contextlib.contextmanager
def writing() -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for writing, for one commit or login (closed right after, so readers
    elsewhere get the file back); waits as :func:`reading_here` does."""
    with _said_in_page() as (say, got_it), connection.writing(on_wait=say) as con:
        got_it()
        yield con


@contextlib.contextmanager
def page_run(lang: str) -> Iterator[None]:
    """The router's frame around a run: the run's accessors share one read-only connection,
    closed when the run ends; an accessor that found a writer at work makes the page say what
    it waits for, wait, and run again; a wait that ran out is one translated line."""
    try:
        with connection.keeping_open():
            yield
    except WarehouseWait as pending:
        _wait_and_rerun(pending.busy.wait, lang)
    except WarehouseBusy as busy:
        st.error(busy.message(lang))


def _wait_and_rerun(wait: Wait, lang: str) -> None:
    bound = wait_seconds()  # the whole wait, the moment the accessor waited included
    slot = st.empty()
    slot.info(dataclasses.replace(wait, seconds=bound).message(lang), icon="⏳")
    try:
        with connection.reading(wait=max(0.0, bound - QUERY_WAIT_SECONDS)):
            pass
    except WarehouseBusy as busy:
        slot.error(WarehouseBusy(dataclasses.replace(busy.wait, seconds=bound)).message(lang))
        return
    except UserError as exc:
        slot.error(exc.message(lang))
        return
    st.rerun()


_stamp_lock = threading.Lock()
# The stamp of the last run, with the file's state on disk it was read at (or, for a server,
# when it was read) and the problem (missing file, newer schema, no server) met reading it.
_seen: dict[str, object] = {}
# A server warehouse has no file to stat: its stamp is asked for at most this often per
# process (one short query), so an import through another app instance or the command line
# shows on the next interaction after it.
SERVER_STAMP_SECONDS = 1.0


def watch_data() -> None:
    """Read the data's stamp and empty every cache when it changed since the last run (an
    import from the command line or another app instance, or another warehouse). The router
    calls it once per run, before any page reads data.

    For a file, the warehouse is opened only when the file changed on disk (stat of it and
    its .wal: a cached rerun opens nothing), and while a writer elsewhere is at work the
    caches keep the data as last committed instead of waiting for it. For a server, the
    stamp is read at most once a second per process."""
    path = str(default_db_path())
    server = connection.is_server_url(path)
    if server:
        if _server_stamp_fresh(path):
            return
        signature = None
    else:
        signature = (path, connection.data_signature(path))
        if _seen.get("signature") == signature:
            return
    # Data as last committed may stand in for a busy file only when it came from this file:
    # after a switch to another warehouse nothing cached may show before it has been read.
    known = (_seen.get("stamp") or (None,))[0] == path
    problem = None
    read_at = time.monotonic()
    try:
        lease = connection.reading(path, wait=0 if known else QUERY_WAIT_SECONDS)
    except WarehouseBusy as busy:
        if known:
            return  # asked again on the next run
        raise WarehouseWait(busy) from None
    except UserError as exc:  # no warehouse (yet): nothing cached from another file may show
        stamp, problem = (path, -1, -1), exc
    else:
        with lease as cur:
            if not server:  # steady while open here
                signature = (path, connection.data_signature(path))
            stamp = (path, *lookups.data_stamp(cur))
    with _stamp_lock:
        if _seen.get("stamp") not in (None, stamp):
            st.cache_data.clear()
        _seen.update(stamp=stamp, signature=signature, problem=problem, read_at=read_at)


def _server_stamp_fresh(url: str) -> bool:
    """Whether this process read the server's stamp less than a second ago."""
    with _stamp_lock:
        stamp, read_at = _seen.get("stamp"), _seen.get("read_at")
        return (
            stamp is not None
            and stamp[0] == url
            and read_at is not None
            and time.monotonic() - read_at < SERVER_STAMP_SECONDS
        )


def data_changed() -> None:
    """The app itself loaded data: empty the caches now, not on the next run."""
    with _stamp_lock:
        st.cache_data.clear()
        _seen.clear()


def data_stamp() -> tuple[str, int, int] | None:
    """The data's stamp as last read: (file or server URL, newest batch, batches)."""
    return _seen.get("stamp")


def require_database(lang: str) -> None:
    """Stop the page with a translated explanation when the warehouse cannot be opened."""
    problem = _seen.get("problem")
    if not connection.warehouse_exists(default_db_path()):
        problem = UserError("warehouse.missing", path=str(default_db_path()))
    if problem is not None:
        st.error(problem.message(lang))
        st.stop()


def require_server(lang: str) -> None:
    """On a server warehouse that could not be reached, stop the page saying why (a file
    that is missing is a new warehouse to set up, a server that does not answer is not)."""
    if connection.is_server_url(default_db_path()):
        require_database(lang)


# ---------------------------------------------------------------------------------------
# The warehouse as a whole: overview, catalogue, names


@st.cache_data(show_spinner=False)
def overview() -> Overview:
    with cursor() as cur:
        return overview_of(cur)


def simulated_banner(lang: str) -> None:
    """The simulated-data notice, on every page while demo data are loaded."""
    try:
        simulated = overview().simulated
    except UserError:
        return
    if simulated:
        st.warning(t("simulated.notice", lang), icon="⚠️")


@st.cache_data(show_spinner=False)
def indicators(level: str) -> pd.DataFrame:
    """The indicator catalogue of a level (park, municipality, region)."""
    with cursor() as cur:
        return explore.indicators(cur, level)


@st.cache_data(show_spinner=False)
def indicators_with_data(level: str) -> set[str]:
    """Codes of the level's indicators that have at least one value."""
    with cursor() as cur:
        return explore.indicators_with_data(cur, level)


@st.cache_data(show_spinner=False)
def indicator_names(lang: str) -> dict[str, str]:
    """Park-level indicator code -> name in the language."""
    with cursor() as cur:
        return lookups.indicator_names(cur, lang)


@st.cache_data(show_spinner=False)
def indicator_unit_codes() -> dict[str, str]:
    """Park-level indicator code -> unit code of the catalogue (share, persons, ha ...)."""
    with cursor() as cur:
        return lookups.indicator_units(cur)


@st.cache_data(show_spinner=False)
def currency(region: str | None = None) -> str | None:
    """The money's ISO code in a region (None: all regions), None for several currencies."""
    with cursor() as cur:
        return lookups.currency(cur, region)


def unit_text(unit: str, lang: str, region: str | None = None) -> str:
    """A unit code in words, money in the region's (or the warehouse's) currency."""
    return unit_label(unit, lang, currency(region))


def indicator_units(lang: str, region: str | None = None) -> dict[str, str]:
    """Park-level indicator code -> unit in words."""
    return {code: unit_text(unit, lang, region) for code, unit in indicator_unit_codes().items()}


@st.cache_data(show_spinner=False)
def quarters() -> list[dt.date]:
    """Every quarter with park reports or area statistics."""
    with cursor() as cur:
        return explore.quarters(cur)


@st.cache_data(show_spinner=False)
def report_quarters() -> list[str]:
    """Quarters with park reports, oldest first, as URL values ("2025Q4")."""
    with cursor() as cur:
        days = lookups.report_quarters(cur)
    return [Quarter.of(d).label for d in days]


@st.cache_data(show_spinner=False)
def regions(lang: str) -> dict[str, str]:
    """Region code -> name in the language, sorted by name."""
    with cursor() as cur:
        return lookups.region_names(cur, lang)


@st.cache_data(show_spinner=False)
def municipalities(lang: str) -> dict[str, str]:
    with cursor() as cur:
        return lookups.municipality_names(cur, lang)


@st.cache_data(show_spinner=False)
def municipality_registry() -> pd.DataFrame:
    with cursor() as cur:
        return lookups.municipalities(cur)


@st.cache_data(show_spinner=False)
def park_registry() -> pd.DataFrame:
    with cursor() as cur:
        return formulas.load_parks(cur)


@st.cache_data(show_spinner=False)
def group_labels(group_by: str, lang: str) -> dict[str, str]:
    with cursor() as cur:
        return explore.group_labels(cur, group_by, lang)


@st.cache_data(show_spinner=False)
def explore_series(level, indicator, group_by, start, end, region) -> explore.Series:
    with cursor() as cur:
        return explore.series(
            cur, level, indicator, group_by=group_by, start=start, end=end, region=region
        )


# ---------------------------------------------------------------------------------------
# Quarterly review and parks (review.py, overview.py, parks.py)


@st.cache_data(show_spinner=False)
def park_kpis(region: str | None) -> pd.DataFrame:
    """``park_kpis`` of a region (None: all parks) over every reported quarter."""
    with cursor() as cur:
        return formulas.park_kpis(cur, None, None, region)


@st.cache_data(show_spinner=False)
def review(quarter: str, region: str | None) -> Review:
    """The quarterly review of ``quarter`` ("2025Q4") for a region or all parks; the same
    object serves every language."""
    with cursor() as cur:
        return quarterly_review(cur, quarter, region, park_kpis(region))


@st.cache_data(show_spinner=False)
def review_cards(quarter: str, region: str | None) -> tuple[cards.KpiCard, ...]:
    return cards.review_cards(review(quarter, region), park_kpis(region))


@st.cache_data(show_spinner=False)
def card_history(quarter: str, region: str | None, code: str) -> pd.DataFrame:
    """A KPI card's total over the 8 quarters up to ``quarter`` (analytics.kpi.cards)."""
    return cards.card_history(review(quarter, region), park_kpis(region), code)


def status_counts(quarter: str, region: str | None) -> dict[str, int]:
    return cards.status_counts(review(quarter, region))


def reporting(quarter: str, region: str | None) -> cards.Reporting:
    """Parks that reported for the quarter, of the parks expected to report."""
    return cards.reporting(review(quarter, region))


@st.cache_data(show_spinner=False)
def ranking(quarter: str, region: str | None, weights: Weights) -> Ranking:
    """The composite index of the parks of a region (None: all)."""
    return rank_parks(park_kpis(region), quarter, dict(weights))


@st.cache_data(show_spinner=False)
def peer_ranking(quarter: str, region: str | None, weights: Weights) -> Ranking:
    """The composite index ranked within peer groups (analytics.policy.peers)."""
    return rank_within_peers(
        park_kpis(region), park_registry(), municipality_registry(), quarter, dict(weights)
    )


@st.cache_data(show_spinner=False)
def recommendations(quarter: str, region: str | None) -> RecommendationsSupport:
    return recommendations_support(review(quarter, region))


@st.cache_data(show_spinner=False)
def report_content(quarter: str, region: str | None, lang: str, weights: Weights) -> ReportContent:
    from analytics.reports.document import build_report

    with cursor() as cur:
        return build_report(cur, quarter, region, None, lang, weights=dict(weights))


@st.cache_data(show_spinner=False)
def report_file(quarter: str, region: str | None, lang: str, fmt: str, weights: Weights) -> bytes:
    """The quarterly report as PDF, DOCX or XLSX bytes, built once per parameters and data."""
    from analytics.reports.commands import write_report

    buffer = io.BytesIO()
    write_report(report_content(quarter, region, lang, weights), fmt, buffer)
    return buffer.getvalue()


@st.cache_data(show_spinner=False)
def park_card_data(park_id: str) -> park_card.ParkCard:
    with cursor() as cur:
        region = lookups.park_region(cur, park_id)
        return park_card.park_card(cur, park_id, park_kpis(region) if region else None)


# ---------------------------------------------------------------------------------------
# Regions, data and methods (regions.py, data.py, methods.py)


@st.cache_data(show_spinner=False)
def region_shapes() -> dict:
    """Current region outlines as a GeoJSON FeatureCollection (see analytics.geo)."""
    with cursor() as cur:
        return geo.region_shapes(cur)


@st.cache_data(show_spinner=False)
def park_points() -> pd.DataFrame:
    with cursor() as cur:
        return geo.park_points(cur)


@st.cache_data(show_spinner=False)
def area_points(level: str) -> pd.DataFrame:
    with cursor() as cur:
        return geo.area_points(cur, level)


@st.cache_data(show_spinner=False)
def region_indicator(indicator: str, quarter: dt.date) -> pd.DataFrame:
    """A region indicator for every region in a quarter: region_code, value."""
    with cursor() as cur:
        return geo.region_indicator(cur, indicator, quarter)


@st.cache_data(show_spinner=False)
def region_kpis(region: str | None) -> pd.DataFrame:
    """Parks' totals and shares of regional jobs and investment, region x quarter."""
    with cursor() as cur:
        return formulas.region_kpis(cur, region=region, kpis_all=park_kpis(region))


@st.cache_data(show_spinner=False)
def country_kpis() -> pd.DataFrame:
    """Every park's totals and shares of the country (all regions summed), by quarter."""
    with cursor() as cur:
        return country_kpis_of(cur, park_kpis(None))


@st.cache_data(show_spinner=False)
def region_series(indicator: str, region: str | None) -> pd.DataFrame:
    """A region statistic over time for one region (None: every region): group (the region
    code), quarter, value."""
    with cursor() as cur:
        return explore.series(cur, "region", indicator, region=region).data


@st.cache_data(show_spinner=False)
def ring_effects(outcome: str) -> pd.DataFrame:
    """Spillovers of parks on neighbouring municipalities by distance ring (a few seconds)."""
    from analytics.policy.spatial import ring_effects_table  # imports the estimators

    with cursor() as cur:
        return ring_effects_table(cur, outcome)


@st.cache_data(show_spinner=False)
def sources() -> pd.DataFrame:
    """Every loaded batch with its origin and licence (the ``source`` table)."""
    with cursor() as cur:
        return lookups.sources(cur)


@st.cache_data(show_spinner=False)
def import_log() -> pd.DataFrame:
    """Committed imports, newest first."""
    with cursor() as cur:
        return lookups.import_log(cur)


@st.cache_data(show_spinner=False)
def revisions(target: str, code: str) -> pd.DataFrame:
    """Changed values of a park, region or municipality (analytics.intake.history)."""
    with cursor() as cur:
        return revisions_of(cur, target, code)


@st.cache_data(show_spinner=False)
def template_file(kind: str, lang: str, suffix: str) -> bytes:
    """An empty fillable template (``suffix`` .xlsx or .csv) as bytes, money units in the
    warehouse's currency."""
    from analytics.intake.templates import template_bytes

    return template_bytes(kind, lang, suffix, currency=currency(None))


@st.cache_data(show_spinner=False)
def reference_sources() -> list[dict]:
    """The public reference data sets used for validation (data/sources.yml)."""
    return lookups.reference_sources()


# ---------------------------------------------------------------------------------------
# Impact (impact.py): park effects


@st.cache_data(show_spinner=False)
def impact_outcomes(level: str) -> pd.DataFrame:
    """Area indicators an effect can be estimated on: code, unit, name_ru/uk/en."""
    from analytics.effects.park_panel import area_outcomes

    with cursor() as cur:
        return area_outcomes(cur, level)


@st.cache_data(show_spinner=False)
def impact_parks(lang: str) -> pd.DataFrame:
    """Parks with their name in the language and the dates that can start a treatment."""
    with cursor() as cur:
        return lookups.parks_by_name(cur, lang)


@st.cache_data(show_spinner=False)
def synth_eligibility(outcome: str, level: str, treatment: str, transform: str) -> pd.DataFrame:
    """Which parks synthetic control can estimate (park_id, eligible, reason as a Message)."""
    from analytics.effects.park_eligibility import synth_eligibility as eligibility

    with cursor() as cur:
        return eligibility(
            cur, outcome=outcome, level=level, treatment=treatment, transform=transform
        )


@st.cache_data(show_spinner=False)
def park_effect(params: dict):
    """``analytics.effects.parks.park_effect`` with ``params``, cached by them and the data."""
    from analytics.effects.parks import park_effect as estimate

    with cursor() as cur:
        return estimate(cur, **params)


@st.cache_data(show_spinner=False)
def park_effect_truth(params: dict):
    """The simulated truth for the same parameters (None on real data)."""
    from analytics.demo.truth import park_effect_truth as truth

    with cursor() as cur:
        return truth(cur, **params)


# ---------------------------------------------------------------------------------------
# Statutory monitoring (analytics.policy): compliance flags, legal timeline, plan vs fact,
# cost per job and net jobs, peer groups, relative growth (review, park and region pages)


@st.cache_data(show_spinner=False)
def compliance(quarter: str, region: str | None) -> ComplianceCheck:
    """``analytics.policy.compliance.compliance_check`` as of the end of ``quarter``."""
    with cursor() as cur:
        return compliance_check(cur, quarter, region)


@st.cache_data(show_spinner=False)
def park_timeline(park_id: str) -> pd.DataFrame:
    """The park's legal status milestones: milestone, step, date, reason."""
    with cursor() as cur:
        return timeline_of(cur, park_id)


@st.cache_data(show_spinner=False)
def peer_percentiles(quarter: dt.date) -> pd.DataFrame:
    """``peer_percentiles`` of every park reporting in ``quarter``."""
    return percentiles_of(park_kpis(None), park_registry(), municipality_registry(), quarter)


def park_peers(park_id: str, quarter: dt.date) -> pd.DataFrame:
    """The park's row of :func:`peer_percentiles` (empty when it did not report)."""
    frame = peer_percentiles(quarter)
    return frame[frame["park_id"] == park_id].reset_index(drop=True)


@st.cache_data(show_spinner=False)
def park_plan(park_id: str) -> ParkPlan:
    """Passport plan vs fact of a park, its reports and a forecast per committed indicator."""
    from analytics.policy.plan import park_plan as plan

    with cursor() as cur:
        return plan(cur, park_id)


@st.cache_data(show_spinner=False)
def forecast_path(park_id: str, indicator: str) -> pd.DataFrame:
    from analytics.policy.plan import forecast_path as path

    with cursor() as cur:
        return path(cur, park_id, indicator)


@st.cache_data(show_spinner=False)
def cost_efficiency(region: str | None) -> pd.DataFrame:
    """Cost per job, gross vs net jobs, money ratios of a region's parks by quarter."""
    with cursor() as cur:
        return efficiency_of(cur, None, region)


def park_efficiency(park_id: str, region: str | None) -> pd.DataFrame:
    """:func:`cost_efficiency` rows of one park (of ``region``)."""
    frame = cost_efficiency(region)
    return frame[frame["park_id"] == park_id].reset_index(drop=True)


@st.cache_data(show_spinner=False)
def relative_growth(level: str, indicator: str, base_quarter: str) -> pd.DataFrame:
    """Growth of regions (against their country) or municipalities (against their region)."""
    from analytics.policy.spatial import area_relative_growth

    with cursor() as cur:
        return area_relative_growth(cur, level, indicator, base_quarter)
