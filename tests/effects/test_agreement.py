"""The agreement table (``effects --method all``, :func:`park_agreement`): every applicable
method on the same data, a flag when two intervals do not overlap, refusals with reasons.

Outside references: on California's Proposition 99 (synthdid-py 0.1.0's panel, as in
test_sdid.py) Arkhangelsky et al. (2021, AER) Table 1 publishes DiD -27.3 and synthetic DiD
-15.6; the methods' own validations against live peers are in their test files, so here each
row is checked against the method run on its own.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from analytics.effects.agreement import Agreement, MethodRow, park_agreement
from analytics.effects.ascm import augmented_synthetic_control
from analytics.effects.cs import aggte, att_gt
from analytics.effects.parks import park_effect
from analytics.effects.synth import synthetic_control
from analytics.effects.twfe import twfe
from analytics.i18n import LANGUAGES, t
from tests.effects.conftest import simulated_staggered

sd = pytest.importorskip("synthdid")
ROOT = Path(__file__).resolve().parents[2]
BIG_PARK = "XD-P021"


def _cli(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, "effects", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def prop99():
    return sd.load_california_prop99()


@pytest.fixture(scope="module")
def prop99_all(tmp_path_factory, prop99):
    path = tmp_path_factory.mktemp("agreement") / "prop99.csv"
    prop99.to_csv(path, index=False)
    done = _cli("--data", str(path), "--unit", "State", "--time", "Year",
                "--outcome", "PacksPerCapita", "--treated", "treated", "--method", "all",
                "--replications", "50", "--seed", "1", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_method_runs_on_prop99_as_it_runs_alone(prop99, prop99_all):
    rows = {row["method"]: row for row in prop99_all["methods"]}
    assert list(rows) == ["cs", "sa", "imputation", "twfe", "sdid", "sc", "ascm", "dcdh"]
    assert all(row["status"] == "ok" for row in rows.values())
    # Arkhangelsky et al. (2021), Table 1: DiD -27.3, synthetic DiD -15.6.
    assert round(rows["twfe"]["estimate"], 1) == -27.3
    assert round(rows["sdid"]["estimate"], 1) == -15.6
    columns = dict(unit="State", time="Year", outcome="PacksPerCapita")
    first = prop99.assign(first=np.where(prop99["State"] == "California", 1989, 0))
    alone = {
        "twfe": twfe(prop99, **columns, treated="treated"),
        "cs": aggte(att_gt(first, **columns, treat_time="first"), "simple"),
        "sc": synthetic_control(prop99, **columns, treated_unit="California", treatment_start=1989),
        "ascm": augmented_synthetic_control(
            prop99, **columns, treated_unit="California", treatment_start=1989
        ),
    }
    for method, result in alone.items():
        row = rows[method]
        assert row["estimate"] == pytest.approx(result.estimate, abs=1e-9), method
        assert row["ci_method"] == result.ci_method and row["n_units"] == result.n_units
        for key in ("ci_low", "ci_high"):
            value = getattr(result, key)
            assert row[key] == (None if math.isinf(value) else pytest.approx(value, abs=1e-9))


def test_disagreement_is_exactly_the_pairs_whose_intervals_are_disjoint(prop99_all):
    ranged = [r for r in prop99_all["methods"] if r["status"] == "ok" and r["ci_method"]]
    low = {r["method"]: -math.inf if r["ci_low"] is None else r["ci_low"] for r in ranged}
    high = {r["method"]: math.inf if r["ci_high"] is None else r["ci_high"] for r in ranged}
    names = list(low)
    expected = [
        [a, b]
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if high[a] < low[b] or high[b] < low[a]
    ]
    assert prop99_all["disagree"] == expected
    # The changes since 1988 (CS) and the gap to the pre-period mean (TWFE) differ here.
    assert ["cs", "twfe"] in expected and not any("ascm" in pair for pair in expected)
    assert "do not overlap" in prop99_all["reading"]
    assert prop99_all["n_treated_units"] == 1
    assert t("effects_agreement.one_treated", "en") in prop99_all["reading"]


def test_methods_that_cannot_run_are_listed_with_the_reason(tmp_path):
    path = tmp_path / "staggered.csv"
    simulated_staggered(n_units=120).to_csv(path, index=False)
    done = _cli("--data", str(path), "--unit", "unit", "--time", "year", "--outcome", "y",
                "--treat-time", "g", "--method", "all", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {row["method"]: row for row in json.loads(done.stdout)["methods"]}
    assert len(rows) == 8
    for method in ("cs", "sa", "imputation", "twfe", "dcdh"):  # dcdh: status from --treat-time
        assert rows[method]["status"] == "ok"
    assert rows["sdid"]["status"] == "not_applicable"
    assert rows["sdid"]["reason_code"] == "effects_modern.sdid_staggered"
    for method in ("sc", "ascm"):
        assert rows[method]["reason_code"] == "effects_agreement.needs_one_treated"
        assert rows[method]["estimate"] is None and "one treated unit" in rows[method]["reason"]
    text = _cli("--data", str(path), "--unit", "unit", "--time", "year", "--outcome", "y",
                "--treat-time", "g", "--method", "all", lang="uk")  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert t("effects_agreement.title", "uk", outcome="y", level=95) in text.stdout
    assert "Синтетична різниця різниць" in text.stdout


def _row(method, low, high, estimate=0.0):
    return MethodRow(method, "ok", estimate, low, high, "normal: estimate +- z * se", 0.5, 10, 100)


def test_overlap_rules_and_readings():
    agree = Agreement(
        rows=(
            _row("cs", 1.0, 3.0),
            _row("twfe", 2.5, 4.0),
            _row("ascm", -math.inf, math.inf),
            MethodRow("sdid", "not_applicable", reason=("effects_modern.sdid_staggered",
                                                        {"cohorts": "2004, 2006"})),
        )
    )  # fmt: skip
    assert agree.disagree == ()
    assert agree.table()["status"].tolist() == ["ok", "ok", "ok", "not_applicable"]
    for lang in LANGUAGES:
        text = agree.reading(lang)
        assert t("effects_agreement.all_overlap", lang, n="3") in text
        assert t("effects_agreement.why", lang) in text
        assert t("method.sdid", lang) in text
    split = Agreement(rows=(_row("cs", 1.0, 2.0), _row("sc", 2.5, 4.0), _row("sa", 1.5, 3.0)))
    assert split.disagree == (("cs", "sc"),)
    assert t("effects_agreement.basis.sc", "ru", method=t("method.sc", "ru")) in split.reading("ru")
    out = split.to_dict()
    json.dumps(out)
    assert out["disagree"] == [["cs", "sc"]] and len(out["methods"]) == 3


def test_park_agreement_for_one_park_runs_every_method_on_its_sample(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = park_agreement(con, outcome="employment", park_id=BIG_PARK)
        sc = park_effect(con, outcome="employment", method="sc", park_id=BIG_PARK)
        ascm = park_effect(con, outcome="employment", method="ascm", park_id=BIG_PARK)
    rows = {row.method: row for row in table.rows}
    assert all(row.status == "ok" for row in rows.values()), table.table()
    assert rows["sc"].estimate == sc.estimate and rows["sc"].ci_low == sc.ci_low
    assert rows["ascm"].estimate == ascm.estimate
    # One treated unit and the never-treated donors, for every method.
    assert {row.n_units for row in rows.values()} == {sc.n_units}
    assert rows["cs"].result.sample.n_units_used == sc.n_units
    assert table.n_treated_units == 1
    for lang in LANGUAGES:
        assert t("effects_agreement.one_treated", lang) in table.reading(lang)


def test_park_agreement_without_a_park_uses_the_impact_pages_effects(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = park_agreement(con, outcome="employment")
        cs = park_effect(con, outcome="employment", method="cs")
        own = {m: park_effect(con, outcome="employment", method=m) for m in ("imputation", "dcdh")}
    rows = {row.method: row for row in table.rows}
    assert rows["cs"].result is cs and rows["cs"].estimate == cs.estimate
    # Synthetic DiD needs one start date, which only one park's sample has: a one-park method.
    for method in ("sc", "ascm", "sdid"):
        assert rows[method].status == "not_applicable"
        assert rows[method].reason == ("effects_agreement.needs_park", {})
    for method, effect in own.items():  # the page's own effects, every park
        assert rows[method].result is effect
