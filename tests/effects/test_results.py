"""The shared result helpers: coded warnings rendered per parameter kind, and the p-value.

Expected strings are written out by hand from the CLDR conventions of each locale: en groups
thousands with "," and uses "." for decimals; ru and uk group with a no-break space (U+00A0)
and use "," for decimals; ru puts a no-break space before "%", uk and en do not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.effects.results import (
    Share,
    render_warning,
    two_sided_p_value,
    warning_param,
    warning_texts,
)

NBSP = "\u00a0"


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("value", "en", "ru"),
    [
        # A share: whole percent.
        (Share(0.2345), "23%", f"23{NBSP}%"),
        (Share(0.10), "10%", f"10{NBSP}%"),
        # Integers (Python and numpy): grouped, never with decimals.
        (7, "7", "7"),
        (12650, "12,650", f"12{NBSP}650"),
        (np.int64(2244), "2,244", f"2{NBSP}244"),
        # Floats: four significant digits, no trailing zeros, the locale's signs.
        (852.8765, "852.9", "852,9"),
        (1 / 6, "0.1667", "0,1667"),  # 0.16666... -> 0.1667
        (0.05, "0.05", "0,05"),
        (7.35, "7.35", "7,35"),
        (2.0, "2", "2"),
        (123456.7, "123,500", f"123{NBSP}500"),  # 1.235e5
        (np.float64(22.0712), "22.07", "22,07"),
        (1.2344e-9, "0.000000001234", "0,000000001234"),
        (math.nan, "–", "–"),
        # Labels (periods, lists of cohorts) are never regrouped; quarters are written as the
        # reader writes them (issue 15: "2015Q1" in a Russian warning).
        ("2020", "2020", "2020"),
        ("2024Q3, 2025Q1", "Q3 2024, Q1 2025", "III кв. 2024, I кв. 2025"),
    ],
)
def test_each_parameter_kind_in_english_and_russian(value, en, ru):
    assert warning_param(value, "en") == en
    assert warning_param(value, "ru") == ru


def test_share_percent_follows_the_ukrainian_pattern():
    # uk_UA writes the percent sign without a space.
    assert warning_param(Share(0.2), "uk") == "20%"
    assert warning_param(12650, "uk") == f"12{NBSP}650"
    assert warning_param(0.1667, "uk") == "0,1667"


def test_share_stays_a_plain_number_in_codes():
    # Codes are compared (aggte de-duplicates them) and serialised as numbers.
    assert Share(0.25) == 0.25
    assert hash(Share(0.25)) == hash(0.25)
    assert float(Share(0.25)) + 0.5 == 0.75


# --------------------------------------------------------------------------- whole warnings


def test_twfe_share_and_counts_in_two_languages():
    codes = [
        ("effects.warn.forbidden_comparisons", {"share": Share(0.1987)}),
        ("effects.warn.negative_weights", {"n": 2244, "total": 12650}),
    ]
    en = warning_texts(codes, "en")
    ru = warning_texts(codes, "ru")
    assert en[0].startswith("Treatment timing is staggered and 20% of the TWFE weight")
    assert ru[0].startswith(f"Сроки воздействия различаются, и 20{NBSP}% веса оценки TWFE")
    assert en[1] == (
        "2,244 of 12,650 treated observations enter the TWFE estimate with a negative weight "
        "(de Chaisemartin-D'Haultfoeuille 2020)."
    )
    assert ru[1] == (
        f"2{NBSP}244 из 12{NBSP}650 наблюдений с воздействием входят в оценку TWFE с "
        "отрицательным весом (de Chaisemartin–D'Haultfœuille 2020)."
    )


def test_synth_floats_and_integers_in_two_languages():
    params = {"j": 5, "floor": 1 / 6, "alpha": 0.05}
    assert render_warning("synth.warn.few_donors", params, "en") == (
        "With 5 placebo units the permutation p-value cannot fall below 0.1667, "
        "so no result can be significant at level 0.05."
    )
    assert render_warning("synth.warn.few_donors", params, "ru") == (
        "Плацебо-проверка по 5 территориям сравнения не может дать p-значение меньше 0,1667, "
        "поэтому при уровне 0,05 значимый результат невозможен."
    )


def test_callaway_santanna_critical_value_uses_the_locale_decimal_sign():
    # Before the shared helper this printed "7.35" in Russian too.
    assert "(7,35)" in render_warning("effects_cs.warn_large_crit", {"crit": 7.35}, "ru")
    assert "(7.35)" in render_warning("effects_cs.warn_large_crit", {"crit": 7.35}, "en")


# --------------------------------------------------------------------------- p-value


def test_p_value_normal_and_student_t():
    # Normal: 2 * (1 - Phi(1)) = erfc(1 / sqrt(2)) = 0.3173105078629141; z = 1.959964 -> 0.05.
    assert two_sided_p_value(1.0, 1.0) == pytest.approx(0.3173105078629141, abs=1e-12)
    assert two_sided_p_value(-1.959963984540054, 1.0) == pytest.approx(0.05, abs=1e-12)
    # Student t, 10 df, t = 2: R 2 * pt(-2, 10) = 0.07338803 (also by Simpson's rule on the
    # t density over [0, 2]: 0.0733880348).
    assert two_sided_p_value(4.0, 2.0, df=10) == pytest.approx(0.07338803477, abs=1e-9)


def test_p_value_is_missing_without_a_usable_standard_error():
    assert math.isnan(two_sided_p_value(1.0, 0.0))
    assert math.isnan(two_sided_p_value(1.0, math.nan, df=5))
    p = two_sided_p_value(np.array([1.0, 1.0, 3.0]), np.array([1.0, 0.0, math.nan]))
    assert p[0] == pytest.approx(0.3173105078629141, abs=1e-12)
    assert np.isnan(p[1:]).all()
