"""Synthetic control's eligible parks are exactly those the estimate accepts: for every park
of the demo warehouse, ``synth_eligibility`` says yes where ``park_effect(method="sc")``
returns an estimate and no (with a reason in every language) where it refuses."""

import duckdb
import pytest

from analytics.effects.park_eligibility import synth_eligibility
from analytics.effects.parks import park_effect
from analytics.errors import UserError
from analytics.i18n import LANGUAGES


@pytest.mark.parametrize("treatment", ["opened", "registered"])
def test_eligible_parks_are_those_the_estimate_accepts(demo_db, treatment):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = synth_eligibility(con, outcome="employment", treatment=treatment)
        registry = {r[0] for r in con.execute("SELECT park_id FROM park").fetchall()}
        assert set(table["park_id"]) == registry
        for row in table.itertuples():
            try:
                park_effect(
                    con, outcome="employment", method="sc", treatment=treatment, park_id=row.park_id
                )
                accepted = True
            except UserError:
                accepted = False
            assert accepted == row.eligible, (row.park_id, row.reason)
            if not row.eligible:
                assert all(row.reason.text(lang) for lang in LANGUAGES)
    assert table["eligible"].any() and not table["eligible"].all()


def test_regions_have_no_donors_in_the_demo(demo_db):
    """Every demo region hosts a park: no region is left to build a synthetic control from."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        table = synth_eligibility(con, outcome="employment", level="region")
        untreated = con.execute(
            "SELECT count(*) FROM region WHERE code NOT IN"
            " (SELECT region_code FROM park WHERE opened_on IS NOT NULL)"
        ).fetchone()[0]
    assert untreated < 2 and not table["eligible"].any()
