"""Tables the review page and the report both show, as (frame column, header, kind) triples,
so a page and its report carry the same columns under the same headers. Light to import: the
app reads these without loading the report writers.
"""

from __future__ import annotations

from analytics.i18n import t
from analytics.i18n.cells import CellKind

Columns = list[tuple[str, str, CellKind]]


def ranking_columns(lang: str) -> Columns:
    """The ranking table's columns (frame column, header, kind), shared by the reports and the
    review page; the report adds the components left out of each index."""
    return [
        ("rank", t("report.col.rank", lang), "int"),
        ("name", t("report.col.park", lang), "text"),
        ("type_text", t("report.col.park_type", lang), "text"),
        ("index", t("report.col.index", lang), "num1"),
        ("rank_change", t("report.col.rank_change", lang), "signed"),
        ("components_used", t("report.col.components", lang), "int"),
        ("thin_text", t("report.col.thin", lang), "text"),
    ]


def status_columns(lang: str) -> Columns:
    """The park status table's columns (frame column, header, kind), shared by the reports
    and the review page so both show the same table."""
    return [
        ("park_id", t("report.col.park_id", lang), "code"),
        ("name", t("report.col.park", lang), "text"),
        ("status_text", t("report.col.status", lang), "text"),
        ("report_text", t("report.col.report", lang), "text"),
        ("reported_on", t("report.col.reported_on", lang), "date"),
        ("days_late", t("report.col.days_late", lang), "int"),
        ("targets_missed", t("report.col.targets_missed", lang), "int"),
        ("targets_checked", t("report.col.targets_checked", lang), "int"),
    ]
