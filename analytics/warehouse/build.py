"""Loading batches into raw tables and rebuilding staging views and marts from them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from analytics.i18n import YAML_LOADER

SQL_DIR = Path(__file__).with_name("sql")
SEEDS_DIR = Path(__file__).with_name("seeds")
LANG_SUFFIXES = ("ru", "uk", "en")


def indicator_catalogue() -> pd.DataFrame:
    """The indicator seed as a frame with one row per (entity, code).

    Area statistics (``area`` in the seed) apply to both regions and municipalities.
    Derived indicators (KPIs) carry ``kind: derived`` and a ``formula`` in ru/uk/en.
    Annual statistics carry their ``source`` in ru/uk/en, the ``titles`` that name them in a
    statistics table (a tuple of phrases, any language) and their ``quarterly`` counterpart.
    """
    text = (SEEDS_DIR / "indicators.yml").read_text(encoding="utf-8")
    seed = yaml.load(text, Loader=YAML_LOADER)
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
                    row[f"source_{lang}"] = spec.get("source", {}).get(lang)
                titles = spec.get("titles", {})
                row["titles"] = tuple(p for lang in LANG_SUFFIXES for p in titles.get(lang, ()))
                row["quarterly"] = spec.get("quarterly")
                rows.append(row)
    return pd.DataFrame(rows)


def load_seeds(con: duckdb.DuckDBPyConnection) -> None:
    stored = {r[0] for r in con.execute("DESCRIBE indicator").fetchall()}
    catalogue = indicator_catalogue()
    catalogue = catalogue[[c for c in catalogue.columns if c in stored]]  # not intake's titles
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


def _run_touched(con: duckdb.DuckDBPyConnection, tables: Collection[str]) -> None:
    """The staging views and marts of ``tables`` (raw table names without ``raw_``), then
    every mart whose SQL reads a rebuilt one, until nothing more depends on them."""
    rebuilt = {f"stg_{t}" for t in tables}
    for name in sorted(rebuilt):
        path = SQL_DIR / "staging" / f"{name}.sql"
        if path.exists():
            con.execute(path.read_text(encoding="utf-8"))
    marts = {
        p.stem: p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "marts").glob("*.sql"))
    }
    done: set[str] = set()
    while True:
        todo = [
            name
            for name, sql in marts.items()
            if name not in done and any(re.search(rf"\b{r}\b", sql) for r in rebuilt)
        ]
        if not todo:
            return
        for name in todo:
            con.execute(marts[name])
            done.add(name)
            rebuilt.add(name)


@cache
def build_digest() -> str:
    """A digest of everything a full build reads besides the raw tables: the staging and mart
    SQL and the seeds. Stored in ``build_stamp`` by each full build."""
    digest = hashlib.sha256()
    for path in sorted(
        [*SQL_DIR.glob("staging/*.sql"), *SQL_DIR.glob("marts/*.sql"), *SEEDS_DIR.rglob("*.yml")]
    ):
        digest.update(path.relative_to(SQL_DIR.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def built_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's staging views, marts and seeds are this program's."""
    row = con.execute("SELECT max(digest) FROM build_stamp").fetchone()
    return row[0] == build_digest()


def _stamp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM build_stamp")
    con.execute("INSERT INTO build_stamp (digest) VALUES (?)", [build_digest()])


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    transaction: bool = True,
    tables: Collection[str] | None = None,
) -> None:
    """Reload seeds and rebuild staging views and marts from the raw tables, atomically.

    ``transaction=False`` runs inside the caller's open transaction (an import commits its
    rows and marts together). ``tables`` (raw table names without ``raw_``) limits the
    rebuild to their staging views and the marts that read them; seeds are left as they are.
    """
    if transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        if tables is None:
            load_seeds(con)
            _run_sql_folder(con, "staging")
            _run_sql_folder(con, "marts")
            _stamp(con)
        else:
            _run_touched(con, tables)
        if transaction:
            con.execute("COMMIT")
    except Exception:
        if transaction:
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
