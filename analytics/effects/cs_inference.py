"""Inference from per-unit influence functions: analytic (clustered) SEs and the multiplier bootstrap.

One code path for every Callaway & Sant'Anna quantity (group-time ATTs and their aggregations):
the influence functions (units x parameters, scaled as in R ``did`` so that the estimate's
sampling error is their mean) are first summed within clusters (each unit is its own cluster
unless a cluster column is chosen). Then

* the analytic variance is ``S'S / n^2`` with ``S`` the cluster sums (for unit clusters this is
  R did's ``sqrt(mean(IF^2) / n)``);
* the multiplier bootstrap draws one weight per cluster (Rademacher as in R did 2.x via
  ``BMisc::multiplier_bootstrap``, or Mammen's two-point weights) and forms ``V S / n``;
  standard errors are the normalised interquartile range of the draws and the uniform-band
  critical value is the ``1 - alpha`` quantile of the largest studentised draw (R ``mboot``).

Draws are generated in blocks from a seeded generator, so 999 draws over thousands of units and
hundreds of parameters never need more than one block of weights in memory, and every call with
the same seed reuses exactly the same weights (the aggregations are bootstrapped with the draws
that produced the group-time bands).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.effects.distributions import norm_ppf

WEIGHT_KINDS = ("rademacher", "mammen")
# R did treats a standard error this small as zero (a normalised cell, e.g. the universal base).
SE_ZERO = np.sqrt(np.finfo(float).eps) * 10
BLOCK_ELEMENTS = 4_000_000  # weights per block: 32 MB of float64


@dataclass(frozen=True)
class Clusters:
    """Cluster membership of the units: ``codes`` (n,) in 0..n_clusters-1, or None for units."""

    codes: np.ndarray | None
    n_clusters: int

    def sums(self, influence: np.ndarray) -> np.ndarray:
        """Influence functions summed within clusters, (n_clusters x k)."""
        if self.codes is None:
            return influence
        out = np.zeros((self.n_clusters, influence.shape[1]))
        np.add.at(out, self.codes, influence)
        return out


def analytic_vcov(sums: np.ndarray, n: int) -> np.ndarray:
    """Variance matrix of the estimates from cluster-summed influence functions."""
    return sums.T @ sums / n**2


def analytic_se(sums: np.ndarray, n: int) -> np.ndarray:
    se = np.sqrt(np.einsum("ck,ck->k", sums, sums)) / n
    return np.where(se <= SE_ZERO, np.nan, se)


def multiplier_draws(
    sums: np.ndarray, n: int, draws: int, seed: int, weights: str = "rademacher"
) -> np.ndarray:
    """Bootstrap draws of ``estimate* - estimate`` (draws x k) from cluster sums (c x k)."""
    rng = np.random.default_rng(seed)
    n_clusters, k = sums.shape
    out = np.empty((draws, k))
    block = max(1, min(draws, BLOCK_ELEMENTS // max(n_clusters, 1)))
    for start in range(0, draws, block):
        size = min(block, draws - start)
        out[start : start + size] = _weights(rng, (size, n_clusters), weights) @ sums / n
    return out


def _weights(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> np.ndarray:
    if kind == "rademacher":
        # One random bit per weight: eight weights from each random byte.
        size = shape[0] * shape[1]
        bits = np.unpackbits(rng.integers(0, 256, size=(size + 7) // 8, dtype=np.uint8))
        out = bits[:size].astype(np.float64).reshape(shape)
        out *= 2.0
        out -= 1.0
        return out
    # Mammen (1993): mean 0, variance 1, third moment 1.
    root5 = np.sqrt(5.0)
    low, high = (1 - root5) / 2, (1 + root5) / 2
    p_low = (root5 + 1) / (2 * root5)
    return np.where(rng.random(shape) < p_low, low, high)


@dataclass(frozen=True)
class BootstrapSummary:
    se: np.ndarray  # (k,) NaN for degenerate parameters
    crit_val: float  # sup-t critical value for a uniform band at level 1 - alpha


def summarise_draws(draws: np.ndarray, alpha: float) -> BootstrapSummary:
    """R ``mboot``: IQR-based standard errors and the sup-t critical value over parameters."""
    finite = np.all(np.isfinite(draws), axis=0)
    usable = finite & np.any(draws != 0, axis=0)
    se = np.full(draws.shape[1], np.nan)
    if not usable.any():
        return BootstrapSummary(se, float("nan"))
    kept = draws[:, usable]
    q75 = np.quantile(kept, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(kept, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (norm_ppf(0.75) - norm_ppf(0.25))
    sigma[~np.isfinite(sigma) | (sigma <= SE_ZERO)] = np.nan
    se[usable] = sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.abs(kept / sigma)
    scaled[~np.isfinite(scaled)] = -np.inf
    sup_t = scaled.max(axis=1)
    sup_t = sup_t[np.isfinite(sup_t)]
    if sup_t.size == 0:
        return BootstrapSummary(se, float("nan"))
    crit = float(np.quantile(sup_t, 1 - alpha, method="inverted_cdf"))
    return BootstrapSummary(se, crit)


@dataclass(frozen=True)
class Inference:
    """Standard errors, variance matrix and critical value for a set of parameters."""

    se: np.ndarray
    vcov: np.ndarray
    crit_val: float
    uniform: bool  # True when crit_val is a bootstrap sup-t value


def infer(
    influence: np.ndarray,
    clusters: Clusters,
    *,
    alpha: float,
    bootstrap: int,
    seed: int,
    weights: str,
    band_columns: int | None = None,
    vcov_columns: int = 0,
) -> Inference:
    """SEs and a critical value for the columns of ``influence`` (n x k).

    Without bootstrap: analytic SEs and the pointwise normal critical value. With bootstrap:
    IQR-based bootstrap SEs and the sup-t critical value of a uniform band over the first
    ``band_columns`` columns (all by default), never below the pointwise one, as R did falls
    back when it would be. ``vcov`` covers the first ``vcov_columns`` columns: the analytic
    covariance rescaled to the reported SEs, so that its diagonal always matches ``se``.
    """
    n = influence.shape[0]
    sums = clusters.sums(influence)
    vcov = analytic_vcov(sums[:, :vcov_columns], n)
    z = float(norm_ppf(1 - alpha / 2))
    if bootstrap <= 0:
        se = analytic_se(sums, n)
        return Inference(se, _zero_degenerate(vcov, se[:vcov_columns]), z, False)
    draws = multiplier_draws(sums, n, bootstrap, seed, weights)
    band = draws.shape[1] if band_columns is None else band_columns
    summary = summarise_draws(draws[:, :band], alpha)
    se = np.concatenate([summary.se, summarise_draws(draws[:, band:], alpha).se])
    crit = summary.crit_val
    uniform = bool(np.isfinite(crit) and crit >= z)
    return Inference(se, _rescale(vcov, se[:vcov_columns]), crit if uniform else z, uniform)


def _zero_degenerate(vcov: np.ndarray, se: np.ndarray) -> np.ndarray:
    out = vcov.copy()
    bad = ~np.isfinite(se)
    out[bad, :] = 0.0
    out[:, bad] = 0.0
    return out


def _rescale(vcov: np.ndarray, se: np.ndarray) -> np.ndarray:
    """The analytic correlation with the bootstrap SEs on the diagonal."""
    sd = np.sqrt(np.clip(np.diag(vcov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = vcov / np.outer(sd, sd)
    corr[~np.isfinite(corr)] = 0.0
    se0 = np.where(np.isfinite(se), se, 0.0)
    return corr * np.outer(se0, se0)
