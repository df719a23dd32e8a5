"""An import's preview as people and scripts read it: every changed value of a stored record
(old → new) and every new record, from :class:`~analytics.intake.load.ImportPlan`.

The command line's dry run, its JSON output and the Data page all show these, so the three
say the same. Values are shown in the reader's locale (numbers, dates, enumerated codes in
words); the JSON form keeps them as stored (numbers as numbers, dates in ISO form).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from analytics.i18n import fmt_date, fmt_number, fmt_quarter, has_key, t
from analytics.intake.columns import header_label, kind_spec
from analytics.intake.history import value_text

if TYPE_CHECKING:  # load.py names conflicts in the preview's words: no import back at run time
    from analytics.intake.load import ImportPlan

# A refusal lists this many conflicting values, then says how many more there are.
CONFLICTS_SHOWN = 20


def _entity(kind: str) -> str:
    return {"region_quarter": "region", "municipality_quarter": "municipality"}.get(kind, "park")


def key_text(kind: str, key: dict[str, Any], lang: str) -> str:
    """A record's key as a reader names it: "XD-P001 · IV кв. 2025", "XD-01 · population ·
    2024" (quarters and periods in the locale's words)."""
    spec = kind_spec(kind)
    parts = []
    for name in spec.keys:
        value = key.get(name)
        dtype = spec.column(name).dtype
        if name == "period_type":
            continue  # said by the period itself: "2025" or "I кв. 2025"
        if isinstance(value, dt.date) and dtype == "period" and key.get("period_type") == "year":
            parts.append(str(value.year))
        elif isinstance(value, dt.date) and dtype in {"quarter", "period"}:
            parts.append(fmt_quarter(value, lang))
        else:
            parts.append("–" if value is None else str(value))
    return " · ".join(parts)


def shown_value(kind: str, column: str, text: str | None, numeric: bool, lang: str) -> str:
    """A stored value (as text) in the reader's locale."""
    if text is None:
        return "–"
    col = kind_spec(kind).column(column) if column in kind_spec(kind).names else None
    if col is not None and col.dtype == "date":
        return fmt_date(dt.date.fromisoformat(text[:10]), lang)
    if col is not None and col.dtype == "enum" and has_key(f"intake.value.{column}.{text}"):
        return t(f"intake.value.{column}.{text}", lang)  # a code outside the list stays a code
    return value_text(text, numeric, lang)


def revision_item_text(
    kind: str, row_key: str, lang: str, indicator_names: dict[str, str] | None = None
) -> str:
    """A revision's record in words ("IV кв. 2025", "III кв. 2024 · Занятость"): ``row_key``
    is :func:`analytics.intake.history.revisions`' (the record's keys after the park's,
    region's or municipality's own code, as stored text); ``indicator_names`` name the
    indicator codes among them."""
    spec = kind_spec(kind)
    names = spec.keys[1:]  # the first key is the target's own code
    if not names or not isinstance(row_key, str):
        return ""
    key: dict[str, Any] = {}
    for name, text in zip(names, row_key.split(" ", len(names) - 1), strict=False):
        dtype = spec.column(name).dtype
        if dtype in ("quarter", "period"):
            key[name] = dt.date.fromisoformat(text[:10])
        elif name == "indicator" and indicator_names:
            key[name] = indicator_names.get(text, text)
        else:
            key[name] = text
    return " · ".join(key_text(kind, key, lang).split(" · ")[1:])


def revision_column_text(kind: str, column: str, lang: str) -> str:
    """A revision's column as the templates head it in ``lang``."""
    return header_label(column, lang, _entity(kind))


def _limited(table: pa.Table | None, limit: int | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    return (table if limit is None else table.slice(0, limit)).to_pylist()


def change_records(plan: ImportPlan, lang: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The changed values of stored records, in file order, for display: ``row`` (the file's),
    ``item`` (the key in words), ``column`` (its header in ``lang``), ``old``, ``new``,
    ``change`` (new | changed | cleared, in words), ``tenfold``, ``cleared``."""
    kind = plan.kind
    out = []
    for cell in _limited(plan.cells, limit):
        column, numeric = cell["column_name"], cell["numeric"]
        cleared = cell["change"] == "cleared"
        out.append(
            {
                "row": cell["_row"],
                "item": key_text(kind, cell, lang),
                "column": header_label(column, lang, _entity(kind)),
                "old": shown_value(kind, column, cell["old"], numeric, lang),
                "new": t("intake.history.cleared", lang)
                if cleared
                else shown_value(kind, column, cell["new"], numeric, lang),
                "change": t(f"intake.change.{cell['change']}", lang),
                "tenfold": bool(cell["tenfold"]),
                "cleared": cleared,
            }
        )
    return out


def new_records(plan: ImportPlan, lang: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The records the file adds: ``row`` and ``item`` (the key in words)."""
    return [
        {"row": key["_row"], "item": key_text(plan.kind, key, lang)}
        for key in _limited(plan.new_keys, limit)
    ]


def _json_value(text: str | None, numeric: bool) -> Any:
    if text is None:
        return None
    return float(text) if numeric else text


def _json_key(kind: str, cell: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in cell.items()
        if k in kind_spec(kind).keys
    }


def changes_json(plan: ImportPlan) -> dict[str, Any]:
    """The preview for scripts: value counts, every changed value of a stored record (key,
    file row, column code, change, old, new, tenfold) and every new record's key."""
    kind = plan.kind
    cells = [
        {
            "key": _json_key(kind, cell),
            "row": cell["_row"],
            "column": cell["column_name"],
            "change": cell["change"],
            "old": _json_value(cell["old"], cell["numeric"]),
            "new": _json_value(cell["new"], cell["numeric"]),
            "tenfold": bool(cell["tenfold"]),
        }
        for cell in _limited(plan.cells, None)
    ]
    new_rows = [
        {"key": _json_key(kind, k), "row": k["_row"]} for k in _limited(plan.new_keys, None)
    ]
    return {"values": plan.values.to_dict(), "cells": cells, "new_rows": new_rows}


@dataclass(frozen=True)
class EditConflict:
    """A value the file changes that another import changed since the preview: ``old`` as
    the preview showed it, ``theirs`` as stored now, ``yours`` as the file states it (None:
    empty, or cleared by the file)."""

    key: dict[str, Any]
    column: str
    numeric: bool
    old: str | None
    theirs: str | None
    yours: str | None


@dataclass(frozen=True)
class EditConflicts:
    """The conflicting values of a refused commit, one line each in the reader's words (a
    message parameter: it renders itself in the message's language)."""

    kind: str
    conflicts: Sequence[EditConflict]

    def text(self, lang: str) -> str:
        lines = []
        for c in self.conflicts[:CONFLICTS_SHOWN]:
            lines.append(
                t(
                    "intake.edit_conflict_cell",
                    lang,
                    item=key_text(self.kind, c.key, lang),
                    column=header_label(c.column, lang, _entity(self.kind)),
                    old=shown_value(self.kind, c.column, c.old, c.numeric, lang),
                    theirs=shown_value(self.kind, c.column, c.theirs, c.numeric, lang),
                    yours=shown_value(self.kind, c.column, c.yours, c.numeric, lang),
                )
            )
        more = len(self.conflicts) - CONFLICTS_SHOWN
        if more > 0:
            lines.append(t("intake.edit_conflict_more", lang, n=fmt_number(more, lang)))
        return "\n".join(lines)
