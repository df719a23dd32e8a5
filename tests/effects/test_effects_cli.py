"""``python -m analytics effects`` as a real subprocess: JSON contract, text, one-line errors."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pf = pytest.importorskip("pyfixest")


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, "effects", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def castle_csv(tmp_path_factory, castle) -> str:
    path = tmp_path_factory.mktemp("cli") / "castle.csv"
    castle.to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def organ_csv(tmp_path_factory, organ_donations) -> str:
    path = tmp_path_factory.mktemp("cli") / "organ.csv"
    organ_donations.to_csv(path, index=False)
    return str(path)


CASTLE = ["--unit", "sid", "--time", "year", "--outcome", "l_homicide"]


def test_twfe_json_matches_pyfixest(castle_csv, castle):
    done = run("--data", castle_csv, *CASTLE, "--method", "twfe", "--treated", "post", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"method", "estimate", "se", "ci_low", "ci_high", "n_units", "n_obs", "warnings"} <= set(
        out
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols("l_homicide ~ post | sid + year", data=castle, vcov={"CRV1": "sid"})
    assert out["method"] == "twfe"
    assert out["estimate"] == pytest.approx(float(model.coef().iloc[0]), abs=1e-6)
    assert out["se"] == pytest.approx(float(model.se().iloc[0]), abs=1e-6)
    assert (out["n_units"], out["n_obs"]) == (50, 550)


def test_sa_json_has_event_study(castle_csv):
    done = run("--data", castle_csv, *CASTLE, "--method", "sa", "--treat-time", "effyear", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    rows = out["event_study"]
    assert set(rows[0]) == {"rel_time", "estimate", "se", "ci_low", "ci_high"}
    assert any(r["rel_time"] == -1 and r["estimate"] == 0 for r in rows)
    assert out["pretrend_test"]["df"] > 0


def test_text_output_has_summary_and_reading_in_russian(castle_csv):
    done = run(
        "--data", castle_csv, *CASTLE, "--method", "twfe", "--treat-time", "effyear", lang="ru"
    )
    assert done.returncode == 0, done.stderr
    assert "twfe estimate" in done.stdout
    assert "доверительный интервал" in done.stdout


def test_sc_dispatch_json(organ_csv):
    done = run(
        "--data",
        organ_csv,
        "--unit",
        "State",
        "--time",
        "Quarter",
        "--outcome",
        "Rate",
        "--method",
        "sc",
        "--treated-unit",
        "California",
        "--treatment-start",
        "Q32011",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert sum(out["weights"].values()) == pytest.approx(1, abs=1e-6)
    assert {"pre_rmspe", "post_pre_ratio", "p_value", "gaps"} <= set(out)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "twfe", "--treated", "nope"], 'no column "nope"'),
        (["--method", "xx", "--treated", "post"], 'Invalid --method "xx"'),
        (["--method", "sa"], "needs the option --treat-time"),
        (["--method", "twfe", "--treated", "post", "--alpha", "abc"], "--alpha must be a number"),
    ],
)
def test_bad_input_gives_one_line(castle_csv, args, needle):
    done = run("--data", castle_csv, *CASTLE, *args)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_treatment_switching_off_and_unknown_treated_unit(tmp_path, castle, organ_csv):
    data = castle.copy()
    data.loc[(data["sid"] == 1) & (data["year"] == 2010), "post"] = 0
    path = tmp_path / "off.csv"
    data.to_csv(path, index=False)
    done = run("--data", str(path), *CASTLE, "--method", "twfe", "--treated", "post")
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and 'unit "1" switches off' in done.stderr

    done = run(
        "--data",
        organ_csv,
        "--unit",
        "State",
        "--time",
        "Quarter",
        "--outcome",
        "Rate",
        "--method",
        "sc",
        "--treated-unit",
        "Atlantis",
        "--treatment-start",
        "Q32011",
    )
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and "Atlantis" in done.stderr


def test_unreadable_file(tmp_path):
    missing = run(
        "--data", str(tmp_path / "none.csv"), *CASTLE, "--method", "twfe", "--treated", "p"
    )
    assert missing.returncode != 0 and "Cannot read the file" in missing.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    done = run("--data", str(binary), *CASTLE, "--method", "twfe", "--treated", "post")
    assert done.returncode != 0 and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
