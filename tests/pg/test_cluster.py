"""The throwaway server the PostgreSQL tests run against: up on loopback, one fresh database
per test."""

from __future__ import annotations

import psycopg


def test_server_answers_on_loopback(pg_url):
    with psycopg.connect(pg_url) as con:
        version = con.execute("SHOW server_version_num").fetchone()[0]
        address = con.execute("SELECT inet_server_addr()::text").fetchone()[0]
        tables = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert int(version) >= 150000
    assert address == "127.0.0.1/32"
    assert tables == 0  # a new database for each test


def test_each_test_gets_its_own_database(pg_server, pg_url):
    other = pg_server.create_database()
    assert other != pg_url
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE mine (x int)")
    with psycopg.connect(other) as con:
        assert con.execute("SELECT to_regclass('mine')").fetchone()[0] is None
