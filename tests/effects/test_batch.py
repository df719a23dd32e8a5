"""Batch estimation (``effects-batch``): the same numbers wherever it runs, and as
park_effect() gives them cell by cell; resumable; a cell that cannot be estimated is a row
with its reason.

The reference for every number is park_effect() itself, called directly on the same demo
warehouse (the batch must not change an estimate, only gather them); the Dask cluster is a
real one, two worker processes on loopback started here and shut down after.
"""

from __future__ import annotations

import json
import logging
import math
import shutil

import dask
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from distributed import Client, LocalCluster

from analytics.effects import batch as batch_module
from analytics.effects import parks
from analytics.effects.batch import (
    BatchCell,
    dask_worker_config,
    plan_cells,
    read_table,
    run_batch,
    tasks,
)
from analytics.effects.cs import aggte
from analytics.effects.park_panel import clear_panel_cache
from analytics.effects.park_spec import ParkEffectSpec
from analytics.effects.parks import park_effect
from analytics.i18n import t
from analytics.warehouse.connection import connect

OUTCOMES = ["employment", "avg_wage"]
BIG_PARK = "XD-P021"  # an SEZ in XD-05-003, opened 2019Q4
PARKS = [BIG_PARK, "XD-P031"]  # the demo's two largest planted effects
NOT_STARTED = "XD-P013"  # under construction: no opening date
NOT_FIRST = "XD-P044"  # opened in XD-07-001 after XD-P004
REL = 1e-12


def cells() -> list[BatchCell]:
    return plan_cells(OUTCOMES, ["cs", "sc"], PARKS, placebos=True)


@pytest.fixture(scope="module")
def one_process(demo_db, tmp_path_factory):
    """The small batch run in this process, written to parquet."""
    out = tmp_path_factory.mktemp("batch") / "one.parquet"
    parks.clear_cache()
    run = run_batch(demo_db, cells(), out=out)
    return run, out


@pytest.fixture(scope="module")
def dask_scheduler():
    """A Dask cluster on loopback: two worker processes with one thread each."""
    with dask.config.set(dask_worker_config()):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def main(*args: str, lang: str) -> int:
    """The command run in this process, as ``python -m analytics`` runs it; its exit code."""
    from analytics.cli import main as cli_main

    return cli_main(["--lang", lang, "effects-batch", *args])


def test_plan_has_one_cell_per_outcome_and_method_and_one_per_park_for_sc():
    plan = cells()
    assert [(c.spec.outcome, c.spec.method, c.spec.park_id) for c in plan] == [
        ("employment", "cs", None),
        ("avg_wage", "cs", None),
        ("employment", "sc", "XD-P021"),
        ("employment", "sc", "XD-P031"),
        ("avg_wage", "sc", "XD-P021"),
        ("avg_wage", "sc", "XD-P031"),
    ]
    assert [c.placebos for c in plan] == [False, False, True, True, True, True]
    assert len({c.key for c in plan}) == len(plan)


def test_dask_cluster_gives_the_one_process_table(
    one_process, demo_db, dask_scheduler, tmp_path, capsys
):
    run, out = one_process
    on_cluster = tmp_path / "cluster.parquet"
    code = main("--db", str(demo_db), "--outcomes", ",".join(OUTCOMES), "--methods", "cs,sc",
                "--parks", ",".join(PARKS), "--placebos", "--scheduler", dask_scheduler,
                "-o", str(on_cluster), lang="en")  # fmt: skip
    done = capsys.readouterr()
    assert code == 0, done.err
    assert "6 cells, 6 estimated, 0 cannot be estimated, 0 failed" in done.out
    pdt.assert_frame_equal(read_table(on_cluster), read_table(out), rtol=REL, atol=0)
    assert run.computed == 6 and run.reused == 0 and run.changed == 0
    # The cells ran on the cluster's two workers: each memoised the effects it estimated.
    with Client(dask_scheduler) as client:
        estimated = client.run(_memoised_effects)
    assert len(estimated) == 2 and sum(estimated.values()) == 6


def _memoised_effects() -> int:
    return len(parks._CACHE)


def test_local_processes_give_the_one_process_table(one_process, demo_db):
    run, _ = one_process
    # Two tasks, one a process: CS alone, the two parks' synthetic controls together.
    employment = [c for c in cells() if c.spec.outcome == "employment"]
    assert [len(task) for task in tasks(employment)] == [1, 2]
    pooled = run_batch(demo_db, employment, workers=2)
    keys = {c.key for c in employment}
    rows = run.table.loc[run.table["cell"].isin(keys)].reset_index(drop=True)
    pdt.assert_frame_equal(pooled.table, rows, rtol=REL, atol=0)


def test_every_cell_equals_park_effect_called_directly(one_process, demo_db):
    run, _ = one_process
    table = run.table
    parks.clear_cache()  # estimate again, panels too, not from the batch's memos
    clear_panel_cache()
    with connect(demo_db, read_only=True) as con:
        for cell in cells():
            rows = table.loc[table["cell"] == cell.key]
            head = rows.loc[rows["term"] == "ATT"].iloc[0]
            effect = park_effect(con, cell.spec)
            assert head["status"] == "ok"
            for name in ("estimate", "ci_low", "ci_high", "p_value"):
                assert head[name] == pytest.approx(getattr(effect, name), rel=REL), name
            assert head["ci_method"] == effect.ci_method
            assert (head["n_obs"], head["n_units"]) == (effect.n_obs, effect.n_units)
            assert head["n_treated"] == len(effect.treated_units)
            assert head["outcome"] == cell.spec.outcome == effect.outcome.code
            assert head["effect_unit"] == "log_points"
            if cell.spec.method == "cs":
                _check_cohorts(rows, effect)
            else:
                _check_placebos(rows, effect, cell.spec.park_id)


def test_other_methods_are_cells_too_one_per_park_for_augmented_synthetic_control(demo_db):
    plan = plan_cells(["employment"], ["twfe", "ascm"], [BIG_PARK, NOT_STARTED])
    assert [(c.spec.method, c.spec.park_id) for c in plan] == [
        ("twfe", None),
        ("ascm", BIG_PARK),
        ("ascm", NOT_STARTED),
    ]
    table = run_batch(demo_db, plan).table
    assert list(table["status"]) == ["ok", "ok", "not_estimable"]
    parks.clear_cache()
    with connect(demo_db, read_only=True) as con:
        for cell, row in zip(plan[:2], table.itertuples(), strict=False):
            effect = park_effect(con, cell.spec)
            assert row.estimate == pytest.approx(effect.estimate, rel=REL)
            assert (row.ci_low, row.ci_high) == pytest.approx(
                (effect.ci_low, effect.ci_high), rel=REL
            )
            assert row.ci_method == effect.ci_method and row.p_value == effect.p_value
    ascm = table.iloc[1]
    assert (ascm["park_id"], ascm["unit"], ascm["cohort"]) == (BIG_PARK, "XD-05-003", "2019Q4")


def _check_cohorts(rows: pd.DataFrame, effect) -> None:
    """A row per park of the sample, with its unit's cohort ATT (CS group aggregation)."""
    groups = aggte(effect.att_gt, "group")
    by_cohort = {groups.label(g): row for g, row in zip(groups.table["group"],
                 groups.table.itertuples(), strict=True)}  # fmt: skip
    cohort_rows = rows.loc[rows["term"] == "cohort_ATT"]
    parks_in_sample = [p for ps in effect.treated_units["parks"] for p in ps.split(", ")]
    assert sorted(cohort_rows["park_id"]) == sorted(parks_in_sample)
    for row in cohort_rows.itertuples():
        unit = effect.treated_units.set_index("unit").loc[row.unit]
        assert row.park_id in unit["parks"] and row.cohort == unit["first_quarter"]
        expected = by_cohort[row.cohort]
        assert row.estimate == pytest.approx(expected.estimate, rel=REL)
        assert (row.ci_low, row.ci_high) == pytest.approx(
            (expected.ci_low, expected.ci_high), rel=REL
        )


def _check_placebos(rows: pd.DataFrame, effect, park_id: str) -> None:
    """The placebo rows are the donors the interval was built from: its half-width is the
    m-th largest placebo estimate in size, m = floor(alpha (J + 1)) (Conley & Taber)."""
    synthetic = effect.synthetic
    placebos = rows.loc[rows["term"] == "placebo"]
    assert set(placebos["park_id"]) == {park_id}
    assert sorted(placebos["unit"]) == sorted(synthetic.weights.index.astype(str))
    assert len(placebos) == synthetic.n_placebos
    post = synthetic.gaps["post"].to_numpy()
    own = synthetic.placebo_gaps.loc[post].mean(axis=0)
    got = placebos.set_index("unit")["estimate"]
    assert got.to_numpy() == pytest.approx(own[got.index].to_numpy(), rel=REL)
    sizes = np.sort(np.abs(got.to_numpy()))[::-1]
    m = math.floor(effect.alpha * (len(sizes) + 1))
    head = rows.loc[rows["term"] == "ATT"].iloc[0]
    assert head["ci_high"] - head["estimate"] == pytest.approx(sizes[m - 1], rel=1e-9)
    assert head["unit"] == str(synthetic.treated_unit)


@pytest.fixture
def counted(monkeypatch):
    """park_effect as the batch calls it, counting the cells it estimates."""
    calls: list[ParkEffectSpec] = []

    def counting(con, spec):
        calls.append(spec)
        return park_effect(con, spec)

    monkeypatch.setattr(batch_module, "park_effect", counting)
    return calls


def test_finished_cells_are_not_recomputed(one_process, demo_db, tmp_path, counted):
    run, out = one_process
    resumed = tmp_path / "resumed.parquet"
    shutil.copy(out, resumed)
    again = run_batch(demo_db, cells(), out=resumed)
    assert counted == [] and (again.reused, again.computed) == (6, 0)
    pdt.assert_frame_equal(read_table(resumed), run.table)
    # One more park: only its cell runs, and the file keeps the others untouched.
    more = plan_cells(["employment"], ["sc"], [NOT_STARTED])
    wider = run_batch(demo_db, cells() + more, out=resumed)
    assert [spec.park_id for spec in counted] == [NOT_STARTED]
    assert (wider.reused, wider.computed) == (6, 1)
    kept = read_table(resumed)
    pdt.assert_frame_equal(kept.loc[kept["cell"].isin({c.key for c in cells()})], run.table)


def test_cells_of_an_older_data_stamp_are_recomputed(demo_db, tmp_path, counted):
    plan = plan_cells(["employment"], ["sc"], [NOT_STARTED, NOT_FIRST])
    out = tmp_path / "stale.csv"
    first = run_batch(demo_db, plan, out=out)
    assert len(counted) == 2
    stale = read_table(out)
    stale.loc[0, "data_stamp"] = json.dumps([str(demo_db), 0, 0])  # as before an import
    stale.to_csv(out, index=False)
    again = run_batch(demo_db, plan, out=out)
    assert [spec.park_id for spec in counted[2:]] == [NOT_STARTED]
    pdt.assert_frame_equal(read_table(out), first.table)
    assert (again.reused, again.computed) == (1, 1)


def test_failed_and_interrupted_cells_are_computed_on_the_next_run(
    demo_db, tmp_path, monkeypatch, counted
):
    plan = plan_cells(["employment"], ["sc"], [NOT_STARTED, NOT_FIRST, "XD-P017"])
    out = tmp_path / "broken.parquet"
    real = batch_module.park_effect

    def broken_first(con, spec):
        if spec.park_id == NOT_STARTED:
            raise MemoryError("out of memory")
        return real(con, spec)

    monkeypatch.setattr(batch_module, "park_effect", broken_first)

    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(demo_db, plan, out=out, lang="uk", progress=stop_after_two)
    saved = read_table(out)
    assert list(saved["park_id"]) == [NOT_STARTED, NOT_FIRST]  # the two finished cells
    failed = saved.iloc[0]
    assert failed["status"] == "failed"
    assert failed["reason"] == t("effects_batch.failed", "uk", error="MemoryError: out of memory")
    assert "Traceback" not in failed["reason"]
    monkeypatch.setattr(batch_module, "park_effect", real)
    counted.clear()
    resumed = run_batch(demo_db, plan, out=out)
    assert (resumed.reused, resumed.computed) == (1, 2)  # the failed one and the third
    assert [spec.park_id for spec in counted] == [NOT_STARTED, "XD-P017"]
    assert set(resumed.table["status"]) == {"not_estimable"}
    assert list(resumed.table["park_id"]) == [NOT_STARTED, NOT_FIRST, "XD-P017"]


def test_a_cell_that_cannot_be_estimated_is_a_row_with_its_reason(demo_db, tmp_path, capsys):
    out = tmp_path / "reasons.csv"
    code = main("--db", str(demo_db), "--outcomes", "employment", "--methods", "sc",
                "--parks", f"{NOT_STARTED},{NOT_FIRST}", "-o", str(out), lang="ru")  # fmt: skip
    done = capsys.readouterr()
    assert code == 0, done.err
    table = read_table(out)
    assert list(table["status"]) == ["not_estimable", "not_estimable"]
    assert table["estimate"].isna().all()
    assert list(table["reason"]) == [
        t("effects_parks.park_not_started", "ru", park=NOT_STARTED),
        t("effects_parks.park_not_first", "ru", park=NOT_FIRST, first="2017Q2"),
    ]
    assert list(table["reason_key"]) == [
        "effects_parks.park_not_started",
        "effects_parks.park_not_first",
    ]
    assert json.loads(table["reason_params"].iloc[1]) == {"park": NOT_FIRST, "first": "2017Q2"}
    assert "оценено 0, нельзя оценить 2" in done.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--outcomes", "employment", "--parks", "XD-P999", "-o", "{dir}/r.parquet"), "XD-P999"),
        (("--outcomes", "happiness", "-o", "{dir}/r.parquet"), "happiness"),
        (("--outcomes", "employment", "--methods", "cs,bacon", "-o", "{dir}/r.parquet"),
         "bacon"),
        (("--outcomes", "employment", "-o", "{dir}/r.xlsx"), "r.xlsx"),
        (("--outcomes", "employment", "-o", "{dir}/missing/r.csv"), "missing"),
        (("--outcomes", "employment", "-o", "{dir}/r.csv", "--workers", "2",
          "--scheduler", "tcp://127.0.0.1:1"), "--scheduler"),
        (("--outcomes", "employment", "-o", "{dir}/r.csv", "--workers", "0"), "--workers"),
        (("--outcomes", "employment", "-o", "{dir}/r.csv", "--scheduler", "nowhere"), "nowhere"),
        (("--outcomes", "employment", "-o", "{dir}/junk.parquet"), "junk.parquet"),
        (("--outcomes", "employment"), "--output"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_in_the_users_language(demo_db, tmp_path, capsys, args, says):
    junk = tmp_path / "junk.parquet"
    junk.write_text("not a table")
    code = main("--db", str(demo_db), *(a.format(dir=tmp_path) for a in args), lang="uk")
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert junk.read_text() == "not a table"  # a file that is not a batch table stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.parquet"]
