"""Statutory monitoring in words for the pages: compliance flags as a table and as
sentences, the configured rules, peer groups. The values are put into words by
``analytics.policy.compliance`` (months, shares, numbers with their unit)."""

from __future__ import annotations

import pandas as pd

from analytics.i18n import t
from analytics.i18n.cells import format_cell
from analytics.policy.compliance import flag_text, load_config, measure_text, rule_title


def compliance_display(flags: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Compliance flags as a display table: park, rule, value, threshold, since, legal check."""
    units = list(flags["unit"])
    return pd.DataFrame(
        {
            t("report.col.park_id", lang): list(flags["park_id"]),
            t("report.col.park", lang): list(flags[f"name_{lang}"]),
            t("policy.col.rule", lang): [
                rule_title(r, k, lang) for r, k in zip(flags["rule"], flags["kind"], strict=True)
            ],
            t("policy.col.value", lang): [
                measure_text(v, u, lang, below=b)
                for v, u, b in zip(flags["value"], units, flags["threshold"], strict=True)
            ],
            t("policy.col.threshold", lang): [
                measure_text(v, u, lang) for v, u in zip(flags["threshold"], units, strict=True)
            ],
            t("policy.col.since", lang): [format_cell(v, "date", lang) for v in flags["since"]],
            t("policy.col.legal_check", lang): [
                t("policy.yes", lang) if x else "" for x in flags["needs_legal_check"]
            ],
        }
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
