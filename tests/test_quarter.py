"""The Quarter type: the grammar people write quarters in, arithmetic, words, whole columns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.quarter import (
    Quarter,
    index_to_start,
    looks_like_quarter,
    parse_date,
    quarter_end_series,
    quarter_index,
    quarter_start_series,
)


# The intake's cases (tests/intake/test_revisions.py), plus the spellings the effects panel
# read ("2024_Q3", "Q 3 2024") and the roman and ordinal forms of statistics offices.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024Q3", Quarter(2024, 3)),
        ("2024-Q3", Quarter(2024, 3)),
        ("2024 Q3", Quarter(2024, 3)),
        ("2024_Q3", Quarter(2024, 3)),
        ("2024/q3", Quarter(2024, 3)),
        ("2024QIV", Quarter(2024, 4)),
        ("2024К3", Quarter(2024, 3)),
        ("Q3 2024", Quarter(2024, 3)),
        ("Q 3 2024", Quarter(2024, 3)),
        ("q1-2025", Quarter(2025, 1)),
        ("III кв. 2024", Quarter(2024, 3)),
        ("3 кв 2024", Quarter(2024, 3)),
        ("3-й квартал 2024", Quarter(2024, 3)),
        ("IV квартал 2024 г.", Quarter(2024, 4)),
        ("2024 г. 2 кв.", Quarter(2024, 2)),
        ("I\u00a0кв.\u00a02024", Quarter(2024, 1)),
        ("  2024Q3 ", Quarter(2024, 3)),
        ("31.12.2024", Quarter(2024, 4)),
        ("2024-12-31", Quarter(2024, 4)),
        ("2024-04-01 00:00:00", Quarter(2024, 2)),
        ("15/05/2024", Quarter(2024, 2)),
    ],
)
def test_quarters_as_people_write_them(text, expected):
    assert Quarter.parse(text) == expected
    assert Quarter.try_parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5 кв 2024",
        "2024Q5",
        "2024Q0",
        "V кв. 2024",
        "2024",
        "Q3",
        "31.02.2024",
        "",
        "abc",
        "0000Q1",
    ],
)
def test_text_that_names_no_quarter(text):
    assert Quarter.try_parse(text) is None
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse(text)


def test_dates_can_be_refused_where_only_labels_are_meant():
    assert Quarter.try_parse("2024-12-31", dates=False) is None
    assert Quarter.try_parse("2024Q4", dates=False) == Quarter(2024, 4)


def test_headers_that_name_quarters_but_not_dates():
    assert looks_like_quarter("III кв. 2024") and looks_like_quarter("2024Q3")
    assert not looks_like_quarter("31.12.2024") and not looks_like_quarter(None)
    assert parse_date("31.12.2024") == dt.date(2024, 12, 31) and parse_date("2024Q4") is None


def test_construction_is_checked():
    for q in (0, 5):
        with pytest.raises(ValueError, match="1 to 4"):
            Quarter(2024, q)
    with pytest.raises(ValueError, match="year"):
        Quarter(0, 1)
    with pytest.raises(TypeError):
        Quarter(2024.0, 1)
    assert Quarter(np.int64(2024), np.int32(2)) == Quarter(2024, 2)
    assert type(Quarter(np.int64(2024), 2).year) is int
    with pytest.raises(AttributeError):
        Quarter(2024, 1).q = 2  # frozen


def test_the_quarter_containing_a_date_of_any_kind():
    expected = Quarter(2024, 3)
    for value in (
        dt.date(2024, 9, 30),
        dt.datetime(2024, 7, 1, 0, 0),
        pd.Timestamp("2024-08-15"),
        pd.Timestamp("2024-08-15 23:00", tz="Europe/Moscow"),
        np.datetime64("2024-07-01"),
        np.datetime64("2024-09-30T12:00:00.000000000"),
        expected,
    ):
        assert Quarter.of(value) == expected
    for bad in ("2024Q3", pd.NaT, np.datetime64("NaT"), None, 2024):
        with pytest.raises(TypeError):
            Quarter.of(bad)


def test_start_end_index_label_and_words():
    q = Quarter(2024, 1)
    assert (q.start, q.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert Quarter(2024, 4).end == dt.date(2024, 12, 31)
    assert Quarter(2024, 3).end == dt.date(2024, 9, 30)
    assert Quarter(2024, 3).index == 2024 * 4 + 2
    assert q.label == str(q) == "2024Q1" and f"{q}" == "2024Q1"
    assert Quarter(2025, 4).text("ru") == "IV кв. 2025"
    assert Quarter(2025, 4).text("uk") == "IV кв. 2025"
    assert Quarter(2025, 4).text("en") == "Q4 2025"
    with pytest.raises(ValueError, match="language"):
        q.text("de")


@pytest.mark.parametrize("q", [Quarter(1999, 4), Quarter(2024, 1), Quarter(2025, 3)])
def test_round_trips(q):
    assert Quarter.parse(q.label) == q
    assert Quarter.parse(q.text("ru")) == q and Quarter.parse(q.text("en")) == q
    assert Quarter.from_index(q.index) == q
    assert Quarter.of(q.start) == q == Quarter.of(q.end)
    assert Quarter.of(q.end + dt.timedelta(days=1)) == q + 1
    assert Quarter.parse(q.start.isoformat()) == q


def test_ordering_and_hashing():
    quarters = [Quarter(2025, 1), Quarter(2023, 4), Quarter(2024, 2), Quarter(2024, 1)]
    assert sorted(quarters) == [
        Quarter(2023, 4),
        Quarter(2024, 1),
        Quarter(2024, 2),
        Quarter(2025, 1),
    ]
    assert Quarter(2023, 4) < Quarter(2024, 1) and max(quarters) == Quarter(2025, 1)
    assert (
        len({Quarter(2024, 1), Quarter.parse("I кв. 2024"), Quarter.of(dt.date(2024, 2, 2))}) == 1
    )


def test_shift_across_years():
    q = Quarter(2024, 4)
    assert q.shift(1) == q + 1 == 1 + q == Quarter(2025, 1)
    assert q.shift(-4) == q - 4 == Quarter(2023, 4)
    assert Quarter(2024, 1) - 1 == Quarter(2023, 4)
    assert Quarter(2024, 2).shift(-9) == Quarter(2022, 1)
    assert q.shift(np.int64(2)) == Quarter(2025, 2)
    assert Quarter(2025, 1) - Quarter(2023, 3) == 6
    assert Quarter(2023, 3) - Quarter(2025, 1) == -6
    for bad in (1.0, True, "1"):
        with pytest.raises(TypeError):
            q + bad


def test_current_quarter():
    assert Quarter.current(dt.date(2025, 11, 30)) == Quarter(2025, 4)
    assert Quarter.current() == Quarter.of(dt.date.today())


def test_vectorised_helpers_agree_with_the_scalar_type():
    days = pd.date_range("1998-11-17", "2026-02-03", freq="17D")
    series = pd.Series(days, index=np.arange(len(days)) * 2)
    expected_index = [Quarter.of(d).index for d in days]
    expected_start = [pd.Timestamp(Quarter.of(d).start) for d in days]
    got = quarter_index(series)
    assert got.index.equals(series.index) and got.dtype == np.int64
    assert got.tolist() == expected_index
    assert quarter_index(days).tolist() == expected_index
    assert quarter_index(days.to_numpy()).tolist() == expected_index
    assert quarter_index(pd.Series([d.date() for d in days])).tolist() == expected_index
    starts = quarter_start_series(series)
    assert starts.index.equals(series.index) and starts.tolist() == expected_start
    assert quarter_start_series(days).tolist() == expected_start
    assert index_to_start(expected_index).tolist() == expected_start
    expected_end = [pd.Timestamp(Quarter.of(d).end) for d in days]
    assert quarter_end_series(series).tolist() == expected_end
    assert quarter_end_series(days).tolist() == expected_end


def test_vectorised_helpers_keep_missing_dates_missing():
    series = pd.Series([pd.Timestamp("2024-05-05"), pd.NaT])
    assert quarter_index(series).iloc[0] == Quarter(2024, 2).index
    assert np.isnan(quarter_index(series).iloc[1])
    assert quarter_start_series(series).isna().tolist() == [False, True]
    assert quarter_end_series(series).isna().tolist() == [False, True]
    aware = pd.Series(pd.to_datetime(["2024-03-31 23:30"]).tz_localize("Europe/Moscow"))
    assert quarter_index(aware).tolist() == [Quarter(2024, 1).index]
