"""The `demo` command: build the simulated demo warehouse, never silently over real data."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from analytics.demo.generator import DEFAULT_SEED
from analytics.demo.load import write_demo
from analytics.errors import UserError
from analytics.i18n import fmt_number, t
from analytics.warehouse.connection import connect, default_db_path
from analytics.warehouse.server_url import is_server_url, shown
from analytics.warehouse.sharing import open_duckdb


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo",
        help="build the simulated demo database (invented country, parks and planted effects)",
    )
    demo.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"random seed, a whole number >= 0 (default {DEFAULT_SEED})",
    )
    demo.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace the file even if it holds data that are not simulated",
    )
    demo.set_defaults(handler=run_demo)


def _seed(text: str) -> int:
    """numpy seeds are non-negative integers; argparse reports anything else as a usage error."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def real_sources(path: Path | str) -> int:
    """How many non-simulated sources the warehouse at ``path`` holds (0 for a missing file).

    Opened read-only without migrating, so inspecting never changes the file (or the server
    database a URL names). A file that cannot be read as a warehouse raises UserError: it
    may hold anything.
    """
    if is_server_url(path):
        from analytics.warehouse.postgres import connect_server

        return _count_real(connect_server(path, read_only=True))
    path = Path(path)
    if not path.exists():
        return 0
    try:
        con = open_duckdb(path, read_only=True)  # waits while another program writes to it
    except UserError as exc:
        if exc.key != "warehouse.cannot_open":
            raise
        raise UserError(
            "demo.unreadable_target", path=str(path), reason=exc.params["reason"]
        ) from exc
    try:
        return _count_real(con)
    except duckdb.Error as exc:
        raise UserError("demo.unreadable_target", path=str(path), reason=str(exc)) from exc


def _count_real(con) -> int:
    with con:
        tables = "FROM information_schema.tables WHERE table_schema = current_schema()"
        has_source = con.execute(f"SELECT count(*) {tables} AND table_name = 'source'").fetchone()[
            0
        ]
        if not has_source:
            # tables but no source: unknown data, treat as real
            return int(con.execute(f"SELECT count(*) {tables}").fetchone()[0])
        return int(con.execute("SELECT count(*) FROM source WHERE NOT simulated").fetchone()[0])


def run_demo(args: argparse.Namespace, lang: str) -> int:
    path = args.db or default_db_path()
    path = path if is_server_url(path) else Path(path)
    if not args.force:
        found = real_sources(path)
        if found:
            raise UserError("demo.refuse_real_data", path=shown(path), n=found)
    started = time.perf_counter()
    write_demo(path, args.seed)
    with connect(path, read_only=True) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM region), (SELECT count(*) FROM municipality),"
            " (SELECT count(*) FROM park), (SELECT count(DISTINCT quarter) FROM municipality_quarter)"
        ).fetchone()
    print(
        t(
            "demo.summary",
            lang,
            path=shown(path),
            seed=args.seed,
            regions=fmt_number(counts[0], lang),
            municipalities=fmt_number(counts[1], lang),
            parks=fmt_number(counts[2], lang),
            quarters=fmt_number(counts[3], lang),
            seconds=fmt_number(time.perf_counter() - started, lang, 1),
        )
    )
    return 0
