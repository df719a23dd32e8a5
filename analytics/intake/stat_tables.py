"""Regional statistics tables as Rosstat and the State Statistics Service of Ukraine publish
them: a title, then areas as rows and periods as columns.

What the offices' layouts add to a plain area-by-quarter grid, and what this module does:

* **Period headers**: quarters in one cell ("I кв. 2024", "2024Q1"), or a row of years above
  a row of quarters ("2024" over "I квартал", "II квартал"…), or years alone.
* **The indicator** is named by the title: every word of one of its names or of the
  ``titles`` the catalogue gives it ("Инвестиции в основной капитал", "Капітальні
  інвестиції") is in the title, the longest such phrase winning. Quarter columns take the
  quarterly indicator so named, year columns the annual one (frequency ``year``: gross
  regional product, average annual employment, investment for the year…), stored at the
  year's 1 January. A quarterly indicator takes year columns only where the title says the
  values are at the start of the year ("на 1 января", "на 1 січня", "at 1 January"): that is
  the first day of its first quarter. A table whose columns do not fit the frequency of the
  indicator its title names is refused with a message naming that frequency; an annual
  value never becomes a quarterly one.
* **Subtotal rows**: the country ("Российская Федерация", "Україна"), federal districts
  ("Центральный федеральный округ"), "в том числе" lines: recognised and not loaded.
* **Composite subjects**: where a table has "Архангельская область без автономного округа"
  (or "(кроме …)"), that row is the oblast itself and the plain "Архангельская область" row,
  which includes the okrug, is a subtotal; without such a row the plain row is the oblast.
* **Footnote marks** after names and values ("Луганська область1)", "1 234,5 2)", "¹", "*")
  are dropped; a digit glued to a value's mark ("102,31)") is left for validation to refuse,
  since "102,3" and "102,31" cannot be told apart. "…", "...", "-", "–", "x", "н/д" mean no
  value. Notes below the table (the temporarily occupied territories) are shown as notices.

The reader (readers.py) calls :func:`find_header` and :func:`read_stat_table`; names are
resolved to region codes by validation, through the alias table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from analytics.intake.columns import catalogue, normalise_header
from analytics.intake.periods import YEAR_PATTERN, looks_like_quarter, parse_quarter

STAT_KINDS = frozenset({"region_quarter", "municipality_quarter"})
HEADER_SCAN_ROWS = 30
NO_DATA = frozenset({"-", "–", "—", "…", "...", "..", "х", "x", "н/д", "н.д.", "н. д.", "-*"})
_QUARTER_ONLY = re.compile(
    r"^(?:(?P<roman>IV|I{1,3})|(?P<arabic>[1-4]))\s*-?\s*(?:й|ий)?\s*"
    r"(?:кв\.?|квартал|кварт\.?|qtr\.?|quarter)$|^[QqКк](?P<q>[1-4])$",
    re.IGNORECASE,
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
# A footnote mark after a name or value: superscripts, asterisks, and "1)" after a space
# (values) or glued to letters (names, which do not end in digits).
_SUPERSCRIPTS = re.compile(r"[\s]*[*¹²³⁴⁵⁶⁷⁸⁹⁰⁾]+$")
_SPACED_MARK = re.compile(r"\s+\d{1,2}\)$")
_NAME_MARK = re.compile(r"(?<=[^\d\s])\s*\d{1,2}\)$")
_YEAR_MARK = re.compile(r"(?<=^\d{4})\s*\d{1,2}\)$")
_START_OF_YEAR = (
    "на 1 января",
    "на начало года",
    "на 1 січня",
    "на початок року",
    "at 1 january",
    "as of 1 january",
    "at the beginning of the year",
)
_TOTAL_STARTS = (
    "российская федерация",
    "россия",
    "рф",
    "україна",
    "украина",
    "ukraine",
    "russian federation",
    "russia",
    "итого",
    "всего",
    "усього",
    "всього",
    "total",
    "в том числе",
    "у тому числі",
    "в т ч",
    "из них",
    "з них",
)
_DISTRICT_WORDS = ("федеральный округ", "федеральний округ", "federal district")
_COMPOSITE = re.compile(
    r"^(?P<parent>.+?)\s*(?:\(\s*)?(?:без\s+автономн|без\s+ао\b|кроме\s|крім\s|excluding\s)",
    re.IGNORECASE,
)
_OCCUPIED = ("окупован", "оккупирован", "occupied")


@dataclass(frozen=True)
class Period:
    text: str  # as the header shows it (both rows of a two-row header)
    kind: str  # quarter | year
    value: str | None  # the quarter as validation reads it ("2024Q1"), None for a year


@dataclass(frozen=True)
class Layout:
    header_idx: int  # 0-based row of the (last) header row
    label_col: int
    periods: dict[int, Period]


@dataclass
class StatRead:
    """What :func:`read_stat_table` found: the long table (area, quarter, indicator, value,
    _row, _col; ``quarter`` holds a year for an annual indicator), the headers for messages,
    issues as ReadIssue keyword arguments and the indicator the title names."""

    table: pa.Table
    layout: Layout
    headers: dict[str, str]
    issues: list[dict[str, Any]] = field(default_factory=list)
    indicator: str | None = None  # the indicator the title names (of the quarter columns)


def _text(cell: Any) -> str:
    return "" if cell is None else re.sub(r"[\s\u00a0\u202f]+", " ", str(cell)).strip()


def _year(cell: Any) -> str | None:
    text = _text(cell)
    if text.endswith(".0"):  # a year typed as a number in a workbook
        text = text[:-2]
    # A footnote mark after a year ("2023 1)", "20231)", "2023¹⁾"): a year has four digits.
    text = _NAME_MARK.sub("", _YEAR_MARK.sub("", _SUPERSCRIPTS.sub("", text))).strip()
    match = YEAR_PATTERN.match(text)
    return match["y"] if match else None


def _quarter_only(cell: Any) -> int | None:
    match = _QUARTER_ONLY.match(_text(cell))
    if not match:
        return None
    if match["roman"]:
        return _ROMAN[match["roman"].upper()]
    return int(match["arabic"] or match["q"])


def _periods_of(row: list, above: list | None) -> dict[int, Period]:
    """Period cells of a header row; quarters without a year take the year of the row above
    (a merged cell: the year stands over its first quarter and carries right). Under a row
    of years, an empty cell below a year is that year's own column (the year's cell merged
    down over both header rows: "2023" beside "2024" over its quarters)."""
    periods: dict[int, Period] = {}
    year_above = None
    quarter_row = above is not None and any(_quarter_only(c) is not None for c in row)
    for i, cell in enumerate(row):
        if above is not None and i < len(above) and _year(above[i]):
            year_above = _year(above[i])
        text = _text(cell)
        if not text:
            if quarter_row and i < len(above) and _year(above[i]):
                periods[i] = Period(_text(above[i]), "year", None)
            continue
        if looks_like_quarter(text):
            start = parse_quarter(text)
            periods[i] = Period(text, "quarter", f"{start.year}Q{(start.month - 1) // 3 + 1}")
        elif (q := _quarter_only(text)) is not None and year_above:
            periods[i] = Period(f"{year_above} {text}", "quarter", f"{year_above}Q{q}")
        elif _year(text):
            periods[i] = Period(text, "year", None)
    return periods


def find_header(grid: list[list], kind: str | None) -> tuple[int, str] | None:
    """(header row, kind) when the top of ``grid`` is a statistics table: a row with two or
    more periods and at most one other cell. Scanning stops at the first row that looks like
    a template's headers or data (three or more other cells)."""
    if kind is not None and kind not in STAT_KINDS:
        return None
    found = detect(grid)
    return (found.header_idx, kind or "region_quarter") if found else None


def detect(grid: list[list]) -> Layout | None:
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        above = grid[idx - 1] if idx > 0 else None
        periods = _periods_of(row, above)
        others = [i for i, c in enumerate(row) if _text(c) and i not in periods]
        first = min(periods, default=0)
        below = grid[idx + 1] if idx + 1 < len(grid) else []
        if all(p.kind == "year" for p in periods.values()) and any(
            _quarter_only(c) is not None for c in below
        ):
            continue  # years over quarters: the header is the quarter row below
        if len(periods) >= 2 and len(others) <= 1 and first > 0:
            label = others[0] if others and others[0] < first else 0
            return Layout(idx, label, periods)
        if len(others) >= 3:
            return None
    return None


@dataclass(frozen=True)
class TitleMatch:
    code: str
    frequency: str  # quarter | year, as the catalogue has it
    words: int  # words of the longest phrase of the indicator found in the title


def title_matches(title: str, kind: str) -> list[TitleMatch]:
    """The area indicators the title names: every word of one of an indicator's names (ru,
    uk, en), its code or its catalogue ``titles`` is in the title ("Численность постоянного
    населения на 1 января" names the population though the words of "Численность населения"
    are not side by side). An annual indicator's phrases also name its ``quarterly``
    counterpart (a quarterly table of "среднемесячная начисленная заработная плата" is the
    quarterly average wage)."""
    words = set(normalise_header(title).split())
    entity = "region" if kind == "region_quarter" else "municipality"
    cat = catalogue()
    reported = cat[(cat.entity == entity) & (cat.kind == "reported")]
    frequency = dict(zip(reported.code, reported.frequency, strict=True))
    found: dict[str, int] = {}
    for row in reported.itertuples():
        phrases = [row.name_ru, row.name_uk, row.name_en, row.code, *row.titles]
        longest = max((_phrase_words(p, words) for p in phrases), default=0)
        if not longest:
            continue
        for code in (row.code, row.quarterly):
            if code in frequency:
                found[code] = max(found.get(code, 0), longest)
    return [TitleMatch(code, frequency[code], n) for code, n in found.items()]


def _phrase_words(phrase: str, words: set[str]) -> int:
    """How many words ``phrase`` has when all of them are in ``words``, else 0."""
    name = normalise_header(phrase).split()
    return len(name) if name and set(name) <= words else 0


def choose_indicator(matches: list[TitleMatch], frequency: str | None = None) -> str | None:
    """The indicator of the longest phrase (of ``frequency``, when given)."""
    fitting = [m for m in matches if frequency is None or m.frequency == frequency]
    return max(fitting, key=lambda m: (m.words, m.code)).code if fitting else None


def starts_year(title: str) -> bool:
    norm = f" {normalise_header(title)} "
    return any(f" {normalise_header(p)} " in norm for p in _START_OF_YEAR)


def clean_name(label: Any) -> str:
    """An area's name without footnote marks ("Луганська область1)" → "Луганська область")."""
    text = _SUPERSCRIPTS.sub("", _text(label))
    return _NAME_MARK.sub("", text).strip()


def clean_value(cell: Any) -> str | None:
    """A value cell's text without footnote marks; None when it says "no value"."""
    text = _text(cell)
    if not text or text.lower() in NO_DATA:
        return None
    text = _SPACED_MARK.sub("", _SUPERSCRIPTS.sub("", text)).strip()
    return None if not text or text.lower() in NO_DATA else text


def is_total(name: str) -> bool:
    norm = normalise_header(name)
    if any(w in norm for w in _DISTRICT_WORDS):
        return True
    return any(norm == s or norm.startswith(s + " ") for s in map(normalise_header, _TOTAL_STARTS))


def read_stat_table(
    head: list[list],
    body: list[list],
    kind: str,
    first_row: int,
    title: str,
) -> StatRead | None:
    """The table's values in long form, or None when ``head`` is not a statistics table.

    The indicator is the one the title names (:func:`title_matches`), chosen per kind of
    period column; columns for which the title names no indicator of a fitting frequency are
    not read and the file is refused with the reason."""
    layout = detect(head)
    if layout is None:
        return None
    area = "region_code" if kind == "region_quarter" else "municipality_code"
    header_text = _text(head[layout.header_idx][layout.label_col]) or None
    named, indicators, issues = _indicators_by_period(layout, title, kind)
    rows = _body_rows(body, layout, first_row)
    composite = {normalise_header(parent): r for r, _, parent, _ in rows if parent}
    records: dict[str, list] = {k: [] for k in (area, "quarter", "indicator", "value", "_row")}
    records["_col"] = []
    for row_no, name, parent, values in rows:
        if is_total(name):
            issues.append(_issue(row_no, header_text, name, "info", "stat.note.total"))
            continue
        if not parent and normalise_header(name) in composite:
            issues.append(
                _issue(
                    row_no,
                    header_text,
                    name,
                    "info",
                    "stat.note.composite_total",
                    part_row=composite[normalise_header(name)],
                )
            )
            continue
        if parent:
            issues.append(_issue(row_no, header_text, name, "info", "stat.note.composite_part"))
        if all(v is None for v in values.values()):  # "…" or "-" in every cell
            issues.append(_issue(row_no, header_text, name, "info", "stat.note.no_values"))
            continue
        for col, value in values.items():
            period = layout.periods[col]
            indicator = indicators.get(period.kind)
            if value is None or indicator is None:
                continue
            records[area].append(parent or name)
            records["quarter"].append(_period_value(period, indicator))
            records["indicator"].append(indicator)
            records["value"].append(value)
            records["_row"].append(row_no)
            records["_col"].append(period.text)
    issues += _notes(body, layout, first_row)
    table = pa.table(
        {k: pa.array(v, pa.int64() if k == "_row" else pa.string()) for k, v in records.items()}
    )
    headers = {area: header_text or "", "quarter": "", "value": ""}
    kinds = {p.kind for p in layout.periods.values()}
    main = indicators.get("quarter") if "quarter" in kinds else indicators.get("year")
    return StatRead(table, layout, headers, issues, main or named)


def _indicators_by_period(
    layout: Layout, title: str, kind: str
) -> tuple[str | None, dict[str, str | None], list[dict[str, Any]]]:
    """The indicator the title names, the indicator of each kind of period column (quarter,
    year), and the errors of the columns whose kind does not fit the frequency of the
    indicator the title names."""
    matches = title_matches(title, kind)
    named = choose_indicator(matches)
    if named is None:
        return None, {}, []  # the reader reports that the title names no indicator
    texts: dict[str, list[str]] = {}
    for period in layout.periods.values():
        texts.setdefault(period.kind, []).append(period.text)
    start_of_year = starts_year(title)
    # Years at 1 January are quarterly stocks (their first quarter); other years are annual.
    wanted = {"quarter": "quarter", "year": "quarter" if start_of_year else "year"}
    chosen: dict[str, str | None] = {}
    issues = []
    for period_kind, shown in texts.items():
        chosen[period_kind] = choose_indicator(matches, wanted[period_kind])
        if chosen[period_kind] is not None:
            continue
        key = {
            "quarter": "stat.error.quarters_for_annual",
            "year": "stat.error.start_of_year_annual" if start_of_year else "stat.error.annual",
        }[period_kind]
        issues.append(
            _issue(layout.header_idx + 1, None, ", ".join(shown), "error", key, field=named)
        )
    if len(texts) > 1 and any(chosen.values()):
        # Quarters with a year beside them ("2023" and "2024" over its quarters): the columns
        # that fit the indicators load, the others are named and left out.
        for issue in issues:
            issue.update(severity="warning", key="stat.warning.columns_left_out")
            issue["params"]["field"] = next(c for c in chosen.values() if c)
    return named, chosen, issues


def _period_value(period: Period, indicator: str) -> str:
    """The period as validation reads it: the quarter, a year for an annual indicator, or
    the first quarter of a year whose values are at its 1 January (a quarterly stock)."""
    if period.kind == "quarter":
        return period.value
    year = _year(period.text)
    return year if _frequency(indicator) == "year" else f"{year}Q1"


def _frequency(indicator: str) -> str:
    cat = catalogue()
    return cat.loc[cat.code == indicator, "frequency"].iloc[0]


def _body_rows(body: list[list], layout: Layout, first_row: int) -> list[tuple]:
    """(row, name, composite parent or None, values) for each body row naming an area."""
    rows = []
    for offset, row in enumerate(body):
        label = row[layout.label_col] if layout.label_col < len(row) else None
        name = clean_name(label)
        if not name:
            continue
        cells = {c: (row[c] if c < len(row) else None) for c in layout.periods}
        if not any(_text(v) for v in cells.values()):
            continue  # a sub-heading ("в том числе:") or a note: no value cells at all
        match = _COMPOSITE.match(name)
        parent = clean_name(match["parent"]) if match else None
        values = {c: clean_value(v) for c, v in cells.items()}
        rows.append((first_row + offset, name, parent, values))
    return rows


def _notes(body: list[list], layout: Layout, first_row: int) -> list[dict[str, Any]]:
    """Notes on temporarily occupied territories, anywhere in the label column."""
    found = []
    for offset, row in enumerate(body):
        text = " ".join(_text(c) for c in row if _text(c))
        if any(word in text.lower() for word in _OCCUPIED):
            found.append(_issue(first_row + offset, None, text[:300], "info", "stat.note.text"))
    return found


def _issue(row, column, value, severity, key, **params) -> dict[str, Any]:
    return {
        "row": row,
        "column": column,
        "value": value,
        "severity": severity,
        "key": key,
        "params": params,
    }
