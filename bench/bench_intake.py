"""Intake speed: 1,000,000 park_quarter rows from a CSV, read + validated + loaded (with the
marts rebuilt), against a plain DuckDB ``read_csv`` + ``INSERT`` of the same file, measured
in the same run. Target: under 10 s.

Run: ``.venv/bin/python bench/bench_intake.py``
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.intake import Limits, commit_import, plan_import, read_file, validate  # noqa: E402
from analytics.intake.columns import kind_spec  # noqa: E402
from analytics.warehouse.build import build  # noqa: E402
from analytics.warehouse.connection import connect  # noqa: E402

N_PARKS, N_QUARTERS = 25_000, 40  # 1,000,000 rows


def _warehouse(path: Path) -> None:
    con = connect(path)
    con.execute("INSERT INTO country VALUES ('XD', 'Д', 'Д', 'D', 'XDR')")
    con.execute("INSERT INTO raw_region VALUES (1, 'R1', 'XD', NULL, 'Р', 'Р', 'R', NULL, NULL)")
    con.execute(
        "INSERT INTO raw_municipality VALUES (1, 'M1', 'R1', 'М', 'М', 'M', NULL, NULL, NULL, NULL)"
    )
    con.execute(
        "INSERT INTO raw_park (source_id, park_id, name_ru, name_uk, name_en, park_type, status, "
        "ownership, region_code, municipality_code, total_area_ha, leasable_area_ha) "
        "SELECT 1, 'P' || lpad(i::VARCHAR, 5, '0'), 'Парк ' || i, 'Парк ' || i, 'Park ' || i, "
        "'technopark', 'operating', 'public', 'R1', 'M1', 200, 150 FROM range(?) t(i)",
        [N_PARKS],
    )
    build(con)
    con.close()


def _csv(path: Path) -> None:
    rng = np.random.default_rng(1)
    n = N_PARKS * N_QUARTERS
    parks = np.repeat([f"P{i:05d}" for i in range(N_PARKS)], N_QUARTERS)
    starts = [dt.date(2014 + q // 4, 3 * (q % 4) + 1, 1) for q in range(N_QUARTERS)]
    frame = pd.DataFrame({"park_id": parks, "quarter": np.tile(starts, N_PARKS)})
    for col in kind_spec("park_quarter").columns[2:-1]:
        frame[col.name] = np.round(rng.uniform(1, 9, n), 2)
    frame["avg_wage"] = np.round(rng.uniform(40_000, 60_000, n), 0)
    frame["area_occupied_ha"] = np.round(rng.uniform(50, 60, n), 1)
    frame.to_csv(path, index=False)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, db = folder / "park_quarter.csv", folder / "bench.duckdb"
        _csv(csv_path)
        _warehouse(db)
        size = csv_path.stat().st_size / 1e6

        plain_db = folder / "plain.duckdb"
        _warehouse(plain_db)
        con = duckdb.connect(str(plain_db))
        start = time.perf_counter()
        con.execute(
            "INSERT INTO raw_park_quarter BY NAME SELECT 2 AS source_id, * "
            "FROM read_csv(?, header = true)",
            [str(csv_path)],
        )
        plain = time.perf_counter() - start
        con.close()

        con = duckdb.connect(str(db))
        start = time.perf_counter()
        # 1M rows are ~100 MB: above the 50 MB upload default, which is configurable.
        read = read_file(csv_path, limits=Limits(max_bytes=500 * 1024 * 1024))
        t_read = time.perf_counter() - start
        report = validate(con, read, "en")
        t_validate = time.perf_counter() - start - t_read
        plan = plan_import(con, report)
        if report.errors:
            print(*report.messages("en")[:5], sep="\n")
        summary = commit_import(con, plan, user="bench", accept_warnings=True)
        total = time.perf_counter() - start
        con.close()
    print(
        f"file: {summary.rows_read:,} rows, {size:.0f} MB; errors {summary.errors}, "
        f"warnings {summary.warnings}, inserted {summary.inserted:,}"
    )
    print(
        f"intake (read {t_read:.2f} s + validate {t_validate:.2f} s + plan/commit/marts "
        f"{total - t_read - t_validate:.2f} s): {total:.2f} s  [target < 10 s]"
    )
    print(f"plain duckdb read_csv + INSERT: {plain:.2f} s")
    print(f"ratio intake / plain duckdb: {total / plain:.1f}x")


if __name__ == "__main__":
    main()
