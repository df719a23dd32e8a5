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
    """Each unit's first treated period as written in ``df`` (0 = never treated)."""
    panel = prepare_panel(
        df, unit=unit, time=time, outcome=outcome, treat_time=treat_time, treated=treated
    )
    raw = _raw_periods(df, time)
    cohorts = panel.unit_cohorts()
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
