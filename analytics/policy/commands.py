"""`compliance`: print the statutory compliance flags of all parks or one region's."""

from __future__ import annotations

import argparse

from analytics.i18n import LANGUAGES, fmt_date, t
from analytics.policy.compliance import (
    ComplianceCheck,
    compliance_check,
    rule_title,
    unchecked_texts,
)
from analytics.warehouse.connection import connect, default_db_path


def register(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser(
        "compliance",
        help="statutory compliance flags (rules per jurisdiction from data/compliance.yml)",
    )
    command.add_argument("--region", default=None, help="region code (default: all parks)")
    command.add_argument(
        "--quarter",
        default=None,
        help="as of the end of this quarter, e.g. 2025Q2 (default: latest)",
    )
    command.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    command.add_argument("--config", default=None, help="rules file (default: data/compliance.yml)")
    # dest differs from the global --lang so a value given before the command is kept
    command.add_argument("--lang", dest="compliance_lang", choices=LANGUAGES, default=None)
    command.set_defaults(handler=run_compliance)


def compliance_text(check: ComplianceCheck, lang: str) -> str:
    """The flags as plain text lines, then the parks/rules that could not be checked."""
    flags = check.flags
    lines = [
        t("policy.compliance.heading", lang, as_of=fmt_date(check.as_of, lang), n=len(flags)),
        t("policy.compliance.config", lang, path=check.config_path),
        "",
    ]
    lines += [f"- {text}" for text in check.messages(lang)] or [t("policy.compliance.none", lang)]
    no_data = check.table[check.table["status"] == "no_data"]
    if not no_data.empty:
        items = "; ".join(
            f"{r.park_id} — {rule_title(r.rule, r.kind, lang)}" for r in no_data.itertuples()
        )
        lines += ["", t("policy.compliance.no_data", lang, items=items)]
        for park_id in dict.fromkeys(no_data["park_id"]):
            lines += [f"  {park_id}: {text}" for text in unchecked_texts(check, park_id, lang)]
    return "\n".join(lines)


def run_compliance(args: argparse.Namespace, lang: str) -> int:
    lang = args.compliance_lang or lang
    with connect(args.db or default_db_path(), read_only=True) as con:
        check = compliance_check(con, args.quarter, args.region, args.config)
    print(compliance_text(check, lang))
    return 0
