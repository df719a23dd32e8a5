"""DuckDB as the in-process engine that checks a file before it is committed to a server.

Intake reads and validates a file with DuckDB SQL written for it (typing text cells, the data
tests on the staged batch, the cell-by-cell comparison with stored revisions). On a server
warehouse that SQL runs on :func:`local_copy`: an in-memory DuckDB warehouse holding the
server's tables as of one snapshot, with its staging views and marts built from them. The
commit then goes to the server, in one transaction that first checks no other import landed
since the snapshot (intake's ``plan_outdated``), under :func:`writer_lock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from analytics.warehouse.build import build
from analytics.warehouse.connection import migrate

# What no check of a file reads: the demo's planted truth, map outlines, the login log.
NOT_MIRRORED = frozenset(
    {"truth_effect", "truth_target_miss", "truth_compliance", "region_shape", "login_log"}
)
# Any constant the program's sessions share: writers of one server warehouse queue on it.
_WRITER_LOCK = 0x7061726C  # "parl"


@contextmanager
def local_copy(con: Any) -> Iterator[Any]:
    """``con`` itself for a DuckDB warehouse; for a server, an in-memory DuckDB copy of it
    (closed when the block ends)."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        yield con
        return
    # a server's: its driver and the copy are loaded only now
    from psycopg import pq

    from analytics.warehouse.copy import (
        base_tables,
        begin_snapshot,
        copy_rows,
        mart_names,
        write_order,
    )

    local = duckdb.connect()
    # Inside the caller's transaction (a commit holding the writer lock re-checks its plan)
    # the copy reads what that transaction sees; else it takes a snapshot of its own.
    own_snapshot = con.raw.info.transaction_status == pq.TransactionStatus.IDLE
    try:
        migrate(local)
        if own_snapshot:
            begin_snapshot(con)
        try:
            mirrored = base_tables(con) - mart_names() - NOT_MIRRORED
            for table in write_order(local):
                if table in mirrored:
                    local.execute(f"DELETE FROM {table}")
                    copy_rows(con, local, table)
        finally:
            if own_snapshot:
                con.execute("ROLLBACK")
        build(local)
        yield local
    finally:
        local.close()


def writer_lock(con: Any) -> None:
    """Inside a write transaction: wait until no other writer of this server warehouse is
    in one (released at COMMIT or ROLLBACK), so two imports never interleave and the second
    sees the first's batch when it checks whether its plan is still current. A DuckDB file
    has one writer at a time already."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        con.execute(f"SELECT pg_advisory_xact_lock({_WRITER_LOCK})")
