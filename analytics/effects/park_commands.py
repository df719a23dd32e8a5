"""``python -m analytics park-effect``: a park effect straight from the warehouse.

The same estimate as the Impact page (:func:`analytics.effects.parks.park_effect` on one
:class:`~analytics.effects.park_spec.ParkEffectSpec`). With ``--json`` one JSON object is
printed, :meth:`ParkEffect.to_dict <analytics.effects.park_result.ParkEffect.to_dict>` (keys:
method, outcome {code, unit, transform, effect_unit}, estimate, se, ci_low, ci_high,
ci_method, p_value, alpha, n_units, n_obs, n_treated_units, cohorts, n_filled, diagnostics,
treated_units, left_out, place, spec, warnings, result and, with an event study,
event_study; beside them the keys the ``effects`` command prints for the same method:
``weights``/``time_weights`` for sdid, ``effects``/``placebos``/``avg_total_effect`` and switcher
counts for dcdh with ``n_switched_off``/``n_reentered``, ``n_treated_obs`` and
``pretrend_test`` for imputation); otherwise the summary and the plain-language reading. Every option is checked
here, so bad input gives one line on stderr in the user's language.
"""

from __future__ import annotations

import argparse
import json

from analytics.effects.cli_options import check_choice, parse_number, split_columns
from analytics.effects.park_spec import (
    AGGREGATIONS,
    CONTROLS,
    EST_METHODS,
    LEVELS,
    METHODS,
    ONE_PARK_METHODS,
    PARK_TYPES,
    TRANSFORMS,
    TREATMENTS,
    ParkEffectSpec,
)
from analytics.errors import UserError
from analytics.quarter import Quarter

_CHOICES = {
    "--level": ("level", LEVELS),
    "--method": ("method", METHODS),
    "--treatment": ("treatment", TREATMENTS),
    "--control": ("control", CONTROLS),
    "--est-method": ("est_method", EST_METHODS),
    "--transform": ("transform", TRANSFORMS),
    "--aggregation": ("aggregation", AGGREGATIONS),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "park-effect",
        help="the effect of parks on an area indicator, from the warehouse (as the Impact page)",
        description=__doc__.split("\n\n")[0],
    )
    add = parser.add_argument
    add("--outcome", metavar="CODE", help="area indicator code, e.g. employment")
    add("--level", metavar="{municipality,region}", default="municipality")
    add("--method", metavar="{" + ",".join(METHODS) + "}", default="cs", help="estimator")
    add("--park", metavar="ID", default=None, help="sc, ascm, sdid: the park (e.g. XD-P021)")
    add("--treatment", metavar="{opened,registered}", default="opened")
    add("--control", metavar="{notyet,never}", default="notyet", help="cs, sa: comparisons")
    add("--est-method", metavar="{dr,ipw,reg}", default="dr", help="cs: 2x2 estimator")
    add("--transform", metavar="{log,level}", default="log", help="scale of the effect")
    add("--aggregation", metavar="{simple,dynamic}", default="simple", help="cs: headline")
    add("--park-types", metavar="A,B", default="", help="only parks of these types")
    add("--start", metavar="QUARTER", default=None, help="first quarter, e.g. 2015Q1")
    add("--end", metavar="QUARTER", default=None, help="last quarter")
    add("--bootstrap", metavar="N", default="0", help="cs: multiplier bootstrap draws")
    add("--seed", metavar="N", default="0", help="random seed for the bootstrap")
    add("--alpha", metavar="A", default="0.05", help="1 - confidence level (default 0.05)")
    add("--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)")
    add("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def spec_from_args(args: argparse.Namespace) -> ParkEffectSpec:
    """The specification the options ask for; a UserError naming the first bad option."""
    if not args.outcome:
        raise UserError("effects.cli.missing_option", option="--outcome")
    chosen = {}
    for option, (name, allowed) in _CHOICES.items():
        check_choice(option, getattr(args, name), allowed)
        chosen[name] = getattr(args, name)
    if chosen["method"] in ONE_PARK_METHODS and not args.park:
        raise UserError("effects.cli.missing_for_method", method=chosen["method"], option="--park")
    park_types = split_columns(args.park_types)
    for park_type in park_types:
        check_choice("--park-types", park_type, PARK_TYPES)
    alpha = parse_number("--alpha", args.alpha)
    if not 0 < alpha < 1:
        raise UserError("effects.cli.bad_choice", option="--alpha", value=args.alpha, allowed="0–1")
    bootstrap = int(parse_number("--bootstrap", args.bootstrap, integer=True))
    if bootstrap < 0:
        raise UserError("effects.cli.bad_number", option="--bootstrap", value=args.bootstrap)
    quarters = {}
    for option, value in (("--start", args.start), ("--end", args.end)):
        quarter = None if value is None else Quarter.try_parse(value)
        if value is not None and quarter is None:
            raise UserError("kpi.bad_quarter", value=value)
        quarters[option] = quarter
    return ParkEffectSpec(
        outcome=args.outcome,
        park_types=park_types or None,
        park_id=args.park,
        start=quarters["--start"],
        end=quarters["--end"],
        bootstrap=bootstrap,
        seed=int(parse_number("--seed", args.seed, integer=True)),
        alpha=alpha,
        **chosen,
    )


def run(args: argparse.Namespace, lang: str) -> int:
    from analytics.effects.parks import park_effect
    from analytics.warehouse.connection import connect, default_db_path

    spec = spec_from_args(args)
    with connect(args.db or default_db_path(), read_only=True) as con:
        effect = park_effect(con, spec)
    if args.json:
        print(json.dumps(effect.to_dict(), ensure_ascii=False))
        return 0
    summary = "\n".join(line for line in effect.summary().splitlines() if "warning:" not in line)
    warnings = [f"  ! {w}" for w in effect.warnings_in(lang)]
    print("\n".join([summary, *warnings, "", effect.reading(lang)]))
    return 0
