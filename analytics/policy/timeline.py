"""Legal status timeline of each park from the registry: founded, registered, management
company chosen, first resident, declared operating, excluded from the register, closed."""

from __future__ import annotations

import duckdb
import pandas as pd

# Milestone -> registry column, in the order a park normally goes through them.
MILESTONES: tuple[tuple[str, str], ...] = (
    ("founded", "founded_on"),
    ("registered", "registered_on"),
    ("management_company", "management_company_on"),
    ("first_resident", "first_resident_on"),
    ("operating", "operating_on"),
    ("excluded", "excluded_on"),
    ("closed", "closed_on"),
)


def legal_timeline(parks: pd.DataFrame) -> pd.DataFrame:
    """Long table: park_id, milestone, step (its place in MILESTONES), date and, for
    exclusions, the reason. Milestones without a date are left out; rows sorted by park and
    date (the registry step order breaks ties)."""
    frames = []
    for step, (milestone, column) in enumerate(MILESTONES):
        if column not in parks:
            continue
        dates = pd.to_datetime(parks[column])
        part = pd.DataFrame(
            {"park_id": parks["park_id"], "milestone": milestone, "step": step, "date": dates}
        )
        part["reason"] = parks["exclusion_reason"] if milestone == "excluded" and (
            "exclusion_reason" in parks
        ) else None  # fmt: skip
        frames.append(part[part["date"].notna()])
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["park_id", "date", "step"], ignore_index=True)


def park_timeline(con: duckdb.DuckDBPyConnection, park_id: str | None = None) -> pd.DataFrame:
    """``legal_timeline`` of the park mart (one park, or all)."""
    sql = "SELECT * FROM park" + (" WHERE park_id = ?" if park_id else "")
    return legal_timeline(con.execute(sql, [park_id] if park_id else []).df())
