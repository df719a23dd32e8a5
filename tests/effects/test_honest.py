"""Honest DiD sensitivity (Rambachan & Roth 2023) against outside numbers (issue 16, section 2).

References, all produced outside this project:

* The HonestDiD R package's documented example (README.md of asheshrambachan/HonestDiD,
  "Example usage - Medicaid expansions"): the event study
  ``fixest::feols(dins ~ i(year, D, ref = 2013) | stfips + year, cluster = "stfips")`` on the
  ehec panel (years < 2016, the 2015 cohort dropped; the data ship in the moderndid 0.2.0 wheel,
  ``moderndid/core/datasets/ehec_data.pkl.gz``, read here, not copied), then
  ``createSensitivityResults_relativeMagnitudes(betahat, sigma, numPrePeriods = 5,
  numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5))`` and
  ``createSensitivityResults(betahat, sigma, 5, 2, Mvec = seq(0, 0.05, by = 0.01))``, as printed
  (three significant digits) in the README from commit 9d01fe1 (2023-04-01) to 9f8379b
  (2023-10-26), whose code (grid, tests, seeds) is that of HonestDiD 0.2.8. The README printed
  since 99e05c7 (2024-03-28) comes from a knitr cache (README_cache/, built with ROI, a
  dependency of older versions) whose bounds are not points of the package's default grid; we
  check it to one grid step (0.00037).
* pyfixest 0.60.0 run live for the event study itself (our Sun-Abraham on one cohort is that
  regression), to 1e-10.
* moderndid 0.2.0 run live (a Python port of HonestDiD): the identified sets
  (``_compute_identified_set_rm_fixed_s``) and the conditional ARP test (hybrid "ARP", no
  simulation, so deterministic) of each polyhedron Delta^RM_{s,sign} on its own grid
  (``_compute_conditional_cs_rm_fixed_s``), and the pieces of the FLCI (``get_min_bias_h``,
  ``minimize_variance``, ``maximize_bias``). moderndid indexes the location of the largest
  pre-period change one below R (its ``s`` = R's ``s - 1``) and skips R's earliest one, so the
  unions are compared polyhedron by polyhedron.
* R 4.x: ``set.seed(0); runif(3)`` prints 0.8966972 0.2655087 0.3721239 and
  ``set.seed(0); rnorm(5)`` 1.2629543 -0.3262334 1.3297993 1.2724293 0.4146414.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.effects.diagnostics import breakdown_mbar
from analytics.effects.honest import (
    event_study_input,
    honest_sensitivity,
    read_sensitivity,
)
from analytics.effects.honest_flci import _Problem, sd_flci
from analytics.effects.honest_rm import (
    _Polyhedron,
    rm_confidence_set,
    rm_constraints,
    rm_identified_set_at,
)
from analytics.effects.honest_rng import r_normals, r_uniforms
from analytics.effects.sunab import sun_abraham
from tests.effects.honest_peers import moderndid_accepts

md_data = pytest.importorskip("moderndid.core.data")
pf = pytest.importorskip("pyfixest")
ROOT = Path(__file__).resolve().parents[2]

# HonestDiD README (commits 9d01fe1..9f8379b): Mbar -> (lb, ub), and M -> (lb, ub).
README_RM = {0.5: (0.0240, 0.0672), 1.0: (0.0170, 0.0720), 1.5: (0.00824, 0.0797)}
README_RM[2.0] = (-0.000916, 0.0881)
README_RM_2024 = {0.5: (0.0241, 0.0673), 1.0: (0.0171, 0.0720), 1.5: (0.00859, 0.0796)}
README_RM_2024[2.0] = (-0.00107, 0.0883)
README_SD = {
    0.00: (0.0259, 0.0607),
    0.01: (0.0132, 0.0787),
    0.02: (0.00286, 0.0907),
    0.03: (-0.00714, 0.101),
    0.04: (-0.0171, 0.111),
    0.05: (-0.0271, 0.121),
}


def half_unit(value: float) -> float:
    """Half a unit in the third significant digit: the rounding of the README's tibbles."""
    return 0.5 * 10 ** (np.floor(np.log10(abs(value))) - 2)


@pytest.fixture(scope="module")
def ehec() -> pd.DataFrame:
    data = md_data.load_ehec()
    data = data.to_pandas() if hasattr(data, "to_pandas") else data
    data = data[(data["year"] < 2016) & (data["yexp2"].isna() | (data["yexp2"] != 2015))].copy()
    data["g"] = data["yexp2"].fillna(0).astype(int)
    data["D"] = (data["g"] == 2014).astype(int)
    return data.reset_index(drop=True)


@pytest.fixture(scope="module")
def event_study(ehec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sun_abraham(
            ehec, unit="stfips", time="year", outcome="dins", treat_time="g", cluster="stfips"
        )


@pytest.fixture(scope="module")
def first_period(event_study):
    """HonestDiD's inputs with the README's default target: the first post-period."""
    return event_study_input(event_study, 0)[0]


def test_r_random_draws():
    np.testing.assert_allclose(r_uniforms(3), [0.8966972, 0.2655087, 0.3721239], atol=5e-8)
    expected = [1.2629543, -0.3262334, 1.3297993, 1.2724293, 0.4146414]
    np.testing.assert_allclose(r_normals(5), expected, atol=5e-8)


def test_event_study_is_the_readme_regression(ehec, first_period):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols(
            "dins ~ i(year, D, ref=2013) | stfips + year", data=ehec, vcov={"CRV1": "stfips"}
        )
    np.testing.assert_allclose(first_period.betahat, model.coef().to_numpy(), atol=1e-10)
    np.testing.assert_allclose(first_period.sigma, model._vcov, atol=1e-12)
    assert (first_period.n_pre, first_period.n_post) == (5, 2)


@pytest.mark.parametrize("mbar", sorted(README_RM))
def test_relative_magnitudes_match_honestdid_readme(first_period, mbar):
    """HonestDiD's own computation: C-LF on 1,000 points of [-20 sd, 20 sd], no refinement."""
    sd = first_period.sd_theta
    cs = rm_confidence_set(first_period, mbar, grid=(-20 * sd, 20 * sd), refine=False)
    lb, ub = README_RM[mbar]
    assert cs.lb == pytest.approx(lb, abs=half_unit(lb))
    assert cs.ub == pytest.approx(ub, abs=half_unit(ub))
    lb24, ub24 = README_RM_2024[mbar]
    step = 40 * sd / 999
    assert abs(cs.lb - lb24) <= step + half_unit(lb24)
    assert abs(cs.ub - ub24) <= step + half_unit(ub24)


def test_default_sets_refine_the_package_grid(first_period):
    """Centred grid and refined ends: within one step of HonestDiD's grid, never narrower by
    more than a step."""
    sd = first_period.sd_theta
    step = 40 * sd / 999
    for mbar in (0.5, 2.0):
        package = rm_confidence_set(first_period, mbar, grid=(-20 * sd, 20 * sd), refine=False)
        ours = rm_confidence_set(first_period, mbar)
        assert package.lb - step <= ours.lb <= package.lb + 1e-12
        assert package.ub - 1e-12 <= ours.ub <= package.ub + step


@pytest.mark.parametrize("m", sorted(README_SD))
def test_smoothness_flci_matches_honestdid_readme(first_period, m):
    flci = sd_flci(first_period, m)
    lb, ub = README_SD[m]
    # 2e-6 beyond the rounding: the package solves the M = 0 interval with a conic solver at
    # the edge of its feasible set (its lower bound prints 0.0259; the exact one is 0.0259513).
    assert flci.lb == pytest.approx(lb, abs=half_unit(lb) + 2e-6)
    assert flci.ub == pytest.approx(ub, abs=half_unit(ub) + 2e-6)


def test_identified_sets_match_moderndid(first_period):
    from moderndid.didhonest.delta.rm.rm import _compute_identified_set_rm_fixed_s

    for mbar in (0.0, 0.5, 1.0, 2.0):
        for s in range(-4, 0):  # moderndid's s; R's is s + 1
            for positive in (True, False):
                theirs = _compute_identified_set_rm_fixed_s(
                    s, mbar, positive, first_period.betahat, first_period.l_vec, 5, 2
                )
                ours = rm_identified_set_at(first_period, mbar, s + 1, positive)
                assert ours == pytest.approx((theirs.id_lb, theirs.id_ub), abs=1e-9)


@pytest.mark.parametrize(("l_vec", "mbar"), [((1.0, 0.0), 0.5), ((0.5, 0.5), 2.0)])
def test_conditional_test_matches_moderndid_point_by_point(first_period, l_vec, mbar):
    """moderndid's ``lp_conditional_test`` (hybrid "ARP") at every tested theta of every
    polyhedron. (moderndid's own confidence sets search their edges by bisection assuming the
    accepted thetas are contiguous; at Mbar = 0.5 one theta inside is rejected by both tests,
    where two vertices of the dual tie, which HonestDiD's full grid also sees.)"""
    study = event_study_input_like(first_period, np.array(l_vec))
    fine = np.linspace(-0.05, 0.15, 1000)
    # Both ends of the sets and the tie of two dual vertices (index 486 at Mbar = 0.5); each
    # of moderndid's tests solves linear programmes (about 0.3 s), so a few thetas only.
    thetas = fine[[300, 407, 408, 485, 486, 487, 564, 565]]
    rejections = 0
    for s in range(-4, 1):  # R's s, every polyhedron
        for positive in (True, False):
            piece = _Polyhedron(study, rm_constraints(5, 2, mbar, s, positive))
            ours = piece.accept(thetas, 0.05, "ARP", 0.005, np.inf)
            for theta, accepted in zip(thetas, ours, strict=True):
                assert accepted == moderndid_accepts(piece, theta), (mbar, s, positive, theta)
            rejections += int((~ours).sum())
    assert 0 < rejections < len(thetas) * 10


def event_study_input_like(study, l_vec):
    from analytics.effects.honest_rm import EventStudy

    return EventStudy(study.betahat, study.sigma, study.n_pre, study.n_post, l_vec)


def test_flci_pieces_match_moderndid(first_period):
    from moderndid.didhonest.fixed_length_ci import (
        get_min_bias_h,
        maximize_bias,
        minimize_variance,
    )

    beta, sigma, l_vec = first_period.betahat, first_period.sigma, first_period.l_vec
    problem = _Problem(first_period)
    h0 = get_min_bias_h(sigma, 5, 2, l_vec)
    h_min = minimize_variance(sigma, 5, 2, l_vec)
    assert problem.h_for_minimum_bias() == pytest.approx(h0, rel=1e-9)
    assert problem.lowest_h() == pytest.approx(h_min, rel=1e-6)
    for h in np.linspace(h_min, h0, 6)[1:]:
        bias, pre_weights = problem.worst_case_bias(h)
        theirs = maximize_bias(h, sigma, 5, 2, l_vec)
        assert bias == pytest.approx(theirs["value"], abs=1e-6)
        np.testing.assert_allclose(pre_weights, theirs["optimal_l"], atol=1e-5)
    assert beta.shape == (7,)


def test_sensitivity_result_contract_and_breakdown(event_study):
    result = honest_sensitivity(event_study, "rm", [0.5, 1.0, 1.5, 2.0], target=0)
    table = result.sensitivity
    assert list(table["mbar"]) == [0.5, 1.0, 1.5, 2.0]
    # The README's reading: significant up to Mbar = 1.5, not at 2.
    assert (table["lb"] > 0).tolist() == [True, True, True, False]
    assert 1.5 < result.breakdown < 2.0
    assert result.diagnostics.breakdown_mbar == result.breakdown
    study = event_study_input(event_study, 0)[0]
    at = rm_confidence_set(study, result.breakdown)
    before = rm_confidence_set(study, result.breakdown - 0.005)
    assert at.lb <= 0 < before.lb
    assert result.estimate == pytest.approx(0.046447, abs=5e-7)  # README's 2014 coefficient
    tidy = result.tidy()
    assert tidy["term"].tolist() == ["theta", "Mbar=0.5", "Mbar=1", "Mbar=1.5", "Mbar=2"]
    np.testing.assert_allclose(tidy["ci_low"].iloc[1:], table["lb"])
    assert result.glance().loc[0, "robust_ci_method"].startswith("Delta^RM(Mbar)")
    json.dumps(result.to_dict())
    for lang in ("ru", "uk", "en"):
        text = result.reading(lang)
        assert "{" not in text and len(text) > 200


def test_breakdown_of_the_average_effect_is_the_diagnostic(event_study):
    result = honest_sensitivity(event_study, "rm")
    assert result.target == "average"
    assert breakdown_mbar(event_study) == pytest.approx(result.breakdown)
    smooth = honest_sensitivity(event_study, "smooth", [0.0, 0.01], target=0)
    assert smooth.sensitivity["lb"].iloc[0] == pytest.approx(0.0259, abs=6e-5)
    # The README: "the breakdown value for a significant effect is M ~ 0.03"; the interval at
    # M = 0.02 excludes zero and at 0.03 includes it.
    assert 0.02 < smooth.breakdown < 0.03
    assert "0,02" in read_sensitivity(smooth, "ru")


def test_works_on_callaway_santanna_and_imputation(ehec):
    from analytics.effects.cs import aggte, att_gt
    from analytics.effects.imputation import imputation_did

    common = dict(unit="stfips", time="year", outcome="dins", treat_time="g")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = att_gt(ehec, **common, base_period="universal")
        dynamic = aggte(cells, "dynamic")
        imputed = imputation_did(ehec, **common)
    cs = honest_sensitivity(dynamic, "rm", [1.0])
    assert cs.rel_times == (-6, -5, -4, -3, -2, 0, 1)
    assert cs.sensitivity["lb"].iloc[0] < cs.estimate < cs.sensitivity["ub"].iloc[0]
    imp = honest_sensitivity(imputed, "rm", [1.0])
    assert ("effects_honest.rebased", {}) in imp.warning_codes
    # The farthest horizon (2008, the imputation's reference), re-based to -1, joins the
    # pre-periods: -6..-2 as in the event study.
    assert imp.rel_times == (-6, -5, -4, -3, -2, 0, 1)
    varying = aggte(att_gt(ehec, **common), "dynamic")
    with pytest.raises(ValueError, match="consecutive event times with the reference at -1"):
        honest_sensitivity(varying, "rm")


def test_bad_requests_are_explained(event_study):
    with pytest.raises(ValueError, match="restriction must be one of rm, smooth"):
        honest_sensitivity(event_study, "linear")
    with pytest.raises(ValueError, match="not among the post-periods 0..1"):
        honest_sensitivity(event_study, "rm", target=5)
    with pytest.raises(ValueError, match="non-negative"):
        honest_sensitivity(event_study, "rm", [-1.0])


def _cli(tmp_path, ehec, *extra):
    path = tmp_path / "ehec.csv"
    ehec.to_csv(path, index=False)
    args = ["--data", str(path), "--unit", "stfips", "--time", "year", "--outcome", "dins"]
    args += ["--treat-time", "g", *extra]
    return subprocess.run(
        [sys.executable, "-m", "analytics", "effects", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_json_keys(tmp_path, ehec, first_period):
    run = _cli(
        tmp_path,
        ehec,
        *("--method", "sa", "--cluster", "stfips", "--sensitivity", "rm"),
        *("--mbar", "0.5,1,1.5,2", "--sensitivity-target", "0", "--json"),
    )
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    rows = payload["sensitivity"]
    assert [sorted(r) for r in rows] == [["lb", "mbar", "restriction", "ub"]] * 4
    assert [r["restriction"] for r in rows] == ["rm"] * 4
    expected = rm_confidence_set(first_period, 1.0)
    assert rows[1]["lb"] == pytest.approx(expected.lb, abs=1e-12)
    assert 1.5 < payload["breakdown"] < 2.0
    assert payload["sensitivity_method"].startswith("Delta^RM(Mbar)")


def test_cli_refuses_methods_without_event_study(tmp_path, ehec):
    run = _cli(tmp_path, ehec, "--method", "twfe", "--sensitivity", "rm")
    assert run.returncode != 0
    assert "--sensitivity works on an event study" in run.stderr
    assert "Traceback" not in run.stderr
    run = _cli(tmp_path, ehec, "--method", "sa", "--sensitivity", "rm", "--mbar", "1,-2")
    assert run.returncode != 0 and "--mbar" in run.stderr and "Traceback" not in run.stderr


def test_cli_choices_are_the_restrictions():
    from analytics.effects.commands import SENSITIVITIES
    from analytics.effects.honest import RESTRICTIONS

    assert SENSITIVITIES == RESTRICTIONS
