"""Shared fixtures: the demo warehouse, built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """Path of a demo warehouse (default seed) written once per session; treat it as read-only."""
    from analytics.demo.load import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "warehouse.duckdb")


# ---- PostgreSQL (issue 13): one throwaway server per test session, started on first use
# (tests/pg/cluster.py). Tests using it are marked pg and run wherever the suite runs (without
# the server binaries they fail saying what to install); under xdist they share one worker
# (group "pg") so one server serves them all, unless they belong to another group. Templates
# are built once per session and cloned per test (CREATE DATABASE ... TEMPLATE: a tenth of a
# second): an empty warehouse with its schema, and the demo as the `demo` command writes it.

PG_FIXTURES = {"pg_url", "pg_server", "pg_warehouse", "pg_demo", "pg_demo_url"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group("pg"))


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


@pytest.fixture(scope="session")
def pg_empty_template(pg_server):
    """A database holding a new warehouse (every migration, seeds, staging views and marts),
    left alone after it is made so that it can be cloned."""
    from analytics.warehouse.connection import connect

    url = pg_server.create_database()
    connect(url).close()
    return url


@pytest.fixture
def pg_warehouse(pg_server, pg_empty_template):
    """A new, empty warehouse on the server (a clone of :func:`pg_empty_template`)."""
    url = pg_server.create_database(template=pg_empty_template)
    yield url
    pg_server.drop_database(url)


@pytest.fixture(scope="session")
def pg_demo(pg_server):
    """``(url, finished)``: the demo written onto the server by ``python -m analytics demo``
    with PARKS_DB set to it (the command users run), and the finished process; treated as a
    template: nothing connects to it after."""
    import os
    import subprocess
    import sys

    url = pg_server.create_database()
    finished = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "demo"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PARKS_DB": url},
    )
    if finished.returncode:
        pytest.fail(f"demo on the server failed: {finished.stderr}", pytrace=False)
    return url, finished


@pytest.fixture
def pg_demo_url(pg_server, pg_demo):
    """The demo warehouse on the server, this test's own clone of :func:`pg_demo`."""
    url = pg_server.create_database(template=pg_demo[0])
    yield url
    pg_server.drop_database(url)
