"""Plausibility of a validated file: the warehouse's own data tests run on the staged batch,
and the warnings no data test can state (an accepted warning must not fail ``check``).

Errors come from the SQL data tests of ``analytics/warehouse/sql/tests`` run on the batch
as the marts would hold it after the import (:meth:`PlausibilityChecks.staged_sql`): each
row of the file merged over the stored row of its key, the file's value where it has one.
A rule is therefore written once, in SQL, and guards both the import and ``check``
(STYLE.md §6). Only problems that involve a cell the file fills are reported: stored
values are not the file's fault.

Warnings (accepted with ``--accept-warnings`` or the Data page's checkbox) are computed
here: quarterly flows larger than their stock or far above the park's usual size, counts
beyond any park's, and a new park named like an existing one once look-alike Latin and
Cyrillic letters are folded.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics.intake.columns import normalise_header
from analytics.warehouse.checks import TESTS_DIR

# How a data test names a row of a mart (row_key and quarter columns of dates.sql and
# negative_statistics.sql): the staged batch carries the same two values as _key, _quarter.
ROW_KEYS = {
    "park": ("park_id", "NULL::DATE"),
    "park_quarter": ("park_id", "quarter"),
    "park_target": ("park_id || '/' || indicator || '/' || period_type", "period_start"),
    "region_quarter": ("region_code || '/' || indicator", "quarter"),
    "municipality_quarter": ("municipality_code || '/' || indicator", "quarter"),
}
_GENERIC_CANDIDATE = "r.mart = '{kind}'"
_GENERIC_JOIN = (
    "r.mart = '{kind}' AND r.row_key = s._key AND r.quarter IS NOT DISTINCT FROM s._quarter"
)
REGISTRY_DATES = (
    "founded_on",
    "registered_on",
    "first_resident_on",
    "closed_on",
    "management_company_on",
    "operating_on",
    "excluded_on",
)


@dataclass(frozen=True)
class BatchRule:
    """A data test run on the staged batch: the kinds it applies to, the columns it checks
    (it runs only when the file holds one), which rows of its result can be the batch's
    and how such a row finds its batch row (``r``: the result, ``s``: the staged batch),
    and the method reporting each row."""

    test: str
    kinds: frozenset[str]
    reads: frozenset[str]
    join: str
    candidate: str  # which result rows can be the batch's (a cheap first pass counts them)
    report: str


BATCH_RULES = (
    BatchRule(
        "area_consistency",
        frozenset({"park_quarter"}),
        frozenset({"area_occupied_ha", "area_free_ha"}),
        "r.park_id = s.park_id AND r.quarter = s.quarter",
        "r.quarter IS NOT NULL",
        "_report_area",
    ),
    BatchRule(
        "dates",
        frozenset(ROW_KEYS),
        frozenset({*REGISTRY_DATES, "reported_on", "quarter", "period_start"}),
        _GENERIC_JOIN,
        _GENERIC_CANDIDATE,
        "_report_date",
    ),
    BatchRule(
        "negative_statistics",
        frozenset({"park_target", "region_quarter", "municipality_quarter"}),
        frozenset({"target_value", "value"}),
        _GENERIC_JOIN,
        _GENERIC_CANDIDATE,
        "_report_negative",
    ),
)

# Quarterly flows of a park report (stocks are checked for tenfold jumps by validation).
COUNT_FLOWS = ("jobs_created", "residents_new", "residents_left")
# Taxes and subsidies are money flows too; their unit slips are caught by validation's
# plausible range (millions per quarter), as these are.
MONEY_FLOWS = ("investment_own", "investment_private_external", "investment_budget")
# A flow more than this many times the geometric mean of the park's other quarters is a
# unit slip (thousands for millions, roubles for thousands), not lumpiness: in the demo data
# (lumpy investment included) the largest ratio is about 8 for counts and 410 for money.
FLOW_RATIO = {**dict.fromkeys(COUNT_FLOWS, 50.0), **dict.fromkeys(MONEY_FLOWS, 500.0)}
MIN_QUARTERS = 4  # other quarters with a positive value before a park's usual size counts
# A flow larger than its stock at the end of the same quarter.
FLOW_STOCKS = {
    "jobs_created": ("jobs_total", "intake.warning.jobs_created_above_total"),
    "residents_new": ("residents_count", "intake.warning.residents_new_above_count"),
}
# No single park has more (the largest special economic zones employ tens of thousands).
COUNT_CEILINGS = {
    "jobs_total": 200_000.0,
    "jobs_created": 50_000.0,
    "residents_count": 5_000.0,
    "residents_new": 1_000.0,
    "residents_left": 1_000.0,
}

# Latin letters that look like Cyrillic ones (after lower-casing), folded to the Cyrillic.
_LOOK_ALIKES = str.maketrans(
    {
        "a": "а",
        "b": "в",  # B / В
        "c": "с",
        "e": "е",
        "h": "н",  # H / Н
        "i": "і",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
    }
)


def fold_name(name: str) -> str:
    """A park name as compared for look-alikes: case, ``ё``, quotes and punctuation, and
    Latin letters that look Cyrillic ("Texнопарк" typed with a Latin x) do not count."""
    return normalise_header(str(name).lower().translate(_LOOK_ALIKES))


@dataclass(frozen=True)
class Day:
    """A date shown as a day in the reader's language (a bare date param reads as a quarter
    when it is a quarter's first day)."""

    value: dt.date


class PlausibilityChecks:
    """Mixed into validation's context (``analytics.intake.validate._Context``): uses its
    ``con``, ``read``, ``spec``, ``typed``, ``today``, ``lang``, ``add``, ``header``,
    ``cell_header`` and ``raw_at``."""

    con: Any
    read: Any
    spec: Any
    typed: Any
    today: dt.date
    lang: str
    add: Callable[..., None]
    header: Callable[[str], str]
    cell_header: Callable[[str, Any], str]
    raw_at: Callable[[str, float], str | None]

    # -- the batch as the marts would hold it
    def staged_sql(self, names: set[str], view: str, used: str) -> str:
        """A SELECT of the file's rows (those with a whole key) merged over the stored row
        of their key, with the mart's columns that ``used`` (a rule's SQL) mentions, plus
        ``_row``, ``_i`` (position in ``view``), ``_key`` and ``_quarter`` (see ROW_KEYS).
        Columns a mart computes (totals, ``opened_on``) keep their stored value: no rule
        here reads them."""
        kind = self.read.kind
        mart_columns = [
            r[0]
            for r in self.con.execute(f"DESCRIBE main.{kind}").fetchall()
            if r[0] in self.spec.keys or re.search(rf"\b{r[0]}\b", used)
        ]
        keys = {k: f"b.{k}" for k in self.spec.keys}
        if kind == "park_target":
            parts = [f"b.{p}" for p in ("period_type", "period_type_parsed") if p in names]
            keys["period_type"] = f"coalesce({', '.join(parts)})" if parts else "NULL"
        select = []
        for column in mart_columns:
            if column in keys:
                select.append(f"{keys[column]} AS {column}")
            elif column in names:
                select.append(f"coalesce(b.{column}, m.{column}) AS {column}")
            else:
                select.append(f"m.{column} AS {column}")
        key_sql, quarter_sql = ROW_KEYS[kind]
        inner = (
            f"SELECT {', '.join(select)}, b._row AS _row, b._i AS _i FROM {view} b "
            f"LEFT JOIN main.{kind} m ON {' AND '.join(f'm.{k} = {v}' for k, v in keys.items())} "
            f"WHERE {' AND '.join(f'{v} IS NOT NULL' for v in keys.values())}"
        )
        return f"SELECT *, {key_sql} AS _key, {quarter_sql} AS _quarter FROM ({inner})"

    def batch_rules(self, names: set[str], view: str) -> None:
        """Run every data test that applies to this kind of file on the staged batch."""
        kind = self.read.kind
        rules = [r for r in BATCH_RULES if kind in r.kinds and r.reads & names]
        keys = [k for k in self.spec.keys if k != "period_type"]
        if not rules or not set(keys) <= names:
            return  # a file without its keys is refused for that already
        for rule in rules:
            test = (TESTS_DIR / f"{rule.test}.sql").read_text(encoding="utf-8").strip()
            # The rules read current_date; validation's day (tests pin it) stands in.
            test = test.rstrip(";").replace("current_date", f"DATE '{self.today.isoformat()}'")
            staged = self.staged_sql(names, view, test)
            found = self.con.execute(
                f"WITH {kind} AS ({staged}) SELECT count(*) FROM (\n{test}\n) r "
                f"WHERE {rule.candidate.format(kind=kind)}"
            ).fetchall()[0][0]
            if not found:
                continue  # the usual case: no second pass to find the rows in the file
            sql = (
                f"WITH {kind} AS ({staged}) SELECT s._i, s._row, r.* FROM (\n{test}\n) r "
                f"JOIN {kind} s ON {rule.join.format(kind=kind)} ORDER BY s._row"
            )
            cursor = self.con.execute(sql)
            columns = [d[0] for d in cursor.description]
            report = getattr(self, rule.report)
            for values in cursor.fetchall():
                report(dict(zip(columns, values, strict=True)))

    def _in_file(self, position: int, columns: tuple[str, ...]) -> bool:
        """Whether the file fills one of ``columns`` in that row (else the problem is in
        stored values the file does not touch)."""
        return any(
            f"raw__{c}" in self.typed.column_names and self.raw_at(c, position) not in (None, "")
            for c in columns
        )

    def _shown(self, name: str, position: int, value: Any) -> str:
        """The file's text of a cell, or the staged value where the file has none."""
        if f"raw__{name}" in self.typed.column_names:
            raw = self.raw_at(name, position)
            if raw not in (None, ""):
                return raw
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    def _report_area(self, r: dict) -> None:
        position, row = r["_i"], r["_row"]
        occupied = "area_occupied_ha"
        if r["problem"] == "occupied_gt_leasable":
            if self._in_file(position, (occupied,)):
                self.add(
                    row,
                    self.header(occupied),
                    self._shown(occupied, position, r[occupied]),
                    "error",
                    "intake.error.occupied_gt_leasable",
                    leasable=float(r["leasable_area_ha"]),
                )
            return
        if r["area_occupied_ha"] > r["leasable_area_ha"] + 1e-9:
            return  # reported as occupied > leasable already
        in_file = [c for c in (occupied, "area_free_ha") if self._in_file(position, (c,))]
        if not in_file:
            return
        self.add(
            row,
            self.header(in_file[0]),
            self._shown(in_file[0], position, r[in_file[0]]),
            "error",
            "intake.error.area_sum_not_leasable",
            occupied=float(r["area_occupied_ha"]),
            free=float(r["area_free_ha"]),
            total=float(r["area_occupied_ha"] + r["area_free_ha"]),
            leasable=float(r["leasable_area_ha"]),
        )

    def _report_date(self, r: dict) -> None:
        position, column, problem = r["_i"], r["column_name"], r["problem"]
        involved = (column, "founded_on") if "founded" in problem else (column,)
        if not self._in_file(position, involved):
            return
        params: dict[str, Any] = {}
        if problem == "before_1990":
            key = "intake.error.date_too_early"
        elif problem == "in_future":
            key, params = "intake.error.date_in_future", {"today": Day(self.today)}
        else:
            key = f"intake.error.{problem}"
            founded = Day(r["reference"])
            params = {"founded": self._shown("founded_on", position, founded.value)}
            if params["founded"] == founded.value.isoformat():
                params["founded"] = founded  # not in the file: shown as a date of the language
        self.add(
            r["_row"],
            self.header(column),
            self._shown(column, position, r["value"]),
            "error",
            key,
            **params,
        )

    def _report_negative(self, r: dict) -> None:
        position, column = r["_i"], r["column_name"]
        if not self._in_file(position, (column,)):
            return
        col_text = (
            self.typed.column("_col")[position].as_py()
            if "_col" in self.typed.column_names
            else None
        )
        self.add(
            r["_row"],
            self.cell_header(column, col_text),
            self._shown(column, position, r["value"]),
            "error",
            "intake.error.negative",
        )

    # -- warnings: flows and counts of a park report
    def flow_checks(self, names: set[str], view: str) -> None:
        """Warn about a count beyond any park's, a quarter's flow larger than its stock at
        the quarter's end, or a flow far above the park's usual size (the geometric mean
        of its other quarters, in the file and stored). Two queries; only flagged rows come
        back to Python."""
        if not {"park_id", "quarter"} <= names:
            return
        warned = self._count_checks(names, view)
        self._magnitude_checks(names, view, warned)

    def _count_checks(self, names: set[str], view: str) -> set[tuple[int, str]]:
        """Counts beyond COUNT_CEILINGS and flows above their stock; (row, column) warned."""
        ceilings = [c for c in COUNT_CEILINGS if c in names]
        stocks = {f: s for f, (s, _) in FLOW_STOCKS.items() if f in names}
        if not (ceilings or stocks):
            return set()
        # The stock from the file, else the stored report of the same park and quarter.
        joined = any(s not in names for s in stocks.values())
        stock_sql = {
            f: (f"coalesce(f.{s}, m.{s})" if joined else f"f.{s}") if s in names else f"m.{s}"
            for f, s in stocks.items()
        }
        flagged = [
            *(f"f.{c} > {COUNT_CEILINGS[c]}" for c in ceilings),
            *(f"(f.{f} > {sql} AND {sql} >= 0)" for f, sql in stock_sql.items()),
        ]
        columns = sorted({*ceilings, *stocks})
        sql = f"""
            SELECT f._row, f._i{"".join(f", f.{c}" for c in columns)}
                   {"".join(f", {sql} AS stock__{f}" for f, sql in stock_sql.items())}
            FROM {view} f
            {"LEFT JOIN main.park_quarter m ON m.park_id = f.park_id AND m.quarter = f.quarter" if joined else ""}
            WHERE f.park_id IS NOT NULL AND f.quarter IS NOT NULL AND ({" OR ".join(flagged)})
            ORDER BY f._row
        """
        warned = set()
        cursor = self.con.execute(sql)
        labels = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            r = dict(zip(labels, values, strict=True))
            for name in ceilings:
                if r[name] is not None and r[name] > COUNT_CEILINGS[name]:
                    warned.add((r["_row"], name))
                    self._warn(
                        r, name, "intake.warning.implausible", low=0.0, high=COUNT_CEILINGS[name]
                    )
            for name in stocks:
                stock, value = r[f"stock__{name}"], r[name]
                if (r["_row"], name) in warned or value is None or stock is None:
                    continue
                if 0 <= stock < value:
                    warned.add((r["_row"], name))
                    self._warn(r, name, FLOW_STOCKS[name][1], stock=float(stock))
        return warned

    def _magnitude_checks(self, names: set[str], view: str, warned: set[tuple[int, str]]) -> None:
        """Flows more than FLOW_RATIO times the geometric mean of the park's other quarters.
        x > r * exp((S - ln x) / (N - 1)), with S and N over the park's quarters including
        x, is x > exp(((N - 1) ln r + S) / N): one threshold per park. Only parks whose
        largest value passes it are joined back to the file's rows."""
        flows = [f for f in FLOW_RATIO if f in names]
        if not flows:
            return
        sums = ", ".join(
            f"count(*) FILTER ({f} > 0) AS n__{f}, sum(ln({f})) FILTER ({f} > 0) AS s__{f}, "
            f"max({f}) AS top__{f}"
            for f in flows
        )
        thresholds = ", ".join(
            f"CASE WHEN n__{f} > {MIN_QUARTERS} THEN "
            f"exp(((n__{f} - 1) * {math.log(FLOW_RATIO[f])} + s__{f}) / n__{f}) END AS t__{f}"
            for f in flows
        )
        keyed = f"{view} WHERE park_id IS NOT NULL AND quarter IS NOT NULL"
        listed = ", ".join(flows)
        sql = f"""
            WITH history AS (
                SELECT park_id, {listed} FROM {keyed}
                UNION ALL
                SELECT s.park_id, {", ".join(f"s.{f}" for f in flows)} FROM main.park_quarter s
                WHERE s.park_id IN (SELECT park_id FROM {keyed}) AND NOT EXISTS (
                    SELECT 1 FROM {view} f WHERE f.park_id = s.park_id AND f.quarter = s.quarter)
            ),
            sums AS (SELECT park_id, {sums} FROM history GROUP BY park_id),
            suspects AS (
                SELECT * FROM (SELECT *, {thresholds} FROM sums)
                WHERE {" OR ".join(f"top__{f} > t__{f}" for f in flows)}
            )
            SELECT f._row, f._i, {", ".join(f"f.{c}" for c in flows)},
                   {", ".join(f"u.n__{f}, u.s__{f}" for f in flows)}
            FROM {view} f JOIN suspects u USING (park_id)
            WHERE f.quarter IS NOT NULL AND ({" OR ".join(f"f.{f} > u.t__{f}" for f in flows)})
            ORDER BY f._row
        """
        cursor = self.con.execute(sql)
        labels = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            r = dict(zip(labels, values, strict=True))
            for name in flows:
                value, quarters = r[name], (r[f"n__{name}"] or 0) - 1
                if (
                    (r["_row"], name) in warned
                    or not value
                    or value <= 0
                    or quarters < MIN_QUARTERS
                ):
                    continue
                usual = math.exp((r[f"s__{name}"] - math.log(value)) / quarters)
                if value > FLOW_RATIO[name] * usual:
                    self._warn(
                        r,
                        name,
                        "intake.warning.flow_magnitude",
                        ratio=FLOW_RATIO[name],
                        usual=float(usual),
                        quarters=float(quarters),
                    )

    def _warn(self, r: dict, name: str, key: str, **params: Any) -> None:
        self.add(r["_row"], self.header(name), self.raw_at(name, r["_i"]), "warning", key, **params)

    # -- warnings: a new park named like a registered one
    def lookalike_names(self) -> None:
        """Warn when a park the registry does not hold yet has the name (any language) of a
        registered park once case and look-alike Latin/Cyrillic letters are folded: the same
        park entered again under a new code would split its history in two."""
        names = [n for n in ("name_ru", "name_uk", "name_en") if n in self.typed.column_names]
        if not names or "park_id" not in self.typed.column_names:
            return
        registry = self.con.execute(
            "SELECT park_id AS code, name_ru, name_uk, name_en FROM main.park"
        ).df()
        known = set(registry.code)
        by_name: dict[str, tuple[str, str]] = {}
        for row in registry.itertuples():
            shown = getattr(row, f"name_{self.lang}") or row.name_ru or row.code
            for name in (row.name_ru, row.name_uk, row.name_en):
                if isinstance(name, str) and name.strip():
                    by_name.setdefault(fold_name(name), (row.code, shown))
        rows = self.typed.select(["_row", "park_id", *names]).to_pylist()
        for record in rows:
            if record["park_id"] in known or record["park_id"] is None:
                continue
            for column in names:
                text = record[column]
                match = by_name.get(fold_name(text)) if isinstance(text, str) else None
                if match:
                    self.add(
                        record["_row"],
                        self.header(column),
                        text,
                        "warning",
                        "intake.warning.name_looks_like",
                        existing=match[1],
                        code=match[0],
                    )
                    break
