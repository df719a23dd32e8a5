"""``python -m analytics effects-batch``: every park x outcome x method in one table.

Estimates the cells of :func:`analytics.effects.batch.plan_cells` with
:func:`~analytics.effects.batch.run_batch` and writes one tidy table (``-o``, .parquet or
.csv; columns :data:`~analytics.effects.batch.COLUMNS`). Run it again with the same options
and only the cells not yet in the file (for the current data) are estimated. ``--workers N``
runs N local processes; ``--scheduler tcp://HOST:PORT`` runs on an existing Dask distributed
cluster whose workers can import this project and read the warehouse at the same path. The
specification options (level, treatment, control, ...) are those of ``park-effect`` and are
checked the same way; bad input gives one line on stderr in the user's language.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.effects.cli_options import check_choice, parse_number, split_columns
from analytics.effects.park_commands import spec_from_args
from analytics.effects.park_spec import METHODS
from analytics.errors import UserError
from analytics.i18n import fmt_number, t

if TYPE_CHECKING:
    from analytics.effects.batch import BatchCell, BatchRun

ALL_PARKS = "all"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "effects-batch",
        help="estimate every park x outcome x method into one table (resumable; local "
        "processes or a Dask cluster)",
        description=__doc__.split("\n\n")[0],
    )
    add = parser.add_argument
    add("--outcomes", metavar="A,B", help="area indicator codes, e.g. employment,avg_wage")
    add("--methods", metavar="cs,sa,sc", default="cs,sa,sc", help="of " + ", ".join(METHODS))
    add("--parks", metavar="all|ID,ID", default=ALL_PARKS, help="sc, ascm: the parks (all)")
    add("--placebos", action="store_true", help="sc: a row for each in-space placebo")
    add("-o", "--output", metavar="FILE", help="the table: results.parquet or results.csv")
    add("--workers", metavar="N", default=None, help="local processes (default 1: this one)")
    add("--scheduler", metavar="ADDRESS", default=None, help="Dask scheduler, tcp://HOST:PORT")
    add("--level", metavar="{municipality,region}", default="municipality")
    add("--treatment", metavar="{opened,registered}", default="opened")
    add("--control", metavar="{notyet,never}", default="notyet", help="cs, sa: comparisons")
    add("--est-method", metavar="{dr,ipw,reg}", default="dr", help="cs: 2x2 estimator")
    add("--transform", metavar="{log,level}", default="log", help="scale of the effects")
    add("--aggregation", metavar="{simple,dynamic}", default="simple", help="cs: headline")
    add("--park-types", metavar="A,B", default="", help="only parks of these types")
    add("--start", metavar="QUARTER", default=None, help="first quarter, e.g. 2015Q1")
    add("--end", metavar="QUARTER", default=None, help="last quarter")
    add("--bootstrap", metavar="N", default="0", help="cs: multiplier bootstrap draws")
    add("--seed", metavar="N", default="0", help="random seed for the bootstrap")
    add("--alpha", metavar="A", default="0.05", help="1 - confidence level (default 0.05)")
    add("--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)")
    parser.set_defaults(handler=run)


def _workers(args: argparse.Namespace) -> int:
    if args.workers is not None and args.scheduler:
        raise UserError("effects_batch.workers_or_scheduler")
    if args.workers is None:
        return 1
    workers = int(parse_number("--workers", args.workers, integer=True))
    if workers < 1:
        raise UserError("effects.cli.bad_number", option="--workers", value=args.workers)
    return workers


def _request(args: argparse.Namespace) -> dict[str, Any]:
    """The options checked, in the order a user reads them; a UserError for the first bad."""
    outcomes = split_columns(args.outcomes)
    if not outcomes:
        raise UserError("effects.cli.missing_option", option="--outcomes")
    methods = split_columns(args.methods)
    if not methods:
        raise UserError("effects.cli.missing_option", option="--methods")
    for method in methods:
        check_choice("--methods", method, METHODS)
    if not args.output:
        raise UserError("effects.cli.missing_option", option="--output")
    parks = split_columns(args.parks)
    if not parks:
        raise UserError("effects.cli.missing_option", option="--parks")
    # The specification options are park-effect's, checked by its own function.
    chosen = {"outcome": outcomes[0], "method": "cs", "park": None}
    base = spec_from_args(argparse.Namespace(**{**vars(args), **chosen}))
    return {
        "outcomes": outcomes,
        "methods": list(dict.fromkeys(methods)),
        "parks": None if parks == (ALL_PARKS,) else list(dict.fromkeys(parks)),
        "base": base,
        "workers": _workers(args),
    }


def run(args: argparse.Namespace, lang: str) -> int:
    from analytics.effects.batch import check_output, check_request, park_ids, plan_cells
    from analytics.warehouse.connection import connect, default_db_path

    request = _request(args)
    out = check_output(args.output)
    db_path = args.db or default_db_path()
    with connect(db_path, read_only=True) as con:
        parks = request["parks"] or park_ids(con)
        check_request(con, request["base"].level, request["outcomes"], parks)
    cells = plan_cells(
        request["outcomes"],
        request["methods"],
        parks,
        base=request["base"],
        placebos=args.placebos,
    )
    with _dask_client(args.scheduler) as client:
        batch = _run(db_path, cells, client, request["workers"], out, lang)
    counts = batch.status_counts()
    print(
        t(
            "effects_batch.done",
            lang,
            path=str(out),
            cells=fmt_number(len(cells), lang),
            ok=fmt_number(counts["ok"], lang),
            not_estimable=fmt_number(counts["not_estimable"], lang),
            failed=fmt_number(counts["failed"], lang),
            reused=fmt_number(batch.reused, lang),
            computed=fmt_number(batch.computed, lang),
            seconds=fmt_number(batch.seconds, lang, 1),
        )
    )
    if batch.changed:
        print(t("effects_batch.changed", lang, n=fmt_number(batch.changed, lang)), file=sys.stderr)
    if counts["failed"]:
        print(t("effects_batch.retry", lang), file=sys.stderr)
        return 1
    return 0


def _run(
    db_path: Path, cells: list[BatchCell], client: Any, workers: int, out: Path, lang: str
) -> BatchRun:
    from analytics.effects.batch import run_batch

    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        text = t("effects_batch.progress", lang, done=fmt_number(done, lang),
                 total=fmt_number(total, lang))  # fmt: skip
        print(f"\r{text}", end=end, file=sys.stderr, flush=True)

    return run_batch(
        db_path,
        cells,
        client=client,
        workers=workers,
        out=out,
        lang=lang,
        progress=progress if show else None,
    )


@contextlib.contextmanager
def _dask_client(address: str | None) -> Iterator[Any]:
    """A Dask client on ``address`` for the run, closed after (None: no cluster)."""
    if not address:
        yield None
        return
    from distributed import Client

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UserError(
            "effects_batch.scheduler_unreachable", address=address, error=reason
        ) from None
    with client:
        yield client
