"""What a TWFE coefficient averages over when treatment timing is staggered.

* :func:`bacon_decomposition` (Goodman-Bacon 2021, Theorem 1): on a balanced panel without
  covariates the TWFE coefficient is a weighted average of every 2x2 DiD between timing
  groups: treated vs never treated, earlier vs later treated (the later group still
  untreated serves as control) and later vs earlier treated, where the *already treated*
  earlier group serves as control ("forbidden": its own effect dynamics leak into the
  comparison). Weights sum to one; ``sum(weight * estimate)`` equals the TWFE coefficient.
* :func:`dcdh_weights` (de Chaisemartin & D'Haultfoeuille 2020): the TWFE coefficient is a
  weighted sum of the treated cells' effects with weights proportional to the residual of
  the treatment on unit and time effects; some weights can be negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.effects.panel import FIRST_TREATED, TREATED, Panel
from analytics.effects.within import panel_codes, within_two_way

COMPARISONS = ("treated_vs_never", "earlier_vs_later", "later_vs_earlier")


def bacon_decomposition(panel: Panel) -> pd.DataFrame:
    """All 2x2 comparisons with their weight and DiD estimate.

    Columns: ``treated`` (cohort acting as treated), ``control`` (cohort acting as control,
    0 = never treated), ``comparison`` (one of :data:`COMPARISONS`), ``weight``, ``estimate``.
    Needs a balanced panel without covariates.
    """
    if not panel.balanced:
        raise ValueError("the Goodman-Bacon decomposition needs a balanced panel")
    data = panel.data
    times = panel.times
    # Mean outcome per timing group and period: every 2x2 DiD is built from these.
    group_codes, groups = pd.factorize(data[FIRST_TREATED], sort=True)
    time_codes = np.searchsorted(times, data[panel.time].to_numpy())
    cell = group_codes * len(times) + time_codes
    size = len(groups) * len(times)
    sums = np.bincount(cell, weights=data[panel.outcome].to_numpy(dtype=float), minlength=size)
    counts = np.bincount(cell, minlength=size)
    means = pd.DataFrame((sums / counts).reshape(len(groups), len(times)), index=np.asarray(groups))
    group_size = data.groupby(FIRST_TREATED)[panel.unit].nunique()
    share = group_size / group_size.sum()
    treated_share = {g: float((times >= g).mean()) for g in panel.cohorts}

    rows = []
    if 0 in share.index:
        for k in panel.cohorts:
            post = times >= k
            rows.append(
                _row(
                    k,
                    0,
                    "treated_vs_never",
                    _kU_weight(share[k], share[0], treated_share[k]),
                    _did(means.loc[k], means.loc[0], ~post, post),
                )
            )
    for i, k in enumerate(panel.cohorts):
        for l in panel.cohorts[i + 1 :]:  # noqa: E741 - k earlier, l later as in the paper
            dk, dl = treated_share[k], treated_share[l]
            nk, nl = share[k], share[l]
            n_kl = nk / (nk + nl)
            pre, mid, post = times < k, (times >= k) & (times < l), times >= l
            w_early = ((nk + nl) * (1 - dl)) ** 2 * n_kl * (1 - n_kl)
            w_early *= (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl)
            w_late = ((nk + nl) * dk) ** 2 * n_kl * (1 - n_kl) * (dl / dk) * (dk - dl) / dk
            rows.append(
                _row(k, l, "earlier_vs_later", w_early, _did(means.loc[k], means.loc[l], pre, mid))
            )
            rows.append(
                _row(l, k, "later_vs_earlier", w_late, _did(means.loc[l], means.loc[k], mid, post))
            )
    table = pd.DataFrame(rows)
    table["weight"] = table["weight"] / table["weight"].sum()
    return table


def _kU_weight(n_k: float, n_u: float, d_k: float) -> float:
    n_ku = n_k / (n_k + n_u)
    return (n_k + n_u) ** 2 * n_ku * (1 - n_ku) * d_k * (1 - d_k)


def _did(treated: pd.Series, control: pd.Series, before: np.ndarray, after: np.ndarray) -> float:
    """2x2 DiD of period means: (treated after - before) - (control after - before)."""
    t_values, c_values = treated.to_numpy(), control.to_numpy()
    return float(
        (t_values[after].mean() - t_values[before].mean())
        - (c_values[after].mean() - c_values[before].mean())
    )


def _row(treated: int, control: int, comparison: str, weight: float, estimate: float) -> dict:
    return {
        "treated": int(treated),
        "control": int(control),
        "comparison": comparison,
        "weight": float(weight),
        "estimate": estimate,
    }


def dcdh_weights(panel: Panel, treated_within: np.ndarray | None = None) -> pd.DataFrame:
    """Weights of the treated unit-period cells in the TWFE coefficient.

    ``weight`` = residual of the treatment on unit and time effects, divided by the sum of
    those residuals over treated cells (de Chaisemartin & D'Haultfoeuille 2020, Theorem 1,
    one observation per cell). Columns: unit, time, weight (treated cells only).
    ``treated_within``: the already within-transformed treatment, when the caller has it.
    """
    data = panel.data
    residual = treated_within
    if residual is None:
        unit_codes, time_codes = panel_codes(panel)
        residual = within_two_way(unit_codes, time_codes, data[TREATED].to_numpy(dtype=float))
    treated = data[TREATED].to_numpy() == 1
    weights = residual[treated] / residual[treated].sum()
    return pd.DataFrame(
        {
            "unit": data.loc[treated, panel.unit].to_numpy(),
            "time": data.loc[treated, panel.time].to_numpy(),
            "weight": weights,
        }
    )
