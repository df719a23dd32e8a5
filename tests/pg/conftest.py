"""Fixtures of the PostgreSQL tests: one throwaway server per test session (per xdist worker),
a fresh database per test. Every test here is marked ``pg`` and runs wherever the suite runs;
without the server binaries it fails with what to install, never silently skips."""

from __future__ import annotations

import pytest

from tests.pg.cluster import ThrowawayCluster


def pytest_collection_modifyitems(items):
    for item in items:
        if {"pg_url", "pg_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(scope="session")
def pg_server():
    """The running throwaway cluster (see tests/pg/cluster.py); stopped and removed after."""
    try:
        cluster = ThrowawayCluster()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """postgresql://postgres@127.0.0.1:PORT/DB of a new, empty database for this test."""
    return pg_server.create_database()
