"""KPI cards of the quarterly review: one total per KPI over the parks of the review, with
its change since the previous quarter and the same quarter a year earlier, and how the
parks with a roadmap target for it stand.

Rules (the page writes them out from the catalogue, ``review.cards_rule``):

* The **value** is the sum over the parks that reported the KPI this quarter; occupancy is
  the occupied area of those parks over their leasable area (a ratio of sums, not a mean of
  ratios, so a large park weighs by its area).
* **Changes are like for like**: they compare the same parks, those that reported the KPI in
  both quarters, so a park that did not report is never counted as a fall to zero. The
  change vs the previous quarter is absolute; vs a year earlier it is relative (for
  occupancy both are differences of shares).
* **Targets**: over the parks whose target for the KPI was checked this quarter (rule in
  :mod:`analytics.kpi.review`), how many met it and their total value against the total
  the targets expect by now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.i18n import fmt_number, fmt_quarter, t
from analytics.kpi.formulas import occupancy_rate, shift_quarter
from analytics.kpi.review import STATUSES, Review

# Cards in display order: totals with roadmap targets first, then occupancy and taxes.
CARD_KPIS: tuple[str, ...] = (
    "jobs_total",
    "residents_count",
    "investment_cumulative",
    "area_occupied_ha",
    "occupancy_rate",
    "taxes_total",
)
# KPIs whose card value is a ratio of two summed columns (numerator, denominator).
RATIO_KPIS: dict[str, tuple[str, str]] = {
    "occupancy_rate": ("area_occupied_ha", "leasable_area_ha"),
}


@dataclass(frozen=True)
class KpiCard:
    code: str  # indicator code
    value: float  # total over parks reporting it this quarter (a share for ratio KPIs)
    parks: int  # parks the value rests on
    change_previous: float  # like for like vs the previous quarter (absolute)
    parks_previous: int  # parks the change rests on
    change_year: float  # like for like vs a year earlier: relative, absolute for ratio KPIs
    parks_year: int
    targets_checked: int  # parks whose target for this KPI was checked this quarter
    targets_met: int
    target_value: float  # those parks' total value
    target_expected: float  # the total their targets expect by this quarter

    @property
    def is_ratio(self) -> bool:
        return self.code in RATIO_KPIS


def _columns(code: str) -> tuple[str, ...]:
    return RATIO_KPIS.get(code, (code,))


def _quarter_rows(kpis_all: pd.DataFrame, quarter: dt.date, park_ids) -> pd.DataFrame:
    """The quarter's park_kpis rows of ``park_ids``, indexed by park."""
    rows = kpis_all[kpis_all["quarter"] == pd.Timestamp(quarter)]
    return rows[rows["park_id"].isin(park_ids)].set_index("park_id")


def _rows(quarter_rows: pd.DataFrame, code: str) -> pd.DataFrame:
    """The parks that have every column the KPI needs."""
    return quarter_rows[list(_columns(code))].astype(float).dropna()


def _total(rows: pd.DataFrame, code: str) -> float:
    if rows.empty:
        return float("nan")
    if code in RATIO_KPIS:
        num, den = RATIO_KPIS[code]
        return float(occupancy_rate(pd.Series([rows[num].sum()]), pd.Series([rows[den].sum()]))[0])
    return float(rows[code].sum())


def _like_for_like(now: pd.DataFrame, then: pd.DataFrame, code: str) -> tuple[float, float, int]:
    """(total now, total then) over the parks present in both frames, and their count."""
    both = now.index.intersection(then.index)
    if len(both) == 0:
        return float("nan"), float("nan"), 0
    return _total(now.loc[both], code), _total(then.loc[both], code), len(both)


def kpi_card(
    review: Review, code: str, now: pd.DataFrame, previous: pd.DataFrame, year_ago: pd.DataFrame
) -> KpiCard:
    """One card for ``code`` over the review's parks from their park_kpis rows (indexed by
    park) of the quarter, the previous quarter and the same quarter a year earlier."""
    now = _rows(now, code)
    current, before, n_prev = _like_for_like(now, _rows(previous, code), code)
    change_previous = current - before
    current_y, year_ago, n_year = _like_for_like(now, _rows(year_ago, code), code)
    if code in RATIO_KPIS:
        change_year = current_y - year_ago
    else:
        change_year = current_y / year_ago - 1 if year_ago > 0 else float("nan")
    targets = review.targets
    checked = targets[(targets["indicator"] == code) & targets["checked"]]
    return KpiCard(
        code=code,
        value=_total(now, code),
        parks=len(now),
        change_previous=float(change_previous),
        parks_previous=n_prev,
        change_year=float(change_year),
        parks_year=n_year,
        targets_checked=len(checked),
        targets_met=int(checked["met"].astype(bool).sum()),
        target_value=float(checked["value"].sum()) if len(checked) else float("nan"),
        target_expected=float(checked["expected"].sum()) if len(checked) else float("nan"),
    )


def review_cards(
    review: Review, kpis_all: pd.DataFrame, codes: tuple[str, ...] = CARD_KPIS
) -> tuple[KpiCard, ...]:
    """Cards for ``codes`` over the review's parks; ``kpis_all``: ``park_kpis`` rows of the
    review's region covering this quarter, the previous one and the one a year earlier."""
    q, ids = review.quarter, review.parks["park_id"]
    frames = [_quarter_rows(kpis_all, shift_quarter(q, k), ids) for k in (0, -1, -4)]
    return tuple(kpi_card(review, code, *frames) for code in codes)


def status_counts(review: Review) -> dict[str, int]:
    """Parks per review status, every status present (0 when none), in ``STATUSES`` order."""
    counts = review.parks["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


@dataclass(frozen=True)
class Reporting:
    """How many of the parks due to report for a quarter did: the one reported-parks figure
    every page shows, always with its denominator (the review's rule for who is due)."""

    quarter: dt.date
    reported: int
    expected: int

    def label(self, lang: str) -> str:
        return t("review.reporting.label", lang, quarter=fmt_quarter(self.quarter, lang))

    def value(self, lang: str) -> str:
        return t(
            "review.reporting.value",
            lang,
            reported=fmt_number(self.reported, lang),
            expected=fmt_number(self.expected, lang),
        )

    def help(self, lang: str) -> str:
        return t("review.reporting.help", lang, quarter=fmt_quarter(self.quarter, lang))


def reporting(review: Review) -> Reporting:
    """Parks that reported for the review's quarter, of the parks expected to report."""
    reported = int(np.sum(review.parks["reported"].astype(bool)))
    return Reporting(review.quarter, reported, len(review.parks))


def card_history(
    review: Review, kpis_all: pd.DataFrame, code: str, quarters: int = 8
) -> pd.DataFrame:
    """The card's value in each of the ``quarters`` quarters up to the review's, over the
    review's parks that reported it that quarter: quarter, value, parks (not like for like:
    the caption says how many parks each total rests on)."""
    ids = review.parks["park_id"]
    rows = []
    for k in range(-quarters + 1, 1):
        q = shift_quarter(review.quarter, k)
        present = _rows(_quarter_rows(kpis_all, q, ids), code)
        rows.append(
            {"quarter": pd.Timestamp(q), "value": _total(present, code), "parks": len(present)}
        )
    return pd.DataFrame(rows, columns=["quarter", "value", "parks"])
