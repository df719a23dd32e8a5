"""The random draws of R's HonestDiD, reproduced.

HonestDiD's least-favourable critical values (``.compute_least_favorable_cv``: 1,000 draws of
``mvtnorm::rmvnorm`` after ``set.seed(0)``) and the folded-normal quantile of its fixed-length
intervals (``.qfoldednormal``: the quantile of 1,000,000 draws of ``rnorm`` after
``set.seed(0)``) are simulated. To give the package's numbers and not merely numbers near them,
we draw exactly what R draws:

* ``set.seed(s)`` with R's defaults (Mersenne-Twister, Inversion): the seed is scrambled by
  50 rounds of the linear congruence ``s = 69069 s + 1 (mod 2^32)``, the next 625 values fill
  R's seed table, whose first entry (the position) is reset to 624 (R's ``RNG_Init`` and
  ``FixupSeeds``); the other 624 are the Mersenne-Twister state, which numpy's ``MT19937``
  accepts as it is;
* ``unif_rand`` is the 32-bit output times 2^-32 kept inside (0, 1) (R's ``fixup``);
* ``norm_rand`` (Inversion) takes two uniforms ``u1, u2``, forms ``(floor(2^27 u1) + u2) /
  2^27`` and inverts the normal distribution function at it;
* ``mvtnorm::rmvnorm(n, sigma)`` (method "eigen") fills an ``n x p`` matrix row by row with
  normals and multiplies it by the symmetric square root of ``sigma`` (which does not depend on
  the signs of the eigenvectors, so numpy's and LAPACK-in-R's decompositions agree).

Checked against R: ``set.seed(0); runif(3)`` = 0.8966972 0.2655087 0.3721239 and
``set.seed(0); rnorm(5)`` = 1.2629543 -0.3262334 1.3297993 1.2724293 0.4146414.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import ndtri

_MASK = 0xFFFFFFFF
_TWO_M32 = 2.3283064365386963e-10  # 2^-32, R's MT_genrand scale
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup
_BIG = 134217728  # 2^27


def r_uniforms(n: int, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); runif(n)`` in R."""
    state = seed & _MASK
    for _ in range(50):
        state = (69069 * state + 1) & _MASK
    table = []
    for _ in range(625):
        state = (69069 * state + 1) & _MASK
        table.append(state)
    generator = np.random.MT19937()
    generator.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(table[1:], dtype=np.uint32), "pos": 624},
    }
    u = generator.random_raw(n).astype(np.float64) * _TWO_M32
    u[u <= 0.0] = 0.5 * _I2_32M1
    u[1.0 - u <= 0.0] = 1.0 - 0.5 * _I2_32M1
    return u


def r_normals(n: int, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` in R (Inversion)."""
    u = r_uniforms(2 * n, seed)
    return ndtri((np.floor(_BIG * u[0::2]) + u[1::2]) / _BIG)


def r_mvnorm(n: int, sigma: np.ndarray, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)``: an ``n x p`` matrix."""
    sigma = np.atleast_2d(np.asarray(sigma, dtype=float))
    p = sigma.shape[0]
    values, vectors = np.linalg.eigh(sigma)
    root = (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T
    return r_normals(n * p, seed).reshape(n, p) @ root


@lru_cache(maxsize=2)
def _normal_draws(n: int, seed: int) -> np.ndarray:
    draws = r_normals(n, seed)
    draws.setflags(write=False)
    return draws


def r_folded_normal_quantile(p: float, mu: float, n: int = 1_000_000, seed: int = 0) -> float:
    """HonestDiD's ``.qfoldednormal(p, mu)``: the type-7 ``p``-quantile of ``|z + mu|`` over
    R's ``n`` standard normal draws ``z`` after ``set.seed(seed)``."""
    folded = np.abs(_normal_draws(n, seed) + mu)
    return float(np.quantile(folded, p))
