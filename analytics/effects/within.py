"""The two-way within transformation shared by TWFE, its Goodman-Bacon / de Chaisemartin-
D'Haultfoeuille diagnostics and Sun-Abraham: unit and time effects removed exactly, never by
dummy matrices (Frisch-Waugh-Lovell).

Outcomes and regressors are demeaned by unit, and the time effects of the unit-demeaned data
are solved from a T x T system, so balanced and unbalanced panels alike are exact and fast
(T is the number of periods, small for quarters or years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.effects.panel import Panel


def panel_codes(panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """0-based integer codes of each row's unit and period (periods on the panel's grid)."""
    data = panel.data
    unit_codes = pd.factorize(data[panel.unit])[0]
    time_codes = ((data[panel.time].to_numpy() - panel.times[0]) // panel.step).astype(np.int64)
    return unit_codes, time_codes


def within_two_way(unit_codes: np.ndarray, time_codes: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Columns of ``z`` with unit and time effects removed exactly (the residual of the
    projection on both sets of dummies), for any pattern of missing unit x time cells.

    ``unit_codes`` and ``time_codes`` are 0-based integer codes, one per row.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        return within_two_way(unit_codes, time_codes, z[:, None])[:, 0]
    n_units = int(unit_codes.max()) + 1
    n_times = int(time_codes.max()) + 1
    unit_size = np.bincount(unit_codes, minlength=n_units).astype(float)
    unit_mean = group_sums(unit_codes, z, n_units) / unit_size[:, None]
    z_unit = z - unit_mean[unit_codes]
    if len(z) == n_units * n_times:
        # Balanced (one row per cell): the classic double demeaning is the exact projection.
        time_mean = group_sums(time_codes, z_unit, n_times) / n_units
        return z_unit - time_mean[time_codes]

    # Time effects b of the unit-demeaned data solve (D' M_unit D) b = D' M_unit z, with
    # D' M_unit D = diag(n_t) - A' diag(1/n_i) A for the unit x time incidence matrix A.
    incidence = np.zeros((n_units, n_times))
    incidence[unit_codes, time_codes] = 1.0
    # einsum rather than BLAS: a T x T product is tiny, and threaded BLAS thrashes on busy hosts.
    gram = np.diag(incidence.sum(axis=0)) - np.einsum(
        "it,is->ts", incidence / unit_size[:, None], incidence
    )
    rhs = group_sums(time_codes, z_unit, n_times)
    # The system is singular (a constant shift of b is absorbed by the unit effects); the
    # minimum-norm solution gives the same fitted values.
    effects = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    effects_unit_mean = (incidence @ effects) / unit_size[:, None]
    return z_unit - (effects[time_codes] - effects_unit_mean[unit_codes])


def group_sums(codes: np.ndarray, z: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``z`` per group (``codes`` 0-based): an n_groups x columns array."""
    if z.shape[1] == 0:
        return np.zeros((n_groups, 0))
    return np.column_stack(
        [np.bincount(codes, weights=z[:, j], minlength=n_groups) for j in range(z.shape[1])]
    )
