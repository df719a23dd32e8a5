"""Park effects straight from the warehouse: what did parks change in their municipality or region?

:func:`park_effect` turns the warehouse into a unit x quarter panel and runs one of the
estimators (TWFE, Callaway & Sant'Anna, Sun & Abraham, synthetic control for one park);
:func:`park_effect_truth` gives the true effect of the same aggregation on simulated data
(``truth_effect``), so the demo's planted effects can be checked and shown beside the estimate.

Panel rules (one sample for every DiD method, so their answers are comparable):

* **Units**: municipalities (``municipality_quarter``) or regions (``region_quarter``); the
  outcome is an area indicator from the catalogue (``indicator`` with entity = level).
* **Treatment timing**: the quarter of the first park opening in the unit (``opened_on``; the
  date of the first resident) or of the first registration (``registered_on``). Later parks in
  the same unit add to the effect; the treatment never switches off (a park that closes after
  opening still treated its unit). Parks closed before they opened never treat.
* **Excluded units** (listed in ``dropped``): units hosting a park that has not opened (under
  construction or a project; with ``treatment="registered"``: a park with no registration date
  that is not closed) and no treating park: they are neither clean comparisons (construction
  jobs, anticipation) nor treated. With ``park_types``, units hosting a treating park of another
  type are excluded for the same reason.
* **Gaps**: interior runs of at most :data:`MAX_GAP` missing quarters are filled by
  interpolating the unit's deviation from the cross-sectional mean of the (transformed) outcome
  in each quarter, so common seasonality and shocks are kept (plain interpolation would flatten
  them); ``n_filled`` counts them. Units still incomplete (e.g. a quarter not yet published at
  the end) are dropped, so every method sees the same balanced panel.
* **Transform**: ``"log"`` (effects in log points, 0.01 ~ 1%) or ``"level"`` (the outcome's
  own units). In the demo, parallel trends hold in logs and not in levels (shocks are
  proportional to size); non-positive values cannot be logged and drop the unit.
* **Synthetic control** (``method="sc"``, needs ``park_id``): the treated unit is the park's
  municipality or region from the quarter the park opened (or registered); donors are the
  never-treated units. Every unit's outcome is centred on its own pre-treatment mean
  (demeaned synthetic control, Ferman & Pinto 2021): a park's host is often the largest
  municipality, outside the donors' convex hull in levels, while its path relative to its own
  past is reproducible.
* **Comparison**: ``control="never"`` or ``"notyet"`` for CS; for Sun & Abraham ``"notyet"``
  means the last-treated cohort (``sun_abraham(control="last")``); TWFE uses every unit.

Caching: results are memoised in process by their parameters *and* the data stamp (database
file, newest ``source_id`` and number of loaded batches), in an LRU of :data:`CACHE_SIZE`
entries. We chose memory over an on-disk pickle: results are cheap to recompute (seconds), a
pickle on disk would outlive code changes and need invalidation of its own, and the app wraps
this in ``st.cache_data`` anyway. Cached results are shared: do not mutate their tables.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.cs import aggte, att_gt
from analytics.effects.panel import to_period_index
from analytics.effects.reading import THIN_COHORT_UNITS, read_result
from analytics.effects.results import EffectResult
from analytics.effects.sunab import sun_abraham
from analytics.effects.synth import synthetic_control
from analytics.effects.twfe import twfe
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, t

Level = Literal["municipality", "region"]
Method = Literal["cs", "twfe", "sa", "sc"]
Treatment = Literal["opened", "registered"]
Control = Literal["notyet", "never"]
Transform = Literal["log", "level"]
Aggregation = Literal["simple", "dynamic"]
LEVELS: tuple[str, ...] = ("municipality", "region")
METHODS: tuple[str, ...] = ("cs", "twfe", "sa", "sc")
TREATMENTS: tuple[str, ...] = ("opened", "registered")
CONTROLS: tuple[str, ...] = ("notyet", "never")
TRANSFORMS: tuple[str, ...] = ("log", "level")
AGGREGATIONS: tuple[str, ...] = ("simple", "dynamic")
PARK_TYPES: tuple[str, ...] = ("industrial_park", "technopark", "sez", "industrial_site")
# Event times shown and tested (quarters since opening): 3 years before, 5 after. Far event
# times rest on one or two single-park cohorts whose analytic standard errors leave out the
# treated unit's own noise, so a pre-trend test over every lead rejects spuriously.
EVENT_WINDOW = (-12, 20)
# Longest run of missing quarters inside a unit's series that is filled.
MAX_GAP = 2
CACHE_SIZE = 32
_TABLES = {"municipality": ("municipality_quarter", "municipality_code", "municipality")}
_TABLES["region"] = ("region_quarter", "region_code", "region")


def _choose(name: str, value: Any, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def quarter_label(value: Any) -> str:
    """A quarter as "2024Q3" from a date, a Timestamp or a label."""
    if isinstance(value, str):
        periods, frequency = to_period_index([value])
        if frequency != "quarter":
            raise ValueError(f"not a quarter: {value!r}")
        year, quarter = divmod(int(periods[0]), 4)
        return f"{year}Q{quarter + 1}"
    stamp = pd.Timestamp(value)
    return f"{stamp.year}Q{(stamp.month - 1) // 3 + 1}"


def quarter_start(label: str) -> dt.date:
    """The first day of the quarter "2024Q3" (how the warehouse stores quarters)."""
    year, quarter = int(label[:4]), int(label[-1])
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ParkPanel:
    """The unit x quarter panel behind a park effect.

    ``data``: one row per unit and quarter with ``unit``, ``quarter`` ("2024Q3"), ``raw`` (the
    published value, or the filled one), ``value`` (transformed outcome), ``filled`` (bool) and
    ``first_quarter`` ("2017Q3", "" = never treated). ``treated_units``: unit, first_quarter
    and the treating park ids. ``dropped``: unit and reason (catalogue key suffix of
    ``effects_parks.drop.*``).
    """

    data: pd.DataFrame
    level: str
    outcome: str
    transform: str
    treatment: str
    treated_units: pd.DataFrame
    dropped: pd.DataFrame
    n_filled: int
    sc_unit: str | None = None
    sc_start: str | None = None

    @property
    def cohorts(self) -> tuple[str, ...]:
        return tuple(sorted(self.treated_units["first_quarter"].unique()))

    @property
    def quarters(self) -> tuple[str, ...]:
        return tuple(sorted(self.data["quarter"].unique()))


@dataclass(frozen=True)
class ParkEffect:
    """A park effect: the estimator's result plus what a reader needs to interpret it.

    ``result`` is the headline :class:`EffectResult` (CS simple or dynamic aggregation, TWFE,
    Sun-Abraham, synthetic control). ``event_study`` is the result carrying an event study
    (CS dynamic or Sun-Abraham; None for TWFE and SC), ``att_gt`` the CS group-time result.
    ``outcome_names`` and ``unit`` describe the outcome (indicator names by language, unit
    code of the catalogue); ``place_names`` name the treated unit for synthetic control.
    """

    result: EffectResult
    params: dict[str, Any]
    stamp: tuple[str, int, int]
    treated_units: pd.DataFrame
    cohorts: tuple[str, ...]
    dropped: pd.DataFrame
    n_filled: int
    n_units: int
    outcome_unit: str
    outcome_names: dict[str, str]
    event_study: EffectResult | None = field(default=None, repr=False)
    att_gt: EffectResult | None = field(default=None, repr=False)
    place_names: dict[str, str] | None = None

    @property
    def method(self) -> str:
        return str(self.params["method"])

    @property
    def thin_cohorts(self) -> bool:
        """Whether most treatment dates hold fewer than THIN_COHORT_UNITS treated units, for
        the estimators whose standard errors then come out too small (CS, Sun-Abraham)."""
        if self.params["method"] not in ("cs", "sa") or self.treated_units.empty:
            return False
        sizes = self.treated_units.groupby("first_quarter").size()
        return bool((sizes < THIN_COHORT_UNITS).mean() > 0.5)

    def outcome_label(self, lang: str) -> str:
        """The outcome as the reading names it: "log of employment" for the log transform."""
        name = self.outcome_names.get(lang, self.params["outcome"])
        if self.params["transform"] == "log":
            return t("effects_parks.log_of", lang, name=name.lower() if lang == "en" else name)
        return name

    def place(self, lang: str) -> str | None:
        return None if self.place_names is None else self.place_names.get(lang)

    def reading(self, lang: str) -> str:
        """The plain-language reading of the headline in ``lang``; for CS the event study's
        pre-trend test and breakdown value are read from the dynamic aggregation."""
        evidence = (self.result if self.event_study is None else self.event_study).diagnostics
        text = read_result(
            self.result,
            lang,
            outcome_label=self.outcome_label(lang),
            place=self.place(lang),
            thin_cohorts=self.thin_cohorts,
            diagnostics=evidence,
        )
        if self.params["transform"] == "log":
            text += " " + t("effects_parks.log_hint", lang)
        return text

    def tidy(self) -> pd.DataFrame:
        """The headline table, with the event-study rows when they come from another result."""
        table = self.result.tidy()
        # CS with the simple headline: the event study is another result (Sun-Abraham's tidy
        # table already lists its event times).
        if self.att_gt is not None and self.event_study is not self.result:
            extra = self.event_study.tidy().iloc[1:]
            table = pd.concat([table, extra], ignore_index=True)
        return table


@dataclass(frozen=True)
class ParkTruth:
    """The true effect (simulated data) for the same sample and aggregation as an estimate.

    ``estimate``: the headline's true value on the outcome's scale (log points for
    ``transform="log"``). ``event_study``: rel_time -> truth (CS dynamic, Sun-Abraham);
    ``path``: time -> truth of the treated unit (synthetic control). For TWFE the truth is the
    average effect over treated unit-quarters; TWFE's own estimand weights them differently
    under heterogeneous effects, and the distance between the two is its bias.
    """

    estimate: float
    event_study: pd.DataFrame | None = None
    path: pd.DataFrame | None = None
    description: str = ""


# --------------------------------------------------------------------------------------------
# Warehouse reads


def data_stamp(con: duckdb.DuckDBPyConnection) -> tuple[str, int, int]:
    """The database file, newest source_id and number of batches: changes on every import."""
    path = con.execute(
        "SELECT coalesce(path, '') FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    newest, batches = con.execute(
        "SELECT coalesce(max(source_id), 0), count(*) FROM source"
    ).fetchone()
    return str(path), int(newest), int(batches)


def area_outcomes(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """Reported area indicators usable as outcomes: code, unit, name_ru/uk/en."""
    _choose("level", level, LEVELS)
    return con.execute(
        "SELECT code, unit, name_ru, name_uk, name_en FROM indicator"
        " WHERE entity = ? AND kind = 'reported' ORDER BY code",
        [level],
    ).df()


def _indicator(con: duckdb.DuckDBPyConnection, level: str, outcome: str) -> pd.Series:
    catalogue = area_outcomes(con, level).set_index("code")
    if outcome not in catalogue.index:
        raise UserError(
            "effects_parks.unknown_outcome",
            outcome=outcome,
            available=", ".join(catalogue.index),
        )
    return catalogue.loc[outcome]


def _parks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT park_id, park_type, status, region_code, municipality_code,"
        " registered_on, opened_on, closed_on FROM park ORDER BY park_id"
    ).df()


def _treating_date(parks: pd.DataFrame, treatment: str) -> pd.Series:
    """The date each park starts treating its unit (NaT: it does not treat)."""
    opened = pd.to_datetime(parks["opened_on"])
    closed = pd.to_datetime(parks["closed_on"])
    never_opened = opened.isna() | (closed.notna() & (closed < opened))
    if treatment == "opened":
        return opened.where(~never_opened)
    registered = pd.to_datetime(parks["registered_on"])
    # A park that closed without ever opening did not treat, whatever its registration.
    return registered.where(~(closed.notna() & never_opened))


def _unit_treatment(
    parks: pd.DataFrame, level: str, treatment: str, park_types: Sequence[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treated units (unit, first_quarter, parks) and units excluded (unit, reason)."""
    key = _TABLES[level][1]
    parks = parks.assign(starts=_treating_date(parks, treatment), unit=parks[key])
    treating = parks.loc[parks["starts"].notna()]
    chosen = (
        treating if park_types is None else treating.loc[treating["park_type"].isin(park_types)]
    )
    treated = (
        chosen.groupby("unit", sort=True)
        .agg(starts=("starts", "min"), parks=("park_id", lambda s: ", ".join(sorted(s))))
        .reset_index()
    )
    treated["first_quarter"] = treated["starts"].map(quarter_label)
    treated = treated.loc[:, ["unit", "first_quarter", "parks"]]
    closed_unopened = parks["closed_on"].notna() & parks["starts"].isna()
    pending = parks.loc[parks["starts"].isna() & ~closed_unopened, "unit"]
    other_type = treating.loc[~treating["unit"].isin(treated["unit"]), "unit"]
    excluded = pd.concat(
        [
            pd.DataFrame(
                {"unit": sorted(set(pending) - set(treated["unit"])), "reason": "park_pending"}
            ),
            pd.DataFrame({"unit": sorted(set(other_type)), "reason": "other_park_type"}),
        ],
        ignore_index=True,
    ).drop_duplicates("unit")
    return treated, excluded


def _outcome_frame(
    con: duckdb.DuckDBPyConnection, level: str, outcome: str, start: Any, end: Any
) -> pd.DataFrame:
    table, key, _ = _TABLES[level]
    frame = con.execute(
        f"SELECT {key} AS unit, quarter, value FROM {table}"
        " WHERE indicator = ? AND value IS NOT NULL ORDER BY unit, quarter",
        [outcome],
    ).df()
    frame["quarter"] = frame["quarter"].map(quarter_label)
    if start is not None:
        frame = frame.loc[frame["quarter"] >= quarter_label(start)]
    if end is not None:
        frame = frame.loc[frame["quarter"] <= quarter_label(end)]
    if frame.empty:
        raise UserError("effects_parks.no_data", outcome=outcome)
    return frame


def _fill_gaps(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interior gaps of at most MAX_GAP quarters filled on the unit's deviation from the
    quarter's cross-sectional mean; returns the filled matrix and a mask of filled cells."""
    mean = wide.mean(axis=1, skipna=True)
    deviation = wide.sub(mean, axis=0)
    filled = deviation.interpolate(axis=0, limit=MAX_GAP, limit_area="inside")
    # interpolate(limit=) fills the first MAX_GAP cells of longer runs: keep short runs only.
    missing = wide.isna()
    too_long = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    for column in wide.columns:
        gaps = missing[column].to_numpy()
        if not gaps.any():
            continue
        edges = np.flatnonzero(np.diff(np.r_[0, gaps.astype(int), 0]))
        for begin, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - begin > MAX_GAP:
                too_long.iloc[begin:stop, too_long.columns.get_loc(column)] = True
    filled = filled.mask(too_long)
    result = filled.add(mean, axis=0).where(missing, wide)
    return result, missing & result.notna()


# --------------------------------------------------------------------------------------------
# The panel


def park_panel(
    con: duckdb.DuckDBPyConnection,
    *,
    outcome: str,
    level: Level = "municipality",
    treatment: Treatment = "opened",
    transform: Transform = "log",
    park_types: Sequence[str] | None = None,
    park_id: str | None = None,
    start: Any = None,
    end: Any = None,
) -> ParkPanel:
    """The balanced unit x quarter panel for a park effect (see the module docstring)."""
    _choose("level", level, LEVELS)
    _choose("treatment", treatment, TREATMENTS)
    _choose("transform", transform, TRANSFORMS)
    if park_types is not None:
        park_types = tuple(sorted(park_types))
        for park_type in park_types:
            _choose("park_types", park_type, PARK_TYPES)
    _indicator(con, level, outcome)
    parks = _parks(con)
    treated, excluded = _unit_treatment(parks, level, treatment, park_types)
    frame = _outcome_frame(con, level, outcome, start, end)
    drops = [excluded]
    frame = frame.loc[~frame["unit"].isin(excluded["unit"])]
    if transform == "log":
        bad = sorted(frame.loc[frame["value"] <= 0, "unit"].unique())
        drops.append(pd.DataFrame({"unit": bad, "reason": "not_positive"}))
        frame = frame.loc[~frame["unit"].isin(bad)]
    raw_wide = frame.pivot(index="quarter", columns="unit", values="value").sort_index()
    quarters = pd.Index(sorted(set(raw_wide.index)))
    raw_wide = raw_wide.reindex(quarters)
    scaled = np.log(raw_wide) if transform == "log" else raw_wide
    filled, filled_mask = _fill_gaps(scaled)
    incomplete = sorted(filled.columns[filled.isna().any(axis=0)])
    drops.append(pd.DataFrame({"unit": incomplete, "reason": "incomplete"}))
    filled = filled.drop(columns=incomplete)
    filled_mask = filled_mask.drop(columns=incomplete)
    raw = np.exp(filled) if transform == "log" else filled
    raw = raw.where(filled_mask, raw_wide.drop(columns=incomplete))

    first = dict(zip(treated["unit"], treated["first_quarter"], strict=True))
    data = pd.DataFrame(
        {
            "unit": np.repeat(filled.columns.to_numpy(), len(filled.index)),
            "quarter": np.tile(filled.index.to_numpy(), len(filled.columns)),
            "raw": raw.to_numpy().T.ravel(),
            "value": filled.to_numpy().T.ravel(),
            "filled": filled_mask.to_numpy().T.ravel(),
        }
    )
    data["first_quarter"] = data["unit"].map(first).fillna("").astype(str)
    # A unit first treated after the sample is untreated throughout it.
    data.loc[data["first_quarter"] > quarters[-1], "first_quarter"] = ""
    kept_treated = treated.loc[treated["unit"].isin(data.loc[data["first_quarter"] != "", "unit"])]
    sc_unit = sc_start = None
    if park_id is not None:
        data, sc_unit, sc_start = _synth_sample(data, parks, park_id, level, treatment)
        kept_treated = kept_treated.loc[kept_treated["unit"] == sc_unit]
    dropped = pd.concat(drops, ignore_index=True)
    return ParkPanel(
        data=data.reset_index(drop=True),
        level=level,
        outcome=outcome,
        transform=transform,
        treatment=treatment,
        treated_units=kept_treated.reset_index(drop=True),
        dropped=dropped.reset_index(drop=True),
        n_filled=int(data["filled"].sum()),
        sc_unit=sc_unit,
        sc_start=sc_start,
    )


def _synth_sample(
    data: pd.DataFrame, parks: pd.DataFrame, park_id: str, level: str, treatment: str
) -> tuple[pd.DataFrame, str, str]:
    """The park's unit and never-treated donors, centred on their pre-treatment means."""
    row = parks.loc[parks["park_id"] == park_id]
    if row.empty:
        raise UserError("effects_parks.unknown_park", park=park_id)
    starts = _treating_date(row, treatment).iloc[0]
    if pd.isna(starts):
        raise UserError("effects_parks.park_not_started", park=park_id)
    unit = row[_TABLES[level][1]].iloc[0]
    start = quarter_label(starts)
    if unit not in set(data["unit"]):
        raise UserError("effects_parks.park_unit_missing", park=park_id, unit=unit)
    first_of_unit = data.loc[data["unit"] == unit, "first_quarter"].iloc[0]
    if first_of_unit and first_of_unit < start:
        # Another park treated the unit earlier: this park's own effect is not identified.
        raise UserError("effects_parks.park_not_first", park=park_id, first=first_of_unit)
    keep = (data["unit"] == unit) | (data["first_quarter"] == "")
    data = data.loc[keep].copy()
    pre = data["quarter"] < start
    pre_mean = data.loc[pre].groupby("unit")["value"].mean()
    data["value"] = data["value"] - data["unit"].map(pre_mean)
    data["first_quarter"] = np.where(data["unit"] == unit, start, "")
    return data, unit, start


# --------------------------------------------------------------------------------------------
# Estimation


_CACHE: OrderedDict[tuple, ParkEffect] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def park_effect(
    con: duckdb.DuckDBPyConnection,
    *,
    outcome: str,
    level: Level = "municipality",
    method: Method = "cs",
    treatment: Treatment = "opened",
    control: Control = "notyet",
    est_method: Literal["dr", "ipw", "reg"] = "dr",
    transform: Transform = "log",
    aggregation: Aggregation = "simple",
    park_types: Sequence[str] | None = None,
    park_id: str | None = None,
    start: Any = None,
    end: Any = None,
    bootstrap: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
) -> ParkEffect:
    """The effect of parks on ``outcome`` in their municipality or region.

    ``method``: "cs" (headline: the ``aggregation`` "simple" or "dynamic" of the group-time
    ATTs; both the dynamic event study and the group-time table are kept), "twfe", "sa" or
    "sc" (one park: ``park_id``). ``bootstrap`` multiplier-bootstrap draws for CS (uniform
    bands). Effects are in log points for ``transform="log"``, else in the outcome's units.
    Memoised by parameters and data stamp (see the module docstring).
    """
    params = _params(locals())
    key = (data_stamp(con), tuple(sorted((k, _hashable(v)) for k, v in params.items())))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    effect = _estimate(con, params, key[0])
    with _CACHE_LOCK:
        _CACHE[key] = effect
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return effect


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _params(arguments: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in arguments.items() if k != "con"}
    _choose("method", params["method"], METHODS)
    _choose("control", params["control"], CONTROLS)
    _choose("aggregation", params["aggregation"], AGGREGATIONS)
    _choose("est_method", params["est_method"], ("dr", "ipw", "reg"))
    if params["method"] == "sc" and not params["park_id"]:
        raise UserError("effects_parks.sc_needs_park")
    if params["method"] != "sc":
        params["park_id"] = None
    if params["park_types"] is not None:
        params["park_types"] = sorted(params["park_types"])
    for name in ("start", "end"):
        if params[name] is not None:
            params[name] = quarter_label(params[name])
    if not 0 < float(params["alpha"]) < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {params['alpha']!r}")
    if int(params["bootstrap"]) < 0:
        raise ValueError("bootstrap must be a non-negative integer")
    params["alpha"] = float(params["alpha"])
    params["bootstrap"] = int(params["bootstrap"])
    params["seed"] = int(params["seed"])
    return params


def _panel_for(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> ParkPanel:
    return park_panel(
        con,
        outcome=params["outcome"],
        level=params["level"],
        treatment=params["treatment"],
        transform=params["transform"],
        park_types=params["park_types"],
        park_id=params["park_id"],
        start=params["start"],
        end=params["end"],
    )


def _estimate(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], stamp: tuple[str, int, int]
) -> ParkEffect:
    panel = _panel_for(con, params)
    indicator = _indicator(con, params["level"], params["outcome"])
    columns = {"unit": "unit", "time": "quarter", "outcome": "value"}
    method, alpha = params["method"], params["alpha"]
    event_study = att = None
    if method == "cs":
        att = att_gt(
            panel.data,
            **columns,
            treat_time="first_quarter",
            control=params["control"],
            est_method=params["est_method"],
            bootstrap=params["bootstrap"],
            seed=params["seed"],
            alpha=alpha,
        )
        event_study = aggte(att, "dynamic", min_e=EVENT_WINDOW[0], max_e=EVENT_WINDOW[1])
        result = event_study if params["aggregation"] == "dynamic" else aggte(att, "simple")
    elif method == "twfe":
        result = twfe(panel.data, **columns, treat_time="first_quarter", alpha=alpha)
    elif method == "sa":
        control = "never" if params["control"] == "never" else "last"
        result = sun_abraham(
            panel.data, **columns, treat_time="first_quarter", control=control, alpha=alpha
        )
        event_study = _event_window(result)
    else:
        result = synthetic_control(
            panel.data,
            **columns,
            treated_unit=panel.sc_unit,
            treatment_start=panel.sc_start,
            alpha=alpha,
            leave_one_out=False,
        )
    names = {lang: str(indicator[f"name_{lang}"]) for lang in LANGUAGES}
    return ParkEffect(
        result=result,
        params=dict(params),
        stamp=stamp,
        treated_units=panel.treated_units,
        cohorts=panel.cohorts,
        dropped=panel.dropped,
        n_filled=panel.n_filled,
        n_units=int(panel.data["unit"].nunique()),
        outcome_unit=str(indicator["unit"]) if params["transform"] == "level" else "log_points",
        outcome_names=names,
        event_study=event_study,
        att_gt=att,
        place_names=_place_names(con, params["level"], panel.sc_unit),
    )


def _event_window(result: Any) -> Any:
    """The result with its event study cut to :data:`EVENT_WINDOW` (and its covariance)."""
    import dataclasses

    rows = result.event_study["rel_time"].between(*EVENT_WINDOW).to_numpy()
    vcov = result.event_vcov
    if vcov is not None:
        vcov = np.asarray(vcov)[np.ix_(rows, rows)]
    events = result.event_study.loc[rows].reset_index(drop=True)
    return dataclasses.replace(result, event_study=events, event_vcov=vcov)


def _place_names(con: duckdb.DuckDBPyConnection, level: str, unit: str | None):
    if unit is None:
        return None
    table = _TABLES[level][2]
    row = con.execute(
        f"SELECT name_ru, name_uk, name_en FROM {table} WHERE code = ?", [unit]
    ).fetchone()
    return dict(zip(LANGUAGES, row or (unit,) * 3, strict=True))


# --------------------------------------------------------------------------------------------
# Truth (simulated data)


def park_effect_truth(
    con: duckdb.DuckDBPyConnection,
    *,
    outcome: str,
    level: Level = "municipality",
    method: Method = "cs",
    treatment: Treatment = "opened",
    control: Control = "notyet",
    est_method: Literal["dr", "ipw", "reg"] = "dr",
    transform: Transform = "log",
    aggregation: Aggregation = "simple",
    park_types: Sequence[str] | None = None,
    park_id: str | None = None,
    start: Any = None,
    end: Any = None,
    bootstrap: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
) -> ParkTruth | None:
    """The true effect for the same sample and aggregation as :func:`park_effect` (same
    arguments), from the demo's ``truth_effect`` table, on the outcome's scale; None when the
    warehouse holds no truth (real data) or the truth cannot be formed (a region's average
    wage needs municipal counterfactual weights the warehouse does not keep).

    Outcomes without planted effects (placebos) have truth 0 everywhere.
    """
    params = _params(locals())
    if not _has_truth(con):
        return None
    if params["level"] == "region" and params["outcome"] == "avg_wage":
        return None
    panel = _panel_for(con, params)
    effect = _true_effects(con, panel)
    data = panel.data.assign(effect=effect)
    method = params["method"]
    if method == "sc":
        post = data.loc[(data["unit"] == panel.sc_unit)].loc[:, ["quarter", "effect"]]
        post = post.rename(columns={"quarter": "time", "effect": "truth"}).reset_index(drop=True)
        mean = float(post.loc[post["time"] >= panel.sc_start, "truth"].mean())
        return ParkTruth(mean, path=post, description="mean post-period effect of the park's unit")
    cells = _true_cells(data)
    if method == "twfe":
        treated = data.loc[
            (data["first_quarter"] != "") & (data["quarter"] >= data["first_quarter"])
        ]
        return ParkTruth(
            float(treated["effect"].mean()), description="mean over treated unit-quarters"
        )
    events = _true_event_study(cells)
    events = events.loc[events["rel_time"].between(*EVENT_WINDOW)].reset_index(drop=True)
    if method == "sa":
        post = cells.loc[cells["rel_time"] >= 0]
        estimate = float(np.average(post["truth"], weights=post["n_units"]))
        return ParkTruth(estimate, event_study=events, description="cells weighted by observations")
    if params["aggregation"] == "dynamic":
        estimate = float(events.loc[events["rel_time"] >= 0, "truth"].mean())
        return ParkTruth(estimate, event_study=events, description="mean over event times >= 0")
    post = cells.loc[cells["rel_time"] >= 0]
    estimate = float(np.average(post["truth"], weights=post["n_units"]))
    return ParkTruth(estimate, event_study=events, description="post cells weighted by cohort size")


def _has_truth(con: duckdb.DuckDBPyConnection) -> bool:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'truth_effect'"
    ).fetchone()[0]
    return bool(exists) and con.execute("SELECT count(*) FROM truth_effect").fetchone()[0] > 0


def _true_effects(con: duckdb.DuckDBPyConnection, panel: ParkPanel) -> np.ndarray:
    """The true effect of every panel row on the transformed scale (0 where none is planted)."""
    join = (
        ""
        if panel.level == "municipality"
        else " JOIN municipality m ON m.code = e.municipality_code"
    )
    column = "e.municipality_code" if panel.level == "municipality" else "m.region_code"
    summed = con.execute(
        f"SELECT {column} AS unit, e.quarter, sum(e.effect) AS effect FROM truth_effect e{join}"
        " WHERE e.outcome = ? GROUP BY ALL",
        [panel.outcome],
    ).df()
    if summed.empty:
        return np.zeros(len(panel.data))
    summed["quarter"] = summed["quarter"].map(quarter_label)
    merged = panel.data.merge(summed, on=["unit", "quarter"], how="left")
    effect = merged["effect"].fillna(0.0).to_numpy()
    if panel.transform == "log":
        raw = merged["raw"].to_numpy()
        return np.log(raw) - np.log(raw - effect)
    return effect


def _true_cells(data: pd.DataFrame) -> pd.DataFrame:
    """Cohort x quarter truths: mean true effect over the cohort's units, with rel_time."""
    treated = data.loc[data["first_quarter"] != ""]
    cells = (
        treated.groupby(["first_quarter", "quarter"], sort=True)
        .agg(truth=("effect", "mean"), n_units=("unit", "nunique"))
        .reset_index()
    )
    g, _ = to_period_index(cells["first_quarter"])
    q, _ = to_period_index(cells["quarter"])
    cells["rel_time"] = q - g
    return cells


def _true_event_study(cells: pd.DataFrame) -> pd.DataFrame:
    grouped = cells.groupby("rel_time")
    truth = grouped.apply(
        lambda c: float(np.average(c["truth"], weights=c["n_units"])), include_groups=False
    )
    return truth.rename("truth").reset_index()


# --------------------------------------------------------------------------------------------
# Synthetic control: a placebo band for the path


def placebo_band(result: Any, alpha: float | None = None) -> pd.DataFrame:
    """Pointwise placebo band of a synthetic-control gap path.

    A placebo unit's gap is pure estimation error (it received no treatment), so the
    ``1 - alpha`` quantile ``q_t`` of the absolute placebo gaps in period t measures how far
    the treated unit's gap may stray from its true effect: the band is ``gap_t +- q_t``.
    Columns: time, gap, low, high, post. Needs a result with placebos (``placebo_gaps``).
    """
    alpha = float(result.alpha if alpha is None else alpha)
    placebos = result.placebo_gaps
    if placebos is None or placebos.empty:
        raise ValueError("this result has no placebo gaps")
    half = placebos.abs().quantile(1 - alpha, axis=1).to_numpy()
    gaps = result.gaps.reset_index(drop=True)
    return pd.DataFrame(
        {
            "time": gaps["time"],
            "gap": gaps["gap"],
            "low": gaps["gap"].to_numpy() - half,
            "high": gaps["gap"].to_numpy() + half,
            "post": gaps["post"],
        }
    )


def placebo_interval(result: Any, alpha: float | None = None) -> tuple[float, float]:
    """Interval for the mean post-period effect from the placebos' own mean post-period gaps
    (their estimates, all errors): estimate +- the ``1 - alpha`` quantile of their size.
    Unlike the constant-effect interval of :mod:`synth_inference` it is never empty when the
    effect grows over time."""
    alpha = float(result.alpha if alpha is None else alpha)
    post = result.gaps["post"].to_numpy()
    errors = result.placebo_gaps.to_numpy()[post].mean(axis=0)
    half = float(np.quantile(np.abs(errors), 1 - alpha))
    return result.estimate - half, result.estimate + half


# --------------------------------------------------------------------------------------------
# A static chart (PNG) of a park effect, for download


@dataclass(frozen=True)
class ChartText:
    """The words of a chart in the reader's language (the caller translates)."""

    title: str
    x_label: str
    y_label: str
    estimate: str
    truth: str
    placebo: str
    period_label: Any = str  # callable: a period ("2017Q3" or an event time) -> tick text


def chart_png(effect: ParkEffect, truth: ParkTruth | None, text: ChartText) -> bytes | None:
    """The event study (CS, Sun-Abraham) or the gap path with placebo lines (synthetic
    control) as PNG bytes; None for TWFE, which has no path to draw.

    Drawn with matplotlib: plotly's own export (kaleido 1.5 driving Chromium) took about 8 s
    per image here, matplotlib well under a second.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.8), dpi=110)
    axes = figure.subplots()
    if effect.method == "sc":
        _draw_synth(axes, effect.result, truth, text)
    elif effect.event_study is not None:
        _draw_event_study(axes, effect.event_study.event_study, truth, text)
    else:
        return None
    axes.axhline(0, color="#888888", linewidth=0.8)
    axes.set_title(text.title)
    axes.set_xlabel(text.x_label)
    axes.set_ylabel(text.y_label)
    axes.legend(loc="upper left", frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_event_study(axes, events: pd.DataFrame, truth: ParkTruth | None, text: ChartText):
    rel = events["rel_time"].to_numpy()
    axes.fill_between(rel, events["ci_low"], events["ci_high"], color="#1f77b4", alpha=0.2)
    axes.plot(rel, events["estimate"], marker="o", markersize=3, label=text.estimate)
    if truth is not None and truth.event_study is not None:
        shown = truth.event_study.loc[truth.event_study["rel_time"].isin(rel)]
        axes.plot(shown["rel_time"], shown["truth"], "--", color="#d62728", label=text.truth)
    axes.axvline(-0.5, color="#888888", linewidth=0.8, linestyle=":")


def _draw_synth(axes, result: Any, truth: ParkTruth | None, text: ChartText):
    times = list(result.gaps["time"])
    x = np.arange(len(times))
    for i, column in enumerate(result.placebo_gaps.columns):
        axes.plot(
            x,
            result.placebo_gaps[column].to_numpy(),
            color="#bbbbbb",
            linewidth=0.6,
            label=text.placebo if i == 0 else None,
        )
    axes.plot(x, result.gaps["gap"], color="#1f77b4", linewidth=2, label=text.estimate)
    if truth is not None and truth.path is not None:
        axes.plot(x, truth.path["truth"], "--", color="#d62728", label=text.truth)
    start = times.index(result.treatment_start) if result.treatment_start in times else None
    if start is not None:
        axes.axvline(start - 0.5, color="#888888", linewidth=0.8, linestyle=":")
    ticks = x[:: max(1, len(x) // 8)]
    axes.set_xticks(ticks, [text.period_label(times[i]) for i in ticks])
