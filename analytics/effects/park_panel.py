"""The unit x quarter panel behind a park effect, built from the warehouse.

Rules (one sample for every DiD method, so their answers are comparable):

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
* **Synthetic control** (a spec with ``park_id``): the treated unit is the park's
  municipality or region from the quarter the park opened (or registered); donors are the
  never-treated units. Every unit's outcome is centred on its own pre-treatment mean
  (demeaned synthetic control, Ferman & Pinto 2021): a park's host is often the largest
  municipality, outside the donors' convex hull in levels, while its path relative to its own
  past is reproducible.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.park_spec import LEVELS, ParkEffectSpec, as_spec
from analytics.errors import UserError
from analytics.i18n import LANGUAGES
from analytics.quarter import Quarter, quarter_index

# Longest run of missing quarters inside a unit's series that is filled.
MAX_GAP = 2
# Panels before a park is chosen kept in memory (one per outcome, level and sample).
AREA_CACHE_SIZE = 8
_AREA_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_AREA_LOCK = threading.Lock()
_TABLES = {"municipality": ("municipality_quarter", "municipality_code", "municipality")}
_TABLES["region"] = ("region_quarter", "region_code", "region")


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


# --------------------------------------------------------------------------------------------
# Warehouse reads


def quarter_labels(dates: pd.Series) -> pd.Series:
    """The warehouse's quarter dates (or any dates) as the labels the estimators read,
    "2024Q3"; the one conversion at the SQL boundary."""
    index = quarter_index(dates).astype(np.int64)
    return (index // 4).astype(str) + "Q" + (index % 4 + 1).astype(str)


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
    """Reported quarterly area indicators usable as outcomes (the panels are quarterly: an
    annual indicator such as GRP is not one): code, unit, name_ru/uk/en."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, LEVELS))}; got {level!r}")
    return con.execute(
        "SELECT code, unit, name_ru, name_uk, name_en FROM indicator"
        " WHERE entity = ? AND kind = 'reported' AND frequency = 'quarter' ORDER BY code",
        [level],
    ).df()


def outcome_indicator(con: duckdb.DuckDBPyConnection, level: str, outcome: str) -> pd.Series:
    """The catalogue row of ``outcome`` (unit, name_ru/uk/en); a UserError naming the
    available outcomes when it is not one of the level's reported indicators."""
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
    treated["first_quarter"] = quarter_labels(treated["starts"])
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
    con: duckdb.DuckDBPyConnection,
    level: str,
    outcome: str,
    start: Quarter | None,
    end: Quarter | None,
) -> pd.DataFrame:
    table, key, _ = _TABLES[level]
    frame = con.execute(
        f"SELECT {key} AS unit, quarter, value FROM {table}"
        " WHERE indicator = ? AND value IS NOT NULL ORDER BY unit, quarter",
        [outcome],
    ).df()
    frame["quarter"] = quarter_labels(frame["quarter"])
    if start is not None:
        frame = frame.loc[frame["quarter"] >= start.label]
    if end is not None:
        frame = frame.loc[frame["quarter"] <= end.label]
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
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec | None = None, /, **choices: Any
) -> ParkPanel:
    """The balanced unit x quarter panel for the park effect ``spec`` (or its fields as
    keywords; see the module docstring). Reads the spec's outcome, level, treatment,
    transform, park types, park (synthetic control) and quarters."""
    spec = as_spec(spec, choices)
    level = spec.level
    data, parks, kept_treated, dropped = _area_panel(con, spec)
    sc_unit = sc_start = None
    if spec.park_id is not None:
        data, sc_unit, sc_start = _synth_sample(data, parks, spec.park_id, level, spec.treatment)
        kept_treated = kept_treated.loc[kept_treated["unit"] == sc_unit]
    return ParkPanel(
        data=data.reset_index(drop=True),
        level=level,
        outcome=spec.outcome,
        transform=spec.transform,
        treatment=spec.treatment,
        treated_units=kept_treated.reset_index(drop=True),
        dropped=dropped.reset_index(drop=True),
        n_filled=int(data["filled"].sum()),
        sc_unit=sc_unit,
        sc_start=sc_start,
    )


def clear_panel_cache() -> None:
    with _AREA_LOCK:
        _AREA_CACHE.clear()


def _area_panel(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The panel of every unit before a park is chosen, memoised by the data stamp and the
    choices it reads: synthetic control for each park of a batch (or of the Impact page)
    shares one, and building it is most of a synthetic-control estimate's time. The frames
    handed out are derived from the cached ones, which copy-on-write keeps unchanged."""
    key = (data_stamp(con), spec.level, spec.outcome, spec.treatment, spec.transform,
           spec.park_types, spec.start, spec.end)  # fmt: skip
    with _AREA_LOCK:
        if key in _AREA_CACHE:
            _AREA_CACHE.move_to_end(key)
            return _AREA_CACHE[key]
    built = _build_area_panel(con, spec)
    with _AREA_LOCK:
        _AREA_CACHE[key] = built
        while len(_AREA_CACHE) > AREA_CACHE_SIZE:
            _AREA_CACHE.popitem(last=False)
    return built


def _build_area_panel(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    level, transform = spec.level, spec.transform
    outcome_indicator(con, level, spec.outcome)
    parks = _parks(con)
    treated, excluded = _unit_treatment(parks, level, spec.treatment, spec.park_types)
    frame = _outcome_frame(con, level, spec.outcome, spec.start, spec.end)
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
    return data, parks, kept_treated, pd.concat(drops, ignore_index=True)


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
    start = Quarter.of(starts).label
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


def place_names(
    con: duckdb.DuckDBPyConnection, level: str, unit: str | None
) -> dict[str, str] | None:
    """The unit's name in each language (None without a unit)."""
    if unit is None:
        return None
    table = _TABLES[level][2]
    row = con.execute(
        f"SELECT name_ru, name_uk, name_en FROM {table} WHERE code = ?", [unit]
    ).fetchone()
    return dict(zip(LANGUAGES, row or (unit,) * 3, strict=True))
