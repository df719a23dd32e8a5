"""Augmented synthetic control (ridge ASCM) with conformal inference, against augsynth-py.

Reference, computed outside this project: augsynth-py 0.6.0 (MIT; a Python implementation of
R augsynth's ridge ASCM and of Chernozhukov, Wüthrich & Zhu's conformal inference, validated by
its authors against R augsynth), run live in these tests on:

* California's Proposition 99 (packs per capita, 1970-2000, 38 control states), the panel
  shipped in synthdid-py 0.1.0's wheel (BSD-3), as tests/effects/test_sdid.py uses it;
* West German reunification (ADH 2015; tests/fixtures/reference_data/germany.csv).

Calls: ``AugSynth(fixedeff=..., lambda_=L).fit(panel, unit=, time=, outcome=, treated=,
treatment_time=)`` -> ``att_``, ``weights_``, ``scm_weights_``, ``augmentation_weights_``,
``synthetic_``, ``l2_imbalance_``, ``scaled_l2_imbalance_``; ``AugSynth(lambda_grid=G)`` ->
``lambda_cv_path_`` (total leave-one-period-out error per lambda); ``conformal_pvalue(fit, h0)``
and ``conformal_interval(fit)`` (moving blocks, 100-point grid). augsynth-py solves the simplex
QP with Clarabel at its default tolerance (1e-8), which leaves the weights about 1e-6 off the
exact optimum our active-set solver finds; the tests tighten Clarabel's tolerances to 1e-14
(``_exact_peer``) so that the two agree to 1e-6 and a real difference would show.

R augsynth's rule for choosing the ridge penalty (largest lambda within one standard error of
the smallest mean error; ``choose_lambda`` in R/ridge.R) is checked on the fold errors, whose
sum over all pre-periods is augsynth-py's ``lambda_cv_path_``.
"""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from analytics.effects.ascm import augmented_synthetic_control
from analytics.effects.ascm_conformal import ConformalTest
from analytics.effects.ascm_fit import centred, fold_errors, lambda_grid, unit_demeaned
from analytics.effects.reading import read_result
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, fmt_number, t

augsynth = pytest.importorskip("augsynth_py")
sd = pytest.importorskip("synthdid")
pl = pytest.importorskip("polars")
cp = pytest.importorskip("cvxpy")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "reference_data"
TOL = 1e-6
PROP99 = dict(unit="State", time="Year", outcome="PacksPerCapita")
PROP99_TREATED = dict(treated_unit="California", treatment_start=1989)
GERMANY = dict(unit="country", time="year", outcome="gdp")
GERMANY_TREATED = dict(treated_unit="West Germany", treatment_start=1990)


def test_augsynth_py_is_the_version_the_references_were_checked_with():
    from importlib.metadata import version

    assert version("augsynth-py") == "0.6.0"


@contextlib.contextmanager
def _exact_peer():
    """augsynth-py with Clarabel solving its simplex QP to 1e-14 (see the module docstring)."""
    solve = cp.Problem.solve

    def tight(problem, *args, **kwargs):
        if kwargs.get("solver") == cp.CLARABEL:
            kwargs.update(tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14, max_iter=500)
        return solve(problem, *args, **kwargs)

    with mock.patch.object(cp.Problem, "solve", tight), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its CV-at-the-grid-edge and post-dominated notes
        yield


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return sd.load_california_prop99()


@pytest.fixture(scope="module")
def germany() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "germany.csv")


def _peer(df, columns, treated, **options):
    panel = pl.from_pandas(df[[columns["unit"], columns["time"], columns["outcome"]]])
    with _exact_peer():
        return augsynth.AugSynth(**options).fit(
            panel,
            **columns,
            treated=treated["treated_unit"],
            treatment_time=treated["treatment_start"],
        )


def _matrix(df, columns, treated):
    wide = df.pivot(index=columns["time"], columns=columns["unit"], values=columns["outcome"])
    donors = [c for c in wide.columns if c != treated["treated_unit"]]
    y = wide[[treated["treated_unit"], *donors]].to_numpy(dtype=float)
    return y, wide.index.to_numpy() < treated["treatment_start"], donors


@pytest.mark.parametrize("fixedeff", [True, False])
@pytest.mark.parametrize("dataset", ["prop99", "germany"])
def test_fit_matches_augsynth_py(request, dataset, fixedeff):
    df = request.getfixturevalue(dataset)
    columns, treated = (
        (PROP99, PROP99_TREATED) if dataset == "prop99" else (GERMANY, GERMANY_TREATED)
    )
    result = augmented_synthetic_control(df, **columns, **treated, fixedeff=fixedeff)
    peer = _peer(df, columns, treated, fixedeff=fixedeff, lambda_=result.ridge_lambda)
    scale = float(df[columns["outcome"]].abs().max())  # GDP per capita runs to 30,000
    assert result.estimate == pytest.approx(peer.att_, abs=TOL * scale)
    donors = list(result.weights.index)
    for ours, theirs in (
        (result.weights, peer.weights_),
        (result.scm_weights, peer.scm_weights_),
        (result.ridge_weights, peer.augmentation_weights_),
    ):
        np.testing.assert_allclose(ours.to_numpy(), [theirs[d] for d in donors], atol=TOL)
    np.testing.assert_allclose(result.gaps["synthetic"], peer.synthetic_, atol=TOL * scale)
    assert result.l2_imbalance == pytest.approx(peer.l2_imbalance_, rel=TOL)
    assert result.scaled_l2_imbalance == pytest.approx(peer.scaled_l2_imbalance_, rel=TOL)
    assert result.scm_weights.sum() == pytest.approx(1) and result.ridge_weights.sum() == (
        pytest.approx(0, abs=1e-9)
    )
    assert (result.scm_weights >= 0).all() and (result.weights < 0).any()


def test_ridge_penalty_is_chosen_by_r_augsynths_rule(prop99):
    y, pre, _ = _matrix(prop99, PROP99, PROP99_TREATED)
    result = augmented_synthetic_control(prop99, **PROP99, **PROP99_TREATED, fixedeff=False)
    path = result.lambda_path
    demeaned, _ = unit_demeaned(y, pre, False)
    y1, y0 = centred(demeaned[pre, 0], demeaned[pre, 1:])
    grid = lambda_grid(y0)
    np.testing.assert_allclose(path["lambda"], grid, rtol=1e-12)
    # 21 values from the largest squared singular value down to 1e-8 of it (R/ridge.R).
    assert grid.size == 21 and grid[-1] / grid[0] == pytest.approx(1e-8)
    assert grid[0] == pytest.approx(np.linalg.svd(y0, compute_uv=False)[0] ** 2)
    # The fold errors over every pre-period add up to augsynth-py's leave-one-out path ...
    errors = fold_errors(y1, y0, grid, folds=y1.size)
    peer = _peer(prop99, PROP99, PROP99_TREATED, fixedeff=False, lambda_grid=grid)
    np.testing.assert_allclose(errors.sum(axis=0), peer.lambda_cv_path_[:, 1], rtol=TOL)
    # ... and R holds out all but the last, choosing the largest lambda within one SE.
    held_out = errors[:-1]
    mean = held_out.mean(axis=0)
    se = held_out.std(axis=0, ddof=1) / math.sqrt(held_out.shape[0])
    np.testing.assert_allclose(path["cv_error"], mean, rtol=1e-12)
    np.testing.assert_allclose(path["cv_error_se"], se, rtol=1e-12)
    best = int(np.argmin(mean))
    within = grid[mean <= mean[best] + se[best]]
    assert result.ridge_lambda == within.max() and result.lambda_chosen_by == "cv"
    assert result.ridge_lambda > grid[best]  # the 1-SE rule picks a smoother fit here


@pytest.mark.parametrize("fixedeff", [True, False])
def test_conformal_p_values_match_augsynth_py(prop99, fixedeff):
    result = augmented_synthetic_control(prop99, **PROP99, **PROP99_TREATED, fixedeff=fixedeff)
    peer = _peer(prop99, PROP99, PROP99_TREATED, fixedeff=fixedeff, lambda_=result.ridge_lambda)
    y, pre, _ = _matrix(prop99, PROP99, PROP99_TREATED)
    test = ConformalTest(y, ~pre, result.ridge_lambda, fixedeff)
    for h0 in (0.0, result.estimate, -40.0, 25.0):
        with _exact_peer():
            expected = augsynth.conformal_pvalue(peer, h0)
            residuals = peer.conformal_null_residuals(h0)
        assert test.p_value(h0) == expected
        # augsynth-py subtracts the ridge fit from the SCM residual, which loses digits when
        # the ridge nearly interpolates (fixedeff: lambda 4e-4, 38 donors, 31 periods); we
        # apply lambda (Y0 Y0' + lambda I)^-1 instead. Agreement to 1e-8 of the outcome's scale.
        np.testing.assert_allclose(test.residuals(h0), residuals, atol=1e-8 * y.max())
    with _exact_peer():
        assert result.p_value == augsynth.conformal_pvalue(peer, 0.0)


def test_bounded_interval_matches_augsynth_py(prop99):
    """At the largest penalty of the grid the ridge step is light and the interval bounded."""
    y, pre, _ = _matrix(prop99, PROP99, PROP99_TREATED)
    demeaned, _ = unit_demeaned(y, pre, False)
    largest = float(lambda_grid(centred(demeaned[pre, 0], demeaned[pre, 1:])[1])[0])
    result = augmented_synthetic_control(
        prop99, **PROP99, **PROP99_TREATED, fixedeff=False, ridge_lambda=largest
    )
    peer = _peer(prop99, PROP99, PROP99_TREATED, fixedeff=False, lambda_=largest)
    with _exact_peer():
        low, high = augsynth.conformal_interval(peer)
    assert result.interval_status == "bounded" and result.lambda_chosen_by == "given"
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=TOL)
    assert result.ci_low < 0 < result.ci_high and result.p_value > result.alpha
    assert 0 < result.grid_step < (high - low) / 10


def test_unbounded_interval_is_reported_as_such(prop99):
    """With the penalty R's rule chooses, the refit reproduces any constant shift: augsynth-py
    accepts every null it tries, however far (its interval widens until it gives up)."""
    result = augmented_synthetic_control(prop99, **PROP99, **PROP99_TREATED)
    peer = _peer(prop99, PROP99, PROP99_TREATED, fixedeff=True, lambda_=result.ridge_lambda)
    with _exact_peer():
        far = [augsynth.conformal_pvalue(peer, h0) for h0 in (-1e6, 1e6)]
    assert far == [result.p_value_infinity] * 2 and result.p_value_infinity > result.alpha
    assert result.interval_status == "unbounded"
    assert (result.ci_low, result.ci_high) == (-math.inf, math.inf)
    assert "effects_ascm.warn_unbounded" in {key for key, _ in result.warning_codes}
    for lang in LANGUAGES:
        assert read_result(result, lang) == t("effects_ascm.read_unbounded", lang)


def test_contract_json_tidy_and_reading(prop99):
    result = augmented_synthetic_control(
        prop99, **PROP99, **PROP99_TREATED, fixedeff=False, ridge_lambda=5e5
    )
    out = result.to_dict()
    json.dumps(out)
    assert out["method"] == "ascm" and out["ci_method"] == result.ci_method
    assert set(out["weights"]) == set(prop99["State"]) - {"California"}
    assert out["diagnostics"]["ridge_lambda"] == 5e5
    assert out["diagnostics"]["conformal_p_value"] == result.p_value
    assert out["diagnostics"]["pre_rmspe"] == pytest.approx(result.pre_rmspe)
    assert len(out["gaps"]) == 31 and out["interval_status"] == "bounded"
    tidy = result.tidy()
    assert tidy.loc[0, "estimate"] == result.estimate
    assert tidy["term"].iloc[1] == "gap[1989]" and len(tidy) == 13
    assert result.glance().loc[0, "ridge_lambda"] == 5e5
    assert math.isnan(result.se)
    for lang in LANGUAGES:
        p = "= " + fmt_number(result.p_value, lang, 3)
        assert t("effects_ascm.read_conformal", lang, p=p) in read_result(result, lang)


def test_refusals(prop99):
    with pytest.raises(ValueError, match="ridge_lambda must be a positive number"):
        augmented_synthetic_control(prop99, **PROP99, **PROP99_TREATED, ridge_lambda=0.0)
    with pytest.raises(UserError) as info:
        augmented_synthetic_control(prop99, **PROP99, treated_unit="Narnia", treatment_start=1989)
    assert info.value.key == "synth.treated_unit_missing"
    with pytest.raises(UserError) as info:
        augmented_synthetic_control(
            prop99, **PROP99, treated_unit="California", treatment_start=1971
        )
    assert info.value.key == "synth.too_few_pre_periods"


def _cli(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, "effects", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_ascm_json(tmp_path, prop99):
    path = tmp_path / "prop99.csv"
    prop99.to_csv(path, index=False)
    done = _cli("--data", str(path), "--unit", "State", "--time", "Year",
                "--outcome", "PacksPerCapita", "--treated", "treated", "--method", "ascm",
                "--fixedeff", "no", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    peer = _peer(prop99, PROP99, PROP99_TREATED, fixedeff=False, lambda_=out["ridge_lambda"])
    assert out["method"] == "ascm" and out["treated_unit"] == "California"
    assert out["estimate"] == pytest.approx(peer.att_, abs=TOL)
    assert out["weights"] == pytest.approx(peer.weights_, abs=TOL)
    assert out["lambda_chosen_by"] == "cv" and len(out["lambda_path"]) == 21
    assert out["interval_status"] == "unbounded" and out["ci_low"] is None
    assert {"dropped", "warnings", "p_value", "ci_method", "gaps"} <= set(out)


def test_cli_ascm_errors_are_one_line(tmp_path, prop99):
    path = tmp_path / "prop99.csv"
    prop99.assign(first=np.where(prop99["State"].isin(["California", "Utah"]), 1989, 0)).to_csv(
        path, index=False
    )
    base = ["--data", str(path), "--unit", "State", "--time", "Year", "--outcome",
            "PacksPerCapita", "--method", "ascm"]  # fmt: skip
    done = _cli(*base, "--treat-time", "first", lang="ru")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    message = UserError("effects_agreement.needs_one_treated", n=2).message("ru")
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = _cli(*base, "--treated-unit", "California", "--treatment-start", "1989",
                "--ridge-lambda", "-1")  # fmt: skip
    assert done.returncode != 0 and "--ridge-lambda" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


BIG_PARK = "XD-P021"


def test_park_effect_by_ascm_matches_augsynth_py_on_the_parks_panel(demo_db):
    import duckdb

    from analytics.effects.park_panel import park_panel
    from analytics.effects.parks import park_effect

    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="ascm", park_id=BIG_PARK)
        panel = park_panel(con, outcome="employment", method="ascm", park_id=BIG_PARK)
    result = effect.augmented
    assert result is not None and effect.method == "ascm" and effect.synthetic is None
    columns = dict(unit="unit", time="quarter", outcome="value")
    treated = dict(treated_unit=panel.sc_unit, treatment_start=panel.sc_start)
    peer = _peer(panel.data, columns, treated, fixedeff=True, lambda_=result.ridge_lambda)
    assert effect.estimate == pytest.approx(peer.att_, abs=TOL)
    assert effect.ci_method == result.ci_method and effect.p_value == result.p_value
    sheets = effect.tables()
    assert {"gaps", "donor_weights"} <= set(sheets)
    json.dumps(effect.to_dict())
    for lang in LANGUAGES:
        assert effect.reading(lang)
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "park-effect", "--db", str(demo_db), "--outcome",
         "employment", "--method", "ascm", "--park", BIG_PARK, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["estimate"] == pytest.approx(effect.estimate, abs=1e-12)
    missing = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "park-effect", "--db", str(demo_db),
         "--outcome", "employment", "--method", "ascm"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert missing.returncode != 0 and "--park" in missing.stderr
