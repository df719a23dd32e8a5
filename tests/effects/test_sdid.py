"""Synthetic difference-in-differences against outside numbers (issue 16, section 2).

References, computed outside this project:

* Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER), Table 1: synthetic DiD on
  California's Proposition 99 (packs per capita, 1970-2000, 38 control states) = -15.6;
* synthdid-py 0.1.0 (a port of R synthdid; BSD-3 option of the R package's dual licence), run
  live on the Proposition 99 panel shipped in its wheel (``synthdid/data/california_prop99.csv``):
  ``synthdid_estimate(Y, N0, T0)`` -> estimate, ``weights.omega``, ``weights.lambda_``;
  ``placebo_se(estimate, replications, random_state)`` and ``jackknife_se(estimate)``, compared
  to 1e-6 (the same Frank-Wolfe iterations; the placebo draws use the same generator calls).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.reading import read_result
from analytics.effects.sdid import synthetic_did
from analytics.errors import UserError

sd = pytest.importorskip("synthdid")
ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-6
PROP99 = dict(unit="State", time="Year", outcome="PacksPerCapita", treated="treated")


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return sd.load_california_prop99()


@pytest.fixture(scope="module")
def reference(prop99):
    panel = sd.panel_matrices(prop99)
    return panel, sd.synthdid_estimate(panel.Y, panel.N0, panel.T0)


def test_prop99_matches_the_paper_and_synthdid(prop99, reference):
    panel, ref = reference
    result = synthetic_did(prop99, **PROP99, replications=50, seed=1)
    assert round(result.estimate, 1) == -15.6  # AER 2021, Table 1
    assert result.estimate == pytest.approx(float(ref), abs=TOL)
    controls = [str(u) for u in panel.units[: panel.N0]]
    np.testing.assert_allclose(result.weights.loc[controls], ref.weights.omega, atol=TOL)
    np.testing.assert_allclose(result.time_weights.to_numpy(), ref.weights.lambda_, atol=TOL)
    assert result.weights.sum() == pytest.approx(1) and result.time_weights.sum() == pytest.approx(
        1
    )
    expected_se = sd.placebo_se(ref, replications=50, random_state=1)
    assert result.se == pytest.approx(expected_se, abs=TOL)
    assert result.ci_method.startswith("normal, placebo")


def _block_panel(seed: int = 3, n_control: int = 30, n_treated: int = 5, periods: int = 16):
    rng = np.random.default_rng(seed)
    n = n_control + n_treated
    factor = rng.normal(size=periods).cumsum()
    loading = rng.normal(1, 0.5, n)
    y = rng.normal(size=(n, 1)) + np.outer(loading, factor) + rng.normal(0, 0.3, (n, periods))
    y[n_control:, 11:] += 2.0
    frame = pd.DataFrame(
        y, index=[f"u{i:02d}" for i in range(n)], columns=range(2001, 2001 + periods)
    )
    long = frame.stack().rename("y").reset_index()
    long.columns = ["unit", "year", "y"]
    long["g"] = np.where(long["unit"].isin(frame.index[n_control:]), 2012, 0)
    return long, frame


def test_jackknife_matches_synthdid():
    long, frame = _block_panel()
    result = synthetic_did(
        long, unit="unit", time="year", outcome="y", treat_time="g", se_method="jackknife"
    )
    ref = sd.synthdid_estimate(frame.to_numpy(), 30, 11)
    assert result.estimate == pytest.approx(float(ref), abs=TOL)
    assert result.se == pytest.approx(sd.jackknife_se(ref), abs=TOL)
    assert result.ci_method.startswith("normal, fixed-weight jackknife")
    assert abs(result.estimate - 2.0) < 3 * result.se


def test_contract_json_and_reading(prop99):
    result = synthetic_did(prop99, **PROP99, replications=20, seed=2)
    out = result.to_dict()
    json.dumps(out)
    assert {"weights", "time_weights", "ci_method", "sample"} <= set(out)
    assert list(out["time_weights"]) == [str(y) for y in range(1970, 1989)]
    assert result.tidy().iloc[0]["term"] == "ATT"
    assert result.glance().loc[0, "effective_controls"] > 1
    assert not any("cluster-robust" in w for w in result.warnings)
    for lang in ("en", "ru", "uk"):
        assert read_result(result, lang)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ("staggered", "effects_modern.sdid_staggered"),
        ("gap", "effects_modern.sdid_unbalanced"),
        ("jackknife", "effects_modern.sdid_jackknife_one_treated"),
    ],
)
def test_refusals_name_the_cause(prop99, change, key):
    data = prop99.copy()
    options = dict(PROP99)
    if change == "staggered":
        data.loc[(data["State"] == "Nevada") & (data["Year"] >= 1995), "treated"] = 1
    elif change == "gap":
        data = data.iloc[3:]
    else:
        options["se_method"] = "jackknife"
    with pytest.raises(UserError) as info:
        synthetic_did(data, **options)
    assert info.value.key == key


def test_unknown_se_method_is_refused(prop99):
    with pytest.raises(ValueError, match="'placebo', 'jackknife'"):
        synthetic_did(prop99, **PROP99, se_method="bootstrap")


def test_cli_sdid_json(tmp_path, prop99, reference):
    path = tmp_path / "prop99.csv"
    prop99.to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "effects", "--data", str(path)]
        + ["--unit", "State", "--time", "Year", "--outcome", "PacksPerCapita"]
        + ["--treated", "treated", "--method", "sdid", "--replications", "20", "--seed", "4"]
        + ["--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    _, ref = reference
    assert out["method"] == "sdid"
    assert out["estimate"] == pytest.approx(float(ref), abs=TOL)
    assert out["se"] == pytest.approx(sd.placebo_se(ref, replications=20, random_state=4), abs=TOL)
    assert sum(out["weights"].values()) == pytest.approx(1)
    assert set(out["time_weights"]) == {str(y) for y in range(1970, 1989)}
    assert out["ci_method"].startswith("normal, placebo") and "dropped" in out
