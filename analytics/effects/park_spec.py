"""What a park effect is asked for: one frozen specification, checked once at the door.

:class:`ParkEffectSpec` names the outcome (an area indicator's code), the level of the units,
the estimator and its options, the sample (park types, one park for synthetic control, the
quarters) and the inference (bootstrap draws, seed, alpha). The estimate
(:func:`analytics.effects.parks.park_effect`), its panel
(:func:`analytics.effects.park_panel.park_panel`) and the demo's truth
(:func:`analytics.demo.truth.park_effect_truth`) all take one; each choice is a ``Literal``
whose allowed values are read with ``typing.get_args`` and checked here only. The first and
last quarter are :class:`~analytics.quarter.Quarter` values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from analytics.errors import UserError
from analytics.i18n.message import Message
from analytics.quarter import Quarter

Level = Literal["municipality", "region"]
Method = Literal["cs", "twfe", "sa", "imputation", "dcdh", "sc", "ascm", "sdid"]
Treatment = Literal["opened", "registered"]
Control = Literal["notyet", "never"]
EstMethod = Literal["dr", "ipw", "reg"]
Transform = Literal["log", "level"]
Aggregation = Literal["simple", "dynamic"]
ParkType = Literal["industrial_park", "technopark", "sez", "industrial_site"]
LEVELS: tuple[str, ...] = get_args(Level)
METHODS: tuple[str, ...] = get_args(Method)
TREATMENTS: tuple[str, ...] = get_args(Treatment)
CONTROLS: tuple[str, ...] = get_args(Control)
EST_METHODS: tuple[str, ...] = get_args(EstMethod)
TRANSFORMS: tuple[str, ...] = get_args(Transform)
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
PARK_TYPES: tuple[str, ...] = get_args(ParkType)
# The methods that estimate the effect of one park (the spec names it in ``park_id``).
# Synthetic DiD is one of them: it needs a block design (every treated unit starting in the
# same quarter), which the parks' staggered openings are not; one park's sample is one.
ONE_PARK_METHODS = ("sc", "ascm", "sdid")
# dCDH (DID_l): event-time effects 1..DCDH_EFFECTS quarters after a switch and placebos
# 1..DCDH_PLACEBOS quarters before it: two years after and one before, as the event
# studies of the other methods show them.
DCDH_EFFECTS = 8
DCDH_PLACEBOS = 4
# Placebo draws of the synthetic-DiD standard error for a park: each draw re-solves both
# weight problems over every donor (about 0.3 s on the demo's 240-unit panel, so 50 draws
# take seconds where R synthdid's default 200 would take a minute); the draws are seeded.
SDID_REPLICATIONS = 50
# Event times shown and tested (quarters since opening): 3 years before, 5 after. Far event
# times rest on one or two single-park cohorts whose analytic standard errors leave out the
# treated unit's own noise, so a pre-trend test over every lead rejects spuriously.
EVENT_WINDOW = (-12, 20)
_CHOICES = {
    "level": LEVELS,
    "method": METHODS,
    "treatment": TREATMENTS,
    "control": CONTROLS,
    "est_method": EST_METHODS,
    "transform": TRANSFORMS,
    "aggregation": AGGREGATIONS,
}


def _quarter(value: Any) -> Quarter:
    """A quarter from a Quarter, a date or text (``Quarter.parse``: "2018Q1", "I кв. 2018")."""
    return Quarter.parse(value) if isinstance(value, str) else Quarter.of(value)


def _choose(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


@dataclass(frozen=True)
class ParkEffectSpec:
    """A park effect to estimate: the effect of parks on ``outcome`` in their municipality or
    region (see :mod:`analytics.effects.parks` for the panel rules).

    ``method``: "cs" (Callaway & Sant'Anna; headline the ``aggregation`` "simple" or
    "dynamic" of the group-time ATTs, ``control`` and ``est_method`` its options), "twfe",
    "sa" (Sun & Abraham; ``control="notyet"`` means the last-treated cohort), "imputation"
    (Borusyak-Jaravel-Spiess), "dcdh" (de Chaisemartin-D'Haultfoeuille for a treatment that
    switches off: the register status, see :mod:`analytics.effects.park_switching`), "sc"
    (synthetic control for the one park ``park_id``), "ascm" (augmented synthetic control
    for that park) or "sdid" (synthetic DiD for that park). ``transform``: "log" (effects in log
    points) or "level" (the indicator's units). ``start``/``end``: the first and last quarter
    (a Quarter, a date, or text such as "2018Q1"). ``bootstrap``: CS multiplier-bootstrap
    draws.

    Built values are normalised (park types sorted, quarters as Quarter, ``park_id`` kept only
    for synthetic control), so two specs that ask the same thing are equal and share a cache
    entry. Bad values raise ``ValueError`` naming the allowed ones.
    """

    outcome: str
    level: Level = "municipality"
    method: Method = "cs"
    treatment: Treatment = "opened"
    control: Control = "notyet"
    est_method: EstMethod = "dr"
    transform: Transform = "log"
    aggregation: Aggregation = "simple"
    park_types: tuple[ParkType, ...] | None = None
    park_id: str | None = None
    start: Quarter | None = None
    end: Quarter | None = None
    bootstrap: int = 0
    seed: int = 0
    alpha: float = 0.05

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            _choose(name, getattr(self, name), allowed)
        if self.method in ONE_PARK_METHODS and not self.park_id:
            raise UserError("park_methods.needs_park", method=Message(f"method.{self.method}"))
        if not 0 < float(self.alpha) < 1:
            raise ValueError(f"alpha must lie strictly between 0 and 1; got {self.alpha!r}")
        if int(self.bootstrap) < 0:
            raise ValueError("bootstrap must be a non-negative integer")
        park_types = None
        if self.park_types is not None:
            park_types = tuple(sorted(set(self.park_types)))
            for park_type in park_types:
                _choose("park_types", park_type, PARK_TYPES)
        normalised = {
            "park_types": park_types,
            "park_id": self.park_id if self.method in ONE_PARK_METHODS else None,
            "start": None if self.start is None else _quarter(self.start),
            "end": None if self.end is None else _quarter(self.end),
            "bootstrap": int(self.bootstrap),
            "seed": int(self.seed),
            "alpha": float(self.alpha),
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The choices as plain JSON values (quarters as labels, "2018Q1")."""
        out = dataclasses.asdict(self)
        if self.park_types is not None:
            out["park_types"] = list(self.park_types)
        for name in ("start", "end"):
            out[name] = None if out[name] is None else getattr(self, name).label
        return out


def as_spec(spec: ParkEffectSpec | None, choices: Mapping[str, Any]) -> ParkEffectSpec:
    """``spec`` with ``choices`` (field names of :class:`ParkEffectSpec`) put in; without a
    spec, the choices alone (they must name the outcome)."""
    if spec is None:
        return ParkEffectSpec(**choices)
    return dataclasses.replace(spec, **choices) if choices else spec
