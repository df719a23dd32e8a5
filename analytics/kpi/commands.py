"""`review`: print the quarterly review of a region (or all parks) as text."""

from __future__ import annotations

import argparse

import pandas as pd

from analytics.i18n import LANGUAGES, fmt_date, fmt_number, fmt_quarter, t
from analytics.kpi.review import Review, named, quarterly_review, report_rule, status_rule
from analytics.warehouse.connection import connect, default_db_path


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser(
        "review", help="the quarterly review: park statuses, late reports and findings"
    )
    review.add_argument("--quarter", required=True, help="quarter such as 2025Q2")
    review.add_argument("--region", default=None, help="region code (default: all parks)")
    # dest differs from the global --lang so a value given before the command is kept
    review.add_argument("--lang", dest="review_lang", choices=LANGUAGES, default=None)
    review.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    review.set_defaults(handler=run_review)


def review_text(review: Review, lang: str) -> str:
    """The review as plain text lines in ``lang``."""
    lines = [t("review.heading", lang, quarter=fmt_quarter(review.quarter, lang))]
    if review.simulated:
        lines.append(t("simulated.notice", lang))
    lines.append("")
    lines.extend(f"- {finding.text(lang)}" for finding in review.findings)
    lines.append("")
    for row in named(review.parks, lang).itertuples():
        # a report without its date (the file left it blank) shows a dash, not a crash
        dated = row.reported and not pd.isna(row.reported_on)
        reported = fmt_date(row.reported_on, lang) if dated else "–"
        lines.append(
            f"{row.park_id:<10} {row.name[:40]:<40} {t(f'review.status.{row.status}', lang):<14}"
            f" {t(f'review.report_state.{row.report_state}', lang):<16} {reported}"
            f"  {fmt_number(row.targets_missed, lang)}/{fmt_number(row.targets_checked, lang)}"
        )
    lines.extend(["", status_rule(lang), report_rule(lang)])
    return "\n".join(lines)


def run_review(args: argparse.Namespace, lang: str) -> int:
    lang = args.review_lang or lang
    with connect(args.db or default_db_path(), read_only=True) as con:
        review = quarterly_review(con, args.quarter, args.region)
    print(review_text(review, lang))
    return 0
