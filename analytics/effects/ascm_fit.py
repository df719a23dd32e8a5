"""Numerical core of ridge augmented synthetic control (Ben-Michael, Feller & Rothstein 2021).

On an outcome matrix ``y`` (periods x units, the treated unit in column 0):

1. ``fixedeff``: every unit is centred on its own pre-period mean (the treated unit's mean is
   added back to its counterfactual), as R ``augsynth(fixedeff = TRUE)`` and augsynth-py do.
2. The pre-period rows are centred on the donors' mean in each period (R
   ``fit_ridgeaug_formatted`` centres ``X`` by the controls' column means): the simplex
   weights do not change (they sum to one) but the ridge step is then free of time effects.
3. ``omega``: simplex weights minimising ``||Y1 - Y0 w||^2`` (the exact active-set solver of
   :func:`analytics.effects.synth_qp.simplex_least_squares`).
4. ``gamma``: ridge regression of the SCM residual on the donors' pre-period outcomes,
   ``gamma = (Y0'Y0 + lambda I)^-1 Y0' (Y1 - Y0 omega)``; the effective weights
   ``omega + gamma`` (BFR 2021, Lemma 1) may be negative and, because the rows are centred,
   ``gamma`` sums to zero.

The ridge penalty, when not given, is chosen as R augsynth's ``cv_lambda`` does:
``lambda_max`` = the largest squared singular value of the centred donor matrix, 21 values
from it down to ``1e-8 lambda_max`` (``lambda_min_ratio = 1e-8, n_lambda = 20``), leave-one-
period-out errors over the first ``T0 - 1`` pre-periods (``holdout_length = 1``; R never holds
out the last one), each fold refitting ``omega``, and the largest lambda whose mean error is
within one standard error of the smallest (``min_1se = TRUE``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.effects.synth_qp import simplex_least_squares

LAMBDA_MIN_RATIO = 1e-8
N_LAMBDA = 20


@dataclass(frozen=True)
class RidgeFit:
    """One ridge ASCM fit: weights over the donors, paths over every period."""

    omega: np.ndarray  # simplex (SCM) weights
    gamma: np.ndarray  # ridge correction, sums to zero
    lambda_: float
    synthetic: np.ndarray  # augmented counterfactual of the treated unit
    synthetic_scm: np.ndarray  # the SCM part alone
    l2_imbalance: float  # ||Y1 - Y0 (omega + gamma)|| over the pre-periods (centred rows)
    scaled_l2_imbalance: float  # the same over that of equal weights 1/J
    scm_l2_imbalance: float  # ||Y1 - Y0 omega||: what the ridge step improved on

    @property
    def weights(self) -> np.ndarray:
        return self.omega + self.gamma


@dataclass(frozen=True)
class LambdaPath:
    """The cross-validation behind the chosen ridge penalty (R augsynth's ``cv_lambda``)."""

    lambdas: np.ndarray  # decreasing
    errors: np.ndarray  # mean held-out squared error
    errors_se: np.ndarray  # its standard error across folds
    chosen: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"lambda": self.lambdas, "cv_error": self.errors, "cv_error_se": self.errors_se}
        )


def unit_demeaned(y: np.ndarray, pre: np.ndarray, fixedeff: bool) -> tuple[np.ndarray, np.ndarray]:
    """``y`` minus each unit's pre-period mean (nothing without ``fixedeff``), and the means."""
    offsets = y[pre].mean(axis=0) if fixedeff else np.zeros(y.shape[1])
    return y - offsets, offsets


def centred(y1: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Treated vector and donor matrix (rows = periods) less the donors' mean in each period."""
    period_mean = y0.mean(axis=1)
    return y1 - period_mean, y0 - period_mean[:, None]


def simplex_weights(y1: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """SCM weights: ``w >= 0``, ``sum(w) = 1`` minimising ``||y1 - y0 w||^2``."""
    return simplex_least_squares(y0 - y1[:, None])


def ridge_correction(y1: np.ndarray, y0: np.ndarray, omega: np.ndarray, lambda_: float):
    """``gamma = (Y0'Y0 + lambda I)^-1 Y0' (y1 - Y0 omega)`` (BFR 2021, section 2.3)."""
    residual = y1 - y0 @ omega
    gram = y0.T @ y0 + lambda_ * np.eye(y0.shape[1])
    return np.linalg.solve(gram, y0.T @ residual)


def imbalance(y1: np.ndarray, y0: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """L2 imbalance of ``weights`` and its ratio to that of equal weights (R augsynth's
    ``l2_imbalance`` and ``scaled_l2_imbalance``)."""
    l2 = float(np.linalg.norm(y1 - y0 @ weights))
    uniform = float(np.linalg.norm(y1 - y0.mean(axis=1)))
    if uniform > 0:
        return l2, l2 / uniform
    return l2, math.inf if l2 > 0 else math.nan


def fit_ridge_ascm(y: np.ndarray, pre: np.ndarray, lambda_: float, fixedeff: bool) -> RidgeFit:
    """Ridge ASCM of column 0 of ``y`` on the other columns, weights from the ``pre`` rows."""
    demeaned, offsets = unit_demeaned(y, pre, fixedeff)
    y1, y0 = centred(demeaned[pre, 0], demeaned[pre, 1:])
    omega = simplex_weights(y1, y0)
    gamma = ridge_correction(y1, y0, omega, lambda_)
    donors = demeaned[:, 1:]
    synthetic_scm = donors @ omega + offsets[0]
    l2, scaled = imbalance(y1, y0, omega + gamma)
    return RidgeFit(
        omega=omega,
        gamma=gamma,
        lambda_=float(lambda_),
        synthetic=synthetic_scm + donors @ gamma,
        synthetic_scm=synthetic_scm,
        l2_imbalance=l2,
        scaled_l2_imbalance=scaled,
        scm_l2_imbalance=float(np.linalg.norm(y1 - y0 @ omega)),
    )


def lambda_grid(y0: np.ndarray) -> np.ndarray:
    """R augsynth's ``create_lambda_list(get_lambda_max(X_c), 1e-8, 20)`` (21 values)."""
    lambda_max = float(np.linalg.svd(y0, compute_uv=False)[0]) ** 2
    scaler = LAMBDA_MIN_RATIO ** (1 / N_LAMBDA)
    return lambda_max * scaler ** np.arange(N_LAMBDA + 1)


def fold_errors(y1: np.ndarray, y0: np.ndarray, lambdas: np.ndarray, folds: int) -> np.ndarray:
    """Squared error of predicting pre-period ``t`` from the others, for the first ``folds``
    periods (rows) and every lambda (columns); ``omega`` is refitted in each fold.

    One SVD per fold gives the ridge correction for every lambda at once:
    ``gamma(lambda) = V diag(s / (s^2 + lambda)) U' r``."""
    errors = np.empty((folds, lambdas.size))
    for t in range(folds):
        keep = np.arange(y1.size) != t
        a, b = y0[keep], y1[keep]
        omega = simplex_weights(b, a)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        projected = u.T @ (b - a @ omega)
        shrink = s[None, :] / (s[None, :] ** 2 + lambdas[:, None])  # lambdas x k
        gammas = (shrink * projected[None, :]) @ vt  # lambdas x J
        predictions = y0[t] @ omega + gammas @ y0[t]
        errors[t] = (y1[t] - predictions) ** 2
    return errors


def cross_validate(y: np.ndarray, pre: np.ndarray, fixedeff: bool) -> LambdaPath:
    """The ridge penalty R augsynth chooses by default (see the module docstring)."""
    demeaned, _ = unit_demeaned(y, pre, fixedeff)
    y1, y0 = centred(demeaned[pre, 0], demeaned[pre, 1:])
    lambdas = lambda_grid(y0)
    errors = fold_errors(y1, y0, lambdas, folds=y1.size - 1)
    mean = errors.mean(axis=0)
    se = errors.std(axis=0, ddof=1) / math.sqrt(errors.shape[0])
    best = int(np.argmin(mean))
    chosen = float(lambdas[mean <= mean[best] + se[best]].max())
    return LambdaPath(lambdas=lambdas, errors=mean, errors_se=se, chosen=chosen)
