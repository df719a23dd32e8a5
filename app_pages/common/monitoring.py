"""Statutory monitoring in words for the pages: compliance flags as a table and as
sentences, the configured rules, peer groups. The values are put into words by
``analytics.policy.compliance`` (months, shares, numbers with their unit)."""

from __future__ import annotations

import pandas as pd

from analytics.i18n import t
from analytics.policy.compliance import (
    flag_text,
    flag_value_text,
    load_config,
    measure_text,
    rule_title,
)
from app_pages.common.format import locale_table


def compliance_table(flags: pd.DataFrame, lang: str) -> None:
    """Compliance flags as a table: park, rule, value, threshold, since, legal check."""
    rows = flags.to_dict("records")
    shown = flags.assign(
        name=flags[f"name_{lang}"],
        rule_text=[rule_title(r["rule"], r["kind"], lang) for r in rows],
        value_text=[flag_value_text(r, lang) for r in rows],
        threshold_text=[measure_text(r["threshold"], r["unit"], lang) for r in rows],
        legal_text=[t("policy.yes", lang) if r["needs_legal_check"] else "" for r in rows],
    )
    locale_table(
        shown,
        [
            ("park_id", t("report.col.park_id", lang), "code"),
            ("name", t("report.col.park", lang), "text"),
            ("rule_text", t("policy.col.rule", lang), "text"),
            ("value_text", t("policy.col.value", lang), "text"),
            ("threshold_text", t("policy.col.threshold", lang), "text"),
            ("since", t("policy.col.since", lang), "date"),
            ("legal_text", t("policy.col.legal_check", lang), "text"),
        ],
        lang,
    )


def flag_sentences(flags: pd.DataFrame, lang: str) -> list[str]:
    """Each flag in words (analytics.policy.compliance.flag_text), naming the park."""
    return [
        flag_text({**row, "park_id": f"{row[f'name_{lang}']} ({row['park_id']})"}, lang)
        for row in flags.to_dict("records")
    ]


def rule_lines(lang: str, jurisdictions=None) -> list[str]:
    """The configured rules in words (of ``jurisdictions``, default all): title, threshold,
    legal basis, legal-check mark."""
    lines = []
    for rule in load_config().rules:
        if jurisdictions is not None and rule.jurisdiction not in set(jurisdictions):
            continue
        threshold = measure_text(rule.threshold, rule.unit, lang)
        line = t(
            "policy_app.compliance.rule_line",
            lang,
            rule=rule_title(rule.rule_id, rule.kind, lang),
            threshold=threshold,
            basis=rule.legal_basis or "–",
        )
        if rule.needs_legal_check:
            line += " " + t("policy.needs_legal_check", lang)
        lines.append(f"{rule.jurisdiction}: {line}")
    return lines


def peer_group_label(group: str, lang: str) -> str:
    """A peer group key (park_type/size_band/age_band/region_type, coarser keys shorter) in
    words."""
    if not isinstance(group, str):
        return "–"
    prefixes = ("park_type", "policy_app.size_band", "policy_app.age_band",
                "policy_app.region_type")  # fmt: skip
    return ", ".join(
        t(f"{prefix}.{part}", lang)
        for prefix, part in zip(prefixes, group.split("/"), strict=False)
    )
