"""Shared fixtures: the demo warehouse, built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """Path of a demo warehouse (default seed) written once per session; treat it as read-only."""
    from analytics.demo.load import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "warehouse.duckdb")
