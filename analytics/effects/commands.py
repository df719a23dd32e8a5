"""``python -m analytics effects``: estimate a park's effect from a CSV panel.

Methods: ``twfe`` (two-way fixed effects), ``cs`` (Callaway & Sant'Anna), ``sa``
(Sun & Abraham), ``sc`` (synthetic control), ``imputation`` (Borusyak-Jaravel-Spiess
imputation / two-stage DiD), ``dcdh`` (de Chaisemartin-D'Haultfoeuille DID_l for a ``--treated``
0/1 status that may switch off and on; ``--effects L --placebo K``; JSON adds ``effects``,
``placebos``, ``avg_total_effect`` and switcher counts; the headline is the average total
effect), ``ascm`` (augmented synthetic control with a conformal interval,
for the one treated unit of ``--treated-unit``/``--treatment-start`` or of the treatment
columns; keys weights, scm_weights, ridge_weights, ridge_lambda, lambda_path,
interval_status, gaps); ``all`` (every method on the same data, the agreement table of
:mod:`analytics.effects.agreement`: JSON ``{"methods": [...], "disagree": [[a, b], ...]}``, a
method that cannot run listed with its reason). With ``--json`` one JSON object is printed
(keys: method, estimate, se, ci_low, ci_high, ci_method, n_units, n_obs, dropped, warnings and, when
they apply, att_gt, event_study, weights, pre_rmspe, post_pre_ratio, p_value, gaps,
pretrend_test); ``dropped`` counts the input's units left out (total, never_treated,
not_yet_treated, treated, treated_by_cohort, by_reason, n_units_input, n_units_used).
With ``--sensitivity rm|smooth`` (cs, sa, imputation) the JSON adds the Honest DiD sets
``sensitivity`` (rows restriction, mbar, lb, ub; ``mbar`` holds M for smooth), ``breakdown``,
``sensitivity_method``, ``sensitivity_target`` and ``sensitivity_rel_times``.
otherwise the summary and the plain-language reading. Every option is checked here so that
bad input gives one line on stderr (via :class:`UserError`), never a traceback or a usage
dump.

``--control notyet`` with ``sa`` uses the last-treated cohort as control (Sun & Abraham's
alternative to never-treated units).
"""

from __future__ import annotations

import argparse
import contextlib
import json
from typing import Any, NamedTuple

import pandas as pd

from analytics.effects import park_commands
from analytics.effects.cli_options import check_choice, parse_number, parse_numbers, split_columns
from analytics.effects.panel import UNBALANCED
from analytics.effects.panel_file import read_panel
from analytics.effects.reading import read_result
from analytics.effects.results import Diagnostics, json_safe, sample_dict
from analytics.errors import UserError

METHODS = ("twfe", "cs", "sa", "sc", "imputation", "sdid", "ascm", "dcdh", "all")
FIXEDEFF = ("yes", "no")
SE_METHODS = ("placebo", "jackknife")
CONTROLS = ("never", "notyet")
EST_METHODS = ("dr", "ipw", "reg")
SENSITIVITIES = ("rm", "smooth")  # analytics.effects.honest.RESTRICTIONS, loaded only when used


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "effects",
        help="estimate a park's effect on a panel (TWFE, Callaway-Sant'Anna, Sun-Abraham, "
        "synthetic control)",
        description=__doc__.split("\n\n")[0],
    )
    add = parser.add_argument
    add("--data", metavar="FILE.csv", help="long panel: one row per unit and period")
    add("--unit", metavar="COL", help="unit column (municipality, region)")
    add("--time", metavar="COL", help="period column: years, 2024Q3 or quarter-start dates")
    add("--outcome", metavar="COL", help="outcome column (numeric)")
    add("--method", metavar="{" + ",".join(METHODS) + "}", help="estimator")
    add("--treat-time", metavar="COL", help="first treated period; 0 or empty = never treated")
    add("--treated", metavar="COL", help="0/1 treatment indicator (twfe)")
    add("--control", metavar="{never,notyet}", default="never", help="comparison units")
    add("--est-method", metavar="{dr,ipw,reg}", default="dr", help="CS estimator")
    add(
        "--unbalanced",
        metavar="{balance,keep}",
        default="balance",
        help="units missing some periods: drop them (balance) or keep every observed row "
        "(keep, as R did's allow_unbalanced_panel)",
    )
    add("--covariates", metavar="A,B", default="", help="comma-separated covariate columns")
    add("--cluster", metavar="COL", help="cluster column for standard errors (default: unit)")
    add(
        "--unit-effects",
        metavar="COL",
        help="imputation: absorb this column's effects (e.g. region) instead of the unit's",
    )
    add(
        "--pretrend-periods",
        metavar="K",
        default=None,
        help="imputation: pre-treatment horizons in the pre-trend test (default: all but one)",
    )
    add(
        "--se-method", metavar="{placebo,jackknife}", default="placebo", help="sdid standard errors"
    )
    add("--replications", metavar="N", default="200", help="sdid placebo replications")
    add("--effects", metavar="L", default="1", help="dcdh: event-time effects 1..L")
    add("--placebo", metavar="K", default="0", help="dcdh: placebos 1..K")
    add("--treated-unit", metavar="VALUE", help="sc: the treated unit")
    add("--treatment-start", metavar="VALUE", help="sc: first treated period")
    add("--predictors", metavar="A,B", default="", help="sc: predictor columns")
    add("--ridge-lambda", metavar="L", default=None, help="ascm: ridge penalty (default: CV)")
    add("--fixedeff", metavar="{yes,no}", default="yes", help="ascm: centre units on their means")
    add("--bootstrap", metavar="N", default="0", help="CS multiplier bootstrap draws")
    add("--seed", metavar="N", default=None, help="random seed for the bootstrap")
    add("--alpha", metavar="A", default="0.05", help="1 - confidence level (default 0.05)")
    add(
        "--sensitivity",
        metavar="{rm,smooth}",
        help="cs/sa/imputation: Honest DiD sets under relative magnitudes (rm) or smoothness",
    )
    add("--mbar", metavar="0.5,1,...", help="sensitivity: the Mbar (rm) or M (smooth) values")
    add("--m", metavar="0,0.01,...", help="sensitivity: the M values of smooth (as --mbar)")
    add(
        "--sensitivity-target",
        metavar="average|E",
        default="average",
        help="sensitivity: the average post-period effect or the effect E periods after the start",
    )
    add("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)
    # The park effect from the warehouse has its own options (see park_commands).
    park_commands.register(subparsers)


def run(args: argparse.Namespace, lang: str) -> int:
    options = _check_options(args)
    data = read_panel(options["data"])
    if options["method"] == "all":
        return _print_agreement(data, options, args.json, lang)
    try:
        estimate = ESTIMATORS[options["method"]](data, options)
    except ValueError as exc:
        raise UserError("effects.cli.invalid", reason=str(exc)) from None
    sensitivity = _sensitivity(estimate, options) if options["sensitivity"] else None
    if sensitivity is not None:
        from analytics.effects.honest import read_sensitivity, sensitivity_json
    if args.json:
        payload = to_json(options["method"], estimate.result, estimate.extras)
        if sensitivity is not None:
            payload.update(json_safe(sensitivity_json(sensitivity)))
        print(json.dumps(payload, ensure_ascii=False))
    else:
        text = _text(estimate.result, lang, estimate.evidence)
        if sensitivity is not None:
            text += "\n\n" + read_sensitivity(sensitivity, lang)
        print(text)
    return 0


def _print_agreement(data: pd.DataFrame, options: dict[str, Any], as_json: bool, lang: str) -> int:
    """``--method all``: every method on the data (:mod:`analytics.effects.agreement`)."""
    from analytics.effects.agreement import PANEL_METHODS, agreement, agreement_text
    from analytics.effects.design import n_treated_units, options_for

    def run(method: str):
        def estimate() -> Any:
            return ESTIMATORS[method](*options_for(method, data, options)).result

        return estimate

    # The table's order first, then any estimator added since, so none is left out.
    methods = dict.fromkeys([*PANEL_METHODS, *ESTIMATORS])
    table = agreement(
        {m: run(m) for m in methods},
        alpha=options["alpha"],
        outcome=options["outcome"],
        n_treated_units=n_treated_units(data, options),
    )
    print(
        json.dumps(table.to_dict(), ensure_ascii=False) if as_json else agreement_text(table, lang)
    )
    return 0


def _sensitivity(estimate: Estimate, options: dict[str, Any]) -> Any:
    """Honest DiD sets on the run's event study (``--sensitivity``)."""
    from analytics.effects.honest import honest_sensitivity

    if estimate.events is None:
        raise UserError("effects_honest.needs_event_study", method=options["method"])
    try:
        return honest_sensitivity(
            estimate.events,
            options["sensitivity"],
            options["sensitivity_grid"],
            target=options["sensitivity_target"],
            alpha=options["alpha"],
        )
    except ValueError as exc:
        raise UserError("effects.cli.invalid", reason=str(exc)) from None


def _check_options(args: argparse.Namespace) -> dict[str, Any]:
    for option in ("data", "unit", "time", "outcome", "method"):
        if not getattr(args, option):
            raise UserError("effects.cli.missing_option", option=f"--{option}")
    check_choice("--method", args.method, METHODS)
    check_choice("--control", args.control, CONTROLS)
    check_choice("--est-method", args.est_method, EST_METHODS)
    check_choice("--unbalanced", args.unbalanced, UNBALANCED)
    check_choice("--se-method", args.se_method, SE_METHODS)
    check_choice("--fixedeff", args.fixedeff, FIXEDEFF)
    if args.sensitivity is not None:
        check_choice("--sensitivity", args.sensitivity, SENSITIVITIES)
    options = {
        "data": args.data,
        "unit": args.unit,
        "time": args.time,
        "outcome": args.outcome,
        "method": args.method,
        "treat_time": args.treat_time,
        "treated": args.treated,
        "control": args.control,
        "est_method": args.est_method,
        "unbalanced": args.unbalanced,
        "covariates": split_columns(args.covariates),
        "cluster": args.cluster,
        "treated_unit": args.treated_unit,
        "treatment_start": args.treatment_start,
        "predictors": split_columns(args.predictors),
        "bootstrap": int(parse_number("--bootstrap", args.bootstrap, integer=True)),
        "seed": None if args.seed is None else int(parse_number("--seed", args.seed, integer=True)),
        "alpha": parse_number("--alpha", args.alpha),
        "unit_effects": args.unit_effects,
        "se_method": args.se_method,
        "replications": int(parse_number("--replications", args.replications, integer=True)),
        "ridge_lambda": None
        if args.ridge_lambda is None
        else parse_number("--ridge-lambda", args.ridge_lambda),
        "fixedeff": args.fixedeff == "yes",
        "pretrend_periods": None
        if args.pretrend_periods is None
        else int(parse_number("--pretrend-periods", args.pretrend_periods, integer=True)),
        "effects": int(parse_number("--effects", args.effects, integer=True)),
        "placebo": int(parse_number("--placebo", args.placebo, integer=True)),
        "sensitivity": args.sensitivity,
        "sensitivity_grid": parse_numbers("--mbar", args.mbar) or parse_numbers("--m", args.m),
        "sensitivity_target": _target(args.sensitivity_target),
    }
    if not 0 < options["alpha"] < 1:
        raise UserError("effects.cli.bad_choice", option="--alpha", value=args.alpha, allowed="0–1")
    if options["bootstrap"] < 0:
        raise UserError("effects.cli.bad_number", option="--bootstrap", value=args.bootstrap)
    needs = {
        "cs": ("treat_time",),
        "sa": ("treat_time",),
        "sc": ("treated_unit", "treatment_start"),
    }.get(args.method, ())
    for name in needs:
        if not options[name]:
            option = "--" + name.replace("_", "-")
            raise UserError("effects.cli.missing_for_method", method=args.method, option=option)
    if options["ridge_lambda"] is not None and options["ridge_lambda"] <= 0:
        raise UserError("effects.cli.bad_number", option="--ridge-lambda", value=args.ridge_lambda)
    named = options["treated_unit"] and options["treatment_start"]
    if args.method == "ascm" and not named and not (options["treat_time"] or options["treated"]):
        raise UserError("effects.cli.missing_for_method", method="ascm", option="--treated-unit")
    if options["replications"] < 2:
        raise UserError("effects.cli.bad_number", option="--replications", value=args.replications)
    treatment = options["treat_time"] or options["treated"]
    if (args.method in ("twfe", "imputation", "sdid") and not treatment) or (
        args.method == "all" and not (treatment or named)
    ):
        raise UserError("effects.treatment_required")
    return options


def _target(text: str) -> str | int:
    """``--sensitivity-target``: "average" or an event time (0 = the first treated period)."""
    if text == "average":
        return text
    return int(parse_number("--sensitivity-target", text, integer=True))


class Estimate(NamedTuple):
    """What one estimator run gives the command: the headline result, the JSON keys beyond the
    contract's, and the evidence its reading uses."""

    result: Any
    extras: dict[str, Any]
    evidence: Diagnostics
    # The result whose event study ``--sensitivity`` reads (None: the method has none).
    events: Any = None


def _twfe(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.twfe import twfe

    result = twfe(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treated=o["treated"],
        treat_time=o["treat_time"],
        covariates=o["covariates"],
        cluster=o["cluster"],
        alpha=o["alpha"],
    )
    extras: dict[str, Any] = {"p_value": result.p_value}
    if result.bacon_summary is not None:
        extras["bacon"] = json_safe(result.bacon_summary)
        extras["forbidden_share"] = result.forbidden_share
    return Estimate(result, extras, result.diagnostics)


def _sa(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.sunab import sun_abraham

    result = sun_abraham(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treat_time=o["treat_time"],
        covariates=o["covariates"],
        cluster=o["cluster"],
        control="never" if o["control"] == "never" else "last",
        alpha=o["alpha"],
    )
    extras = {"p_value": result.p_value, **_event_extras(result)}
    return Estimate(result, extras, result.diagnostics, events=result)


def _cs(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.cs import aggte, att_gt

    cells = att_gt(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treat_time=o["treat_time"],
        control=o["control"],
        est_method=o["est_method"],
        covariates=o["covariates"],
        cluster=o["cluster"],
        bootstrap=o["bootstrap"],
        seed=o["seed"],
        alpha=o["alpha"],
        unbalanced=o["unbalanced"],
        # HonestDiD needs coefficients against e = -1; the headline ATT is the same either way.
        base_period="universal" if o["sensitivity"] else "varying",
    )
    simple = aggte(cells, "simple")
    dynamic = aggte(cells, "dynamic")
    extras = {
        "p_value": simple.p_value,
        "att_gt": cells.to_dict().get("att_gt", []),
        **_event_extras(dynamic),
    }
    # The reading uses the event study; the headline stays the simple aggregation.
    evidence = simple.diagnostics.with_event_study(dynamic.diagnostics)
    return Estimate(simple, extras, evidence, events=dynamic)


def _imputation(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.imputation import imputation_did

    result = imputation_did(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treat_time=o["treat_time"],
        treated=o["treated"],
        covariates=o["covariates"],
        cluster=o["cluster"],
        unit_effects=o["unit_effects"],
        pretrend_periods=o["pretrend_periods"],
        alpha=o["alpha"],
    )
    extras = {"p_value": result.p_value, **_event_extras(result)}
    extras["n_treated_obs"] = result.n_treated_obs
    return Estimate(result, extras, result.diagnostics, events=result)


def _sdid(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.sdid import json_weights, synthetic_did

    result = synthetic_did(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treat_time=o["treat_time"],
        treated=o["treated"],
        se_method=o["se_method"],
        replications=o["replications"],
        seed=o["seed"],
        alpha=o["alpha"],
    )
    extras = {"p_value": result.p_value, **json_weights(result)}
    return Estimate(result, extras, result.diagnostics)


def _dcdh(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.dcdh import dcdh, json_event_study
    from analytics.effects.design import options_for

    # a 0/1 status (--treated) that may switch off, or one that switches on once and stays:
    # --treat-time, or a named unit and its start
    data, o = options_for("dcdh", data, o)
    result = dcdh(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treatment=o["treated"],
        effects=o["effects"],
        placebo=o["placebo"],
        cluster=o["cluster"],
        alpha=o["alpha"],
    )
    extras = {"p_value": result.p_value, **json_event_study(result)}
    if result.event_study["rel_time"].lt(0).any():
        extras["pretrend_test"] = result.diagnostics.pretrend.to_dict()
    return Estimate(result, extras, result.diagnostics)


def _sc(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.synth import synthetic_control

    result = synthetic_control(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treated_unit=_match(data[o["unit"]], o["treated_unit"]) if o["unit"] in data else None,
        treatment_start=_match(data[o["time"]], o["treatment_start"])
        if o["time"] in data
        else None,
        predictors=list(o["predictors"]) or None,
        alpha=o["alpha"],
    )
    gaps = result.gaps
    extras = {
        "weights": {str(k): float(v) for k, v in result.weights.items()},
        "pre_rmspe": result.pre_rmspe,
        "post_pre_ratio": result.post_pre_ratio,
        "p_value": result.p_value,
        "gaps": [{"time": json_safe(r.time), "gap": json_safe(r.gap)} for r in gaps.itertuples()],
    }
    return Estimate(result, extras, result.diagnostics)


def _ascm(data: pd.DataFrame, o: dict[str, Any]) -> Estimate:
    from analytics.effects.ascm import augmented_synthetic_control, json_extras
    from analytics.effects.design import one_treated_unit

    if o["treated_unit"] and o["treatment_start"]:
        treated_unit = _match(data[o["unit"]], o["treated_unit"]) if o["unit"] in data else None
        start = _match(data[o["time"]], o["treatment_start"]) if o["time"] in data else None
    else:  # the one treated unit of --treat-time or --treated
        treated_unit, start = one_treated_unit(
            data, o["unit"], o["time"], o["outcome"], o["treat_time"], o["treated"]
        )
    result = augmented_synthetic_control(
        data,
        unit=o["unit"],
        time=o["time"],
        outcome=o["outcome"],
        treated_unit=treated_unit,
        treatment_start=start,
        ridge_lambda=o["ridge_lambda"],
        fixedeff=o["fixedeff"],
        alpha=o["alpha"],
    )
    return Estimate(result, json_extras(result), result.diagnostics)


def _match(values: pd.Series, text: str) -> Any:
    """The value in ``values`` the user meant by ``text`` (CSV columns arrive typed)."""
    for value in pd.unique(values):
        if str(value) == text:
            return value
    try:
        number = float(text)
    except ValueError:
        return text
    for value in pd.unique(values):
        if isinstance(value, (int, float)) and float(value) == number:
            return value
    return text


def _event_extras(result: Any) -> dict[str, Any]:
    from analytics.effects.diagnostics import pretrend_test

    events = result.event_study
    rows = [
        {k: json_safe(getattr(r, k)) for k in ("rel_time", "estimate", "se", "ci_low", "ci_high")}
        for r in events.itertuples()
    ]
    extras: dict[str, Any] = {"event_study": rows}
    with contextlib.suppress(ValueError):
        extras["pretrend_test"] = pretrend_test(result).to_dict()
    return extras


ESTIMATORS = {
    "twfe": _twfe,
    "cs": _cs,
    "sa": _sa,
    "sc": _sc,
    "imputation": _imputation,
    "sdid": _sdid,
    "ascm": _ascm,
    "dcdh": _dcdh,
}
BASE_KEYS = ("estimate", "se", "ci_low", "ci_high", "ci_method", "n_units", "n_obs")


def to_json(method: str, result: Any, extras: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"method": method}
    for key in BASE_KEYS:
        out[key] = json_safe(getattr(result, key))
    out["dropped"] = sample_dict(result)
    out.update({k: json_safe(v) for k, v in extras.items()})
    out["warnings"] = list(result.warnings)
    return out


def _text(result: Any, lang: str, evidence: Diagnostics) -> str:
    summary = result.summary()
    warnings = result.warnings_in(lang)
    if warnings and lang != "en":
        # The summary lists English warnings; show them in the user's language instead.
        summary = "\n".join(line for line in summary.splitlines() if "warning:" not in line)
        summary += "\n" + "\n".join(f"  ! {w}" for w in warnings)
    return summary + "\n\n" + read_result(result, lang, diagnostics=evidence)
