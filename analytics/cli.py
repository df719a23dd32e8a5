"""Command line: ``python -m analytics <command>``.

Each part of the product registers its own commands from a ``commands`` module
(``register(subparsers)`` adding parsers whose ``handler(args, lang) -> int``
does the work); ``COMMANDS`` names the module of each command, and a run imports
only that one. Errors a user can fix are printed as one line on stderr in the
user's language, with a non-zero exit code and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from analytics.errors import UserError
from analytics.i18n import LANGUAGES, language_from_env, t
from analytics.warehouse import sharing

# Each command and the module that registers it, in the order they appear in --help. A run
# imports only its command's module: importing all of them (pandas, DuckDB, scipy, plotly and
# the intake readers) was 0.3 s of every command, a tenth of `effects` on a 1.6 M-row panel.
COMMANDS = {
    "check": "analytics.warehouse.commands",
    "info": "analytics.warehouse.commands",
    "init": "analytics.registries.commands",
    "demo": "analytics.demo.commands",
    "effects": "analytics.effects.commands",
    "park-effect": "analytics.effects.commands",
    "effects-batch": "analytics.effects.batch_commands",
    "import": "analytics.intake.commands",
    "history": "analytics.intake.commands",
    "template": "analytics.intake.commands",
    "user": "analytics.intake.commands",
    "shapes": "analytics.geo_commands",
    "review": "analytics.kpi.commands",
    "compliance": "analytics.policy.commands",
    "report": "analytics.reports.commands",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone when it is one of ours (the
    other commands' modules are then never imported)."""
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
    modules = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for module in modules:
        importlib.import_module(module).register(sub)
    return parser


def command_named(argv: list[str]) -> str | None:
    """The command word of ``argv`` (after any ``--lang``), None before any other option
    (``--help``): then every command is loaded, to list them or to name a wrong one."""
    words = iter(argv)
    for word in words:
        if word == "--lang":
            next(words, None)
        elif not word.startswith("--lang="):
            return None if word.startswith("-") else word
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_named(argv)).parse_args(argv)
    lang = args.lang or language_from_env()
    sharing.set_notice_language(lang)  # "waiting for the warehouse…" lines on stderr
    try:
        return int(args.handler(args, lang) or 0)
    except UserError as exc:
        print(f"{t('error.prefix', lang)}: {exc.message(lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
