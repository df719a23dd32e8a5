"""The brief: what page 1 of the quarterly report says, the same in every language.

From the quarterly review (:mod:`analytics.kpi.review`), its KPI cards
(:mod:`analytics.kpi.cards`) and the compliance check (:mod:`analytics.policy.compliance`):

* the six **headline** cards (jobs, residents, cumulative investment, occupied area,
  occupancy, taxes) with their change on the quarter, on the year and against the targets
  (the cards' rules: totals over the reporting parks, changes like for like);
* three to six **findings**, each one or two catalogue sentences (``brief.finding.*``) with
  their numbers, chosen by the fixed rules of :func:`brief_findings`, none from free text;
* the parks **behind their roadmaps** (with the indicators they missed), **in breach of
  statutory rules** (with the rules) and **without a report**, by name;
* **public money in and taxes back**: this quarter and since the parks' first reports.

Nothing here is in a language: :mod:`analytics.reports.pages` puts it into words and the
writers lay it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.i18n import fmt_percent
from analytics.i18n.message import Message, Name, Number, Percent, Unit
from analytics.kpi.cards import KpiCard, review_cards
from analytics.kpi.formulas import shift_quarter
from analytics.kpi.review import LOW_OCCUPANCY, LOW_OCCUPANCY_AFTER_YEARS, NAME_COLUMNS, Review
from analytics.quarter import Quarter
from analytics.reports.content import cell_text, tidy_sentence, with_sign

MAX_FINDINGS = 6
# Which findings stay when more than MAX_FINDINGS apply (the page shows them in FINDINGS
# order): what a collegium asks first, then what the headline table already shows.
PRIORITY = ("jobs", "targets", "reporting", "investment", "occupancy", "taxes", "breaches")
FINDINGS = ("jobs", "investment", "occupancy", "taxes", "targets", "reporting", "breaches")
# Decimals of each headline KPI in sentences (counts as integers, money and area with one).
DECIMALS = {"jobs_total": 0, "residents_count": 0, "taxes_total": 1}


@dataclass(frozen=True)
class SignedPercent:
    """A relative change as a percentage with its sign ("+5,6 %"), a message parameter."""

    value: float
    decimals: int = 1

    def text(self, lang: str) -> str:
        return with_sign(fmt_percent(self.value, lang, self.decimals), self.value)


@dataclass(frozen=True)
class Points:
    """A change of a share in percentage points ("+0,8 п.п."), a message parameter."""

    value: float  # a difference of shares (0.008)

    def text(self, lang: str) -> str:
        return cell_text(self.value, "points", lang)


@dataclass(frozen=True)
class Finding:
    """One finding of the brief: sentences (catalogue messages) read one after another."""

    code: str  # one of FINDINGS
    severity: str  # "info" or "warning"
    sentences: tuple[Message, ...]

    def text(self, lang: str) -> str:
        return tidy_sentence(" ".join(sentence.text(lang) for sentence in self.sentences))


@dataclass(frozen=True)
class PublicMoney:
    """Public money in and residents' taxes back over the parks that reported this quarter,
    in millions of the currency; cumulative sums run from each park's first report."""

    parks: int  # parks that reported this quarter
    public_money_quarter: float
    taxes_quarter: float
    public_money_cumulative: float
    taxes_cumulative: float
    funded: int  # parks that have received public money
    paid_back: int  # of which residents' taxes have covered it

    @property
    def efficiency(self) -> float:
        """Taxes per unit of public money, cumulative (NaN before any public money)."""
        if not self.public_money_cumulative > 0:
            return float("nan")
        return self.taxes_cumulative / self.public_money_cumulative


@dataclass(frozen=True)
class Brief:
    quarter: dt.date
    region: str | None
    currency: str | None  # ISO code of the parks' money (None: several currencies)
    cards: tuple[KpiCard, ...]
    units: dict[str, str]  # unit code of each card's KPI
    findings: tuple[Finding, ...]
    behind: pd.DataFrame  # park_id, name_*, missed (tuple of indicator codes)
    breaches: pd.DataFrame  # compliance flags in scope: park_id, name_*, rule, kind, since
    silent: pd.DataFrame  # parks due to report that did not: park_id, name_*
    money: PublicMoney
    effects: tuple[Any, ...]  # ParkEffect or EffectResult objects, as given
    parks_due: int
    simulated: bool


def _sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame:
        return float("nan")
    return float(frame[column].astype(float).sum(min_count=1))


def public_money(review: Review) -> PublicMoney:
    """Public money and taxes over the review's parks that reported this quarter."""
    now = review.kpis
    funded = now[now["public_money_cumulative"] > 0]
    return PublicMoney(
        parks=len(now),
        public_money_quarter=_sum(now, "public_money"),
        taxes_quarter=_sum(now, "taxes_total"),
        public_money_cumulative=_sum(now, "public_money_cumulative"),
        taxes_cumulative=_sum(now, "taxes_cumulative"),
        funded=len(funded),
        paid_back=int(funded["payback_year"].notna().sum()),
    )


def park_changes(kpis_all: pd.DataFrame, review: Review, code: str) -> pd.Series:
    """The change of ``code`` on the quarter per review park that reported it in both
    quarters, smallest first."""
    ids = review.parks["park_id"]

    def at(quarter: dt.date) -> pd.Series:
        rows = kpis_all[kpis_all["quarter"] == pd.Timestamp(quarter)]
        rows = rows[rows["park_id"].isin(ids)]
        return rows.set_index("park_id")[code].astype(float).dropna()

    now, before = at(review.quarter), at(shift_quarter(review.quarter, -1))
    both = now.index.intersection(before.index)
    return (now[both] - before[both]).sort_values(kind="stable")


def _kpi_sentence(card: KpiCard, name: Name, unit: Unit, quarter: dt.date) -> Message:
    """ "{name}: {value} {unit}" with whichever like-for-like changes exist."""
    decimals = DECIMALS.get(card.code, 1)
    value = Percent(card.value) if card.is_ratio else Number(card.value, decimals)
    params: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    has_quarter = card.parks_previous > 0 and not np.isnan(card.change_previous)
    has_year = card.parks_year > 0 and not np.isnan(card.change_year)
    if has_quarter:
        params["change"] = (
            Points(card.change_previous)
            if card.is_ratio
            else Number(card.change_previous, decimals, signed=True)
        )
    if has_year:
        params["year"] = (
            Points(card.change_year) if card.is_ratio else SignedPercent(card.change_year)
        )
        params["quarter"] = Quarter.of(quarter).shift(-4)
    variant = {(True, True): "both", (True, False): "quarter", (False, True): "year"}
    key = "kpi_" + variant.get((has_quarter, has_year), "value")
    if card.is_ratio:
        params.pop("unit")
        key = key.replace("kpi_", "ratio_")
    return Message(f"brief.finding.{key}", params)


def _drivers(changes: pd.Series, names: pd.DataFrame, decimals: int) -> Message | None:
    """The parks with the largest gain and the largest loss on the quarter."""
    by_id = names.set_index("park_id")
    up = changes[changes > 0]
    down = changes[changes < 0]
    params: dict[str, Any] = {}
    if len(up):
        params |= {
            "up_name": Name.of(by_id.loc[up.index[-1]]),
            "up": Number(up.iloc[-1], decimals, signed=True),
        }
    if len(down):
        params |= {
            "down_name": Name.of(by_id.loc[down.index[0]]),
            "down": Number(down.iloc[0], decimals),
        }
    if not params:
        return None
    key = "up_down" if len(up) and len(down) else ("up" if len(up) else "down")
    return Message(f"brief.finding.driver_{key}", params)


def _lowest_occupancy(review: Review) -> Message | None:
    """Parks open LOW_OCCUPANCY_AFTER_YEARS or longer whose occupancy is below LOW_OCCUPANCY."""
    now = review.kpis
    low = now[
        (now["occupancy_rate"] < LOW_OCCUPANCY)
        & (now["years_since_opening"] >= LOW_OCCUPANCY_AFTER_YEARS)
    ]
    if low.empty:
        return None
    from analytics.i18n.message import Names

    rows = review.parks.set_index("park_id").loc[sorted(low["park_id"])].reset_index()
    return Message(
        "brief.finding.low_occupancy",
        {
            "threshold": Percent(LOW_OCCUPANCY, 0),
            "years": Number(LOW_OCCUPANCY_AFTER_YEARS),
            "names": Names.of(rows.to_dict("records")),
        },
    )


def brief_findings(
    review: Review,
    kpis_all: pd.DataFrame,
    cards: dict[str, KpiCard],
    indicator_names: dict[str, Name],
    currency: str | None,
    units: dict[str, str],
    breaches: pd.DataFrame,
) -> tuple[Finding, ...]:
    """Up to MAX_FINDINGS findings: each when its numbers exist, kept by PRIORITY, shown in
    FINDINGS order."""
    q = review.quarter
    parks = review.parks
    found: dict[str, Finding] = {}

    def kpi(code: str) -> Message | None:
        card = cards.get(code)
        if card is None or card.parks == 0:
            return None
        return _kpi_sentence(card, indicator_names[code], Unit(units[code], currency), q)

    jobs = kpi("jobs_total")
    if jobs is not None:
        drivers = _drivers(park_changes(kpis_all, review, "jobs_total"), parks, 0)
        found["jobs"] = Finding("jobs", "info", (jobs,) if drivers is None else (jobs, drivers))
    investment = kpi("investment_cumulative")
    if investment is not None:
        sentences = [investment]
        invested = _sum(review.kpis, "investment_total")
        if not np.isnan(invested):
            unit = Unit(units["investment_cumulative"], currency)
            sentences.append(
                Message("brief.finding.invested", {"value": Number(invested, 1), "unit": unit})
            )
        found["investment"] = Finding("investment", "info", tuple(sentences))
    occupancy = kpi("occupancy_rate")
    if occupancy is not None:
        low = _lowest_occupancy(review)
        found["occupancy"] = Finding(
            "occupancy",
            "info" if low is None else "warning",
            (occupancy,) if low is None else (occupancy, low),
        )
    taxes = kpi("taxes_total")
    if taxes is not None:
        found["taxes"] = Finding("taxes", "info", (taxes,))

    status = parks["status"].value_counts()
    with_targets = int(status.get("on_track", 0) + status.get("behind", 0))
    if with_targets:
        behind = int(status.get("behind", 0))
        params = {
            "on_track": int(status.get("on_track", 0)),
            "total": with_targets,
            "behind": behind,
        }
        key = "targets_behind" if behind else "targets_all"
        found["targets"] = Finding(
            "targets", "warning" if behind else "info", (Message(f"brief.finding.{key}", params),)
        )
    if len(parks):
        state = parks["report_state"].value_counts()
        params = {
            "reported": int(parks["reported"].astype(bool).sum()),
            "due": len(parks),
            "on_time": int(state.get("on_time", 0)),
            "late": int(state.get("late", 0) + state.get("no_date", 0)),
            "missing": int(state.get("missing", 0)),
        }
        warning = params["late"] + params["missing"] > 0
        key = "reporting_all" if params["on_time"] == len(parks) else "reporting"
        found["reporting"] = Finding(
            "reporting",
            "warning" if warning else "info",
            (Message(f"brief.finding.{key}", params),),
        )
    if len(breaches):
        params = {"parks": int(breaches["park_id"].nunique()), "flags": len(breaches)}
        found["breaches"] = Finding(
            "breaches", "warning", (Message("brief.finding.breaches", params),)
        )
    if not len(parks):
        sentence = Message("review.finding.no_parks", {"quarter": Quarter.of(q)})
        return (Finding("no_parks", "info", (sentence,)),)
    kept = [code for code in PRIORITY if code in found][:MAX_FINDINGS]
    return tuple(found[code] for code in FINDINGS if code in kept)


def behind_parks(review: Review) -> pd.DataFrame:
    """Parks behind their roadmap this quarter, with the indicators whose targets they missed."""
    targets = review.targets
    missed = targets[targets["checked"] & ~targets["met"].fillna(True).astype(bool)]
    by_park = missed.groupby("park_id")["indicator"].agg(lambda s: tuple(sorted(set(s))))
    rows = review.parks[review.parks["status"] == "behind"][["park_id", *NAME_COLUMNS]]
    return rows.assign(missed=[by_park.get(p, ()) for p in rows["park_id"]]).reset_index(drop=True)


def build_brief(
    review: Review,
    kpis_all: pd.DataFrame,
    flags: pd.DataFrame,
    indicator_names: dict[str, Name],
    units: dict[str, str],
    effects: tuple[Any, ...] = (),
) -> Brief:
    """The brief of ``review``. ``kpis_all``: park_kpis of the review's region (its history);
    ``flags``: the compliance flags of the review's parks as of the quarter's end."""
    cards = review_cards(review, kpis_all)
    breaches = flags[flags["park_id"].isin(review.parks["park_id"])].reset_index(drop=True)
    findings = brief_findings(
        review,
        kpis_all,
        {c.code: c for c in cards},
        indicator_names,
        review.currency,
        units,
        breaches,
    )
    silent = review.parks[review.parks["report_state"] == "missing"][["park_id", *NAME_COLUMNS]]
    return Brief(
        quarter=review.quarter,
        region=review.region,
        currency=review.currency,
        cards=cards,
        units={c.code: units[c.code] for c in cards},
        findings=findings,
        behind=behind_parks(review),
        breaches=breaches,
        silent=silent.reset_index(drop=True),
        money=public_money(review),
        effects=tuple(effects),
        parks_due=len(review.parks),
        simulated=review.simulated,
    )
