"""`report`: write the quarterly report as PDF, DOCX or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Literal

from analytics.errors import UserError
from analytics.i18n import LANGUAGES, t
from analytics.warehouse.connection import connect, default_db_path

Format = Literal["pdf", "docx", "xlsx"]
FORMATS: tuple[str, ...] = ("pdf", "docx", "xlsx")


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write the quarterly report (PDF, DOCX or XLSX)")
    report.add_argument("--quarter", required=True, help="quarter such as 2025Q2")
    report.add_argument("--region", default=None, help="region code (default: all parks)")
    report.add_argument("--park", default=None, help="one park's scorecard (park id)")
    report.add_argument("--format", dest="report_format", choices=FORMATS, default=None)
    # dest differs from the global --lang so a value given before the command is kept
    report.add_argument("--lang", dest="report_lang", choices=LANGUAGES, default=None)
    report.add_argument(
        "--weights",
        default=None,
        help="ranking weights as code=weight pairs, e.g. occupancy_rate=0.5,jobs_per_ha=0.5",
    )
    report.add_argument(
        "--effects",
        default=None,
        help="municipal outcomes whose park effect the report estimates and reads, e.g."
        " employment,avg_wage (Callaway-Sant'Anna on every park's municipality, log scale)",
    )
    report.add_argument("-o", "--output", required=True, help="file to write")
    report.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    report.set_defaults(handler=run_report)


def write_report(
    content, fmt: Format, path: Path | str
) -> None:  # content: analytics.reports.document.ReportContent
    """Write ``content`` in ``fmt`` to ``path``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "pdf":
        from analytics.reports.pdf import write_pdf as writer
    elif fmt == "docx":
        from analytics.reports.docx import write_docx as writer
    else:
        from analytics.reports.xlsx import write_xlsx as writer
    writer(content, path)


def parse_weights(text: str | None) -> dict[str, float] | None:
    """ "occupancy_rate=0.5,jobs_per_ha=0.5" -> {"occupancy_rate": 0.5, "jobs_per_ha": 0.5}."""
    if not text:
        return None
    weights = {}
    for part in text.split(","):
        code, sep, value = part.partition("=")
        try:
            weights[code.strip()] = float(value)
        except ValueError:
            raise UserError("report.bad_weights", value=part.strip()) from None
        if not sep or not code.strip():
            raise UserError("report.bad_weights", value=part.strip())
    return weights


def park_effects(con, outcomes: str | None) -> list:
    """ParkEffect of every park on each of the comma-separated municipal ``outcomes`` (the
    effects engine's defaults: Callaway-Sant'Anna, not-yet-treated comparisons, log scale)."""
    if not outcomes:
        return []
    from analytics.effects.park_spec import ParkEffectSpec
    from analytics.effects.parks import park_effect

    codes = [o.strip() for o in outcomes.split(",") if o.strip()]
    return [park_effect(con, ParkEffectSpec(outcome=code)) for code in codes]


def run_report(args: argparse.Namespace, lang: str) -> int:
    from analytics.reports.document import build_report

    lang = args.report_lang or lang
    output = Path(args.output)
    fmt = args.report_format or output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UserError("report.bad_format", value=fmt, allowed=", ".join(FORMATS))
    with connect(args.db or default_db_path(), read_only=True) as con:
        weights = parse_weights(args.weights)
        effects = park_effects(con, args.effects)
        try:
            content = build_report(
                con, args.quarter, args.region, args.park, lang, effects=effects, weights=weights
            )
        except ValueError as exc:  # weights naming unknown components, negative weights
            if weights is None:
                raise
            raise UserError("report.bad_weights", value=str(exc)) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    write_report(content, fmt, output)
    print(t("report.written", lang, path=str(output)))
    return 0
