"""Input checks and matrices for synthetic control.

Like pysyncon's ``Dataprep``, every check runs before any optimisation: the columns exist,
the treated unit exists (with close names suggested), ``treatment_start`` lies inside the
data, there are enough pre-periods and donors, outcomes are complete and predictors numeric.
The result is a :class:`SynthPanel`: the outcome as a wide matrix (periods x units) and the
raw predictor matrix (predictors x units), ready for repeated fits (placebos, leave-one-out).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analytics.effects.results import WarningCode
from analytics.errors import UserError

MIN_PRE_PERIODS = 3
MIN_DONORS = 2
Aggregation = Literal["mean", "median", "std"]
AGGREGATIONS: tuple[str, ...] = ("mean", "median", "std")
# A predictor is a column name (averaged over all pre-periods) or (column, periods, aggregation).
PredictorSpec = str | tuple[str, Iterable[Any], str]


@dataclass(frozen=True)
class SynthPanel:
    """Everything the estimator needs, already checked.

    ``outcome``: periods x units (treated unit first, then donors in the user's order);
    ``predictors``: predictor label x units, or None when matching on pre-period outcomes.
    """

    outcome: pd.DataFrame
    predictors: pd.DataFrame | None
    treated: Hashable
    donors: tuple[Hashable, ...]
    pre_periods: tuple[Any, ...]
    post_periods: tuple[Any, ...]
    fit_periods: tuple[Any, ...]
    treatment_start: Any
    notes: tuple[WarningCode, ...] = ()


def _label(value: Any) -> str:
    """A period as text for messages: a year read from a float column (1990.0) as 1990."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in df.columns:
            raise UserError(
                "synth.column_missing",
                column=column,
                available=", ".join(map(str, df.columns[:20])),
            )


def _match_value(target: Any, values: pd.Index) -> Any:
    """``target`` as it appears in ``values``: tolerate "17" vs 17 and "1975" vs 1975."""
    if target in values:
        return target
    as_text = {str(v): v for v in values}
    if str(target) in as_text:
        return as_text[str(target)]
    return None


def resolve_treated(units: pd.Index, treated_unit: Any) -> Any:
    found = _match_value(treated_unit, units)
    if found is None:
        close = difflib.get_close_matches(str(treated_unit), [str(u) for u in units], n=3)
        raise UserError(
            "synth.treated_unit_missing",
            unit=treated_unit,
            suggestions=", ".join(close) if close else "–",
        )
    return found


def resolve_donors(units: pd.Index, treated: Any, donors: Iterable[Any] | None) -> list[Any]:
    if donors is None:
        return [u for u in units if u != treated]
    resolved, missing = [], []
    for donor in donors:
        found = _match_value(donor, units)
        if found is None:
            missing.append(str(donor))
        elif found != treated and found not in resolved:
            resolved.append(found)
    if missing:
        raise UserError("synth.donors_missing", donors=", ".join(missing))
    return resolved


def coerce_time(value: Any, times: pd.Index) -> Any:
    """``value`` in the time column's own type (year ints, timestamps, periods or strings)."""
    if isinstance(times, pd.DatetimeIndex):
        return pd.Timestamp(value)
    if isinstance(times, pd.PeriodIndex):
        return pd.Period(value, freq=times.freq)
    if pd.api.types.is_numeric_dtype(times.dtype) and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if pd.api.types.is_string_dtype(times.dtype) and not isinstance(value, str):
        return str(value)
    return value


def split_periods(times: pd.Index, treatment_start: Any) -> tuple[list[Any], list[Any], Any]:
    try:
        start = coerce_time(treatment_start, times)
        pre = [t for t in times if t < start]
        post = [t for t in times if t >= start]
    except (TypeError, ValueError) as exc:
        raise UserError(
            "synth.treatment_start_outside",
            start=treatment_start,
            first=times[0],
            last=times[-1],
        ) from exc
    if not pre or not post:
        raise UserError(
            "synth.treatment_start_outside", start=treatment_start, first=times[0], last=times[-1]
        )
    if len(pre) < MIN_PRE_PERIODS:
        raise UserError("synth.too_few_pre_periods", n=len(pre), minimum=MIN_PRE_PERIODS)
    return pre, post, start


def _check_numeric(df: pd.DataFrame, column: str, key: str) -> None:
    series = df[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise UserError(key, column=column)


def _wide_outcome(df, unit, time, outcome, units) -> pd.DataFrame:
    sub = df.loc[df[unit].isin(units), [unit, time, outcome]]
    dup = sub.duplicated([unit, time])
    if dup.any():
        first = sub.loc[dup].iloc[0]
        raise UserError("synth.duplicate_rows", unit=first[unit], time=first[time])
    wide = sub.pivot(index=time, columns=unit, values=outcome).sort_index()
    return wide.reindex(columns=list(units)).astype(float)


def _check_complete(wide: pd.DataFrame) -> None:
    missing = wide.isna()
    if missing.to_numpy().any():
        bad_units = [str(u) for u in wide.columns[missing.any(axis=0)]]
        bad_times = [str(t) for t in wide.index[missing.any(axis=1)]]
        raise UserError(
            "synth.outcome_missing",
            units=", ".join(bad_units[:10]) + (" …" if len(bad_units) > 10 else ""),
            periods=", ".join(bad_times[:10]) + (" …" if len(bad_times) > 10 else ""),
        )


def _normalise_spec(spec: Any, pre: list[Any]) -> tuple[str, list[Any], str]:
    if isinstance(spec, str):
        return spec, list(pre), "mean"
    if isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        column, periods = spec[0], spec[1]
        agg = spec[2] if len(spec) == 3 else "mean"
        if agg not in AGGREGATIONS:
            raise ValueError(f"predictor aggregation must be one of {AGGREGATIONS}; got {agg!r}")
        if isinstance(periods, (str, bytes)) or not isinstance(periods, Iterable):
            periods = [periods]
        return str(column), list(periods), str(agg)
    raise ValueError(
        f"a predictor is a column name or a (column, periods, aggregation) tuple; got {spec!r}"
    )


def spec_label(column: str, periods: list[Any], agg: str, all_pre: bool) -> str:
    if all_pre:
        return column
    if len(periods) == 1:
        return f"{column}[{periods[0]}]"
    return f"{column}[{periods[0]}..{periods[-1]}] {agg}"


def build_predictors(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    units: list[Any],
    pre: list[Any],
    start: Any,
    times: pd.Index,
    predictors: Sequence[PredictorSpec],
    notes: list[WarningCode],
) -> pd.DataFrame:
    """Predictor values (rows) per unit (columns), aggregated over their periods like pysyncon.

    Warnings for the result are appended to ``notes`` as (catalogue key, params).
    """
    rows: dict[str, pd.Series] = {}
    sub = df.loc[df[unit].isin(units)]
    for spec in predictors:
        column, periods, agg = _normalise_spec(spec, pre)
        _check_columns(df, [column])
        _check_numeric(df, column, "synth.predictor_not_numeric")
        wanted = [coerce_time(p, times) for p in periods]
        present = [p for p in wanted if p in set(times)]
        if not present:
            raise UserError("synth.predictor_periods_missing", column=column)
        if any(p >= start for p in present):
            # ADH 2015 average West German predictors over 1981-1990 with the treatment in
            # 1990, so this is allowed, but the user hears about it.
            notes.append(
                ("synth.warn.predictor_after_start", {"column": column, "start": _label(start)})
            )
        window = sub.loc[sub[time].isin(present), [unit, column]]
        # pandas' aggregation skips missing values, as pysyncon's Dataprep does.
        values = window.groupby(unit)[column].agg(agg).reindex(units).astype(float)
        if values.isna().any():
            missing = [str(u) for u in values.index[values.isna()]]
            raise UserError("synth.predictor_missing", column=column, units=", ".join(missing[:10]))
        label = spec_label(column, present, agg, isinstance(spec, str))
        while label in rows:
            label += "'"
        rows[label] = values
    return pd.DataFrame(rows).T.reindex(columns=units)


def prepare(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Any,
    treatment_start: Any,
    predictors: Sequence[PredictorSpec] | None,
    donors: Iterable[Any] | None,
    v_window: Iterable[Any] | None = None,
) -> SynthPanel:
    """Check the inputs and build the matrices; raises :class:`UserError` on bad data."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError("df must be a pandas DataFrame")
    _check_columns(df, [unit, time, outcome])
    _check_numeric(df, outcome, "synth.outcome_not_numeric")
    units_index = pd.Index(df[unit].dropna().unique())
    treated = resolve_treated(units_index, treated_unit)
    donor_list = resolve_donors(units_index, treated, donors)
    if len(donor_list) < MIN_DONORS:
        raise UserError("synth.too_few_donors", n=len(donor_list), minimum=MIN_DONORS)
    times = pd.Index(df[time].dropna().unique()).sort_values()
    pre, post, start = split_periods(times, treatment_start)
    units = [treated, *donor_list]
    wide = _wide_outcome(df, unit, time, outcome, units).reindex(times)
    _check_complete(wide)
    fit = list(pre)
    if v_window is not None:
        fit = [coerce_time(p, times) for p in v_window]
        fit = [p for p in fit if p in set(pre)]
        if not fit:
            raise UserError("synth.too_few_pre_periods", n=0, minimum=1)
    x = None
    notes: list[WarningCode] = []
    if predictors:
        if isinstance(predictors, str):
            predictors = [predictors]
        x = build_predictors(
            df,
            unit=unit,
            time=time,
            units=units,
            pre=pre,
            start=start,
            times=times,
            predictors=predictors,
            notes=notes,
        )
    return SynthPanel(
        outcome=wide,
        predictors=x,
        treated=treated,
        donors=tuple(donor_list),
        pre_periods=tuple(pre),
        post_periods=tuple(post),
        fit_periods=tuple(fit),
        treatment_start=start,
        notes=tuple(notes),
    )
