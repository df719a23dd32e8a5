"""The few distribution functions the estimators and the plan forecasts need: normal, Student t
and chi-square tails and quantiles.

They are ``scipy.special``'s functions under the names of ``scipy.stats``. Importing
``scipy.stats`` builds every distribution object it has (about half a second of every
effects run from the command line) to give us five functions that ``scipy.special`` computes
with the same code (scipy.stats' ``norm``, ``t`` and ``chi2`` call these very routines).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special


def norm_sf(x: Any) -> Any:
    """P(Z > x) for a standard normal Z (exact in the far tail, unlike 1 - cdf)."""
    return special.ndtr(np.negative(x))


def norm_ppf(q: Any) -> Any:
    """The standard normal quantile of probability ``q``."""
    return special.ndtri(q)


def t_sf(x: Any, df: Any) -> Any:
    """P(T > x) for Student's t with ``df`` degrees of freedom (``inf`` gives the normal)."""
    return special.stdtr(df, np.negative(x))


def t_ppf(q: Any, df: Any) -> Any:
    """Student's t quantile of probability ``q`` with ``df`` degrees of freedom."""
    return special.stdtrit(df, q)


def chi2_sf(x: Any, df: Any) -> Any:
    """P(X > x) for a chi-square X with ``df`` degrees of freedom."""
    return special.chdtrc(df, x)
