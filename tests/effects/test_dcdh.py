"""de Chaisemartin-D'Haultfoeuille DID_l for treatments that switch off (issue 16, section 2).

References, all computed outside this project:

* py_did_multiplegt_dyn 0.1.9 run live, the Python port of DIDmultiplegtDYN by the package's
  team: ``DidMultiplegtDyn(df, outcome, group, time, treatment, effects=L, placebo=K,
  cluster=...).fit()``, its ``result["mat_res_XX"]`` rows (effects 1..L, the average total
  effect, placebos 1..K; columns estimate and standard error), compared to 1e-10. The release
  calls ``polars.count()`` without arguments, which polars 2 removed; the fixture below lends it
  ``polars.len()`` for that call while the peer runs (nothing else changes).
* The package's documented example (README of chaisemartinPackages/did_multiplegt_dyn):
  ``did_multiplegt_dyn(favara_imbs, "Dl_vloans_b", "county", "year", "inter_bra", effects = 8,
  placebo = 3, cluster = "state_n")`` on Favara & Imbs (2015) bank deregulation data, shipped in
  the moderndid 0.2.0 wheel (read here, not copied); the README prints no numbers, so it is run
  live with the peer.
* DID_{g,l} written out from equation (3) of de Chaisemartin & D'Haultfoeuille (2024) with
  numpy loops, for the point estimates.

moderndid 0.2.0's ``did_multiplegt`` is not used as a reference: on a panel whose units switch
back it gives other point estimates than both the definition and the authors' port.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.dcdh import dcdh
from analytics.effects.reading import read_result

pl = pytest.importorskip("polars")
peer = pytest.importorskip("did_multiplegt_dyn")
ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-10


@contextlib.contextmanager
def polars_count_shim():
    """``pl.count()`` with no argument means ``pl.len()`` again, for the peer's call only."""
    original = pl.count

    def count(*args, **kwargs):
        return pl.len() if not args and not kwargs else original(*args, **kwargs)

    pl.count = count
    try:
        yield
    finally:
        pl.count = original


def run_peer(data, outcome, group, time, treatment, effects, placebo, cluster=None):
    with polars_count_shim(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = peer.DidMultiplegtDyn(
            pl.from_pandas(data),
            outcome,
            group,
            time,
            treatment,
            effects=effects,
            placebo=placebo,
            cluster=cluster,
        )
        model.fit()
    return np.asarray(model.result["mat_res_XX"])[:, :2]


def on_off_panel(seed: int = 1, n_units: int = 200, n_periods: int = 12) -> pd.DataFrame:
    """Parks that enter the register, leave it, leave and re-enter (the 24/36-month
    exclusions), or enter and leave; effect 1.5 while in the register."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(n_units):
        kind = rng.choice(
            ["never", "in", "out", "in_out", "out_in"], p=[0.3, 0.25, 0.15, 0.15, 0.15]
        )
        d = np.zeros(n_periods, dtype=int)
        if kind == "in":
            d[rng.integers(3, n_periods) :] = 1
        if kind == "out":
            d[:] = 1
            d[rng.integers(3, n_periods) :] = 0
        if kind == "in_out":
            start = rng.integers(3, n_periods - 3)
            d[start : start + rng.integers(1, 4)] = 1
        if kind == "out_in":
            d[:] = 1
            start = rng.integers(3, n_periods - 3)
            d[start : start + rng.integers(1, 4)] = 0
        level = rng.normal()
        for t in range(n_periods):
            y = level + 0.1 * t + 1.5 * d[t] + rng.normal()
            rows.append((unit, 2000 + t, d[t], y, unit % 20))
    return pd.DataFrame(rows, columns=["unit", "year", "d", "y", "region"])


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return on_off_panel()


def ours_as_matrix(result, effects, placebo):
    events = result.event_study.set_index("rel_time")
    rows = [events.loc[e, ["estimate", "se"]].to_numpy() for e in range(1, effects + 1)]
    rows.append(np.array([result.estimate, result.se]))
    rows += [events.loc[-k, ["estimate", "se"]].to_numpy() for k in range(1, placebo + 1)]
    return np.vstack(rows)


@pytest.mark.parametrize("cluster", [None, "region"])
def test_matches_py_did_multiplegt_dyn_on_parks_that_switch_off(panel, cluster):
    expected = run_peer(panel, "y", "unit", "year", "d", 4, 2, cluster)
    result = dcdh(
        panel,
        unit="unit",
        time="year",
        outcome="y",
        treatment="d",
        effects=4,
        placebo=2,
        cluster=cluster,
    )
    np.testing.assert_allclose(ours_as_matrix(result, 4, 2), expected, atol=TOL, rtol=0)
    assert result.n_switchers_in > 0 and result.n_switchers_out > 0


def test_matches_the_package_example_favara_imbs():
    md_data = pytest.importorskip("moderndid.core.data")
    data = md_data.load_favara_imbs()
    data = data.to_pandas() if hasattr(data, "to_pandas") else data
    expected = run_peer(data, "Dl_vloans_b", "county", "year", "inter_bra", 8, 3, "state_n")
    result = dcdh(
        data,
        unit="county",
        time="year",
        outcome="Dl_vloans_b",
        treatment="inter_bra",
        effects=8,
        placebo=3,
        cluster="state_n",
    )
    np.testing.assert_allclose(ours_as_matrix(result, 8, 3), expected, atol=TOL, rtol=0)


def test_point_estimates_follow_the_definition(panel):
    y = panel.pivot(index="unit", columns="year", values="y").to_numpy()
    d = panel.pivot(index="unit", columns="year", values="d").to_numpy()
    n_units, n_periods = y.shape
    first = np.full(n_units, np.inf)
    sign = np.zeros(n_units)
    for g in range(n_units):
        changes = np.flatnonzero(np.diff(d[g]) != 0)
        if len(changes):
            first[g] = changes[0] + 1
            sign[g] = np.sign(d[g, changes[0] + 1] - d[g, 0])
    baseline = d[:, 0]
    last = {b: np.where(np.isinf(first), n_periods, first)[baseline == b].max() - 1 for b in (0, 1)}
    result = dcdh(panel, unit="unit", time="year", outcome="y", treatment="d", effects=4)
    for horizon in range(1, 5):
        did = []
        for g in np.flatnonzero(np.isfinite(first)):
            f, t = int(first[g]), int(first[g]) - 1 + horizon
            if t > last[baseline[g]]:
                continue
            controls = (baseline == baseline[g]) & (first > t)
            change = y[g, t] - y[g, f - 1]
            did.append(sign[g] * (change - (y[controls, t] - y[controls, f - 1]).mean()))
        row = result.event_study.set_index("rel_time").loc[horizon]
        assert row["estimate"] == pytest.approx(np.mean(did), abs=1e-12)
        assert row["n_switchers"] == len(did)


def test_recovers_the_effect_of_leaving_the_register():
    """Parks all in the register at first, some leave for good: DID_l estimates the effect of
    being in it (sign turned), 1.5 here."""
    rng = np.random.default_rng(7)
    rows = []
    for unit in range(300):
        leaves = rng.integers(4, 10) if unit % 2 else 99
        for t in range(10):
            status = int(t < leaves)
            rows.append((unit, t, status, rng.normal() + 0.2 * t + 1.5 * status))
    data = pd.DataFrame(rows, columns=["park", "quarter", "in_register", "jobs"])
    result = dcdh(
        data,
        unit="park",
        time="quarter",
        outcome="jobs",
        treatment="in_register",
        effects=3,
        placebo=2,
    )
    assert result.n_switchers_out == 150 and result.n_switchers_in == 0
    for row in result.event_study.itertuples():
        truth = 1.5 if row.rel_time > 0 else 0.0
        assert abs(row.estimate - truth) < 4 * row.se
    assert abs(result.estimate - 1.5) < 4 * result.se


def test_contract_and_reading(panel):
    result = dcdh(panel, unit="unit", time="year", outcome="y", treatment="d", effects=3, placebo=2)
    tidy = result.tidy()
    assert tidy["term"].tolist()[:2] == ["avg_total_effect", "effect::1"]
    assert "placebo::2" in set(tidy["term"])
    assert result.diagnostics.pretrend.df == 2
    assert result.glance().loc[0, "ci_method"].startswith("normal, cohort-demeaned")
    json.dumps(result.to_dict())
    for lang in ("ru", "uk", "en"):
        assert "{" not in read_result(result, lang)


def test_bad_input_is_explained(panel):
    with pytest.raises(ValueError, match="'status' is not in the data"):
        dcdh(panel, unit="unit", time="year", outcome="y", treatment="status")
    flat = panel.assign(d=0)
    with pytest.raises(ValueError, match="no effect can be estimated"):
        dcdh(flat, unit="unit", time="year", outcome="y", treatment="d")
    with pytest.raises(ValueError, match="non-negative"):
        dcdh(panel.assign(d=-panel["d"]), unit="unit", time="year", outcome="y", treatment="d")


def _cli(tmp_path, panel, *extra):
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    args = ["--data", str(path), "--unit", "unit", "--time", "year", "--outcome", "y", *extra]
    return subprocess.run(
        [sys.executable, "-m", "analytics", "effects", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_json(tmp_path, panel):
    run = _cli(
        tmp_path,
        panel,
        "--method",
        "dcdh",
        "--treated",
        "d",
        "--effects",
        "3",
        "--placebo",
        "1",
        "--cluster",
        "region",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    expected = dcdh(
        panel,
        unit="unit",
        time="year",
        outcome="y",
        treatment="d",
        effects=3,
        placebo=1,
        cluster="region",
    )
    assert payload["method"] == "dcdh"
    assert payload["estimate"] == pytest.approx(expected.estimate, abs=1e-12)
    assert [e["rel_time"] for e in payload["effects"]] == [1, 2, 3]
    assert [e["rel_time"] for e in payload["placebos"]] == [-1]
    assert set(payload["effects"][0]) == {
        "rel_time",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n_switchers",
    }
    assert payload["avg_total_effect"]["se"] == pytest.approx(expected.se, abs=1e-12)
    for key in ("se", "ci_low", "ci_high", "ci_method", "n_units", "n_obs", "warnings"):
        assert key in payload


def test_cli_needs_the_status_column(tmp_path, panel):
    run = _cli(tmp_path, panel, "--method", "dcdh")
    assert run.returncode != 0 and "--treated" in run.stderr and "Traceback" not in run.stderr


def test_cli_reads_a_first_treated_period_as_a_status_that_stays_on(tmp_path):
    """--treat-time alone (as `--method all` takes it): DID_l of the status "treated from
    that period on", the status written out here by hand."""
    from tests.effects.conftest import simulated_staggered

    data = simulated_staggered(n_units=80)
    status = ((data["g"] > 0) & (data["year"] >= data["g"])).astype(int)
    run = _cli(tmp_path, data, "--method", "dcdh", "--treat-time", "g", "--effects", "2",
               "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    expected = dcdh(data.assign(d=status), unit="unit", time="year", outcome="y",
                    treatment="d", effects=2)  # fmt: skip
    payload = json.loads(run.stdout)
    assert payload["estimate"] == pytest.approx(expected.estimate, abs=1e-12)
    assert payload["se"] == pytest.approx(expected.se, abs=1e-12)
    assert payload["n_switchers_out"] == 0
