"""Data intake: reading real files, validating them row by row, loading them as revisions.

The app's Data page and the command line call the same library functions:
:func:`read_file` → :func:`validate` → :func:`plan_import` → :func:`commit_import`.
Functions take an open DuckDB connection; only ``commands.py`` opens one.
"""

from analytics.intake.load import ImportPlan, ImportSummary, commit_import, plan_import
from analytics.intake.readers import ReadResult, read_file
from analytics.intake.safety import Limits
from analytics.intake.validate import Issue, ValidationReport, validate

__all__ = [
    "ImportPlan",
    "ImportSummary",
    "Issue",
    "Limits",
    "ReadResult",
    "ValidationReport",
    "commit_import",
    "plan_import",
    "read_file",
    "validate",
]
