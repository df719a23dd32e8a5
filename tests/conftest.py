"""Shared fixtures: the demo warehouse, built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """Path of a demo warehouse (default seed) written once per session; treat it as read-only."""
    from analytics.demo.load import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "warehouse.duckdb")


# ---- PostgreSQL (issue 13): one throwaway server per session (per xdist worker), started on
# first use (tests/pg/cluster.py), a fresh database per test. Tests using it are marked pg and
# run wherever the suite runs: without the server binaries they fail saying what to install.


def pytest_collection_modifyitems(items):
    for item in items:
        if {"pg_url", "pg_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(scope="session")
def pg_server():
    """The running throwaway cluster; stopped and its folder removed after the session."""
    from tests.pg.cluster import ThrowawayCluster

    try:
        cluster = ThrowawayCluster()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """postgresql://postgres@127.0.0.1:PORT/DB of a new, empty database for this test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)
