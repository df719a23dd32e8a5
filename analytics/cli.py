"""Command line: ``python -m analytics <command>``.

Each part of the product registers its own commands from a ``commands`` module
(``register(subparsers)`` adding parsers whose ``handler(args, lang) -> int``
does the work). Errors a user can fix are printed as one line on stderr in the
user's language, with a non-zero exit code and no traceback.
"""

from __future__ import annotations

import argparse
import sys

from analytics import geo_commands
from analytics.demo import commands as demo_commands
from analytics.effects import batch_commands
from analytics.effects import commands as effects_commands
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, language_from_env, t
from analytics.intake import commands as intake_commands
from analytics.kpi import commands as kpi_commands
from analytics.policy import commands as policy_commands
from analytics.registries import commands as registries_commands
from analytics.reports import commands as reports_commands
from analytics.warehouse import commands as warehouse_commands
from analytics.warehouse import sharing

# Modules that contribute commands, in the order they appear in --help.
COMMAND_MODULES = (
    warehouse_commands,
    registries_commands,
    demo_commands,
    effects_commands,
    batch_commands,
    intake_commands,
    geo_commands,
    kpi_commands,
    policy_commands,
    reports_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Impact analytics for industrial parks: warehouse, demo data, checks, effects.",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="language of messages (default: PARKS_LANG or LANG, else en)",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or language_from_env()
    sharing.set_notice_language(lang)  # "waiting for the warehouse…" lines on stderr
    try:
        return int(args.handler(args, lang) or 0)
    except UserError as exc:
        print(f"{t('error.prefix', lang)}: {exc.message(lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
