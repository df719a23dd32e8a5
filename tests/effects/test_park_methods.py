"""Park effects by imputation, dCDH and synthetic DiD: each equals the ``effects`` command run
on the very panel the park effect builds (the estimators themselves are validated against
live peers in test_imputation.py, test_dcdh.py and test_sdid.py), dCDH reads the register
status, which may switch off, and every refusal is one translated line."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.effects.park_panel import park_panel
from analytics.effects.park_spec import (
    DCDH_EFFECTS,
    DCDH_PLACEBOS,
    SDID_REPLICATIONS,
    ParkEffectSpec,
)
from analytics.effects.park_switching import STATUS, in_force_spells, status_path
from analytics.effects.parks import estimation_data, park_effect
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, t

ROOT = Path(__file__).resolve().parents[2]
BIG_PARK = "XD-P021"
CONTRACT = ("estimate", "se", "ci_low", "ci_high", "n_units", "n_obs")


def cli(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def effects_on_the_park_panel(con, tmp_path, spec: ParkEffectSpec, *options: str) -> dict:
    """``effects --json`` on the park effect's own panel, written to a CSV."""
    panel = park_panel(con, spec)
    switching = status_path(con, panel, spec) if spec.method == "dcdh" else None
    path = tmp_path / f"{spec.method}_{spec.treatment}.csv"
    estimation_data(panel, spec, switching).to_csv(path, index=False)
    done = cli("effects", "--data", str(path), "--unit", "unit", "--time", "quarter",
               "--outcome", spec.outcome, "--method", spec.method, "--json", *options)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def con(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as connection:
        yield connection


def test_imputation_equals_the_effects_command_on_the_same_panel(con, tmp_path):
    spec = ParkEffectSpec(outcome="employment", method="imputation")
    mine = park_effect(con, spec).to_dict()
    theirs = effects_on_the_park_panel(con, tmp_path, spec, "--treat-time", "first_quarter")
    for key in (*CONTRACT, "n_treated_obs", "p_value"):
        assert mine[key] == pytest.approx(theirs[key], rel=1e-9), key
    assert mine["pretrend_test"]["p_value"] == pytest.approx(theirs["pretrend_test"]["p_value"])
    ours = pd.DataFrame(mine["event_study"]).set_index("rel_time")
    cli_rows = pd.DataFrame(theirs["event_study"]).set_index("rel_time").loc[ours.index]
    assert ours["estimate"].to_numpy() == pytest.approx(cli_rows["estimate"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize("treatment", ["opened", "registered"])
def test_dcdh_equals_the_effects_command_on_the_register_status(con, tmp_path, treatment):
    spec = ParkEffectSpec(outcome="employment", method="dcdh", treatment=treatment)
    effect = park_effect(con, spec)
    mine = effect.to_dict()
    theirs = effects_on_the_park_panel(
        con, tmp_path, spec, "--treated", STATUS,
        "--effects", str(DCDH_EFFECTS), "--placebo", str(DCDH_PLACEBOS),
    )  # fmt: skip
    for key in (*CONTRACT, "p_value", "n_switchers", "n_switchers_in", "n_switchers_out"):
        assert mine[key] == pytest.approx(theirs[key], rel=1e-9), key
    for key in ("effects", "placebos"):
        assert [r["estimate"] for r in mine[key]] == pytest.approx(
            [r["estimate"] for r in theirs[key]], rel=1e-9
        )
    assert len(mine["effects"]) == DCDH_EFFECTS and len(mine["placebos"]) == DCDH_PLACEBOS
    assert mine["effect_level"] is not None  # in the indicator's own units too


def test_dcdh_says_whether_a_park_ever_left_the_register(con):
    """The demo's registered parks that were excluded (closed without opening) switch the
    treatment off under "registered"; under "opened" they never treated, so nothing does."""
    spells = in_force_spells(
        con.execute(
            "SELECT *, registered_on AS first_registered_on FROM park WHERE excluded_on IS NOT NULL"
        ).df(),
        "registered",
    )
    assert len(spells) and spells["ends"].notna().all()  # each spell ends at the exclusion
    opened = park_effect(con, outcome="employment", method="dcdh", treatment="opened")
    registered = park_effect(con, outcome="employment", method="dcdh", treatment="registered")
    assert opened.switching.n_switched_off == 0
    assert registered.switching.n_switched_off > 0
    for lang in LANGUAGES:
        assert t("park_methods.dcdh_never_off", lang) in opened.reading(lang)
        assert t("park_methods.dcdh_never_off", lang) not in registered.reading(lang)
    facts = {fact.name: fact.value for fact in registered.facts()}
    assert facts["n_switched_off"] == registered.switching.n_switched_off


def test_a_reentered_park_switches_on_again():
    """Excluded in 2019, entered anew in 2021 (the row's registration after its exclusion),
    first entered in 2016 by an earlier revision: two spells."""
    park = pd.DataFrame(
        [{"park_id": "P", "opened_on": pd.Timestamp("2017-02-01"), "closed_on": pd.NaT,
          "registered_on": pd.Timestamp("2021-04-10"), "excluded_on": pd.Timestamp("2019-07-01"),
          "first_registered_on": pd.Timestamp("2016-05-05")}]
    )  # fmt: skip
    registered = in_force_spells(park, "registered")
    assert list(registered["begins"]) == [pd.Timestamp("2016-05-05"), pd.Timestamp("2021-04-10")]
    assert registered["ends"].iloc[0] == pd.Timestamp("2019-07-01")
    assert pd.isna(registered["ends"].iloc[1])
    opened = in_force_spells(park, "opened")
    assert list(opened["begins"]) == [pd.Timestamp("2017-02-01"), pd.Timestamp("2021-04-10")]


def test_sdid_for_one_park_equals_the_effects_command(con, tmp_path):
    spec = ParkEffectSpec(outcome="employment", method="sdid", park_id=BIG_PARK)
    mine = park_effect(con, spec).to_dict()
    theirs = effects_on_the_park_panel(
        con, tmp_path, spec, "--treat-time", "first_quarter",
        "--replications", str(SDID_REPLICATIONS), "--seed", str(spec.seed),
    )  # fmt: skip
    for key in (*CONTRACT, "p_value"):
        assert mine[key] == pytest.approx(theirs[key], rel=1e-9), key
    assert mine["weights"] == pytest.approx(theirs["weights"], abs=1e-12)
    assert mine["time_weights"] == pytest.approx(theirs["time_weights"], abs=1e-12)
    assert mine["effect_level"]["n_units"] == 1


def test_park_effect_json_has_the_effects_commands_keys(demo_db):
    done = cli("park-effect", "--db", str(demo_db), "--outcome", "employment", "--method",
               "dcdh", "--treatment", "registered", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key in ("effects", "placebos", "avg_total_effect", "n_switchers", "n_switched_off"):
        assert key in out
    assert out["avg_total_effect"]["estimate"] == out["estimate"]


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("--method", "sdid"), "effects.cli.missing_for_method"),
        # Before the first park opened (2015Q1) no unit's status changes.
        (
            ("--method", "dcdh", "--start", "2012Q1", "--end", "2014Q4"),
            "park_methods.dcdh_no_change",
        ),
    ],
)
def test_refusals_are_one_translated_line(demo_db, args, key):
    for lang in ("ru", "uk"):
        done = cli("park-effect", "--db", str(demo_db), "--outcome", "employment", *args, lang=lang)
        assert done.returncode == 2, done.stdout
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        if key.startswith("park_methods"):
            assert t(key, lang) in done.stderr


def test_one_park_methods_refuse_without_a_park_in_the_users_language():
    with pytest.raises(UserError) as caught:
        ParkEffectSpec(outcome="employment", method="sdid")
    assert t("method.sdid", "uk") in caught.value.message("uk")
