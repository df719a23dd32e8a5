"""Starting an empty warehouse for a real country: ``python -m analytics init --country UA``.

The new file has every migration, the indicator catalogue and the country's first-level
subdivisions in the region registry (one batch, its source recorded like any import); the
compliance rules of the jurisdiction are those of ``data/compliance.yml`` for the country.
Nothing is written over a warehouse that holds data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pycountry

from analytics.errors import UserError
from analytics.policy.compliance import load_config
from analytics.registries.subdivisions import check_country, country, subdivisions
from analytics.warehouse.build import append_raw, build, frame_checksum, register_source
from analytics.warehouse.connection import connect
from analytics.warehouse.sharing import open_duckdb

LOADED_BY = "python -m analytics init"
PRODUCER = "ISO 3166-2 (pycountry {version}); national classifiers (data/registries)"
TITLES = {
    "RU": "First-level subdivisions of Russia (ISO 3166-2:RU) with OKATO codes",
    "UA": "First-level subdivisions of Ukraine (ISO 3166-2:UA) with KATOTTH codes",
}
LICENCE = "ISO codes: LGPL-2.1 (iso-codes via pycountry); codes and names: see data/sources.yml"


@dataclass(frozen=True)
class InitSummary:
    path: Path
    country: str
    regions: int
    rules: int


def db_path(target: str | Path) -> Path:
    """The DuckDB file a ``--db`` value names: a path, or a ``duckdb:///path`` URL."""
    text = str(target)
    if "://" not in text:
        return Path(text)
    scheme, _, rest = text.partition("://")
    if scheme != "duckdb":
        raise UserError("registries.init.bad_url", url=text)
    return Path(rest)


def _has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    con = open_duckdb(path, read_only=True)  # waits while another program writes to it
    try:
        sql = "SELECT table_name FROM information_schema.tables"
        tables = {r[0] for r in con.execute(sql).fetchall()}
        if not tables:
            return False
        if "source" not in tables:
            return True  # some other database: not ours to overwrite
        return bool(con.execute("SELECT count(*) FROM source").fetchone()[0])
    finally:
        con.close()


def init_warehouse(target: str | Path, country_code: str) -> InitSummary:
    """Create the warehouse at ``target`` for ``country_code`` (RU or UA), all or nothing.

    Raises UserError when the file already holds data (it is left untouched)."""
    check_country(country_code)
    path = db_path(target)
    if _has_data(path):
        raise UserError("registries.init.not_empty", path=str(path))
    regions = subdivisions(country_code)
    rules = len(load_config().for_jurisdiction(country_code))
    con = connect(path)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            info = country(country_code)
            con.execute(
                "INSERT INTO country (code, name_ru, name_uk, name_en, currency) "
                "VALUES (?, ?, ?, ?, ?)",
                [info.code, info.name_ru, info.name_uk, info.name_en, info.currency],
            )
            con.execute("INSERT INTO warehouse_country (country_code) VALUES (?)", [country_code])
            source_id = register_source(
                con,
                kind="region",
                producer=PRODUCER.format(version=pycountry_version()),
                title=TITLES[country_code],
                url="https://pypi.org/project/pycountry/",
                licence=LICENCE,
                checksum=frame_checksum(regions),
                simulated=False,
                loaded_by=LOADED_BY,
            )
            append_raw(con, "region", regions, source_id)
            build(con, transaction=False)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return InitSummary(path, country_code, len(regions), rules)


def pycountry_version() -> str:
    from importlib.metadata import version

    return version(pycountry.__name__)
