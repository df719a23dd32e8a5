"""Commands over the warehouse: `check` (data tests), `info` (what is loaded) and `copy`
(a whole warehouse between a DuckDB file and a PostgreSQL server)."""

from __future__ import annotations

import argparse
import sys
import time

from analytics.i18n import fmt_number, fmt_period, t
from analytics.registries.getting_started import loading_state
from analytics.warehouse.checks import run_data_tests
from analytics.warehouse.connection import connect, default_db_path
from analytics.warehouse.info import warehouse_info


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "check",
        help="run the data tests on the warehouse; print offending rows; exit 1 if any fails",
    )
    check.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    check.set_defaults(handler=run_check)

    info = sub.add_parser("info", help="what is in the warehouse: sources, periods, row counts")
    info.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    info.set_defaults(handler=run_info)

    copy = sub.add_parser(
        "copy",
        help="copy a whole warehouse (history, accounts, logs) between a DuckDB file and a"
        " PostgreSQL server, either way; staging and marts are rebuilt on the target",
    )
    copy.add_argument(
        "--from", dest="source", required=True, help="the warehouse to copy: a file or URL"
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        help="where to: a DuckDB file or postgresql://user@host:port/dbname",
    )
    copy.add_argument(
        "--replace", action="store_true", help="replace what the target holds (else refused)"
    )
    copy.set_defaults(handler=run_copy)


def _db(args: argparse.Namespace):
    return args.db or default_db_path()


def run_check(args: argparse.Namespace, lang: str) -> int:
    with connect(_db(args), read_only=True) as con:
        results = run_data_tests(con)
    failed = [r for r in results if not r.passed]
    for result in results:
        status = t("check.passed" if result.passed else "check.failed", lang)
        print(f"{status:>6}  {result.name}: {result.description(lang)}")
        if not result.passed:
            print(t("check.bad_rows", lang, n=fmt_number(len(result.bad_rows), lang)))
            print(result.bad_rows_in(lang).head(50).to_string(index=False))
    summary_key = "check.summary_failed" if failed else "check.summary_ok"
    print(
        t(summary_key, lang, failed=len(failed), total=len(results)),
        file=sys.stderr if failed else sys.stdout,
    )
    return 1 if failed else 0


def run_info(args: argparse.Namespace, lang: str) -> int:
    with connect(_db(args), read_only=True) as con:
        info = warehouse_info(con)
        state = loading_state(con)
    print(t("info.schema_version", lang, version=info.schema_version))
    if info.simulated:
        print(t("simulated.notice", lang))
    print(t("info.sources", lang, n=len(info.sources)))
    for src in info.sources.itertuples():
        flag = f" [{t('info.simulated', lang)}]" if src.simulated else ""
        print(f"  #{src.source_id} {src.kind}: {src.title} — {src.producer}{flag}")
    print(t("info.tables", lang))
    for row in info.tables.itertuples():
        period = ""
        if row.first_period is not None:
            first = fmt_period(row.first_period, row.frequency, lang)
            period = f"  {first} – {fmt_period(row.last_period, row.frequency, lang)}"
        print(f"  {row.table:<22} {fmt_number(row.rows, lang):>12}{period}")
    step = state.next_step
    if step is not None:  # what a new warehouse needs next (getting started)
        name = t(f"start.step.{step.step}", lang)
        print(t("info.next_step", lang, step=name, kind=step.kind))
    return 0


def run_copy(args: argparse.Namespace, lang: str) -> int:
    started = time.perf_counter()
    from analytics.warehouse.copy import copy_warehouse  # the server driver: on use

    result = copy_warehouse(args.source, args.target, replace=args.replace)
    width = max(len(t.name) for t in (*result.tables, *result.marts))
    print(t("warehouse.copy.tables", lang))
    for table in result.tables:
        print(f"  {table.name:<{width}} {fmt_number(table.rows, lang):>12}")
    print(t("warehouse.copy.marts", lang))
    for mart in result.marts:
        print(f"  {mart.name:<{width}} {fmt_number(mart.rows, lang):>12}")
    if result.skipped:
        print(t("warehouse.copy.skipped", lang, tables=", ".join(result.skipped)))
    print(
        t(
            "warehouse.copy.summary",
            lang,
            source=result.source,
            target=result.target,
            tables=fmt_number(len(result.tables), lang),
            rows=fmt_number(result.rows, lang),
            seconds=fmt_number(time.perf_counter() - started, lang, 1),
        )
    )
    return 0
