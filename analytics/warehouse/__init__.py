"""The DuckDB warehouse: raw tables -> staging views -> marts with a stated grain."""

from analytics.warehouse.build import append_raw, build, register_source
from analytics.warehouse.checks import run_data_tests
from analytics.warehouse.connection import connect, default_db_path, schema_version

__all__ = [
    "append_raw",
    "build",
    "connect",
    "default_db_path",
    "register_source",
    "run_data_tests",
    "schema_version",
]
