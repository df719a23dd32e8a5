"""Commands over the warehouse: `check` (data tests) and `info` (what is loaded)."""

from __future__ import annotations

import argparse
import sys

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
