"""Command line: ``python -m analytics <command>``.

Each part of the product registers its own commands from a ``commands`` module
(``register(subparsers)`` adding parsers whose ``handler(args, lang) -> int``
does the work). Errors a user can fix are printed as one line on stderr in the
user's language, with a non-zero exit code and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from analytics.errors import UserError
from analytics.i18n import LANGUAGES, language_from_env, t

# Modules that contribute commands, in the order they appear in --help.
COMMAND_MODULES = (
    "analytics.warehouse.commands",
    "analytics.demo.commands",
    "analytics.effects.commands",
    "analytics.intake.commands",
    "analytics.geo_commands",
    "analytics.kpi.commands",
    "analytics.policy.commands",
    "analytics.reports.commands",
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
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A part that has not landed yet contributes no commands; any other missing
            # module is a real error.
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or language_from_env()
    try:
        return int(args.handler(args, lang) or 0)
    except UserError as exc:
        print(f"{t('error.prefix', lang)}: {exc.message(lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
