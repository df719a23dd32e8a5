"""What a new warehouse still needs, in the order to load it: the "getting started" view of
the app and the hint of ``info``. Grain: one row per step (a kind of import file)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# (step, import kind, the marts that count its rows, whether the reviews need it)
STEPS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("regions", "region", ("region",), True),
    ("municipalities", "municipality", ("municipality",), False),
    ("parks", "park", ("park",), True),
    ("reports", "park_quarter", ("park_quarter",), True),
    ("targets", "park_target", ("park_target",), False),
    # a statistics table loads quarterly values or annual ones (region_year)
    ("statistics", "region_quarter", ("region_quarter", "region_year"), False),
)


@dataclass(frozen=True)
class Step:
    step: str  # catalogue key suffix: start.step.<step>
    kind: str  # the import kind (its template)
    rows: int  # rows loaded so far
    required: bool  # the quarterly review needs it

    @property
    def done(self) -> bool:
        return self.rows > 0


@dataclass(frozen=True)
class LoadingState:
    country: str | None  # the country init started the warehouse for (None: demo or older)
    simulated: bool  # simulated (demo) data are loaded
    steps: tuple[Step, ...]

    @property
    def ready(self) -> bool:
        """Every step the quarterly review needs has rows."""
        return all(s.done for s in self.steps if s.required)

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if s.required and not s.done), None)


def loading_state(con: duckdb.DuckDBPyConnection) -> LoadingState:
    """How far loading has come: rows per step, the warehouse's country, simulated or not."""
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    steps = []
    for step, kind, marts, required in STEPS:
        rows = sum(
            con.execute(f"SELECT count(*) FROM {mart}").fetchone()[0]
            for mart in marts
            if mart in tables
        )
        steps.append(Step(step, kind, int(rows), required))
    country = None
    if "warehouse_country" in tables:
        found = con.execute("SELECT country_code FROM warehouse_country").fetchall()
        country = found[0][0] if found else None
    simulated = bool(con.execute("SELECT count(*) FROM source WHERE simulated").fetchone()[0])
    return LoadingState(country, simulated, tuple(steps))
