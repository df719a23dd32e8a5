"""Distance rings as a treatment definition for the effects engine, on a simulated panel with a
known spillover: +5 in the 0-10 km ring, +2 in 10-25 km, none in 25-50 km, where every
municipality sees one ring only (tests/policy/test_spillover_demo.py does it on the demo)."""

import numpy as np
import pandas as pd
import pytest

from analytics.effects.cs import aggte, att_gt
from analytics.policy.spatial import (
    EARTH_RADIUS_KM,
    RINGS,
    haversine_km,
    relative_growth,
    ring_column,
    ring_sample,
    ring_treatment,
)

KM_PER_DEGREE = np.pi * EARTH_RADIUS_KM / 180
QUARTERS = pd.date_range("2014-01-01", periods=24, freq="QS")
SPILLOVER = {(0.0, 10.0): 5.0, (10.0, 25.0): 2.0, (25.0, 50.0): 0.0}
HOST_EFFECT = 20.0
# Municipalities placed around each park per ring: (count, min km, max km), away from the edges.
PLACEMENT = {(0.0, 10.0): (4, 3, 9), (10.0, 25.0): (5, 12, 23), (25.0, 50.0): (6, 28, 47)}


def _offset(lat, lon, km, bearing):
    return (
        lat + km * np.cos(bearing) / KM_PER_DEGREE,
        lon + km * np.sin(bearing) / (KM_PER_DEGREE * np.cos(np.radians(lat))),
    )


def _world(seed: int = 11):
    """10 parks 2 degrees apart (rings never overlap), their hosts and ring neighbours, and 80
    far-away municipalities; parks open in staggered quarters 8-18."""
    rng = np.random.default_rng(seed)
    munis, parks, truth = [], [], {}
    for p in range(10):
        lat, lon = 48.0 + 2.0 * (p % 5), 30.0 + 2.5 * (p // 5)
        opened = QUARTERS[int(rng.integers(8, 19))] + pd.Timedelta(days=int(rng.integers(0, 80)))
        host = f"H{p}"
        munis.append((host, *_offset(lat, lon, rng.uniform(0, 2), rng.uniform(0, 2 * np.pi))))
        parks.append((f"P{p}", host, lat, lon, opened))
        truth[host] = ("host", opened)
        for ring, (count, low, high) in PLACEMENT.items():
            for k in range(count):
                code = f"M{p}_{ring_column(ring)}_{k}"
                spot = _offset(lat, lon, rng.uniform(low, high), rng.uniform(0, 2 * np.pi))
                munis.append((code, *spot))
                truth[code] = (ring, opened)
    for k in range(80):  # controls: 40-44 N, far south of every park (> 400 km)
        munis.append((f"C{k}", rng.uniform(40, 44), rng.uniform(28, 38)))
        truth[f"C{k}"] = ("control", None)
    municipalities = pd.DataFrame(munis, columns=["code", "latitude", "longitude"])
    parks = pd.DataFrame(
        parks, columns=["park_id", "municipality_code", "latitude", "longitude", "opened_on"]
    )
    return municipalities, parks, truth


def _panel(municipalities: pd.DataFrame, truth: dict, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, periods = len(municipalities), len(QUARTERS)
    unit = rng.normal(100, 10, n)[:, None]
    time = np.cumsum(rng.normal(0.5, 1.0, periods))[None, :]
    y = unit + time + rng.normal(0, 1.0, (n, periods))
    for i, code in enumerate(municipalities["code"]):
        kind, opened = truth[code]
        if opened is None:
            continue
        start = pd.Timestamp(opened).to_period("Q").start_time
        post = np.asarray(QUARTERS) >= np.datetime64(start)
        y[i] += np.where(post, HOST_EFFECT if kind == "host" else SPILLOVER[kind], 0.0)
    return pd.DataFrame(
        {
            "municipality_code": np.repeat(municipalities["code"].to_numpy(), periods),
            "quarter": np.tile(QUARTERS, n),
            "outcome": y.ravel(),
        }
    )


def test_haversine_against_the_sphere():
    # A quarter of a meridian and one degree of the equator on a sphere of the mean radius.
    assert haversine_km(0, 0, 90, 0) == pytest.approx(np.pi / 2 * EARTH_RADIUS_KM, rel=1e-12)
    assert haversine_km(0, 10, 0, 11) == pytest.approx(KM_PER_DEGREE, rel=1e-12)


def test_ring_treatment_assigns_each_municipality_its_ring_and_quarter():
    municipalities, parks, truth = _world()
    treatment = ring_treatment(municipalities, parks).set_index("municipality_code")
    for code, (kind, opened) in truth.items():
        row = treatment.loc[code]
        quarter = None if opened is None else pd.Timestamp(opened).to_period("Q").start_time
        if kind == "host":
            assert row["host_treat_time"] == quarter
            assert all(pd.isna(row[ring_column(r)]) for r in RINGS)
        elif kind == "control":
            assert pd.isna(row["host_treat_time"]) and row["nearest_park_km"] > 300
        else:
            assert row[ring_column(kind)] == quarter
            others = [ring_column(r) for r in RINGS if r != kind]
            assert all(pd.isna(row[c]) for c in others)


@pytest.mark.parametrize(("ring", "effect"), [((0.0, 10.0), 5.0), ((25.0, 50.0), 0.0)])
def test_att_gt_recovers_the_ring_spillover(ring, effect):
    municipalities, parks, truth = _world()
    panel = _panel(municipalities, truth)
    sample = ring_sample(ring_treatment(municipalities, parks), ring)
    n_treated = sample["treat_time"].notna().sum()
    assert n_treated == 10 * PLACEMENT[ring][0] and (sample["treat_time"].isna()).sum() == 80
    data = panel.merge(sample, on="municipality_code")
    result = att_gt(
        data, unit="municipality_code", time="quarter", outcome="outcome",
        treat_time="treat_time", control="never",
    )  # fmt: skip
    overall = aggte(result, "simple")
    assert overall.ci_low <= effect <= overall.ci_high
    if effect:
        assert overall.ci_low > 0  # the spillover is detected, not just covered
    assert overall.ci_high - overall.ci_low < 2.0


def test_ring_sample_leaves_out_units_a_closer_ring_reaches_later():
    """A park opening closer later would mix the closer ring's effect into the farther one's."""
    q = pd.to_datetime(["2016-01-01", "2018-04-01"])
    nat = pd.NaT
    treatment = pd.DataFrame(
        {
            "municipality_code": ["far_only", "far_then_near", "near_then_far", "none", "host"],
            "host_treat_time": [nat, nat, nat, nat, q[0]],
            "ring_0_10": [nat, q[1], q[0], nat, nat],
            "ring_10_25": [nat] * 5,
            "ring_25_50": [q[0], q[0], q[1], nat, nat],
        }
    )
    outer = ring_sample(treatment, (25.0, 50.0)).set_index("municipality_code")["treat_time"]
    assert list(outer.index) == ["far_only", "none"]
    assert outer["far_only"] == q[0] and pd.isna(outer["none"])
    inner = ring_sample(treatment, (0.0, 10.0)).set_index("municipality_code")["treat_time"]
    # A farther park opening later stays in the inner ring's sample (its truth adds it up).
    assert list(inner.index) == ["near_then_far", "none"] and inner["near_then_far"] == q[0]


def test_ring_sample_refuses_a_ring_it_does_not_know():
    municipalities, parks, _ = _world()
    with pytest.raises(ValueError, match="ring must be one of"):
        ring_sample(ring_treatment(municipalities, parks), (5.0, 10.0))
    with pytest.raises(ValueError, match="rings must be increasing"):
        ring_treatment(municipalities, parks, rings=((10, 5),))


def test_relative_growth_by_hand():
    values = pd.DataFrame(
        {
            "code": ["m1", "m1", "m2", "m2"],
            "quarter": pd.to_datetime(["2020-01-01", "2021-01-01"] * 2),
            "value": [100.0, 110.0, 50.0, 50.0],
        }
    )
    region = pd.DataFrame(
        {"code": ["r", "r"], "quarter": pd.to_datetime(["2020-01-01", "2021-01-01"]),
         "value": [1000.0, 1050.0]}
    )  # fmt: skip
    out = relative_growth(values, region, pd.Series({"m1": "r", "m2": "r"}), "2020Q1")
    last = out[out["quarter"] == "2021-01-01"].set_index("code")
    # m1 grew 10% against the region's 5%: 1.10 / 1.05 - 1; m2 stood still: 1 / 1.05 - 1.
    assert last.loc["m1", "relative"] == pytest.approx(1.10 / 1.05 - 1)
    assert last.loc["m2", "relative"] == pytest.approx(1 / 1.05 - 1)


def test_demo_relative_growth_and_rings(demo_db):
    from analytics.policy.spatial import area_relative_growth, municipal_ring_treatment
    from analytics.warehouse import connect

    with connect(demo_db, read_only=True) as con:
        regions = area_relative_growth(con, "region", "employment", "2015Q1")
        munis = area_relative_growth(con, "municipality", "employment", "2015Q1")
        rings = municipal_ring_treatment(con)
        parks = con.execute("SELECT municipality_code, opened_on FROM park").df()
    # Employment adds up: base-share-weighted regional indexes give the country's index.
    last = regions[regions["quarter"] == "2024-10-01"]
    base = regions[regions["quarter"] == "2015-01-01"].set_index("code")["value"]
    weights = last["code"].map(base / base.sum()).to_numpy()
    assert (weights * last["index"].to_numpy()).sum() == pytest.approx(
        last["reference_index"].iloc[0], rel=1e-9
    )
    assert munis["parent_code"].notna().all()
    first_open = parks.dropna().groupby("municipality_code")["opened_on"].min()
    hosts = rings.set_index("municipality_code")["host_treat_time"].dropna()
    expected = pd.to_datetime(first_open).dt.to_period("Q").dt.start_time
    pd.testing.assert_series_equal(
        hosts.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
