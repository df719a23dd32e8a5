"""Unbalanced panels: Callaway & Sant'Anna with ``unbalanced="keep"`` and the reports of
balancing (issue 16, section 1).

References, computed outside this project and run live here:

* csdid 0.4.3 (a port of R did 2.5.1), ``ATTgt(yname, tname, idname, gname, data,
  control_group, xformla, allow_unbalanced_panel=True).fit(est_method, base_period,
  bstrap=False)`` and ``.aggte(typec, bstrap=False)``, compared to 1e-6 on two kinds of gaps:
  rows missing at random and blocks of consecutive periods missing, both on R did's ``mpdta``
  (tests/reference/cs_mpdta.csv) and on a simulated panel with a time-varying covariate.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.cs import aggte, att_gt
from analytics.effects.reading import read_result
from analytics.effects.sunab import sun_abraham
from analytics.effects.twfe import twfe
from analytics.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference"
TOL = 1e-6
MPDTA = dict(unit="countyreal", time="year", outcome="lemp", treat_time="first.treat")


def missing_at_random(df: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return df.loc[rng.random(len(df)) >= share].reset_index(drop=True)


def missing_in_blocks(df: pd.DataFrame, unit: str, time: str, seed: int) -> pd.DataFrame:
    """A third of the units lose a run of consecutive periods (a park leaving the register
    for a while, a statistics office skipping years)."""
    rng = np.random.default_rng(seed)
    units = df[unit].unique()
    periods = np.sort(df[time].unique())
    losing = rng.choice(units, size=len(units) // 3, replace=False)
    start = dict(zip(losing, rng.integers(0, len(periods) - 1, len(losing)), strict=True))
    length = dict(zip(losing, rng.integers(1, max(2, len(periods) // 2), len(losing)), strict=True))
    position = np.searchsorted(periods, df[time].to_numpy())
    first = df[unit].map(start)
    gone = first.notna() & (position >= first) & (position < first + df[unit].map(length))
    return df.loc[~gone.to_numpy()].reset_index(drop=True)


def simulated(seed: int = 7, n_units: int = 240, n_periods: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(1, n_units + 1), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    cohort = np.repeat(rng.choice([0, 3, 5, 7], n_units, p=[0.4, 0.2, 0.2, 0.2]), n_periods)
    x = rng.normal(size=unit.size) + 0.3 * (cohort > 0)
    treated = (cohort > 0) & (period >= cohort)
    y = (
        rng.normal(size=n_units)[unit - 1]
        + 0.1 * period
        + 0.5 * x
        + treated * (1 + 0.1 * (period - cohort))
        + rng.normal(size=unit.size)
    )
    return pd.DataFrame({"id": unit, "t": period, "g": cohort, "x": x, "y": y})


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cs_mpdta.csv")


@pytest.fixture(scope="module")
def gapped(mpdta) -> dict[str, pd.DataFrame]:
    sim = simulated()
    return {
        "mpdta_random": missing_at_random(mpdta, 0.1, seed=1),
        "mpdta_blocks": missing_in_blocks(mpdta, "countyreal", "year", seed=2),
        "sim_random": missing_at_random(sim, 0.15, seed=3),
        "sim_blocks": missing_in_blocks(sim, "id", "t", seed=4),
    }


COLUMNS = {
    "mpdta": dict(MPDTA, covariate="lpop"),
    "sim": dict(unit="id", time="t", outcome="y", treat_time="g", covariate="x"),
}


def _csdid(data, columns, *, control, covariates, est, base):
    from csdid.att_gt import ATTgt

    formula = f"{columns['outcome']}~{'+'.join(covariates)}" if covariates else None
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return ATTgt(
            yname=columns["outcome"],
            gname=columns["treat_time"],
            idname=columns["unit"],
            tname=columns["time"],
            data=data,
            control_group="nevertreated" if control == "never" else "notyettreated",
            xformla=formula,
            allow_unbalanced_panel=True,
        ).fit(est_method=est, base_period=base, bstrap=False)


def _csdid_aggte(ref, kind: str) -> dict:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref.aggte(typec=kind, bstrap=False)
    return ref.atte


CASES = list(
    itertools.product(
        ("mpdta_random", "mpdta_blocks", "sim_random", "sim_blocks"),
        ("never", "notyet"),
        ("dr", "ipw", "reg"),
        (False, True),
    )
)


@pytest.mark.parametrize(("panel", "control", "est_method", "with_covariate"), CASES)
def test_unbalanced_matches_csdid(gapped, panel, control, est_method, with_covariate):
    data = gapped[panel]
    columns = COLUMNS[panel.split("_")[0]]
    covariates = (columns["covariate"],) if with_covariate else ()
    keys = {k: columns[k] for k in ("unit", "time", "outcome", "treat_time")}
    ours = att_gt(
        data,
        **keys,
        control=control,
        est_method=est_method,
        covariates=covariates,
        unbalanced="keep",
    )
    ref = _csdid(
        data, columns, control=control, covariates=covariates, est=est_method, base="varying"
    )
    # The gaps are real: the estimator kept every unit and every observed row.
    assert ours.n_units == data[keys["unit"]].nunique()
    assert ours.n_obs == len(data)
    np.testing.assert_array_equal(ours.att_gt["group"], ref.results["group"])
    np.testing.assert_array_equal(ours.att_gt["time"], ref.results["year"])
    np.testing.assert_allclose(
        ours.att_gt["estimate"], np.asarray(ref.results["att"], float), atol=TOL, rtol=0
    )
    np.testing.assert_allclose(
        ours.att_gt["se"], np.asarray(ref.results["se"], float), atol=TOL, rtol=0
    )
    for kind in ("simple", "dynamic", "group", "calendar"):
        expected = _csdid_aggte(ref, kind)
        agg = aggte(ours, kind)
        assert agg.estimate == pytest.approx(expected["overall_att"], abs=TOL)
        assert agg.se == pytest.approx(expected["overall_se"], abs=TOL)
        if kind != "simple":
            np.testing.assert_allclose(agg.table["estimate"], expected["att_egt"], atol=TOL)
            np.testing.assert_allclose(
                agg.table["se"], np.asarray(expected["se_egt"], float), atol=TOL
            )


@pytest.mark.parametrize("panel", ["mpdta_random", "sim_blocks"])
def test_universal_base_period_matches_csdid(gapped, panel):
    data = gapped[panel]
    columns = COLUMNS[panel.split("_")[0]]
    keys = {k: columns[k] for k in ("unit", "time", "outcome", "treat_time")}
    ours = att_gt(data, **keys, base_period="universal", unbalanced="keep")
    ref = _csdid(data, columns, control="never", covariates=(), est="dr", base="universal")
    np.testing.assert_allclose(
        ours.att_gt["estimate"], np.asarray(ref.results["att"], float), atol=TOL, rtol=0
    )
    expected = _csdid_aggte(ref, "dynamic")
    agg = aggte(ours, "dynamic")
    np.testing.assert_allclose(agg.table["estimate"], expected["att_egt"], atol=TOL)
    assert agg.se == pytest.approx(expected["overall_se"], abs=TOL)


def test_keep_on_a_balanced_panel_is_the_panel_estimator(mpdta):
    kept = att_gt(mpdta, **MPDTA, unbalanced="keep", covariates=("lpop",))
    balanced = att_gt(mpdta, **MPDTA, covariates=("lpop",))
    np.testing.assert_array_equal(kept.att_gt["estimate"], balanced.att_gt["estimate"])
    assert kept.sample.n_dropped == 0 and kept.sample.mode == "keep"


def test_keep_bootstraps_a_uniform_band(gapped):
    data = gapped["mpdta_random"]
    result = att_gt(data, **MPDTA, unbalanced="keep", bootstrap=199, seed=3)
    assert result.uniform_band and np.isfinite(result.crit_val) and result.crit_val > 1.96
    assert np.isfinite(result.att_gt["ci_low"]).all()


def test_unknown_unbalanced_option_is_refused(mpdta):
    with pytest.raises(ValueError, match="'balance', 'keep'"):
        att_gt(mpdta, **MPDTA, unbalanced="fill")


# --- Balancing says whom it dropped ------------------------------------------------------------


def test_balancing_reports_dropped_units_by_kind(gapped):
    data = gapped["mpdta_blocks"]
    cohorts = data.groupby("countyreal")["first.treat"].first()
    complete = data.groupby("countyreal").size() == data["year"].nunique()
    incomplete = cohorts[~complete]
    result = att_gt(data, **MPDTA)
    sample = result.sample
    assert sample.n_units_input == data["countyreal"].nunique() == 500
    assert sample.n_units_used == int(complete.sum()) == result.n_units
    counts = sample.to_dict()
    assert counts["total"] == len(incomplete)
    assert counts["never_treated"] == int((incomplete == 0).sum())
    assert counts["treated_by_cohort"] == {
        str(g): int(n) for g, n in incomplete[incomplete > 0].value_counts().sort_index().items()
    }
    assert counts["by_reason"] == {"unbalanced": len(incomplete)}
    text = result.warnings_in("en")
    assert any(
        f"Balancing the panel dropped {len(incomplete)} of 500 units" in w
        and f"{int((incomplete == 0).sum())} never treated" in w
        for w in text
    )
    # The aggregations carry the same report.
    assert aggte(result, "dynamic").sample.to_dict() == counts


def _issue_panel(n_never: int = 1_000, n_treated: int = 60, periods: int = 12) -> pd.DataFrame:
    """Every never-treated unit misses one period; the treated ones are complete."""
    sim = simulated(seed=11, n_units=n_never + n_treated, n_periods=periods)
    ids = np.arange(1, n_never + n_treated + 1)
    cohort = np.where(ids <= n_never, 0, np.where(ids % 2, 5, 8))
    sim["g"] = cohort[sim["id"] - 1]
    hole = (sim["g"] == 0) & (sim["t"] == 1 + sim["id"] % periods)
    return sim.loc[~hole].reset_index(drop=True)


def test_error_names_the_dropped_never_treated_units():
    data = _issue_panel()
    with pytest.raises(UserError) as info:
        att_gt(data, unit="id", time="t", outcome="y", treat_time="g", control="never")
    assert info.value.key == "effects_modern.never_dropped_incomplete"
    assert str(info.value).startswith("All 1,000 never-treated units were dropped as incomplete")
    assert "--unbalanced keep" in str(info.value)
    assert "1\xa0000" in info.value.message("ru")  # counts in the reader's locale
    kept = att_gt(
        data, unit="id", time="t", outcome="y", treat_time="g", control="never", unbalanced="keep"
    )
    assert kept.n_units == 1_060 and np.isfinite(kept.se)


def test_error_names_the_dropped_treated_units():
    data = simulated(n_units=100)
    n_treated = data.loc[data["g"] > 0, "id"].nunique()
    data = data.loc[~((data["g"] > 0) & (data["t"] == 2))]
    with pytest.raises(UserError) as info:
        att_gt(data, unit="id", time="t", outcome="y", treat_time="g", control="notyet")
    assert info.value.key == "effects_modern.treated_dropped_incomplete"
    assert f"All {n_treated} treated units were dropped as incomplete" in str(info.value)


def test_result_on_a_sliver_of_the_units_draws_no_conclusion():
    """The issue's case: balancing leaves a handful of units; the reading only warns."""
    data = _issue_panel(n_never=400, n_treated=300)
    treated_ids = data.loc[data["g"] > 0, "id"].unique()
    # All but ten treated units lose a period too, so balancing keeps 10 of 700 units.
    hole = data["id"].isin(treated_ids[10:]) & (data["t"] == 3)
    data = data.loc[~hole]
    result = aggte(
        att_gt(data, unit="id", time="t", outcome="y", treat_time="g", control="notyet"), "simple"
    )
    assert result.sample.n_units_used == 10 and result.sample.share_used < 0.05
    for lang in ("en", "ru", "uk"):
        reading = read_result(result, lang)
        start = {"en": "No conclusion", "ru": "Вывода нет", "uk": "Висновку немає"}[lang]
        assert reading.startswith(start)
    assert "10 of 700 units" in read_result(result, "en")


def test_twfe_and_sun_abraham_say_the_panel_is_unbalanced(gapped):
    data = gapped["sim_random"]
    missing = 240 * 9 - len(data)
    for result in (
        twfe(data, unit="id", time="t", outcome="y", treat_time="g"),
        sun_abraham(data, unit="id", time="t", outcome="y", treat_time="g"),
    ):
        assert any(
            w.startswith("The panel is unbalanced") and f"({missing} unit-periods" in w
            for w in result.warnings
        ), result.warnings
        assert result.sample.n_missing_cells == missing
        assert any("несбалансирована" in w for w in result.warnings_in("ru"))
    balanced = twfe(simulated(), unit="id", time="t", outcome="y", treat_time="g")
    assert not any("unbalanced" in w for w in balanced.warnings)


# --- Command line ------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "effects", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_unbalanced_keep_and_dropped_json(tmp_path, gapped):
    path = tmp_path / "gapped.csv"
    gapped["mpdta_blocks"].to_csv(path, index=False)
    common = ["--data", str(path), "--unit", "countyreal", "--time", "year", "--outcome", "lemp"]
    common += ["--treat-time", "first.treat", "--method", "cs", "--json"]
    kept = _cli(*common, "--unbalanced", "keep")
    assert kept.returncode == 0, kept.stderr
    out = json.loads(kept.stdout)
    ref = _csdid(
        gapped["mpdta_blocks"],
        COLUMNS["mpdta"],
        control="never",
        covariates=(),
        est="dr",
        base="varying",
    )
    expected = _csdid_aggte(ref, "simple")
    assert out["estimate"] == pytest.approx(expected["overall_att"], abs=TOL)
    assert out["se"] == pytest.approx(expected["overall_se"], abs=TOL)
    assert out["dropped"]["total"] == 0 and out["dropped"]["unbalanced"] == "keep"

    balanced = json.loads(_cli(*common).stdout)
    assert balanced["dropped"]["total"] > 0
    assert set(balanced["dropped"]) >= {
        "never_treated",
        "not_yet_treated",
        "treated",
        "treated_by_cohort",
        "n_units_used",
    }
    assert balanced["n_units"] == balanced["dropped"]["n_units_used"]

    bad = _cli(*common, "--unbalanced", "fill")
    assert bad.returncode != 0 and "--unbalanced" in bad.stderr and "Traceback" not in bad.stderr
