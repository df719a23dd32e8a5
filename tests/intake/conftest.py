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
        return {
            name: con.execute(
                f"SELECT count(*) || ':' || coalesce(sum(hash(t)::HUGEINT), 0) FROM {name} t"
            ).fetchall()[0][0]
            for name in tables
        }
    finally:
        con.close()
