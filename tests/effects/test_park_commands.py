"""``python -m analytics park-effect`` as a real subprocess: the JSON is the park effect's own
dictionary (the same interval as the Impact page and the report), errors are one line."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.effects.parks import park_effect
from analytics.effects.results import CI_METHODS

ROOT = Path(__file__).resolve().parents[2]
BIG_PARK = "XD-P021"


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, "park-effect", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("outcome", ["employment", "avg_wage"])
def test_json_carries_the_synthetic_control_interval_of_the_effect(demo_db, outcome):
    done = run("--db", str(demo_db), "--outcome", outcome, "--method", "sc", "--park", BIG_PARK,
               "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome=outcome, method="sc", park_id=BIG_PARK)
        (unit,) = con.execute(
            "SELECT unit FROM indicator WHERE code = ? AND entity = 'municipality'", [outcome]
        ).fetchone()
    assert (out["ci_low"], out["ci_high"]) == pytest.approx(
        (effect.ci_low, effect.ci_high), rel=1e-12
    )
    assert out["ci_method"] == effect.ci_method == CI_METHODS["placebo_estimates"]
    assert out["p_value"] == pytest.approx(effect.p_value)
    assert out["outcome"] == {
        "code": outcome,
        "unit": unit,
        "transform": "log",
        "effect_unit": "log_points",
    }
    assert out["spec"]["park_id"] == BIG_PARK and out["result"]["treated_unit"]


def test_text_reads_the_effect_in_the_users_language(demo_db):
    done = run("--db", str(demo_db), "--outcome", "employment", "--method", "twfe", lang="uk")
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(demo_db), read_only=True) as con:
        effect = park_effect(con, outcome="employment", method="twfe")
    assert effect.reading("uk") in done.stdout
    assert "Park effect on employment (log_points)" in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--outcome", "employment", "--method", "ols"), "--method"),
        (("--outcome", "employment", "--method", "sc"), "--park"),
        (("--outcome", "happiness"), "happiness"),
        (("--outcome", "employment", "--start", "2019"), "2019"),
        (("--outcome", "employment", "--end", "Q5 2024"), "Q5 2024"),
        (("--method", "cs"), "--outcome"),
    ],
)
def test_bad_options_are_one_line_in_the_users_language(demo_db, args, says):
    done = run("--db", str(demo_db), *args, lang="ru")
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
