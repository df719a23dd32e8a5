"""Command ``init``: an empty warehouse for a real country."""

from __future__ import annotations

import argparse

from analytics.i18n import fmt_number, t
from analytics.registries.init import init_warehouse
from analytics.registries.subdivisions import COUNTRIES
from analytics.warehouse.connection import default_db_path


def register(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser(
        "init",
        help="create an empty warehouse for a country: migrations, catalogue, its regions",
    )
    init.add_argument("--country", choices=COUNTRIES, required=True, help="RU or UA")
    init.add_argument(
        "--db",
        default=None,
        help="warehouse FILE or duckdb:///FILE URL (default: PARKS_DB or data/warehouse.duckdb)",
    )
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace, lang: str) -> int:
    summary = init_warehouse(args.db or default_db_path(), args.country)
    print(
        t(
            "registries.init.done",
            lang,
            path=str(summary.path),
            country=summary.country,
            regions=fmt_number(summary.regions, lang),
            rules=fmt_number(summary.rules, lang),
        )
    )
    print(t("registries.init.next", lang))
    return 0
