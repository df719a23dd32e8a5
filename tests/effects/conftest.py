"""Real public panels shipped inside PyPI packages, used as validation data.

* ``castle``: Cheng & Hoekstra (2013, JHR) castle-doctrine laws and US state crime,
  2000-2010 (50 states x 11 years); from ``causaldata`` 0.1.5 (MIT licence), as used in
  Cunningham's *Causal Inference: The Mixtape*, ch. 9.
* ``organ_donations``: Kessler & Roth (2014) organ-donor registration rates by US state and
  quarter, Q4 2010 - Q1 2012, California's active-choice policy from Q3 2011; from
  ``causaldata`` 0.1.5 (MIT licence), as used in Huntington-Klein's *The Effect*, ch. 18.
"""

import warnings

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def castle() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from causaldata import castle as source

        data = source.load_pandas().data
    data = data[["sid", "year", "post", "l_homicide", "l_larceny", "unemployrt", "poverty"]]
    data = data.copy()
    # First year with the law in force, 0 for states that never adopted it.
    first = data.loc[data["post"] == 1].groupby("sid")["year"].min()
    data["effyear"] = data["sid"].map(first).fillna(0).astype(int)
    data["region"] = data["sid"] % 9
    return data


@pytest.fixture(scope="session")
def organ_donations() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from causaldata import organ_donations as source

        data = source.load_pandas().data.copy()
    data["treated"] = ((data["State"] == "California") & (data["Quarter_Num"] >= 4)).astype(int)
    return data


def simulated_staggered(seed: int = 1, n_units: int = 300, n_periods: int = 12) -> pd.DataFrame:
    """Staggered adoption with dynamic effects (1 + 0.2 per period since treatment)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    year = np.tile(np.arange(2000, 2000 + n_periods), n_units)
    cohort = np.repeat(rng.choice([0, 2004, 2006, 2009], n_units), n_periods)
    treated = (cohort > 0) & (year >= cohort)
    x = rng.normal(size=unit.size)
    y = (
        rng.normal(size=n_units)[unit]
        + 0.1 * (year - 2000)
        + treated * (1 + 0.2 * (year - cohort))
        + 0.5 * x
        + rng.normal(size=unit.size)
    )
    return pd.DataFrame(
        {
            "unit": unit,
            "year": year,
            "g": cohort,
            "d": treated.astype(int),
            "y": y,
            "x": x,
            "region": unit % 17,
        }
    )
