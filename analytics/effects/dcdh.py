"""Difference-in-differences for treatments that switch on and off (de Chaisemartin &
D'Haultfoeuille 2024, "Difference-in-Differences Estimators of Intertemporal Treatment
Effects", the estimators DID_l of their package DIDmultiplegtDYN).

A park excluded from the register and later re-entered is a treatment that turns off and on:
TWFE, Callaway-Sant'Anna and Sun-Abraham assume it never turns off. Here each unit ``g`` has
its baseline treatment ``D_g1`` (its first period) and ``F_g``, the first period its treatment
differs from it. For ``l = 1..L``

    DID_{g,l} = Y_{g,F_g-1+l} - Y_{g,F_g-1} - mean over g' with D_g'1 = D_g1, F_g' > F_g-1+l of
                (Y_{g',F_g-1+l} - Y_{g',F_g-1}),

the switcher's change since the last period before its switch against that of the units with
the same baseline that have not switched yet; ``DID_l`` averages them over the switchers with a
control, switchers "in" (treatment up from the baseline) and "out" (down, the sign turned so
that both estimate the effect of being treated), weighted by their numbers. It is the effect of
having switched ``l`` periods ago, whatever happened after (actual versus status quo), in the
outcome's units. Placebos ``DID^pl_l`` compare the same units' changes from ``F_g-1`` back to
``F_g-1-l``. The headline is the average total effect per unit of treatment: the
switcher-weighted mean of the ``DID_l`` over the mean change of treatment they carry.

We follow the package's Python port, py_did_multiplegt_dyn 0.1.9 (a line-by-line port of the
Stata and R commands), in every choice: units whose baseline group has no variation in
``F_g`` are dropped, a baseline group is used only up to ``T_g`` (the last period some unit of
it has not switched), units whose mean treatment after the switch equals the baseline are
dropped, and the standard errors are those of its influence functions demeaned within cohorts
(switchers by baseline, switch date, treatment at the switch; controls by baseline and period;
their union where a cohort has a single member) with the small-sample factor
``sqrt(n / (n - 1))`` per cohort (clusters counted instead of units with ``cluster``), the
default "conservative" variance. Intervals are normal. No covariates, weights or trends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.diagnostics import PretrendTest
from analytics.effects.distributions import chi2_sf, norm_ppf
from analytics.effects.results import (
    TIDY_COLUMNS,
    Diagnostics,
    EffectResult,
    coded_warnings,
    json_safe,
    two_sided_p_value,
)

METHOD = "dcdh"
CI_METHOD = (
    "normal, cohort-demeaned influence-function standard error (de Chaisemartin & "
    "D'Haultfoeuille 2024; DIDmultiplegtDYN)"
)


@dataclass(frozen=True)
class DCDHResult(EffectResult):
    """The average total effect (headline) with the event-time effects and placebos.

    ``event_study``: rows ``rel_time`` (1..L effects, -1..-K placebos, the package's labels),
    ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n_switchers``; ``event_vcov`` their
    covariance (effects and placebos estimated on separate samples, so cross terms are those
    of the influence functions); ``n_switchers``: switchers behind the headline.
    """

    ci_method: str = CI_METHOD
    event_study: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    event_vcov: np.ndarray | None = field(default=None, repr=False, compare=False)
    n_switchers: int = 0
    n_switchers_in: int = 0
    n_switchers_out: int = 0
    reference_period: int | None = None

    def _diagnostics(self) -> Diagnostics:
        return Diagnostics(pretrend=placebo_test(self), n_treated_units=self.n_switchers)

    def tidy(self) -> pd.DataFrame:
        head = super().tidy()
        head.loc[0, "term"] = "avg_total_effect"
        rows = []
        for r in self.event_study.itertuples():
            kind = "effect" if r.rel_time > 0 else "placebo"
            rows.append(
                {
                    "term": f"{kind}::{abs(int(r.rel_time))}",
                    "estimate": r.estimate,
                    "se": r.se,
                    "t": r.estimate / r.se if r.se else np.nan,
                    "p_value": two_sided_p_value(r.estimate, r.se),
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
        return pd.concat([head, pd.DataFrame(rows, columns=TIDY_COLUMNS)], ignore_index=True)

    def glance(self) -> pd.DataFrame:
        out = super().glance()
        out["n_switchers"] = self.n_switchers
        out["n_switchers_in"] = self.n_switchers_in
        out["n_switchers_out"] = self.n_switchers_out
        return out

    def summary(self) -> str:
        lines = [super().summary()]
        for r in self.event_study.itertuples():
            label = "effect" if r.rel_time > 0 else "placebo"
            lines.append(
                f"  {label} {abs(int(r.rel_time))}: {r.estimate:.6g} (se {r.se:.6g}, "
                f"{int(r.n_switchers)} switchers)"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("event_study", "event_vcov"):
            out.pop(name, None)
        out.update(json_event_study(self))
        return out


def json_event_study(result: DCDHResult) -> dict[str, Any]:
    """The CLI's keys: ``event_study`` rows, ``effects`` and ``placebos`` (the same rows split),
    ``avg_total_effect`` and the switcher counts."""
    keys = ("rel_time", "estimate", "se", "ci_low", "ci_high", "n_switchers")
    rows = [{k: json_safe(getattr(r, k)) for k in keys} for r in result.event_study.itertuples()]
    return {
        "event_study": rows,
        "effects": [r for r in rows if r["rel_time"] > 0],
        "placebos": [r for r in rows if r["rel_time"] < 0],
        "avg_total_effect": {
            "estimate": json_safe(result.estimate),
            "se": json_safe(result.se),
            "ci_low": json_safe(result.ci_low),
            "ci_high": json_safe(result.ci_high),
        },
        "n_switchers": result.n_switchers,
        "n_switchers_in": result.n_switchers_in,
        "n_switchers_out": result.n_switchers_out,
    }


def placebo_test(result: DCDHResult) -> PretrendTest:
    """Joint Wald test that every placebo is zero (chi-squared), NaN without placebos."""
    events = result.event_study
    rows = np.flatnonzero((events["rel_time"] < 0).to_numpy() & events["se"].notna().to_numpy())
    if not len(rows) or result.event_vcov is None:
        return PretrendTest(math.nan, 0, math.nan, ())
    b = events["estimate"].to_numpy()[rows]
    v = result.event_vcov[np.ix_(rows, rows)]
    statistic = float(b @ np.linalg.pinv(v) @ b)
    df = int(np.linalg.matrix_rank(v))
    return PretrendTest(
        statistic, df, float(chi2_sf(statistic, df)), tuple(events["rel_time"].iloc[rows])
    )


# --------------------------------------------------------------------------------------------
# The panel as matrices (groups x periods, periods numbered 1..T)


@dataclass(frozen=True)
class _Design:
    y: np.ndarray  # (G, T), NaN where missing or beyond the baseline group's T_g
    d: np.ndarray  # (G, T)
    n: np.ndarray  # (G, T) 1 where observed (the package's N_gt), else 0
    d_sq: np.ndarray  # (G,)
    f_g: np.ndarray  # (G,) first period of change, T + 1 for units that never change
    s_g: np.ndarray  # (G,) 1 switcher in, 0 switcher out, -1 never
    t_g: np.ndarray  # (G,)
    l_g: np.ndarray  # (G,)
    d_fg: np.ndarray  # (G,) treatment at F_g
    cluster: np.ndarray  # (G,) integer codes
    n_groups: int
    units: pd.Index


def _design(data: pd.DataFrame, unit: str, time: str, outcome: str, treatment: str, cluster):
    for column in (unit, time, outcome, treatment, *([cluster] if cluster else [])):
        if column not in data.columns:
            raise ValueError(f"column {column!r} is not in the data")
    frame = data[[c for c in (unit, time, outcome, treatment, cluster) if c]].copy()
    if frame.duplicated([unit, time]).any():
        raise ValueError("each unit must appear at most once per period")
    frame[outcome] = pd.to_numeric(frame[outcome], errors="coerce")
    frame[treatment] = pd.to_numeric(frame[treatment], errors="coerce")
    if (frame[treatment] < 0).any():
        raise ValueError("the treatment must be non-negative (0 = not treated)")
    units, codes = np.unique(frame[unit].astype(str).to_numpy(), return_inverse=True)
    periods, t_codes = np.unique(frame[time].to_numpy(), return_inverse=True)
    g_count, t_count = len(units), len(periods)
    y = np.full((g_count, t_count), np.nan)
    d = np.full((g_count, t_count), np.nan)
    y[codes, t_codes] = frame[outcome].to_numpy(dtype=float)
    d[codes, t_codes] = frame[treatment].to_numpy(dtype=float)
    clusters = np.arange(g_count)
    if cluster:
        first = frame.groupby(codes)[cluster].first()
        clusters = pd.factorize(first.reindex(range(g_count)).astype(str))[0]
    return _switches(y, d, clusters, pd.Index(units))


def _first_observed(values: np.ndarray) -> np.ndarray:
    seen = ~np.isnan(values)
    first = np.argmax(seen, axis=1)
    out = values[np.arange(len(values)), first]
    out[~seen.any(axis=1)] = np.nan
    return out


def _switches(y, d, clusters, units) -> _Design:
    g_count, t_count = y.shape
    times = np.arange(1, t_count + 1)
    d_sq = _first_observed(d)
    keep = ~np.isnan(d_sq)
    changed = (np.abs(d - d_sq[:, None]) > 0) & ~np.isnan(d)
    ever = np.maximum.accumulate(changed, axis=1)
    f_g = np.where(ever.any(axis=1), np.argmax(ever, axis=1) + 1, 0).astype(float)
    # Baseline groups in which every unit changes at the same date (or none does) have no
    # comparison: dropped (Design Restriction 1).
    for level in np.unique(d_sq[keep]):
        members = keep & (d_sq == level)
        if np.unique(f_g[members]).size < 2:
            keep &= ~members
    y, d, d_sq, f_g = y[keep], d[keep], d_sq[keep], f_g[keep]
    clusters, units = clusters[keep], units[keep]
    if not len(y):
        raise ValueError(
            "no effect can be estimated: within every baseline treatment all units change at "
            "the same period or none does"
        )
    n_groups = len(y)
    f_g[f_g == 0] = t_count + 1
    t_g = np.empty(n_groups)
    for level in np.unique(d_sq):
        members = d_sq == level
        t_g[members] = f_g[members].max() - 1
    # A baseline group is used only while some unit of it has not changed yet (controls exist).
    beyond = times[None, :] > t_g[:, None]
    y = np.where(beyond, np.nan, y)
    d = np.where(beyond, np.nan, d)
    post = (times[None, :] >= f_g[:, None]) & (times[None, :] <= t_g[:, None]) & ~np.isnan(d)
    with np.errstate(invalid="ignore"):
        mean_post = np.where(post, d, 0).sum(axis=1) / post.sum(axis=1)
    switcher = f_g <= t_g
    back_at_baseline = switcher & (mean_post == d_sq)
    s_g = np.where(switcher, (mean_post > d_sq).astype(float), -1.0)
    rows = ~back_at_baseline  # the package counts them in G all the same
    y, d, d_sq, f_g, s_g, t_g = y[rows], d[rows], d_sq[rows], f_g[rows], s_g[rows], t_g[rows]
    clusters, units = clusters[rows], units[rows]
    at_switch = np.clip(f_g.astype(int) - 1, 0, t_count - 1)
    d_fg = np.where(f_g <= t_count, d[np.arange(len(d)), at_switch], d_sq)
    n = (~np.isnan(y) & ~np.isnan(d)).astype(float)
    return _Design(
        y=y,
        d=d,
        n=n,
        d_sq=d_sq,
        f_g=f_g,
        s_g=s_g,
        t_g=t_g,
        l_g=t_g - f_g + 1,
        d_fg=d_fg,
        cluster=pd.factorize(clusters)[0],
        n_groups=n_groups,
        units=units,
    )


# --------------------------------------------------------------------------------------------
# One horizon, one direction of switch: the package's core


@dataclass(frozen=True)
class _Horizon:
    """``u``: the estimate's influence function per unit (its mean is DID), ``u_var``: the
    demeaned one the variance uses, ``n``: switchers, ``delta``: their mean treatment change
    (the average total effect's denominator)."""

    u: np.ndarray
    u_var: np.ndarray
    n: float
    delta: float
    n_units: int


def _shift(values: np.ndarray, lag: int) -> np.ndarray:
    out = np.full_like(values, np.nan)
    if lag < values.shape[1]:
        out[:, lag:] = values[:, : values.shape[1] - lag]
    return out


def _cell_codes(keys: list[np.ndarray]) -> np.ndarray:
    """One integer per distinct combination of ``keys`` (arrays of one shape), row by row."""
    codes = np.zeros(keys[0].size, dtype=np.int64)
    for key in keys:
        part = np.unique(key.ravel(), return_inverse=True)[1]
        codes = codes * (int(part.max()) + 1) + part
    return np.unique(codes, return_inverse=True)[1]


def _by_cell(keys: list[np.ndarray], mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sums of ``values`` over the rows in ``mask`` within each cell of ``keys``, given back
    on every row of the cell (0 where the cell has none)."""
    codes = _cell_codes(keys)
    sums = np.bincount(codes, weights=np.where(mask, values, 0).ravel(), minlength=codes.max() + 1)
    return sums[codes].reshape(mask.shape)


def _distinct_by_cell(keys: list[np.ndarray], mask: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The number of distinct ``labels`` among the rows in ``mask`` within each cell."""
    codes = _cell_codes(keys)
    inside = mask.ravel()
    pairs = np.unique(codes[inside] * (int(labels.max()) + 1) + labels.ravel()[inside])
    counts = np.bincount(pairs // (int(labels.max()) + 1), minlength=codes.max() + 1)
    return counts[codes].reshape(mask.shape).astype(float)


def _horizon(
    design: _Design, i: int, increase: int, placebo: bool, clustered: bool
) -> _Horizon | None:
    g_count, t_count = design.y.shape
    times = np.broadcast_to(np.arange(1, t_count + 1), (g_count, t_count))
    y, n = design.y, design.n
    f_g, d_sq = design.f_g[:, None], np.broadcast_to(design.d_sq[:, None], (g_count, t_count))
    diff = y - _shift(y, i)
    valid = ~np.isnan(diff)
    never = np.where(valid, (f_g > times).astype(float), np.nan)
    n_control = _by_cell([times, d_sq], valid, np.nan_to_num(never) * n)
    target = (
        (times == f_g - 1 + i)
        & (design.l_g[:, None] >= i)
        & (design.s_g[:, None] == increase)
        & (n_control > 0)
    )
    dist = np.where(valid, target.astype(float), np.nan)
    if placebo:
        diff = _shift(y, 2 * i) - _shift(y, i)
        valid_pl = ~np.isnan(diff)
        never = np.where(np.isnan(never), np.nan, np.nan_to_num(never) * valid_pl)
        n_control = _by_cell([times, d_sq], ~np.isnan(never), np.nan_to_num(never) * n)
        dist = np.where(np.isnan(dist) | ~valid_pl, np.nan, dist * (valid_pl & (n_control > 0)))
        valid = valid_pl
    dist0 = np.nan_to_num(dist)
    n_switch_t = (dist0 * n).sum(axis=0)  # per period
    n_switchers = float(n_switch_t.sum())
    if n_switchers == 0:
        return None
    n_switch_cell = _by_cell([times, d_sq], np.ones_like(valid), dist0 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n_control != 0, n_switch_cell / n_control * never, 0.0)
    span = 2 if placebo else 1
    window = (i <= design.t_g[:, None] - span) & (times >= i + 1) & (times <= design.t_g[:, None])
    weight = (design.n_groups / n_switchers) * window * n * (dist - ratio)
    u = np.nansum(weight * diff, axis=1)
    e_hat, dof = _demeaning(design, times, d_sq, diff, dist, never, n_switch_t, clustered, i)
    u_var = np.nansum(weight * dof * (diff - e_hat), axis=1)
    change = design.d - design.d_sq[:, None]
    sign = np.where(design.s_g == 1, 1.0, -1.0)[:, None]
    at_target = dist0 == 1
    delta = float(np.nansum(np.where(at_target, n * sign * change, 0.0)) / n_switchers)
    units = int(at_target.any(axis=1).sum())
    return _Horizon(u=u, u_var=u_var, n=n_switchers, delta=delta, n_units=units)


def _demeaning(design, times, d_sq, diff, dist, never, n_switch_t, clustered, i):
    """The package's ``E_hat_gt`` (the cohort mean each row's change is centred on) and
    ``DOF_gt`` (its small-sample factor), null (NaN) where the package leaves them null."""
    n = design.n
    diff_n = np.nan_to_num(diff) * n
    is_ns = (n != 0) & ~np.isnan(diff) & (never == 1) & (n_switch_t[None, :] > 0)
    is_s = (n != 0) & (np.nan_to_num(dist) == 1)
    is_union = is_s | is_ns
    labels = np.broadcast_to(design.cluster[:, None], n.shape)
    f_g = np.broadcast_to(design.f_g[:, None], n.shape)
    d_fg = np.broadcast_to(design.d_fg[:, None], n.shape)
    dist_key = np.nan_to_num(dist, nan=-1.0)
    cell_ns, cell_s = [d_sq, times], [d_sq, f_g, d_fg, dist_key]

    def mean_and_count(keys, mask):
        count = _by_cell(keys, mask, n)
        total = _by_cell(keys, mask, diff_n)
        units = _distinct_by_cell(keys, mask, labels) if clustered else _by_cell(keys, mask, mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(mask, total / count, np.nan)
        return mean, units

    mean_ns, dof_ns = mean_and_count(cell_ns, is_ns)
    mean_s, dof_s = mean_and_count(cell_s, is_s)
    mean_nss, dof_nss = mean_and_count(cell_ns, is_union)
    # Counts exist on the rows of their cohort only. (With clusters the package also gives the
    # controls' count to the other rows of their cell; those rows carry no weight.)
    dof_s = np.where(is_s, dof_s, np.nan)
    dof_ns = np.where(is_ns, dof_ns, np.nan)
    dof_nss = np.where(is_union, dof_nss, np.nan)
    before = times < f_g
    at = times == f_g - 1 + i
    s9, ns9 = np.nan_to_num(dof_s, nan=9999), np.nan_to_num(dof_ns, nan=9999)
    union_case = (dof_nss >= 2) & ((at & (s9 == 1)) | (before & (ns9 == 1)))

    e_hat = np.where(before | at, 0.0, np.nan)
    e_hat = np.where(before & (ns9 >= 2), mean_ns, e_hat)
    e_hat = np.where(np.isnan(mean_ns), np.nan, e_hat)
    e_hat = np.where(at & (s9 >= 2), mean_s, e_hat)
    e_hat = np.where(union_case, mean_nss, e_hat)
    e_hat = np.where(np.isnan(mean_nss), np.nan, e_hat)

    with np.errstate(divide="ignore", invalid="ignore"):
        dof = np.where(before | at, 1.0, np.nan)
        dof = np.where(at & (s9 > 1), np.sqrt(dof_s / (dof_s - 1)), dof)
        dof = np.where(np.isnan(dof_s), np.nan, dof)
        dof = np.where(before & (ns9 > 1), np.sqrt(dof_ns / (dof_ns - 1)), dof)
        union_dof = (np.nan_to_num(dof_nss, nan=9999) >= 2) & (
            (at & (dof_s == 1)) | (before & (dof_ns == 1))
        )
        dof = np.where(union_dof, np.sqrt(dof_nss / (dof_nss - 1)), dof)
        dof = np.where(np.isnan(dof_nss), np.nan, dof)
    return e_hat, dof


# --------------------------------------------------------------------------------------------
# Both directions, every horizon


@dataclass(frozen=True)
class _Combined:
    estimate: float
    u: np.ndarray
    u_var: np.ndarray
    n: float
    n_units: int


def _combine(parts: dict[int, _Horizon | None], n_groups: int) -> _Combined | None:
    up, down = parts.get(1), parts.get(0)
    n_up = up.n if up else 0.0
    n_down = down.n if down else 0.0
    if n_up + n_down == 0:
        return None
    zero = np.zeros(n_groups)
    u = (n_up * (up.u if up else zero) - n_down * (down.u if down else zero)) / (n_up + n_down)
    u_var = (n_up * (up.u_var if up else zero) - n_down * (down.u_var if down else zero)) / (
        n_up + n_down
    )
    units = (up.n_units if up else 0) + (down.n_units if down else 0)
    return _Combined(float(u.sum() / n_groups), u, u_var, n_up + n_down, units)


def _se(u_var: np.ndarray, design: _Design) -> float:
    totals = np.bincount(design.cluster, weights=u_var)
    return float(np.sqrt((totals**2).sum()) / design.n_groups)


def dcdh(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treatment: str,
    effects: int = 1,
    placebo: int = 0,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> DCDHResult:
    """``DID_1..DID_effects`` and ``placebo`` placebos of a 0/1 (or any non-negative) treatment
    that may switch on and off; the headline is the average total effect. ``cluster``: a
    column constant within units (default: each unit its own cluster)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")
    if effects < 1 or placebo < 0:
        raise ValueError("effects must be at least 1 and placebo at least 0")
    design = _design(data, unit, time, outcome, treatment, cluster)
    clustered = cluster is not None
    z = norm_ppf(1 - alpha / 2)
    rows, influence, codes = [], [], []
    per_direction: dict[int, list[tuple[_Horizon, int]]] = {1: [], 0: []}
    for kind, horizons in (("effect", range(1, effects + 1)), ("placebo", range(1, placebo + 1))):
        for i in horizons:
            parts = {inc: _horizon(design, i, inc, kind == "placebo", clustered) for inc in (1, 0)}
            if kind == "effect":
                for inc, part in parts.items():
                    if part is not None:
                        per_direction[inc].append((part, i))
            combined = _combine(parts, design.n_groups)
            rel = i if kind == "effect" else -i
            if combined is None:
                codes.append(("effects_honest.dcdh_no_switchers", {"kind": kind, "horizon": i}))
                rows.append(dict(rel_time=rel, estimate=np.nan, se=np.nan, n_switchers=0))
                influence.append(np.zeros(design.n_groups))
                continue
            se = _se(combined.u_var, design)
            rows.append(
                dict(rel_time=rel, estimate=combined.estimate, se=se, n_switchers=combined.n_units)
            )
            influence.append(combined.u_var)
    events = pd.DataFrame(rows)
    events["ci_low"] = events["estimate"] - z * events["se"]
    events["ci_high"] = events["estimate"] + z * events["se"]
    vcov = _vcov(np.column_stack(influence), design)
    estimate, se, n_in, n_out = _average_total_effect(per_direction, design)
    return DCDHResult(
        method=METHOD,
        estimate=estimate,
        se=se,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
        n_units=design.n_groups,
        n_obs=int(design.n.sum()),
        alpha=alpha,
        outcome=outcome,
        call=dict(unit=unit, time=time, outcome=outcome, treatment=treatment, effects=effects)
        | dict(placebo=placebo, cluster=cluster, alpha=alpha),
        **coded_warnings(codes),
        event_study=events[["rel_time", "estimate", "se", "ci_low", "ci_high", "n_switchers"]],
        event_vcov=vcov,
        n_switchers=n_in + n_out,
        n_switchers_in=n_in,
        n_switchers_out=n_out,
    )


def _vcov(influence: np.ndarray, design: _Design) -> np.ndarray:
    totals = np.vstack([np.bincount(design.cluster, weights=column) for column in influence.T]).T
    return totals.T @ totals / design.n_groups**2


def _average_total_effect(per_direction, design: _Design) -> tuple[float, float, int, int]:
    """The package's ``Av_tot_effect``: per direction the switcher-weighted sum of the
    horizons' influence functions over the weighted sum of their treatment changes, the two
    directions weighted by those sums."""
    sums, parts = {}, {}
    for inc, items in per_direction.items():
        if not items:
            continue
        total_n = sum(part.n for part, _ in items)
        weights = [part.n / total_n for part, _ in items]
        den = sum(w * part.delta for w, (part, _) in zip(weights, items, strict=True))
        num = sum(w * part.u for w, (part, _) in zip(weights, items, strict=True))
        num_var = sum(w * part.u_var for w, (part, _) in zip(weights, items, strict=True))
        sign = 1.0 if inc == 1 else -1.0
        parts[inc] = (sign * num / den, sign * num_var / den)
        sums[inc] = den * total_n
    if not parts:
        return math.nan, math.nan, 0, 0
    w_up = sums.get(1, 0.0) / (sums.get(1, 0.0) + sums.get(0, 0.0))
    zero = np.zeros(design.n_groups)
    u = w_up * parts.get(1, (zero, zero))[0] + (1 - w_up) * parts.get(0, (zero, zero))[0]
    u_var = w_up * parts.get(1, (zero, zero))[1] + (1 - w_up) * parts.get(0, (zero, zero))[1]
    n_in = _switchers(design, 1)
    n_out = _switchers(design, 0)
    return float(u.sum() / design.n_groups), _se(u_var, design), n_in, n_out


def _switchers(design: _Design, increase: int) -> int:
    return int(((design.s_g == increase) & (design.f_g <= design.t_g)).sum())
