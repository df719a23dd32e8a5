"""The distribution functions the estimators use agree with scipy.stats' own, which stays the
reference: ours only avoid importing it."""

import numpy as np
import pytest
from scipy import stats

from analytics.effects import distributions as d

X = np.array([-40.0, -3.5, -1.0, 0.0, 0.3, 1.959963984540054, 6.0, 38.0])
Q = np.array([1e-12, 0.001, 0.025, 0.25, 0.5, 0.75, 0.975, 0.999])


def test_normal_matches_scipy_stats() -> None:
    np.testing.assert_allclose(d.norm_sf(X), stats.norm.sf(X), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_ppf(Q), stats.norm.ppf(Q), rtol=1e-14)
    assert d.norm_ppf(0.975) == pytest.approx(1.959963984540054, abs=1e-15)
    assert isinstance(d.norm_sf(2.0), float)


@pytest.mark.parametrize("df", [1, 4, 29, 1000, np.inf])
def test_student_t_matches_scipy_stats(df: float) -> None:
    np.testing.assert_allclose(d.t_sf(X, df), stats.t.sf(X, df), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.t_ppf(Q[1:-1], df), stats.t.ppf(Q[1:-1], df), rtol=1e-10)


@pytest.mark.parametrize("df", [1, 3, 12])
def test_chi_square_tail_matches_scipy_stats(df: int) -> None:
    x = np.array([0.0, 0.5, 3.0, 7.81, 40.0])
    np.testing.assert_allclose(d.chi2_sf(x, df), stats.chi2.sf(x, df), rtol=1e-12)


def test_the_estimators_do_not_import_scipy_stats() -> None:
    # Importing scipy.stats costs half a second of every command-line run.
    import subprocess
    import sys

    code = (
        "import sys, analytics.effects.cs, analytics.effects.sunab, analytics.effects.twfe,"
        " analytics.effects.imputation, analytics.effects.dcdh, analytics.effects.sdid,"
        " analytics.effects.honest; print('scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
