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
from analytics.warehouse import sharing

# The modules that contribute commands, in the order they appear in --help, with the commands
# each registers. A run imports only its command's module: importing all of them costs about
# a second (SciPy, shapely, ReportLab, ...) that every command would pay. A test checks this
# table against what the modules register.
COMMAND_MODULES = {
    "analytics.warehouse.commands": ("check", "info", "copy"),
    "analytics.registries.commands": ("init",),
    "analytics.demo.commands": ("demo",),
    "analytics.effects.commands": ("effects", "park-effect"),
    "analytics.effects.batch_commands": ("effects-batch",),
    "analytics.intake.commands": ("import", "history", "template", "user"),
    "analytics.geo_commands": ("shapes",),
    "analytics.kpi.commands": ("review",),
    "analytics.policy.commands": ("compliance",),
    "analytics.reports.commands": ("report",),
}


def command_of(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word after the global options), or None when
    it asks for the overall help or names none."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help"):
            return None
        if word == "--lang":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def modules_for(command: str | None) -> list[str]:
    """The modules to import for ``command``: its own, or all of them (help, a typo)."""
    for module, commands in COMMAND_MODULES.items():
        if command in commands:
            return [module]
    return list(COMMAND_MODULES)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with ``command``'s module registered, or every module (None, unknown)."""
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
    for name in modules_for(command):
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(argv))
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
