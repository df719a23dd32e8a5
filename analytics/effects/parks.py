"""Park effects straight from the warehouse: what did parks change in their municipality or region?

:func:`park_effect` takes one :class:`~analytics.effects.park_spec.ParkEffectSpec` (or its
fields as keywords), builds the unit x quarter panel (:mod:`analytics.effects.park_panel`,
whose docstring states the panel rules) and runs one of the estimators: TWFE, Callaway &
Sant'Anna, Sun & Abraham, imputation (Borusyak-Jaravel-Spiess), dCDH (de Chaisemartin-
D'Haultfoeuille's DID_l on the register status, which may switch off:
:mod:`analytics.effects.park_switching`), or for one park synthetic control, augmented
synthetic control (ridge ASCM with conformal inference) or synthetic DiD. Each estimator is
called as the ``effects`` command calls it on a panel file (:mod:`analytics.effects.commands`),
with the choices of :mod:`analytics.effects.park_spec` (dCDH's horizons, synthetic DiD's
placebo draws). The answer is a
:class:`~analytics.effects.park_result.ParkEffect`, which answers the result contract of
:mod:`analytics.effects.results`. The demo's true effect for the same specification is
:func:`analytics.demo.truth.park_effect_truth`.

* **Comparison**: ``control="never"`` or ``"notyet"`` for CS; for Sun & Abraham ``"notyet"``
  means the last-treated cohort (``sun_abraham(control="last")``); TWFE uses every unit.
* **Synthetic control's interval** (:data:`SC_INTERVAL`): the placebo-estimate interval, the
  inverted permutation test of the mean post-period gap (Conley & Taber 2011; see
  :mod:`analytics.effects.synth_inference`), not the constant-effect interval of Firpo &
  Possebom (2018): a park's effect grows as residents move in, and the constant-effect
  interval is then often empty or off. Measured on the demo warehouse (default seed, log
  scale, 95%, every park synthetic control can estimate): with planted effects the
  placebo-estimate interval covered the truth for 38 of 38 parks (employment) and 36 of 36
  (average wage), the constant-effect one for 27 of 38 (8 of them empty) and 34 of 36; on
  outcomes without an effect it excluded zero for 1 of 39 parks (firms) and 2 of 38
  (unemployment rate). The result's ``p_value`` is that same test's, so interval and p-value
  never disagree; the RMSPE-ratio test of Abadie et al. stays among the diagnostics.

Caching: results are memoised in process by their specification *and* the data stamp
(database file, newest ``source_id`` and number of loaded batches), in an LRU of
:data:`CACHE_SIZE` entries. We chose memory over an on-disk pickle: results are cheap to
recompute (seconds), a pickle on disk would outlive code changes and need invalidation of its
own, and the app wraps this in ``st.cache_data`` anyway. Cached results are shared: do not
mutate their tables.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.ascm import augmented_synthetic_control
from analytics.effects.cs import aggte, att_gt
from analytics.effects.dcdh import dcdh
from analytics.effects.imputation import imputation_did
from analytics.effects.park_levels import indicator_facts, park_levels
from analytics.effects.park_panel import (
    ParkPanel,
    data_stamp,
    outcome_indicator,
    park_panel,
    place_names,
)
from analytics.effects.park_result import Outcome, ParkEffect
from analytics.effects.park_spec import (
    DCDH_EFFECTS,
    DCDH_PLACEBOS,
    EVENT_WINDOW,
    SDID_REPLICATIONS,
    ParkEffectSpec,
    as_spec,
)
from analytics.effects.park_switching import STATUS, Switching, status_path
from analytics.effects.results import EffectResult
from analytics.effects.sdid import synthetic_did
from analytics.effects.sunab import sun_abraham
from analytics.effects.synth import synthetic_control
from analytics.effects.twfe import twfe
from analytics.effects.twfe_events import twfe_event_study
from analytics.errors import UserError
from analytics.i18n import LANGUAGES

CACHE_SIZE = 32
SC_INTERVAL = "placebo_estimates"

_CACHE: OrderedDict[tuple, ParkEffect] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def park_effect(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec | None = None, /, **choices: Any
) -> ParkEffect:
    """The effect of parks asked for by ``spec``, or by its fields as keywords
    (``park_effect(con, outcome="employment", method="sc", park_id="XD-P021")``); keywords
    given with a spec replace its fields.

    For "cs" the headline is the spec's aggregation; both the dynamic event study and the
    group-time table are kept. Effects are in log points for ``transform="log"``, else in the
    indicator's units. Memoised by specification and data stamp (see the module docstring).
    """
    spec = as_spec(spec, choices)
    key = (data_stamp(con), spec)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    effect = _estimate(con, spec, key[0])
    with _CACHE_LOCK:
        _CACHE[key] = effect
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return effect


def _estimate(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec, stamp: tuple[str, int, int]
) -> ParkEffect:
    panel = park_panel(con, spec)
    indicator = outcome_indicator(con, spec.level, spec.outcome)
    outcome = Outcome(
        code=spec.outcome,
        unit=str(indicator["unit"]),
        transform=spec.transform,
        names={lang: str(indicator[f"name_{lang}"]) for lang in LANGUAGES},
    )
    switching = status_path(con, panel, spec) if spec.method == "dcdh" else None
    headline, event_study, cells = _run(panel, spec, switching)
    facts = indicator_facts(con, spec.level, spec.outcome)
    in_force = None if switching is None else switching.status
    levels = park_levels(panel, headline, unit=outcome.unit, in_force=in_force, **facts)
    # Where there is an event study, its result carries every diagnostic of the method (the
    # pre-trend test over EVENT_WINDOW; Sun-Abraham's treated units): a CS simple headline
    # has none of its own. TWFE keeps its own (forbidden comparisons, negative weights) and
    # adds its event study's pre-trend test.
    diagnostics = (headline if event_study is None else event_study).diagnostics
    if spec.method == "twfe" and event_study is not None:
        diagnostics = headline.diagnostics.with_event_study(event_study.diagnostics)
    return ParkEffect(
        spec=spec,
        outcome=outcome,
        result=headline,
        diagnostics=diagnostics,
        stamp=stamp,
        treated_units=panel.treated_units,
        cohorts=panel.cohorts,
        dropped=panel.dropped,
        n_filled=panel.n_filled,
        n_units=int(panel.data["unit"].nunique()),
        event_study=event_study,
        att_gt=cells,
        place_names=place_names(con, spec.level, panel.sc_unit),
        levels=levels,
        switching=switching,
    )


def run_on_panel(
    panel: ParkPanel, spec: ParkEffectSpec, switching: Switching | None = None
) -> EffectResult:
    """The headline result of ``spec``'s method on ``panel`` (the agreement table runs every
    method on one park's sample this way); dCDH reads the register status ``switching``."""
    return _run(panel, spec, switching)[0]


def estimation_data(
    panel: ParkPanel, spec: ParkEffectSpec, switching: Switching | None = None
) -> pd.DataFrame:
    """The rows the estimators read: ``unit``, ``quarter``, ``first_quarter`` ("" = never
    treated), the outcome under its indicator code and, with ``switching``, the register
    status :data:`~analytics.effects.park_switching.STATUS` (0/1). On one park's sample dCDH
    keeps the park's unit and the donors never in force, the comparisons the other one-park
    methods use. This is also the panel the ``effects`` command estimates the same numbers
    from."""
    data = panel.data.loc[:, ["unit", "quarter", "first_quarter", "value"]]
    data = data.rename(columns={"value": spec.outcome})
    if switching is None:
        return data
    data[STATUS] = switching.status
    if panel.sc_unit is not None:
        ever = data.groupby("unit")[STATUS].transform("max")
        data = data.loc[(data["unit"] == panel.sc_unit) | (ever == 0)]
    return data.reset_index(drop=True)


def _run(
    panel: ParkPanel, spec: ParkEffectSpec, switching: Switching | None = None
) -> tuple[EffectResult, EffectResult | None, EffectResult | None]:
    """The headline result, the result carrying the event study and the CS group-time
    result. The estimators see the outcome under its indicator code, so their results (and
    their calls) name it."""
    data = estimation_data(panel, spec, switching)
    columns = {"unit": "unit", "time": "quarter", "outcome": spec.outcome}
    if spec.method == "cs":
        cells = att_gt(
            data,
            **columns,
            treat_time="first_quarter",
            control=spec.control,
            est_method=spec.est_method,
            bootstrap=spec.bootstrap,
            seed=spec.seed,
            alpha=spec.alpha,
        )
        events = aggte(cells, "dynamic", min_e=EVENT_WINDOW[0], max_e=EVENT_WINDOW[1])
        headline = events if spec.aggregation == "dynamic" else aggte(cells, "simple")
        return headline, events, cells
    if spec.method == "twfe":
        headline = twfe(data, **columns, treat_time="first_quarter", alpha=spec.alpha)
        return headline, _twfe_events(data, columns, spec), None
    if spec.method == "sa":
        control = "never" if spec.control == "never" else "last"
        result = sun_abraham(
            data, **columns, treat_time="first_quarter", control=control, alpha=spec.alpha
        )
        return result, _event_window(result), None
    if spec.method == "imputation":
        result = imputation_did(data, **columns, treat_time="first_quarter", alpha=spec.alpha)
        return result, _event_window(result), None
    if spec.method == "dcdh":
        result = _dcdh(data, columns, spec)
        return result, result, None  # its effects and placebos are the event study
    if spec.method == "sdid":
        result = synthetic_did(
            data,
            **columns,
            treat_time="first_quarter",
            replications=SDID_REPLICATIONS,
            seed=spec.seed,
            alpha=spec.alpha,
        )
        return result, None, None
    if spec.method == "ascm":
        result = augmented_synthetic_control(
            data,
            **columns,
            treated_unit=panel.sc_unit,
            treatment_start=panel.sc_start,
            alpha=spec.alpha,
        )
        return result, None, None
    result = synthetic_control(
        data,
        **columns,
        treated_unit=panel.sc_unit,
        treatment_start=panel.sc_start,
        alpha=spec.alpha,
        leave_one_out=False,
        interval=SC_INTERVAL,
    )
    return result, None, None


def _dcdh(data: pd.DataFrame, columns: dict[str, str], spec: ParkEffectSpec) -> EffectResult:
    """DID_l on the register status; its refusal (no unit changes status beside units that
    have not changed yet) as one translated line."""
    if not data.groupby("unit")[STATUS].nunique().gt(1).any():
        raise UserError("park_methods.dcdh_no_change")
    try:
        return dcdh(
            data,
            **columns,
            treatment=STATUS,
            effects=DCDH_EFFECTS,
            placebo=DCDH_PLACEBOS,
            alpha=spec.alpha,
        )
    except ValueError:
        # dcdh.py says it in English: every unit of each baseline status changes in the
        # same quarter, or none does, so no unit has a comparison.
        raise UserError("park_methods.dcdh_no_comparison") from None


def _twfe_events(data, columns: dict[str, str], spec: ParkEffectSpec) -> EffectResult | None:
    """TWFE's event study over EVENT_WINDOW (analytics.effects.twfe_events); None where the
    dynamic regression is not identified (no never-treated unit)."""
    try:
        return twfe_event_study(
            data, **columns, treat_time="first_quarter", window=EVENT_WINDOW, alpha=spec.alpha
        )
    except UserError:
        return None


def _event_window(result: Any) -> Any:
    """The result with its event study cut to :data:`EVENT_WINDOW` (and its covariance)."""
    rows = result.event_study["rel_time"].between(*EVENT_WINDOW).to_numpy()
    vcov = result.event_vcov
    if vcov is not None:
        vcov = np.asarray(vcov)[np.ix_(rows, rows)]
    events = result.event_study.loc[rows].reset_index(drop=True)
    return dataclasses.replace(result, event_study=events, event_vcov=vcov)
