"""A batch's table for a reader: every park's effect on one outcome by one method, for the
data as they are now (the Impact page's "every park at a glance").

``effects-batch`` (:mod:`analytics.effects.batch`) writes its tables wherever ``-o`` says; the
app looks for them in one folder, :func:`batch_folder`: ``PARKS_BATCHES`` if set, else
``batches/`` beside the warehouse file (``data/batches`` for a warehouse on a server). Every
``.parquet`` and ``.csv`` table there is read (:func:`analytics.effects.batch.read_table`), and
only rows estimated on the current data stamp are kept: a batch of older data is not shown as
today's. Where two files hold the same cell, the newer file's rows win.

:func:`park_batch_view` picks one outcome, method and specification (level, treatment,
transform) and gives one row per park: for the one-park methods each park's own estimate,
for Callaway & Sant'Anna the ATT of the cohort the park's unit belongs to, for the other
panel methods (one estimate for all parks) the headline alone. Parks that could not be
estimated keep their row with the reason, as the batch stated it, in the reader's language.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.effects.batch import SUFFIXES, read_table
from analytics.effects.park_spec import ONE_PARK_METHODS
from analytics.errors import UserError

BATCH_FOLDER = "batches"
VIEW_COLUMNS = [
    "park_id",
    "unit",
    "cohort",
    "status",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "effect_unit",
    "reason",
]


def batch_folder(db_path: str | os.PathLike) -> Path:
    """Where the app finds batch tables (see the module docstring)."""
    setting = os.environ.get("PARKS_BATCHES")
    if setting:
        return Path(setting)
    text = str(db_path)
    if "://" in text:  # a warehouse on a server has no folder of its own
        return Path("data") / BATCH_FOLDER
    return Path(text).resolve().parent / BATCH_FOLDER


def current_batches(folder: Path, stamp: tuple[str, int, int]) -> pd.DataFrame:
    """The rows of every batch table in ``folder`` estimated on ``stamp`` (empty when there
    is none); unreadable files are passed over (they are not this app's to repair)."""
    stamp_text = json.dumps(list(stamp))
    files = sorted(
        (p for p in folder.glob("*") if p.suffix.lower() in SUFFIXES and p.is_file()),
        key=lambda p: p.stat().st_mtime,
    )
    frames = []
    for order, path in enumerate(files):
        try:
            table = read_table(path)
        except UserError:
            continue
        if table is None:
            continue
        rows = table.loc[(table["data_stamp"] == stamp_text).fillna(False)]
        frames.append(rows.assign(file=path.name, file_order=order))
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    newest = rows.groupby("cell")["file_order"].transform("max")
    return rows.loc[rows["file_order"] == newest].reset_index(drop=True)


@dataclass(frozen=True)
class BatchView:
    """One outcome x method of the current batches: ``table`` (:data:`VIEW_COLUMNS`, one
    row per park, or the headline alone), the ``headline`` row of a panel method (None for
    one-park methods), the ``files`` it comes from and the interval's ``alpha``."""

    table: pd.DataFrame
    headline: pd.Series | None
    files: tuple[str, ...]
    alpha: float
    per_park: bool


def park_batch_view(
    rows: pd.DataFrame,
    *,
    outcome: str,
    method: str,
    level: str,
    treatment: str,
    transform: str,
    lang: str,
) -> BatchView | None:
    """The view of ``rows`` (:func:`current_batches`) for the choices; None when no batch
    holds them."""
    if rows.empty:
        return None
    chosen = rows.loc[
        (rows["outcome"] == outcome)
        & (rows["method"] == method)
        & (rows["level"] == level)
        & (rows["treatment"] == treatment)
        & (rows["transform"] == transform)
    ]
    if chosen.empty:
        return None
    chosen = chosen.assign(reason=[_reason(r, lang) for r in chosen.to_dict("records")])
    heads = chosen.loc[chosen["term"] == "ATT"]
    files = tuple(dict.fromkeys(chosen["file"]))
    alpha = float(chosen["alpha"].dropna().iloc[0]) if chosen["alpha"].notna().any() else 0.05
    if method in ONE_PARK_METHODS:
        table = heads.sort_values("park_id")
        return BatchView(_view(table), None, files, alpha, per_park=True)
    headline = heads.iloc[0] if len(heads) else None
    cohorts = chosen.loc[chosen["term"] == "cohort_ATT"].sort_values(["cohort", "park_id"])
    table = cohorts if len(cohorts) else heads
    return BatchView(_view(table), headline, files, alpha, per_park=bool(len(cohorts)))


def _view(table: pd.DataFrame) -> pd.DataFrame:
    return table.reindex(columns=VIEW_COLUMNS).reset_index(drop=True)


def _reason(row: dict, lang: str) -> str | None:
    """The batch's reason in ``lang`` (its catalogue code and parameters), else as written."""
    key = row.get("reason_key")
    if not isinstance(key, str) or not key:
        return None
    try:
        params = json.loads(row.get("reason_params") or "{}")
        return UserError(key, **params).message(lang)
    except (ValueError, KeyError, TypeError):
        return row.get("reason")
