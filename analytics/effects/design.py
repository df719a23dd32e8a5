"""One treatment, stated once, in the form each estimator reads it.

The difference-in-differences estimators read a treatment as a column of first treated
periods (``treat_time``) or a 0/1 indicator (``treated``); synthetic control reads one treated
unit and the period its treatment starts. :func:`one_treated_unit` and
:func:`first_period_column` translate between the two, through the checks of
:func:`analytics.effects.panel.prepare_panel`, so every method of an agreement table sees the
same treatment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.panel import prepare_panel, to_period_index
from analytics.errors import Count, UserError

DERIVED_TREAT_TIME = "first_treated_period"
DERIVED_STATUS = "treated_status"


def _raw_periods(df: pd.DataFrame, time: str) -> dict[int, Any]:
    """Period index -> the period as written in ``df`` (1989, "2024Q3", a date)."""
    values = df[time].dropna()
    index, _ = to_period_index(values.to_numpy())
    return dict(zip(index.tolist(), values.tolist(), strict=True))


def unit_first_periods(
    df: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str | None,
    treated: str | None,
) -> pd.Series:
    """Each input unit's first treated period as written in ``df`` (0 = never treated), the
    units an estimator would drop included (it drops them again from the same column)."""
    panel = prepare_panel(
        df, unit=unit, time=time, outcome=outcome, treat_time=treat_time, treated=treated
    )
    raw = _raw_periods(df, time)
    cohorts = panel.input_cohorts
    return cohorts.map(lambda g: raw.get(int(g), int(g)) if g > 0 else 0)


def one_treated_unit(
    df: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str | None,
    treated: str | None,
) -> tuple[Any, Any]:
    """The treated unit and its first treated period, when the treatment columns name exactly
    one treated unit; a UserError saying how many they name otherwise."""
    first = unit_first_periods(df, unit, time, outcome, treat_time, treated)
    treated_units = first.index[first.astype(str) != "0"]
    if len(treated_units) != 1:
        raise UserError("effects_agreement.needs_one_treated", n=Count(len(treated_units)))
    return treated_units[0], first.loc[treated_units[0]]


def first_period_column(
    df: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treated: str | None,
    treated_unit: Any = None,
    treatment_start: Any = None,
) -> pd.DataFrame:
    """``df`` with a column :data:`DERIVED_TREAT_TIME` of first treated periods, from the 0/1
    ``treated`` indicator or else from the one ``treated_unit`` treated from
    ``treatment_start``."""
    if treated is not None:
        first = unit_first_periods(df, unit, time, outcome, None, treated)
        column = df[unit].map(first).fillna(0)
    else:
        is_treated = df[unit].astype(str) == str(treated_unit)
        if not is_treated.any():
            raise UserError("synth.treated_unit_missing", unit=treated_unit, suggestions="–")
        column = pd.Series(np.where(is_treated, str(treatment_start), "0"), index=df.index)
    return df.assign(**{DERIVED_TREAT_TIME: column})


def options_for(
    method: str, data: pd.DataFrame, options: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The data and command-line options (:mod:`analytics.effects.commands`) with which
    ``method`` sees the treatment the options state in any of its forms: a first-treated
    column is derived for the DiD methods from a 0/1 indicator or from one treated unit and
    its start, and the treated unit and start of synthetic control from the treatment
    columns (when they name exactly one unit)."""
    o = dict(options)
    columns = (o["unit"], o["time"], o["outcome"])
    named = bool(o["treated_unit"] and o["treatment_start"])
    if method in ("sc", "ascm"):
        if not named:
            unit, start = one_treated_unit(data, *columns, o["treat_time"], o["treated"])
            o["treated_unit"], o["treatment_start"] = str(unit), str(start)
        return data, o
    if method == "dcdh":
        # DID_l reads a 0/1 status per period; a first-treated column or one named unit
        # and its start is a status that switches on once and stays on.
        if not o["treated"]:
            if not (o["treat_time"] or named):
                raise UserError("effects.treatment_required")
            data = data.assign(**{DERIVED_STATUS: status_column(data, o, named)})
            o["treated"] = DERIVED_STATUS
        return data, o
    needs_column = method in ("cs", "sa") or not (o["treat_time"] or o["treated"])
    if needs_column and not o["treat_time"]:
        if not (o["treated"] or named):
            raise UserError("effects.treatment_required")
        data = first_period_column(
            data, *columns, o["treated"], o["treated_unit"], o["treatment_start"]
        )
        o["treat_time"], o["treated"] = DERIVED_TREAT_TIME, None
    return data, o


def n_treated_units(data: pd.DataFrame, options: dict[str, Any]) -> int | None:
    """How many units the options' treatment names (None when the data do not say)."""
    if (
        options["treated_unit"]
        and options["treatment_start"]
        and not (options["treat_time"] or options["treated"])
    ):
        return 1
    columns = (options["unit"], options["time"], options["outcome"])
    try:
        first = unit_first_periods(data, *columns, options["treat_time"], options["treated"])
    except (UserError, ValueError):
        return None
    return int((first.astype(str) != "0").sum())


def status_column(data: pd.DataFrame, o: dict[str, Any], named: bool) -> pd.Series:
    """1 from a unit's first treated period on, else 0 (never-treated: a first period of 0,
    empty, or none)."""
    time = pd.to_numeric(data[o["time"]], errors="coerce")
    if named:
        start = pd.to_numeric(pd.Series([o["treatment_start"]]), errors="coerce").iloc[0]
        unit = data[o["unit"]].astype(str) == str(o["treated_unit"])
        return (unit & (time >= start)).astype(int)
    first = pd.to_numeric(data[o["treat_time"]], errors="coerce")
    return ((first > 0) & (time >= first)).astype(int)
