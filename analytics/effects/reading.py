"""A plain-language reading of any effect result, in ru, uk or en.

The text is deterministic and built only from catalogue sentences
(``analytics/i18n/catalog/effects.yml``, keys ``effects.read.*``) with numbers formatted for
the locale. It states the estimate with its interval, then the evidence for believing it,
and hedges honestly: an interval spanning zero, a pre-trend test that rejects, a small
breakdown value of the relative-magnitudes bound, few treated units, thin cohorts, TWFE's
forbidden comparisons, or a poor synthetic-control fit (its warnings).

No conclusion at all is drawn from a result built on fewer than 5 % of the input's units
(typically after balancing dropped the rest) or without a standard error: the reading is then
only the sentence saying why (:func:`analytics.effects.sample.no_conclusion_reason`).

Thin cohorts: when most treatment dates hold one or two treated units, the pre-period
event-study estimates each rest on a handful of units whose own variation the
influence-function standard errors cannot capture (a cohort of one unit has none to estimate),
and the joint pre-trend test rejects too often. On the demo, where trends are parallel by
construction, the Callaway-Sant'Anna pre-trend test rejected at 5% for 6 of 12 seeds, while
the headline interval (an average over all cohorts) covered the planted effect for 16 of 16.
The reading then calls a rejection a weak signal instead of reporting a pre-trend as a
finding; the headline is read as usual.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from analytics.effects.results import Diagnostics, render_warning
from analytics.effects.sample import no_conclusion_reason
from analytics.i18n import check_language, fmt_number, t

# Below this many treated units the reading warns that inference is fragile.
FEW_TREATED_UNITS = 10
# Cohorts with fewer treated units than this are thin; most cohorts thin: see the docstring.
THIN_COHORT_UNITS = 3
# A breakdown Mbar below 1 means: a post-period violation of parallel trends smaller than the
# largest pre-period one would overturn the conclusion (Rambachan & Roth 2023).
FRAGILE_BREAKDOWN = 1.0


def _decimals(result: Any) -> int:
    """Decimals so the interval is shown with about two significant digits of its width."""
    width = abs(result.ci_high - result.ci_low) if _finite(result.ci_low, result.ci_high) else 0
    scale = width / 2 if width else abs(result.estimate)
    if not scale or not math.isfinite(scale):
        return 2
    return int(min(4, max(0, 1 - math.floor(math.log10(scale)))))


def _finite(*values: float) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _p(value: float, lang: str) -> str:
    if value < 0.001:
        return "< " + fmt_number(0.001, lang, 3)
    return "= " + fmt_number(value, lang, 3)


def read_result(
    result: Any,
    lang: str,
    *,
    outcome_label: str | None = None,
    place: str | None = None,
    thin_cohorts: bool = False,
    diagnostics: Diagnostics | None = None,
) -> str:
    """Sentences reading ``result`` (an :class:`~analytics.effects.results.EffectResult`) for a
    non-specialist, in ``lang``. ``diagnostics``: the evidence to read (default: the
    result's own, ``result.diagnostics``; a CS simple headline passes its event study's).
    ``thin_cohorts``: most treatment dates hold fewer than ``THIN_COHORT_UNITS`` treated units
    (see the module docstring)."""
    check_language(lang)
    refusal = no_conclusion_reason(result)
    if refusal is not None:
        # Too few of the units, or no standard error: a sentence on the estimate would be
        # read as a finding; say only why there is none.
        return render_warning(*refusal, lang)
    outcome = outcome_label or result.outcome or t("effects.read.the_outcome", lang)
    where = t("effects.read.place", lang, place=place) if place else ""
    digits = _decimals(result)
    number = fmt_number(abs(result.estimate), lang, digits)
    level = round((1 - result.alpha) * 100)
    evidence = result.diagnostics if diagnostics is None else diagnostics
    sentences = [_headline(result, lang, outcome, where, number, level, digits)]
    sentences += _evidence(result, evidence, lang, thin_cohorts)
    return " ".join(s for s in sentences if s)


def _headline(
    result: Any, lang: str, outcome: str, where: str, number: str, level: int, digits: int
) -> str:
    params = {"outcome": outcome, "place": where, "estimate": number, "level": level}
    if not _finite(result.ci_low, result.ci_high):
        key = "effects.read.raised_no_ci" if result.estimate >= 0 else "effects.read.lowered_no_ci"
        return _tidy(t(key, lang, **params))
    params["low"] = fmt_number(result.ci_low, lang, digits)
    params["high"] = fmt_number(result.ci_high, lang, digits)
    if result.ci_low <= 0 <= result.ci_high:
        params["estimate"] = fmt_number(result.estimate, lang, digits)
        return _tidy(t("effects.read.unclear", lang, **params))
    key = "effects.read.raised" if result.estimate > 0 else "effects.read.lowered"
    return _tidy(t(key, lang, **params))


def _tidy(text: str) -> str:
    """Collapse the gap an empty place phrase leaves behind."""
    # Only ASCII spaces: the no-break spaces of ru/uk number grouping must survive.
    text = re.sub(r" {2,}", " ", text).strip()
    return text.replace(" ,", ",").replace(" .", ".").replace(" :", ":")


def _evidence(
    result: Any, evidence: Diagnostics, lang: str, thin_cohorts: bool = False
) -> list[str]:
    sentences: list[str] = []
    if evidence.pretrend is not None:
        sentences += _event_study_sentences(result, evidence, lang, thin_cohorts)
    placebos = evidence.n_placebos is not None
    if placebos and _finite(result.p_value):
        # The p-value of the test the interval inverts, so the two sentences agree.
        sentences.append(t("effects.read.placebo", lang, p=_p(result.p_value, lang)))
    conformal = getattr(evidence, "conformal_p_value", None)  # augmented synthetic control
    if conformal is not None and _finite(conformal):
        sentences.append(t("effects_ascm.read_conformal", lang, p=_p(conformal, lang)))
    forbidden = evidence.forbidden_share
    if forbidden is not None and _finite(forbidden) and forbidden > 0.10:
        sentences.append(t("effects.read.forbidden", lang))
    n_treated = evidence.n_treated_units
    if n_treated is not None and 0 < n_treated < FEW_TREATED_UNITS and not placebos:
        sentences.append(t("effects.read.few_treated", lang, n=n_treated))
    return sentences


def _event_study_sentences(
    result: Any, evidence: Diagnostics, lang: str, thin_cohorts: bool = False
) -> list[str]:
    sentences: list[str] = []
    test = evidence.pretrend
    if _finite(test.p_value):
        if test.p_value >= result.alpha:
            key = "effects.read.pretrend_ok"
        else:  # with thin cohorts the test rejects too often to be read as a finding
            key = "effects.read.pretrend_thin" if thin_cohorts else "effects.read.pretrend_bad"
        sentences.append(t(key, lang, p=_p(test.p_value, lang)))
        breakdown = math.nan if evidence.breakdown_mbar is None else evidence.breakdown_mbar
        if breakdown == 0:
            pass  # the headline already says the interval includes zero
        elif np.isfinite(breakdown) and breakdown < FRAGILE_BREAKDOWN:
            sentences.append(
                t("effects.read.breakdown_fragile", lang, mbar=fmt_number(breakdown, lang, 2))
            )
        elif np.isfinite(breakdown):
            sentences.append(
                t("effects.read.breakdown_robust", lang, mbar=fmt_number(breakdown, lang, 2))
            )
    else:
        sentences.append(t("effects.read.no_pretrend", lang))
    return sentences
