"""The treatment that switches off: each unit's register status by quarter, for dCDH.

Difference-in-differences with staggered adoption (CS, Sun-Abraham, imputation, TWFE) treats a
unit from its first park's opening (or registration) for good
(:mod:`analytics.effects.park_panel`). The register says more: a park may be excluded from
it (``excluded_on``, e.g. the Ukrainian exclusions after 24 months without a management
company or 36 without participants) and later entered again. de Chaisemartin &
D'Haultfoeuille's DID_l (:mod:`analytics.effects.dcdh`) reads that path. Here a park is **in
force** in a quarter

* from the quarter of its start: ``opened_on`` with ``treatment="opened"`` (a park that
  closed without ever opening never treats, as in the panel), else its entry in the register
  (``registered_on``; here a park excluded without ever opening *was* in force while
  registered: the staggered methods cannot represent a treatment that ends and count it as
  never treating, dCDH can),
* until the quarter of its exclusion (``excluded_on``; the quarter of exclusion is out; under
  ``"registered"`` a park closed without opening and never excluded is out from its closure),
* and again from the quarter of its re-entry: when the register row's ``registered_on`` lies
  after ``excluded_on`` the park was entered anew on that date; its first entry is then the
  earliest ``registered_on`` any loaded revision of the row states (``raw_park`` keeps every
  revision), and without one the park is in force from its re-entry only.

A unit's status is 1 in the quarters in which one of its parks (of the chosen types) is in
force, else 0; a closure without exclusion does not switch a status off (the park still
treated its unit, the panel's rule). The units and quarters are the panel's.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.park_panel import _TABLES, ParkPanel, quarter_labels
from analytics.effects.park_spec import ParkEffectSpec

STATUS = "in_register"


@dataclass(frozen=True)
class Switching:
    """The status path (``status``: a 0/1 value per row of the panel's data) and how many
    units switched off at least once (``n_switched_off``) and on again after it
    (``n_reentered``)."""

    status: np.ndarray
    n_switched_off: int
    n_reentered: int


def _register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT p.park_id, p.park_type, p.region_code, p.municipality_code, p.registered_on,"
        " p.opened_on, p.closed_on, p.excluded_on, r.first_registered_on"
        " FROM park p LEFT JOIN (SELECT park_id, min(registered_on) AS first_registered_on"
        " FROM raw_park GROUP BY park_id) r USING (park_id) ORDER BY p.park_id"
    ).df()


def in_force_spells(parks: pd.DataFrame, treatment: str) -> pd.DataFrame:
    """One row per spell in force (see the module docstring): the park's columns with
    ``begins`` and ``ends`` (dates; NaT: still in force)."""
    rows = []
    for park in parks.to_dict("records"):
        for begins, ends in _spells(park, treatment):
            rows.append({**park, "begins": begins, "ends": ends})
    frame = pd.DataFrame(rows, columns=[*parks.columns, "begins", "ends"])
    frame["begins"] = pd.to_datetime(frame["begins"])
    frame["ends"] = pd.to_datetime(frame["ends"])
    return frame


def _date(value) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value)


def _spells(park: dict, treatment: str) -> list[tuple[pd.Timestamp, pd.Timestamp | None]]:
    opened, closed = _date(park["opened_on"]), _date(park["closed_on"])
    registered, excluded = _date(park["registered_on"]), _date(park["excluded_on"])
    reentered = excluded is not None and registered is not None and registered > excluded
    if reentered:
        earliest = _date(park["first_registered_on"])
        entries = [earliest if earliest is not None and earliest < excluded else None, registered]
    else:
        entries = [registered, None]
    if treatment == "opened":
        if opened is None or (closed is not None and closed < opened):
            return []  # never opened: never treats (the panel's rule)
        # In force from the opening (as the panel has it) while in the register.
        starts = [opened, None if not reentered else max(registered, opened)]
    else:
        starts = entries
        if closed is not None and excluded is None and (opened is None or closed < opened):
            excluded = closed  # closed without opening and without an exclusion: out then
    spells = []
    if starts[0] is not None and (excluded is None or starts[0] < excluded):
        spells.append((starts[0], excluded))
    if reentered and starts[1] is not None:
        spells.append((starts[1], None))
    return spells


def status_path(
    con: duckdb.DuckDBPyConnection, panel: ParkPanel, spec: ParkEffectSpec
) -> Switching:
    """Each panel row's register status (see the module docstring)."""
    parks = _register(con)
    if spec.park_types is not None:
        parks = parks.loc[parks["park_type"].isin(spec.park_types)]
    spells = in_force_spells(parks, spec.treatment)
    key = _TABLES[spec.level][1]
    ends = quarter_labels(spells["ends"].fillna(spells["begins"]))
    spells = spells.assign(
        unit=spells[key],
        first=quarter_labels(spells["begins"]),
        last=ends.where(spells["ends"].notna(), "9999Q9"),
    )
    data = panel.data.loc[:, ["unit", "quarter"]].reset_index(drop=True)
    merged = data.reset_index().merge(spells[["unit", "first", "last"]], on="unit", how="inner")
    inside = (merged["quarter"] >= merged["first"]) & (merged["quarter"] < merged["last"])
    status = np.zeros(len(data), dtype=int)
    status[merged.loc[inside, "index"].unique()] = 1
    return Switching(status, *_switch_counts(data.assign(status=status)))


def _switch_counts(data: pd.DataFrame) -> tuple[int, int]:
    """Units whose status falls from 1 to 0 at least once, and those of them that rise again."""
    ordered = data.sort_values(["unit", "quarter"])
    change = ordered.groupby("unit")["status"].diff()
    offs = ordered.loc[change < 0, ["unit", "quarter"]]
    first_off = offs.groupby("unit")["quarter"].min()
    ons = ordered.loc[change > 0, ["unit", "quarter"]]
    ons = ons.loc[ons["unit"].isin(first_off.index)]
    again = ons.loc[ons["quarter"].to_numpy() > ons["unit"].map(first_off).to_numpy()]
    return int(first_off.size), int(again["unit"].nunique())
