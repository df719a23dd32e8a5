"""What the coverage studies report about a set of intervals: shared by the ``coverage_*.py``.

Coverage is the share of replications whose interval holds the truth, with its Monte Carlo
standard error ``sqrt(p (1 - p) / reps)``; the width is the median of the finite widths (a
mean would be carried by a few wide draws); the bias is the mean of estimate minus truth, with
its own Monte Carlo standard error so that a reader can tell a real bias from noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TARGET = (0.93, 0.97)


@dataclass(frozen=True)
class Coverage:
    reps: int
    share: float
    mc_se: float
    median_width: float
    bias: float
    bias_se: float

    @property
    def on_target(self) -> bool:
        return TARGET[0] <= self.share <= TARGET[1]

    def line(self, label: str) -> str:
        verdict = "OK" if self.on_target else "OUTSIDE"
        return (
            f"{label}: coverage {self.share:.3f} (MC se {self.mc_se:.3f}, target "
            f"{TARGET[0]:.2f}-{TARGET[1]:.2f}: {verdict}), median width {self.median_width:.4f}, "
            f"mean bias {self.bias:+.4f} (MC se {self.bias_se:.4f}), {self.reps} replications"
        )


def summarise(
    truth: np.ndarray, estimate: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray
) -> Coverage:
    """The coverage figures of one interval over the replications (arrays of one length)."""
    truth, estimate = np.asarray(truth, float), np.asarray(estimate, float)
    ci_low, ci_high = np.asarray(ci_low, float), np.asarray(ci_high, float)
    reps = len(truth)
    share = float(np.mean((ci_low <= truth) & (truth <= ci_high)))
    width = ci_high - ci_low
    finite = width[np.isfinite(width)]
    error = estimate - truth
    return Coverage(
        reps=reps,
        share=share,
        mc_se=math.sqrt(share * (1 - share) / reps),
        median_width=float(np.median(finite)) if len(finite) else math.nan,
        bias=float(np.mean(error)),
        bias_se=float(np.std(error, ddof=1) / math.sqrt(reps)) if reps > 1 else math.nan,
    )
