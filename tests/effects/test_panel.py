"""Panel preparation: shapes, period parsing and every fail-fast check."""

import numpy as np
import pandas as pd
import pytest

from analytics.effects.panel import FIRST_TREATED, TREATED, prepare_panel, to_period_index
from analytics.errors import UserError


def small_panel(cohorts=(0, 2002, 2000, 2003), years=(2000, 2001, 2002, 2003)) -> pd.DataFrame:
    units = [f"u{i}" for i in range(len(cohorts))]
    return pd.DataFrame(
        {
            "unit": np.repeat(units, len(years)),
            "year": np.tile(years, len(units)),
            "y": np.arange(len(units) * len(years), dtype=float),
            "g": np.repeat(cohorts, len(years)),
        }
    )


def prepare(df, **kwargs):
    options = {"unit": "unit", "time": "year", "outcome": "y", "treat_time": "g"} | kwargs
    return prepare_panel(df, **options)


def error_key(df, **kwargs) -> str:
    with pytest.raises(UserError) as info:
        prepare(df, **kwargs)
    return info.value.key


@pytest.mark.parametrize(
    ("values", "expected", "frequency"),
    [
        (["2024Q3", "2024Q4", "2025Q1"], [8098, 8099, 8100], "quarter"),
        (["2024-Q3", "2024 q4"], [8098, 8099], "quarter"),
        (["Q3 2024", "Q1-2025"], [8098, 8100], "quarter"),
        (pd.to_datetime(["2024-07-01", "2024-10-01"]), [8098, 8099], "quarter"),
        (["2024-07-01", "2025-01-01"], [8098, 8100], "quarter"),
        (pd.to_datetime(["2019-01-01", "2020-01-01"]), [2019, 2020], "year"),
        ([2019, 2020], [2019, 2020], "year"),
        (["2019", "2020"], [2019, 2020], "year"),
        ([1.0, 2.0, 3.0], [1, 2, 3], "integer"),
    ],
)
def test_periods_become_integers_on_a_grid(values, expected, frequency):
    periods, found = to_period_index(values)
    assert periods.tolist() == expected
    assert found == frequency


@pytest.mark.parametrize("values", [["2024-07-15"], ["2024-02-01"], [1.5], ["spring"]])
def test_unreadable_periods_are_refused(values):
    with pytest.raises(ValueError):
        to_period_index(values)


def test_panel_shape_cohorts_and_first_period_units_dropped():
    panel = prepare(small_panel())
    assert panel.cohorts.tolist() == [2002, 2003]
    assert panel.times.tolist() == [2000, 2001, 2002, 2003]
    assert (panel.step, panel.frequency, panel.balanced) == (1, "year", True)
    # u2 is treated in the first observed year: no pre-period, dropped with a reason.
    assert panel.dropped.to_dict("records") == [
        {"unit": "u2", "reason": "treated_before_first_period"}
    ]
    assert sorted(panel.data["unit"].unique()) == ["u0", "u1", "u3"]
    u1 = panel.data[panel.data["unit"] == "u1"]
    assert u1[FIRST_TREATED].tolist() == [2002] * 4
    assert u1[TREATED].tolist() == [0, 0, 1, 1]
    assert panel.n_never_treated == 1


def test_quarter_labels_and_indicator_give_first_treated():
    df = pd.DataFrame(
        {
            "unit": np.repeat(["a", "b", "c"], 3),
            "q": np.tile(["2023Q4", "2024Q1", "2024Q2"], 3),
            "y": np.arange(9.0),
            "d": [0, 0, 0, 0, 1, 1, 0, 0, 1],
        }
    )
    panel = prepare_panel(df, unit="unit", time="q", outcome="y", treated="d")
    assert panel.frequency == "quarter"
    assert panel.cohorts.tolist() == [2024 * 4, 2024 * 4 + 1]
    assert panel.period_label(panel.cohorts[0]) == "2024Q1"


def test_treat_time_empty_or_zero_means_never_treated_and_labels_are_read():
    df = pd.DataFrame(
        {
            "unit": np.repeat(["a", "b", "c"], 3),
            "q": np.tile(["2023Q4", "2024Q1", "2024Q2"], 3),
            "y": np.arange(9.0),
            "g": np.repeat(["", "2024Q2", "0"], 3),
        }
    )
    panel = prepare_panel(df, unit="unit", time="q", outcome="y", treat_time="g")
    assert panel.unit_cohorts().to_dict() == {"a": 0, "b": 2024 * 4 + 1, "c": 0}


def test_units_treated_after_the_sample_count_as_never_treated():
    panel = prepare(small_panel(cohorts=(0, 2002, 2010)))
    assert panel.unit_cohorts()["u2"] == 0
    assert panel.treated_after_sample == ("u2",)


def test_balance_drops_units_with_missing_periods():
    df = small_panel().query("not (unit == 'u0' and year == 2001)")
    assert not prepare(df).balanced
    panel = prepare(df, balance=True)
    assert panel.balanced
    assert "u0" in panel.dropped.query("reason == 'unbalanced'")["unit"].tolist()


def test_missing_outcomes_drop_rows_not_the_panel():
    df = small_panel()
    df.loc[0, "y"] = np.nan
    panel = prepare(df)
    assert panel.n_obs == 11


def test_min_pre_periods_drops_short_units():
    panel = prepare(small_panel(), min_pre_periods=3)
    assert panel.cohorts.tolist() == [2003]
    assert panel.dropped.query("reason == 'too_few_pre_periods'")["unit"].tolist() == ["u1"]


def test_missing_column_names_the_column():
    with pytest.raises(UserError) as info:
        prepare(small_panel(), outcome="jobs")
    assert info.value.key == "effects.column_missing"
    assert "jobs" in str(info.value)


def test_duplicated_unit_period_names_which():
    df = pd.concat([small_panel(), small_panel().iloc[[5]]])
    with pytest.raises(UserError) as info:
        prepare(df)
    assert info.value.key == "effects.duplicate_rows"
    assert info.value.params["unit"] == "u1"
    assert info.value.params["time"] == 2001


def test_a_duplicate_in_a_sorted_panel_is_found_too():
    # Sorted input skips the sort and the duplicate count: a repeated period breaks the order.
    df = small_panel()
    df = pd.concat([df.iloc[:6], df.iloc[[5]], df.iloc[6:]], ignore_index=True)
    assert error_key(df) == "effects.duplicate_rows"


def test_row_order_of_the_input_does_not_matter():
    ordered = prepare(small_panel())
    shuffled = prepare(small_panel().sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(shuffled.data, ordered.data)
    assert ordered.data.index.equals(pd.RangeIndex(len(ordered.data)))


def test_irregular_time_is_refused():
    df = small_panel(years=(2000, 2001, 2003, 2004))
    assert error_key(df) == "effects.time_irregular"


def test_treatment_switching_off_names_the_unit():
    df = small_panel()
    df["d"] = 0
    df.loc[(df["unit"] == "u3") & (df["year"] == 2001), "d"] = 1
    with pytest.raises(UserError) as info:
        prepare(df, treat_time=None, treated="d")
    assert info.value.key == "effects.treatment_switches_off"
    assert info.value.params["unit"] == "u3"


def test_no_comparison_units():
    df = small_panel(cohorts=(2002, 2002))
    assert error_key(df) == "effects.no_comparison_units"
    assert error_key(small_panel(cohorts=(2002, 2003)), require_never_treated=True) == (
        "effects.no_never_treated"
    )


def test_too_few_pre_periods_when_nothing_treated_remains():
    assert error_key(small_panel(cohorts=(0, 2000))) == "effects.too_few_pre_periods"
    assert error_key(small_panel(cohorts=(0, 2001)), min_pre_periods=2) == (
        "effects.too_few_pre_periods"
    )


def test_outcome_checks():
    df = small_panel()
    df["y"] = df["y"].astype(str)
    df.loc[3, "y"] = "many"
    assert error_key(df) == "effects.outcome_not_numeric"
    df["y"] = np.nan
    assert error_key(df) == "effects.outcome_all_missing"


def test_treat_time_must_be_constant_within_unit():
    df = small_panel()
    df.loc[5, "g"] = 2003
    assert error_key(df) == "effects.treat_time_varies"
