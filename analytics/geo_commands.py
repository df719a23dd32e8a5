"""The ``shapes`` command: load real region outlines (GeoJSON) so maps draw them offline."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from analytics.errors import UserError
from analytics.geo import load_region_shapes
from analytics.i18n import t
from analytics.warehouse.connection import connect, default_db_path


def register(sub: argparse._SubParsersAction) -> None:
    shapes = sub.add_parser(
        "shapes", help="load region outlines from a GeoJSON FeatureCollection (newest wins)"
    )
    shapes.add_argument(
        "file", help="GeoJSON file; each feature names its region in properties.code"
    )
    shapes.add_argument("--producer", required=True, help="who drew the outlines")
    shapes.add_argument("--title", required=True, help="title of the data set")
    shapes.add_argument("--licence", default=None)
    shapes.add_argument("--url", default=None)
    shapes.add_argument("--published", default=None, help="publication date, YYYY-MM-DD")
    shapes.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )
    shapes.set_defaults(handler=run_shapes)


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise UserError("geo.no_file", path=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError("geo.not_json", path=str(path)) from exc


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UserError("geo.bad_date", value=text) from exc


def run_shapes(args: argparse.Namespace, lang: str) -> int:
    path = Path(args.file)
    shapes = _read(path)
    published = _date(args.published)
    with connect(args.db or default_db_path()) as con:
        source_id = load_region_shapes(
            con,
            shapes,
            producer=args.producer,
            title=args.title,
            licence=args.licence,
            url=args.url,
            published=published,
            file_name=path.name,
            loaded_by="python -m analytics shapes",
        )
    print(t("geo.loaded", lang, n=len(shapes["features"]), source_id=source_id))
    return 0
