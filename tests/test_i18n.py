"""The translation catalogue is complete and values are formatted for each locale."""

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analytics import i18n
from analytics.i18n import LANGUAGES, catalog, fmt_date, fmt_number, fmt_percent, fmt_quarter, t

PLACEHOLDER = re.compile(r"\{(\w+)")
# Keys whose languages legitimately use different values: quarters are Roman in ru/uk, Q3 in en.
DIFFERENT_PLACEHOLDERS_ALLOWED = {"quarter.label"}


def test_every_key_has_every_language_with_the_same_placeholders():
    problems = []
    for key, texts in catalog().items():
        missing = [lang for lang in LANGUAGES if not (texts or {}).get(lang)]
        if missing:
            problems.append(f"{key}: missing {missing}")
            continue
        fields = {lang: set(PLACEHOLDER.findall(texts[lang])) for lang in LANGUAGES}
        if (
            len({frozenset(v) for v in fields.values()}) != 1
            and key not in DIFFERENT_PLACEHOLDERS_ALLOWED
        ):
            problems.append(f"{key}: placeholders differ {fields}")
    assert not problems, "\n".join(problems)


def test_no_key_is_defined_in_two_catalogue_files():
    seen: dict[str, str] = {}
    for path in sorted(i18n.CATALOG_DIR.glob("*.yml")):
        for key in yaml.safe_load(path.read_text(encoding="utf-8")) or {}:
            assert key not in seen, f"{key} in both {seen[key]} and {path.name}"
            seen[key] = path.name


def test_every_key_used_in_code_exists():
    """Literal t("...") calls in the code name keys that exist in the catalogue."""
    root = Path(__file__).resolve().parents[1]
    used = set()
    for path in [
        *root.glob("analytics/**/*.py"),
        *root.glob("app_pages/**/*.py"),
        root / "dashboard.py",
    ]:
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")))
        used |= set(
            re.findall(r"UserError\(\s*\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8"))
        )
    missing = sorted(k for k in used if k not in catalog())
    assert not missing, missing


def test_numbers_follow_the_locale():
    # CLDR (via Babel): ru/uk group with a no-break space and use a decimal comma.
    assert fmt_number(1234567.891, "ru", 2) == "1\xa0234\xa0567,89"
    assert fmt_number(1234567.891, "uk", 2) == "1\xa0234\xa0567,89"
    assert fmt_number(1234567.891, "en", 2) == "1,234,567.89"
    assert fmt_number(float("nan"), "en") == "–"
    assert fmt_percent(0.2534, "en") == "25.3%"
    assert fmt_percent(0.2534, "ru") == "25,3\xa0%"


def test_dates_and_quarters_follow_the_locale():
    assert fmt_date(dt.date(2024, 12, 31), "en") == "31 Dec 2024"
    assert "дек" in fmt_date(dt.date(2024, 12, 31), "ru")
    assert "груд" in fmt_date(dt.date(2024, 12, 31), "uk")
    assert fmt_quarter(dt.date(2024, 7, 1), "ru") == "III кв. 2024"
    assert fmt_quarter((2024, 3), "en") == "Q3 2024"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="ru, uk, en"):
        t("app.title", "de")


def test_one_cell_formatter_for_screens_and_documents():
    from analytics.i18n.cells import display_frame, format_cell, unit_kind

    assert format_cell(2025.0, "year", "ru") == "2025"  # a year is never grouped
    assert format_cell(1234.56, "num1", "ru") == "1\xa0234,6"
    assert format_cell(1234.56, "num1", "en") == "1,234.6"
    assert format_cell(-3.0, "signed", "en") == "-3" and format_cell(3.0, "signed", "en") == "+3"
    assert format_cell(0.125, "pct_change", "en") == "+12.5%"
    assert format_cell(float("nan"), "int", "en") == format_cell(None, "date", "en") == "–"
    assert format_cell(dt.date(2024, 12, 31), "date", "en") == "31 Dec 2024"
    assert unit_kind("share") == "pct" and unit_kind("mln_currency") == "num1"
    shown = display_frame(pd.DataFrame({"n": [1500.0]}), [("n", "Jobs", "int")], "uk")
    assert shown.to_dict("list") == {"Jobs": ["1\xa0500"]}
    with pytest.raises(ValueError, match="cell kind must be one of"):
        format_cell(1.0, "money", "en")


# ---------------------------------------------------------------------------------------
# Shared words are spelled one way: method names and currencies (words.yml)

# (any spelling of a name a translator might write, {language: the one accepted spelling with
# its case endings}); a language missing from the dict must not use that script's form at all.
# Author-year citations ("Callaway & Sant'Anna (2021)", "(Goodman-Bacon 2021)") are
# references, not the method's name, and stay in Latin letters.
CITATION = r"(?=\s*\(?\d{4})"
NAME_SPELLINGS = [
    (
        r"Кал\w*\s*(?:[-–—‐]+|и|і|та|&)\s*Сант\S*",
        {
            "ru": r"Каллауэ(?:й|я|ю|ем|е) — Сант'Анн(?:а|ы|е|у|ой)",
            "uk": r"Каллаве(?:й|я|ю|єм|ї) — Сант'Анн(?:а|и|і|у|ою)",
        },
    ),
    (r"Callaway\s*[-–—‐]+\s*Sant\W?\s*Anna", {"en": r"Callaway–Sant'Anna"}),
    (r"Сан\w*\s*(?:[-–—‐]+|и|і|та|&)\s*Абрах\w*", {"ru": r"Сан — Абрахам", "uk": r"Сан — Абрахам"}),
    (r"Sun\s*[-–—‐]+\s*Abraham\w*", {"en": r"Sun–Abraham"}),
    (
        r"Гудм\w*\s*[-–—‐]+\s*Б\w+",
        {
            "ru": r"Гудман(?:а|у|ом|е)?-Бэйкон(?:а|у|ом|е)?",
            "uk": r"Гудман(?:а|у|ом|і)?-Бейкон(?:а|у|ом|і)?",
        },
    ),
    (
        r"Goodman\s*[-–—‐]?\s*Bacon",
        {
            "en": r"Goodman-Bacon",
            "ru": r"Goodman-Bacon" + CITATION,
            "uk": "Goodman-Bacon" + CITATION,
        },
    ),
]
# Money is named through {currency} and the currency.* words only.
CURRENCY_WORDS = re.compile(
    r"₽|\bруб\.|\bрубл|\bRUB\b|\bгрн\b|гривн|\bUAH\b|ден\.\s*ед\.|грош\.\s*од\.|currency units"
    r"|\broubles?\b|\brubles?\b|\bhryvni?as?\b",
    re.IGNORECASE,
)


def _texts_shown():
    """(where, language, text) of everything the product says: the catalogue and the
    reference data sets' purposes on the Methods page (data/sources.yml)."""
    for key, texts in catalog().items():
        for lang in LANGUAGES:
            yield key, lang, texts[lang]
    root = Path(__file__).resolve().parents[1]
    sources = yaml.safe_load((root / "data" / "sources.yml").read_text(encoding="utf-8"))
    for entry in sources["reference_data"]:
        for lang in LANGUAGES:
            yield f"sources.yml:{entry['id']}", lang, entry["purpose"][lang]


def test_each_method_name_is_spelled_one_way_in_each_language():
    problems = []
    for where, lang, text in _texts_shown():
        for anything, accepted in NAME_SPELLINGS:
            for match in re.finditer(anything, text):
                form = accepted.get(lang)
                tail = text[match.start() :]
                if form is None or not re.match(form, tail):
                    problems.append(f"{where} [{lang}]: {match.group(0)!r}")
    assert not problems, "\n".join(problems)


def test_the_method_words_are_the_accepted_spellings():
    for method, family in (("cs", 0), ("sa", 2)):
        for lang in ("ru", "uk"):
            assert re.fullmatch(NAME_SPELLINGS[family][1][lang], t(f"method.{method}", lang))
    assert t("method.cs", "en") == "Callaway–Sant'Anna" and t("method.sa", "en") == "Sun–Abraham"


def test_money_is_named_by_one_currency_word_per_language():
    problems = [
        f"{where} [{lang}]: {text}"
        for where, lang, text in _texts_shown()
        if not where.startswith("currency.") and CURRENCY_WORDS.search(text)
    ]
    assert not problems, "\n".join(problems)
    words = {key: texts for key, texts in catalog().items() if key.startswith("currency.")}
    assert {"currency.any", "currency.RUB", "currency.UAH"} <= set(words)
    assert i18n.unit_label("mln_currency", "uk", "RUB") == "млн " + t("currency.RUB", "uk")
    assert i18n.unit_label("mln_currency", "en", None) == t("currency.any", "en") + " mln"


def test_analytics_never_reads_the_apps_catalogue_keys():
    """Keys in app*.yml belong to the pages; analytics (reports, CLI) has its own words."""
    import ast

    root = Path(__file__).resolve().parents[1]
    app_keys = set()
    for path in i18n.CATALOG_DIR.glob("app*.yml"):
        app_keys |= set(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    found = []
    for path in (root / "analytics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in app_keys:
                found.append(f"{path.name}:{node.lineno} {node.value}")
            if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                prefix = str(node.values[0].value)
                if "." in prefix and any(key.startswith(prefix) for key in app_keys):
                    found.append(f"{path.name}:{node.lineno} {prefix}…")
    assert not found, found
