"""The true park effect on simulated data, aggregated the way each estimator aggregates.

The demo generator writes the exact effect of every operating park in every quarter to
``truth_effect`` before any noise is added. :func:`park_effect_truth` reads it for the same
:class:`~analytics.effects.park_spec.ParkEffectSpec` as an estimate
(:func:`analytics.effects.parks.park_effect`): the same panel, the same scale, the same
weights, so the demo's planted effects can be checked and shown beside the estimate. On real
data (no ``truth_effect`` rows) there is no truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.panel import to_period_index
from analytics.effects.park_panel import ParkPanel, park_panel, quarter_labels
from analytics.effects.park_spec import EVENT_WINDOW, ONE_PARK_METHODS, ParkEffectSpec, as_spec


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


def park_effect_truth(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec | None = None, /, **choices: Any
) -> ParkTruth | None:
    """The true effect for ``spec`` (or its fields as keywords) on the outcome's scale; None
    when the warehouse holds no truth (real data) or the truth cannot be formed (a region's
    average wage needs municipal counterfactual weights the warehouse does not keep).

    Outcomes without planted effects (placebos) have truth 0 everywhere.
    """
    spec = as_spec(spec, choices)
    # dCDH's average total effect weights effects by switchers and horizons (and divides by
    # the treatment change they carry): its truth is not formed here.
    if not _has_truth(con) or spec.method == "dcdh":
        return None
    if spec.level == "region" and spec.outcome == "avg_wage":
        return None
    panel = park_panel(con, spec)
    data = panel.data.assign(effect=true_effects(con, panel))
    if spec.method in ONE_PARK_METHODS:
        post = data.loc[(data["unit"] == panel.sc_unit)].loc[:, ["quarter", "effect"]]
        post = post.rename(columns={"quarter": "time", "effect": "truth"}).reset_index(drop=True)
        mean = float(post.loc[post["time"] >= panel.sc_start, "truth"].mean())
        return ParkTruth(mean, path=post, description="mean post-period effect of the park's unit")
    if spec.method in ("twfe", "imputation"):  # imputation weighs treated cells equally
        treated = data.loc[
            (data["first_quarter"] != "") & (data["quarter"] >= data["first_quarter"])
        ]
        return ParkTruth(
            float(treated["effect"].mean()), description="mean over treated unit-quarters"
        )
    cells = _true_cells(data)
    events = _true_event_study(cells)
    events = events.loc[events["rel_time"].between(*EVENT_WINDOW)].reset_index(drop=True)
    post = cells.loc[cells["rel_time"] >= 0]
    if spec.method == "sa":
        estimate = float(np.average(post["truth"], weights=post["n_units"]))
        return ParkTruth(estimate, event_study=events, description="cells weighted by observations")
    if spec.aggregation == "dynamic":
        estimate = float(events.loc[events["rel_time"] >= 0, "truth"].mean())
        return ParkTruth(estimate, event_study=events, description="mean over event times >= 0")
    estimate = float(np.average(post["truth"], weights=post["n_units"]))
    return ParkTruth(estimate, event_study=events, description="post cells weighted by cohort size")


def _has_truth(con: duckdb.DuckDBPyConnection) -> bool:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'truth_effect'"
    ).fetchone()[0]
    return bool(exists) and con.execute("SELECT count(*) FROM truth_effect").fetchone()[0] > 0


def true_effects(con: duckdb.DuckDBPyConnection, panel: ParkPanel) -> np.ndarray:
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
    summed["quarter"] = quarter_labels(summed["quarter"])
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
