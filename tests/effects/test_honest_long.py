"""Relative-magnitudes sets of long event studies (more post-periods than the dual vertices can
be enumerated), against outside computations:

* moderndid 0.2.0 run live (a Python port of HonestDiD 0.2.8): its conditional ARP test
  ``lp_conditional_test`` (hybrid "ARP", deterministic), polyhedron by polyhedron, at thetas
  on both sides of each end of our set;
* HiGHS (scipy's ``linprog``) solving the ARP statistic's linear programme
  ``min eta s.t. y - X tau <= eta sd`` directly, draw by draw;
* and, where both can run, the exact enumeration of the vertices, which the tests of
  test_honest.py check against the HonestDiD README.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analytics.effects import honest_arp
from analytics.effects.honest import event_study_input, honest_sensitivity
from analytics.effects.honest_rm import EventStudy, _Polyhedron, rm_confidence_set, rm_constraints
from analytics.effects.honest_rng import r_mvnorm
from tests.effects.honest_peers import moderndid_accepts

N_PRE = 3


def long_study(n_post: int, seed: int = 1, noise: float = 0.01) -> EventStudy:
    """An event study with a growing effect and noisy pre-periods (covariance of full rank)."""
    rng = np.random.default_rng(seed)
    n = N_PRE + n_post
    root = rng.normal(size=(n, n))
    sigma = (root @ root.T / n + np.eye(n)) * noise**2
    pre = rng.normal(0, noise, N_PRE)
    post = 0.05 + 0.003 * np.arange(n_post) + rng.normal(0, noise, n_post)
    return EventStudy(
        np.concatenate([pre, post]), sigma, N_PRE, n_post, np.full(n_post, 1 / n_post)
    )


def pieces(study: EventStudy, mbar: float) -> list[_Polyhedron]:
    return [
        _Polyhedron(study, rm_constraints(N_PRE, study.n_post, mbar, s, positive))
        for s in range(-(N_PRE - 1), 1)
        for positive in (True, False)
    ]


@pytest.mark.parametrize("hybrid", ["LF", "ARP"])
@pytest.mark.parametrize("mbar", [0.5, 2.0])
def test_searched_vertices_give_the_enumerated_sets(monkeypatch, hybrid, mbar):
    study = long_study(8, noise=0.03)
    monkeypatch.setattr(honest_arp, "MAX_BASES", 10**6)
    enumerated = rm_confidence_set(study, mbar, hybrid=hybrid)
    monkeypatch.setattr(honest_arp, "MAX_BASES", 0)
    searched = rm_confidence_set(study, mbar, hybrid=hybrid)
    np.testing.assert_array_equal(searched.accept, enumerated.accept)
    assert (searched.lb, searched.ub) == pytest.approx((enumerated.lb, enumerated.ub), abs=1e-12)
    assert searched.lb < study.theta < searched.ub


def test_long_event_study_tests_match_moderndid_point_by_point():
    study = long_study(14, seed=3, noise=0.03)
    assert not honest_arp.can_enumerate(2 * study.n_post, study.n_post - 1)
    mbar = 0.5
    found = rm_confidence_set(study, mbar, hybrid="ARP")
    step = 0.01 * (found.ub - found.lb)
    thetas = np.array([found.lb - step, found.lb + step, study.theta, found.ub - step])
    thetas = np.append(thetas, found.ub + step)
    rejected = 0
    for piece in pieces(study, mbar):
        ours = piece.accept(thetas, 0.05, "ARP", 0.005, np.inf)
        for theta, accepted in zip(thetas, ours, strict=True):
            assert accepted == moderndid_accepts(piece, theta), (theta, piece.a[0])
        rejected += int((~ours).sum())
    # Outside the set every polyhedron rejects; inside some accepts: the comparison has teeth.
    assert rejected >= 2 * len(pieces(study, mbar))


def test_statistic_is_the_linear_programme_draw_by_draw():
    study = long_study(14, seed=5)
    test, _, _ = pieces(study, 1.0)[0]._parts
    draws = r_mvnorm(honest_arp.LF_SIMS, test.sigma, 7)  # the draws of the LF critical value
    eta, _ = test.vertices.best(draws)
    m, k = test.x.shape
    objective = np.zeros(k + 1)
    objective[0] = 1.0
    constraints = -np.column_stack([test.sd, test.x])  # y - X tau - eta sd <= 0
    direct = [
        linprog(objective, A_ub=constraints, b_ub=-y, bounds=(None, None), method="highs").fun
        for y in draws
    ]
    np.testing.assert_allclose(eta, direct, rtol=1e-8, atol=1e-10)
    kappa = 0.005
    assert test.least_favorable_cv(kappa, seed=7) == pytest.approx(
        np.quantile(direct, 1 - kappa), abs=1e-9
    )


def long_panel(n_post: int = 16, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units, start = 40, 5
    periods = np.arange(1, start + n_post)
    rows = []
    for unit in range(units):
        treated = unit < units // 2
        level = rng.normal()
        for period in periods:
            effect = 0.5 + 0.05 * (period - start) if treated and period >= start else 0.0
            y = level + 0.1 * period + effect + rng.normal(0, 0.3)
            rows.append((unit, period, start if treated else 0, y))
    return pd.DataFrame(rows, columns=["unit", "period", "g", "y"])


def test_sensitivity_of_a_long_event_study():
    from analytics.effects.sunab import sun_abraham

    panel = long_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = sun_abraham(panel, unit="unit", time="period", outcome="y", treat_time="g")
    result = honest_sensitivity(events, "rm", [0.25, 0.5, 1.0])
    table = result.sensitivity
    assert len(result.rel_times) == 4 + 16 - 1  # the reference period left out
    assert (table["lb"] < result.estimate).all() and (table["ub"] > result.estimate).all()
    # Larger Mbar allows more bias: the sets are nested.
    assert table["lb"].is_monotonic_decreasing and table["ub"].is_monotonic_increasing
    # Each robust set holds the identified set.
    assert (table["lb"] <= table["id_lb"]).all() and (table["ub"] >= table["id_ub"]).all()
    # The breakdown value: the smallest Mbar (to 0.005) whose set reaches zero.
    study = event_study_input(events, "average")[0]
    assert 0 < result.breakdown < 64
    assert rm_confidence_set(study, result.breakdown).lb <= 0
    assert rm_confidence_set(study, result.breakdown - 0.005).lb > 0


def test_sessions_in_threads_share_the_vertices_safely():
    # The app's sessions are threads; they share one pool of vertices per event study.
    from concurrent.futures import ThreadPoolExecutor

    expected = [rm_confidence_set(long_study(12, seed=s), 1.0) for s in (11, 12)]
    honest_arp._ray_pool.cache_clear()
    studies = [long_study(12, seed=s) for s in (11, 12)] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda study: rm_confidence_set(study, 1.0), studies))
    for i, result in enumerate(found):
        np.testing.assert_array_equal(result.accept, expected[i % 2].accept)
        assert (result.lb, result.ub) == (expected[i % 2].lb, expected[i % 2].ub)
