"""A demo warehouse (the seed the fixture corpora were made from), copied per test."""

import shutil

import duckdb
import pytest

from tests.fixtures.make_fixtures import SEED


@pytest.fixture(scope="session")
def intake_demo_db(tmp_path_factory):
    from analytics.demo.load import write_demo

    return write_demo(tmp_path_factory.mktemp("intake") / "demo.duckdb", SEED)


@pytest.fixture
def db(intake_demo_db, tmp_path):
    """A private copy of the demo warehouse (tests write to it)."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(intake_demo_db, target)
    return target


@pytest.fixture(scope="module")
def refused_db(intake_demo_db, tmp_path_factory):
    """One writable copy shared by tests whose imports must be refused: each test checks that
    the database is unchanged by its own attempt, so a copy per test adds nothing."""
    target = tmp_path_factory.mktemp("refused") / "warehouse.duckdb"
    shutil.copy(intake_demo_db, target)
    return target


def table_checksums(path) -> dict[str, str]:
    """Row count and an order-independent sum of row hashes per table: content, not bytes."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        # One query for all tables (per-query overhead dominated the bad-corpus tests).
        sql = " UNION ALL ".join(
            f"SELECT '{name}', count(*) || ':' || coalesce(sum(hash(t)::HUGEINT), 0) FROM {name} t"
            for name in tables
        )
        return dict(con.execute(sql).fetchall()) if tables else {}
    finally:
        con.close()
