"""Loading batches into raw tables and rebuilding staging views and marts from them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

SQL_DIR = Path(__file__).with_name("sql")
SEEDS_DIR = Path(__file__).with_name("seeds")
LANG_SUFFIXES = ("ru", "uk", "en")


def indicator_catalogue() -> pd.DataFrame:
    """The indicator seed as a frame with one row per (entity, code).

    Area statistics (``area`` in the seed) apply to both regions and municipalities.
    Derived indicators (KPIs) carry ``kind: derived`` and a ``formula`` in ru/uk/en.
    """
    seed = yaml.safe_load((SEEDS_DIR / "indicators.yml").read_text(encoding="utf-8"))
    rows = []
    for group, entries in seed.items():
        entities = ["park"] if group == "park" else ["region", "municipality"]
        for code, spec in entries.items():
            for entity in entities:
                row: dict[str, Any] = {"entity": entity, "code": code}
                for key in ("unit", "scale", "frequency", "direction", "aggregation"):
                    row[key] = spec[key]
                row["kind"] = spec.get("kind", "reported")
                for lang in LANG_SUFFIXES:
                    row[f"name_{lang}"] = spec["name"][lang]
                    row[f"description_{lang}"] = spec["description"][lang]
                    row[f"formula_{lang}"] = spec.get("formula", {}).get(lang)
                rows.append(row)
    return pd.DataFrame(rows)


def load_seeds(con: duckdb.DuckDBPyConnection) -> None:
    catalogue = indicator_catalogue()
    con.execute("DELETE FROM indicator")
    con.register("indicator_seed", catalogue)
    try:
        cols = ", ".join(catalogue.columns)
        con.execute(f"INSERT INTO indicator ({cols}) SELECT {cols} FROM indicator_seed")
    finally:
        con.unregister("indicator_seed")


def _run_sql_folder(con: duckdb.DuckDBPyConnection, folder: str) -> None:
    for path in sorted((SQL_DIR / folder).glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Reload seeds and rebuild staging views and marts from the raw tables, atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        load_seeds(con)
        _run_sql_folder(con, "staging")
        _run_sql_folder(con, "marts")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def frame_checksum(*frames: pd.DataFrame) -> str:
    """A sha256 over the frames' contents, for batches that do not come from a file."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
        digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()


def register_source(con: duckdb.DuckDBPyConnection, **fields: Any) -> int:
    """Record the origin of a batch and return its source_id."""
    names = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return con.execute(
        f"INSERT INTO source ({names}) VALUES ({marks}) RETURNING source_id", list(fields.values())
    ).fetchone()[0]


def append_raw(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, source_id: int
) -> int:
    """Append ``frame`` to ``raw_<table>`` under ``source_id``; columns are matched by name."""
    target = f"raw_{table}"
    known = {r[0] for r in con.execute(f"DESCRIBE {target}").fetchall()}
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise ValueError(f"{target} has no columns {unknown}")
    batch = frame.assign(source_id=source_id)
    cols = ", ".join(f'"{c}"' for c in batch.columns)
    view = f"batch_{table}"
    con.register(view, batch)
    try:
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)
    return len(batch)
