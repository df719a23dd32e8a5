"""Batch estimation: every park x outcome x method in one tidy table, resumable, on local
processes or a Dask cluster.

A batch is a list of :class:`BatchCell` values, each one
:class:`~analytics.effects.park_spec.ParkEffectSpec` estimated by
:func:`~analytics.effects.parks.park_effect`, exactly as the Impact page and ``park-effect``
estimate it. :func:`plan_cells` makes the list: the panel-wide methods (CS, Sun-Abraham,
TWFE) give one cell per outcome x method, the one-park methods (synthetic control,
augmented synthetic control) one cell per outcome x method x park.
:func:`run_batch` estimates the cells and writes one table (:data:`COLUMNS`):

* **Rows** (``term``): "ATT", the cell's headline; "cohort_ATT" (CS), one row per park in the
  sample with the ATT of the cohort (the quarter its unit was first treated) that the park
  belongs to, R ``did``'s ``aggte(type = "group")``; "placebo" (synthetic control with
  ``placebos``), one row per donor refitted as if treated, with its mean post-period gap, the
  in-space placebos the interval is built from. A cell that cannot be estimated is one row
  with ``status`` "not_estimable" and its reason (``reason`` in the language asked for,
  ``reason_key``/``reason_params`` to put it into another); "failed" marks an unexpected
  error, kept as one line, never a traceback.
* **Stamp and parameters**: every row carries the data stamp
  (:func:`~analytics.effects.park_panel.data_stamp`, as JSON) its cell was estimated on, the
  cell's parameters (:meth:`ParkEffectSpec.to_dict`) and ``cell``, their JSON, the key of
  resumption.
* **Resumable**: cells already in ``out`` for the current data stamp are taken from it, not
  recomputed ("failed" cells are retried); rows of an older stamp are replaced. While it runs,
  the table is rewritten (to a temporary file, then renamed) every :data:`CHECKPOINT_SECONDS`,
  so an interrupted batch keeps what it finished.
* **Where it runs**: in this process (``workers=1``), on ``workers`` local processes
  (:class:`concurrent.futures.ProcessPoolExecutor`), or on a Dask distributed cluster
  (``client``; its executor gives the same futures). A task (:func:`tasks`: a panel-wide cell,
  or up to :data:`CELLS_PER_TASK` one-park cells) is given the warehouse's path and
  opens it read-only itself for its cells only, so workers share no connection and an import
  waits seconds, not for the batch. Workers on other machines need the project installed and
  the warehouse at the same path, and their Nanny :data:`DASK_WORKER_ENVIRON`. The panel every one-park cell of an outcome starts
  from is built once per worker (:func:`~analytics.effects.park_panel.park_panel`'s memo).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.effects.cs import aggte
from analytics.effects.park_panel import data_stamp, outcome_indicator
from analytics.effects.park_result import ParkEffect
from analytics.effects.park_spec import METHODS, ONE_PARK_METHODS, ParkEffectSpec
from analytics.effects.parks import park_effect
from analytics.effects.synth_inference import placebo_estimates
from analytics.errors import UserError
from analytics.warehouse.connection import connect

PANEL_METHODS: tuple[str, ...] = tuple(m for m in METHODS if m not in ONE_PARK_METHODS)
STATUSES = ("ok", "not_estimable", "failed")
TERMS = ("ATT", "cohort_ATT", "placebo")
SUFFIXES = (".parquet", ".csv")
CHECKPOINT_SECONDS = 10.0
# One-park cells per task: opening the warehouse costs about a tenth of a cell, and
# four cells (a few seconds) still leave a writer waiting only briefly and the workers
# evenly loaded.
CELLS_PER_TASK = 4
# What the Nanny of a Dask worker running batches should give it
# (``distributed.nanny.pre-spawn-environ``): with distributed's default MALLOC_TRIM_THRESHOLD_
# of 64 KiB glibc hands memory back after almost every array a synthetic control allocates;
# on the demo that made a Dask worker's synthetic-control cells 1.7x slower than this process.
DASK_WORKER_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": 128 * 2**20}
# Each worker process runs one BLAS thread: N processes x M threads would oversubscribe
# the cores the workers already share.
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_PARAMETERS = {
    "outcome": "str",
    "level": "str",
    "method": "str",
    "treatment": "str",
    "control": "str",
    "est_method": "str",
    "transform": "str",
    "aggregation": "str",
    "park_types": "str",
    "start": "str",
    "end": "str",
    "bootstrap": "Int64",
    "seed": "Int64",
    "alpha": "float64",
    "placebos": "boolean",
}
# The table's columns and their types, in order (a CSV is read back with these types).
COLUMNS: dict[str, str] = {
    "data_stamp": "str",
    "cell": "str",
    "status": "str",
    **_PARAMETERS,
    "term": "str",
    "park_id": "str",
    "unit": "str",
    "cohort": "str",
    "estimate": "float64",
    "se": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "ci_method": "str",
    "p_value": "float64",
    "n_obs": "Int64",
    "n_units": "Int64",
    "n_treated": "Int64",
    "effect_unit": "str",
    "pre_rmspe": "float64",
    "post_pre_ratio": "float64",
    "warnings": "str",
    "reason": "str",
    "reason_key": "str",
    "reason_params": "str",
}


@dataclass(frozen=True)
class BatchCell:
    """One estimate of a batch: a park effect's specification and, for synthetic control,
    whether its placebos are written as rows of their own."""

    spec: ParkEffectSpec
    placebos: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "placebos", bool(self.placebos) and self.spec.method == "sc")

    def parameters(self) -> dict[str, Any]:
        """The cell's parameters as the table's columns hold them."""
        spec = self.spec.to_dict()
        types = spec.pop("park_types")
        spec.pop("park_id")
        park_types = None if types is None else ",".join(types)
        return {**spec, "park_types": park_types, "placebos": self.placebos}

    @property
    def key(self) -> str:
        """The cell's parameters as JSON: what resumption matches on."""
        return json.dumps({**self.spec.to_dict(), "placebos": self.placebos}, sort_keys=True)


@dataclass(frozen=True)
class BatchRun:
    """What :func:`run_batch` did: ``table`` holds every row of the output (taken from the
    file and computed), ``stamp`` the data stamp at the start, ``computed`` and ``reused``
    count cells, ``changed`` the cells estimated on a newer stamp (an import during the
    batch)."""

    table: pd.DataFrame
    stamp: tuple[str, int, int]
    cells: tuple[BatchCell, ...]
    computed: int
    reused: int
    changed: int
    seconds: float
    path: Path | None = None

    def status_counts(self) -> dict[str, int]:
        """Cells of this batch by status (each cell counted once)."""
        keys = {cell.key for cell in self.cells}
        rows = self.table.loc[self.table["cell"].isin(keys)].drop_duplicates("cell")
        counts = rows["status"].value_counts()
        return {status: int(counts.get(status, 0)) for status in STATUSES}


def dask_worker_config() -> dict[str, Any]:
    """:data:`DASK_WORKER_ENVIRON` as Dask configuration, for ``dask.config.set`` around
    starting a cluster's workers."""
    return {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in DASK_WORKER_ENVIRON.items()}


# --------------------------------------------------------------------------------------------
# The plan


def park_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every park in the registry, in its order."""
    return [row[0] for row in con.execute("SELECT park_id FROM park ORDER BY park_id").fetchall()]


def check_request(
    con: duckdb.DuckDBPyConnection, level: str, outcomes: Sequence[str], parks: Sequence[str]
) -> None:
    """A UserError for the first outcome that is not an area indicator of ``level`` or for
    the parks not in the registry, before anything runs."""
    for outcome in outcomes:
        outcome_indicator(con, level, outcome)
    unknown = sorted(set(parks) - set(park_ids(con)))
    if unknown:
        raise UserError("effects_batch.unknown_parks", parks=", ".join(unknown))


def plan_cells(
    outcomes: Iterable[str],
    methods: Iterable[str],
    parks: Iterable[str],
    *,
    base: ParkEffectSpec | None = None,
    placebos: bool = False,
) -> list[BatchCell]:
    """The cells of a batch: one per outcome x panel-wide method, one per outcome x one-park
    method (:data:`~analytics.effects.park_spec.ONE_PARK_METHODS`) x park, each the ``base`` specification (its options: level, treatment,
    quarters, ...) with the outcome, method and park put in. Panel-wide cells come first:
    they take longest, and started first they keep the workers busy to the end."""
    outcomes, methods, parks = list(outcomes), list(methods), list(parks)
    base = base or ParkEffectSpec(outcome=outcomes[0] if outcomes else "")

    def cell(outcome: str, method: str, park_id: str | None = None) -> BatchCell:
        spec = dataclasses.replace(base, outcome=outcome, method=method, park_id=park_id)
        return BatchCell(spec, placebos=placebos)

    panel = [cell(o, m) for o in outcomes for m in methods if m in PANEL_METHODS]
    one_park = [m for m in methods if m in ONE_PARK_METHODS]
    per_park = [cell(o, m, p) for o in outcomes for m in one_park for p in parks]
    return panel + per_park


# --------------------------------------------------------------------------------------------
# One cell (runs in a worker)


Row = dict[str, Any]


def estimate_cells(db_path: str, cells: Sequence[BatchCell], lang: str = "en") -> list[list[Row]]:
    """The rows of each cell (dicts keyed by :data:`COLUMNS`), estimated on the warehouse at
    ``db_path``, opened read-only here, in the worker, once for these cells. Never raises for
    a cell's own trouble: a reason the user can act on makes a "not_estimable" row, anything
    else a "failed" one. Plain rows, not frames: they travel between processes cheaply and
    are typed once, with the whole table."""
    return list(_each_estimated(db_path, cells, lang))


def _each_estimated(db_path: str, cells: Sequence[BatchCell], lang: str) -> Iterator[list[Row]]:
    try:
        con = connect(db_path, read_only=True)
    except Exception as exc:  # the warehouse is missing or held: the next run tries again
        for cell in cells:
            yield _failed_rows(cell, "effects_batch.failed", exc, lang)
        return
    with con:
        for cell in cells:
            yield _estimate(con, cell, lang)


def _estimate(con: duckdb.DuckDBPyConnection, cell: BatchCell, lang: str) -> list[Row]:
    try:
        stamp = data_stamp(con)
        try:
            effect = park_effect(con, cell.spec)
        except UserError as exc:
            return _status_rows(cell, stamp, "not_estimable", exc, lang)
        return _rows(cell, stamp, _effect_rows(effect, cell, lang))
    except Exception as exc:  # one cell's failure must not end the batch
        return _failed_rows(cell, "effects_batch.failed", exc, lang)


def tasks(cells: Sequence[BatchCell]) -> list[list[BatchCell]]:
    """The cells as tasks: a panel-wide cell alone (it takes seconds), one-park cells in
    runs of :data:`CELLS_PER_TASK` sharing one open of the warehouse."""
    out: list[list[BatchCell]] = []
    run: list[BatchCell] = []
    for cell in cells:
        if cell.spec.method in PANEL_METHODS:
            out.append([cell])
            continue
        run.append(cell)
        if len(run) == CELLS_PER_TASK:
            out.append(run)
            run = []
    return out + ([run] if run else [])


def _effect_rows(effect: ParkEffect, cell: BatchCell, lang: str) -> list[dict[str, Any]]:
    synthetic = effect.synthetic
    head = {
        "term": "ATT",
        "estimate": effect.estimate,
        "se": effect.se,
        "ci_low": effect.ci_low,
        "ci_high": effect.ci_high,
        "ci_method": effect.ci_method,
        "p_value": effect.p_value,
        "n_obs": effect.n_obs,
        "n_units": effect.n_units,
        "n_treated": len(effect.treated_units),
        "warnings": " | ".join(effect.warnings_in(lang)) or None,
    }
    if cell.spec.park_id is not None and not effect.treated_units.empty:
        # A one-park method's sample treats the park's unit only, from its opening.
        treated = effect.treated_units.iloc[0]
        head |= {
            "park_id": cell.spec.park_id,
            "unit": treated.unit,
            "cohort": treated.first_quarter,
        }
    if synthetic is not None:
        head |= {"pre_rmspe": synthetic.pre_rmspe, "post_pre_ratio": synthetic.post_pre_ratio}
    rows = [head]
    if effect.att_gt is not None:
        rows += _cohort_rows(effect)
    if synthetic is not None and cell.placebos:
        rows += _placebo_rows(effect, cell.spec.park_id)
    unit = effect.outcome.effect_unit
    return [row | {"effect_unit": unit} for row in rows]


def _cohort_rows(effect: ParkEffect) -> list[dict[str, Any]]:
    """One row per park of the sample: the ATT of its unit's cohort (CS group aggregation)."""
    try:
        groups = aggte(effect.att_gt, "group", alpha=effect.alpha)
    except UserError:
        return []  # no cohort has post-treatment cells: the headline row says what there is
    terms = groups.tidy().iloc[1:].reset_index(drop=True)
    terms["cohort"] = [groups.label(g) for g in groups.table["group"]]
    by_cohort = terms.set_index("cohort")
    rows = []
    for treated in effect.treated_units.itertuples(index=False):
        if treated.first_quarter not in by_cohort.index:
            continue
        cohort = by_cohort.loc[treated.first_quarter]
        for park_id in str(treated.parks).split(", "):
            rows.append(
                {
                    "term": "cohort_ATT",
                    "park_id": park_id,
                    "unit": treated.unit,
                    "cohort": treated.first_quarter,
                    "estimate": cohort["estimate"],
                    "se": cohort["se"],
                    "ci_low": cohort["ci_low"],
                    "ci_high": cohort["ci_high"],
                    "ci_method": groups.ci_method,
                    "p_value": cohort["p_value"],
                }
            )
    return rows


def _placebo_rows(effect: ParkEffect, park_id: str | None) -> list[Row]:
    """Each donor refitted as if treated: its mean post-period gap (the estimate the
    placebo-estimate interval compares the park's with) and its post/pre RMSPE ratio."""
    synthetic = effect.synthetic
    post = synthetic.gaps["post"].to_numpy()
    estimates = placebo_estimates(synthetic.placebo_gaps, post)
    fit = synthetic.placebo_table.set_index("unit").reindex(estimates.index)
    return [
        {
            "term": "placebo",
            "park_id": park_id,
            "unit": str(unit),
            "cohort": str(synthetic.treatment_start),
            "estimate": float(value),
            "pre_rmspe": float(pre),
            "post_pre_ratio": float(ratio),
        }
        for unit, value, pre, ratio in zip(
            estimates.index,
            estimates.to_numpy(),
            fit["pre_rmspe"].to_numpy(),
            fit["post_pre_ratio"].to_numpy(),
            strict=True,
        )
    ]


def _rows(cell: BatchCell, stamp: Sequence[Any], rows: list[Row]) -> list[Row]:
    common = {"data_stamp": json.dumps(list(stamp)), "cell": cell.key, **cell.parameters()}
    return [{"status": "ok", **common, **row} for row in rows]


def _status_rows(
    cell: BatchCell, stamp: Sequence[Any] | None, status: str, error: UserError, lang: str
) -> list[Row]:
    row = {
        "status": status,
        "term": "ATT",
        "park_id": cell.spec.park_id,
        "reason": error.message(lang),
        "reason_key": error.key,
        "reason_params": json.dumps(error.params, ensure_ascii=False, default=str),
    }
    return _rows(cell, stamp or ("", 0, 0), [row])


def _failed_rows(cell: BatchCell, key: str, exc: BaseException, lang: str) -> list[Row]:
    # The error's own text is English (an unexpected error has no catalogue entry); the
    # sentence around it, and what to do, are in the user's language.
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return _status_rows(cell, None, "failed", UserError(key, error=text), lang)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of :data:`COLUMNS`, in order and of its type."""
    out = frame.reindex(columns=list(COLUMNS))
    for name, dtype in COLUMNS.items():
        if out[name].dtype != dtype:  # None and NaN become the type's missing value
            out[name] = out[name].astype(dtype)
    return out


# --------------------------------------------------------------------------------------------
# The batch


def run_batch(
    db_path: str | Path,
    cells: Sequence[BatchCell],
    *,
    client: Any = None,
    workers: int = 1,
    out: str | Path | None = None,
    lang: str = "en",
    progress: Callable[[int, int], None] | None = None,
) -> BatchRun:
    """Estimate ``cells`` on the warehouse at ``db_path`` and, with ``out`` (.parquet or
    .csv), write the table there, taking the cells it already holds for the current data
    stamp (see the module docstring). ``client``: a ``distributed.Client`` to run on;
    otherwise ``workers`` local processes (1: this process). ``progress(done, total)`` hears
    of each finished cell."""
    started = time.perf_counter()
    path = str(Path(db_path).absolute())
    out_path = None if out is None else check_output(out)
    with connect(path, read_only=True) as con:
        stamp = data_stamp(con)
    stamp_text = json.dumps(list(stamp))
    gathered = _Gathered(cells, _reusable(read_table(out_path) if out_path else None, stamp_text))
    pending = [cell for cell in cells if cell.key not in gathered.done]
    reused = len(cells) - len(pending)
    last_write = time.monotonic()
    try:
        for finished, rows in enumerate(_estimates(path, pending, client, workers, lang), 1):
            gathered.done[rows[0]["cell"]] = rows
            if progress is not None:
                progress(finished, len(pending))
            if out_path and time.monotonic() - last_write > CHECKPOINT_SECONDS:
                write_table(gathered.table(), out_path)
                last_write = time.monotonic()
    finally:
        result = gathered.table()
        if out_path is not None:
            write_table(result, out_path)
    new = result.loc[result["cell"].isin({cell.key for cell in pending})]
    newer = new.loc[(new["status"] != "failed") & (new["data_stamp"] != stamp_text), "cell"]
    return BatchRun(
        table=result,
        stamp=stamp,
        cells=tuple(cells),
        computed=len(pending),
        reused=reused,
        changed=newer.nunique(),
        seconds=time.perf_counter() - started,
        path=out_path,
    )


class _Gathered:
    """The table as it grows: the file's rows still true (other batches' cells first, then
    this batch's in its order) and each cell's rows as they arrive."""

    def __init__(self, cells: Sequence[BatchCell], kept: pd.DataFrame) -> None:
        self.cells = cells
        planned = {cell.key for cell in cells}
        self.others = kept.loc[~kept["cell"].isin(planned)]
        ours = kept.loc[kept["cell"].isin(planned)]
        self.done: dict[str, pd.DataFrame | list[Row]] = dict(
            iter(ours.groupby("cell", sort=False))
        )

    def table(self) -> pd.DataFrame:
        parts = [self.others]
        for cell in self.cells:
            rows = self.done.get(cell.key)
            if isinstance(rows, list):
                rows = pd.DataFrame(rows, columns=list(COLUMNS))
            if rows is not None:
                parts.append(rows)
        return typed(pd.concat(parts, ignore_index=True))


def _estimates(
    db_path: str, cells: Sequence[BatchCell], client: Any, workers: int, lang: str
) -> Iterator[list[Row]]:
    """Each cell's rows as it finishes: here, in local processes or on the Dask cluster."""
    if not cells:
        return
    if client is None and workers <= 1:
        for task in tasks(cells):
            yield from _each_estimated(db_path, task, lang)
        return
    work = tasks(cells)
    with _executor(client, min(workers, len(work))) as executor:
        futures = {executor.submit(estimate_cells, db_path, task, lang): task for task in work}
        try:
            for future in cf.as_completed(futures):
                try:
                    yield from future.result()
                except Exception as exc:  # the worker itself died (killed, out of memory)
                    for cell in futures[future]:
                        yield _failed_rows(cell, "effects_batch.worker_lost", exc, lang)
        finally:
            for future in futures:
                future.cancel()


@contextlib.contextmanager
def _executor(client: Any, workers: int) -> Iterator[cf.Executor]:
    if client is not None:
        # Dask's executor gives concurrent.futures futures; pure=False: every task runs
        # even where two look alike to Dask's hashing.
        executor = client.get_executor(pure=False)
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)
        return
    # spawn, not fork: the parent has had DuckDB's and BLAS's threads running, and a forked
    # child may inherit their locks held. The pool starts its processes as tasks arrive, so
    # the one-thread setting stays while it lives.
    context = multiprocessing.get_context("spawn")
    with _one_blas_thread(), cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield pool


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Children started inside see one BLAS thread unless the user chose otherwise."""
    saved = {name: os.environ.get(name) for name in _ONE_THREAD}
    for name in _ONE_THREAD:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


# --------------------------------------------------------------------------------------------
# The file


def check_output(out: str | Path) -> Path:
    """The output path, refused unless it ends in .parquet or .csv in a folder that exists."""
    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError("effects_batch.bad_output", path=str(path))
    if not path.parent.resolve().is_dir():
        raise UserError("effects_batch.no_folder", folder=str(path.parent))
    return path


def read_table(path: Path) -> pd.DataFrame | None:
    """The batch table in ``path``; None when there is none yet; a UserError when the file is
    not one (it is never overwritten then)."""
    if not path.exists():
        return None
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype={"data_stamp": "str", "cell": "str"})
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:
        raise UserError(
            "effects_batch.unreadable_output", path=str(path), error=type(exc).__name__
        ) from None
    missing = [name for name in ("data_stamp", "cell", "status") if name not in frame.columns]
    if missing:
        raise UserError("effects_batch.unreadable_output", path=str(path), error=", ".join(missing))
    return typed(frame)


def _reusable(table: pd.DataFrame | None, stamp_text: str) -> pd.DataFrame:
    """The rows of ``table`` still true: of the current stamp and not failed."""
    if table is None:
        return typed(pd.DataFrame())
    keep = (table["data_stamp"] == stamp_text) & (table["status"] != "failed")
    return table.loc[keep.fillna(False)].reset_index(drop=True)


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` whole or not at all: to a temporary file beside ``path``, renamed."""
    partial = path.with_name(f".{path.name}.partial")
    if path.suffix.lower() == ".csv":
        table.to_csv(partial, index=False)
    else:
        table.to_parquet(partial, index=False, engine="pyarrow")
    os.replace(partial, path)
