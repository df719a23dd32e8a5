"""Data: loaded batches and revisions for everyone; uploads for logged-in editors.

An upload goes read → validate → plan and is shown in full (what was detected, every issue
with its row and column, what committing would insert or update) before an editor commits
it. Committing adds a batch, so the data stamp in ``_shared`` changes and every page's
cached queries are recomputed.
"""

import math

import pandas as pd
import streamlit as st

from analytics.errors import UserError
from analytics.i18n import LANGUAGES, fmt_date, fmt_number, has_key, t
from analytics.intake import Limits, commit_import, plan_import, read_file, users, validate
from analytics.intake.columns import KINDS
from analytics.intake.history import TARGETS, value_text
from app_pages import _shared
from app_pages._safe_table import safe_dataframe

MB = 1024 * 1024
TEMPLATE_FORMATS = (".xlsx", ".csv")
MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}

lang = _shared.language()
_shared.require_database(lang)


def kind_label(kind: str) -> str:
    """What a batch holds, in words (the catalogue's table names)."""
    return t(f"table.{kind}", lang) if has_key(f"table.{kind}") else kind


st.title(t("data.title", lang))
st.caption(t("data.caption", lang))


# ------------------------------------------------------------------ account


def _log_in() -> None:
    """Check the password against its argon2 hash; keep only name and role in the session."""
    name = st.session_state.get("data_login_name", "").strip()
    password = st.session_state.get("data_login_password", "")
    st.session_state["data_login_password"] = ""
    with _shared.cursor() as cur:
        user = users.authenticate(cur, name, password) if name and password else None
    if user is None:
        st.session_state["data_login_failed"] = True
        return
    st.session_state.pop("data_login_failed", None)
    st.session_state["data_user"] = {"name": user.name, "role": user.role}


def _log_out() -> None:
    for key in ("data_user", "data_preview", "data_summary"):
        st.session_state.pop(key, None)


def current_user() -> users.User | None:
    account = st.session_state.get("data_user")
    return users.User(account["name"], account["role"]) if account else None


st.subheader(t("data.account", lang))
user = current_user()
if user is None:
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    left.text_input(t("data.login_name", lang), key="data_login_name")
    middle.text_input(t("data.login_password", lang), type="password", key="data_login_password")
    right.button(t("data.login", lang), key="data_login_submit", on_click=_log_in)
    if st.session_state.get("data_login_failed"):
        st.error(t("data.login_failed", lang))
    st.info(t("data.login_to_upload", lang))
else:
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.write(t("data.logged_in_as", lang, name=user.name, role=t(f"data.role_{user.role}", lang)))
    right.button(t("data.logout", lang), key="data_logout", on_click=_log_out)
    if not user.can_edit():
        st.warning(t("data.viewer_cannot_upload", lang))


# ------------------------------------------------------------------ upload (editors only)


def issues_table(report) -> pd.DataFrame:
    """Every issue with where it is, in the reader's language."""
    rows = [
        {
            t("data.col_severity", lang): t(f"data.severity_{issue.severity}", lang),
            t("data.col_file", lang): issue.file,
            t("data.col_sheet", lang): issue.sheet or "",
            t("data.col_row", lang): issue.row,
            t("data.col_column", lang): issue.column or "",
            t("data.col_value", lang): issue.value if issue.value is not None else "",
            t("data.col_message", lang): issue.message(lang),
        }
        for issue in report.issues
    ]
    return pd.DataFrame(rows)


def detected_table(detected: dict) -> pd.DataFrame:
    delimiter = detected.get("delimiter")
    shown = {
        "kind": kind_label(detected["kind"]),
        "format": detected["format"].upper(),
        "encoding": detected.get("encoding") or "–",
        "delimiter": {"\t": "TAB", None: "–"}.get(delimiter, delimiter),
        "decimal": detected.get("decimal") or "–",
        "header_language": _shared.LANGUAGE_NAMES.get(
            detected.get("header_language"), detected.get("header_language") or "–"
        ),
        "header_row": detected.get("header_row"),
        "layout": t(f"data.layout_{detected['layout']}", lang),
        "sheet": detected.get("sheet") or "–",
    }
    return pd.DataFrame(
        {
            t("data.col_property", lang): [t(f"data.detected_{k}", lang) for k in shown],
            t("data.col_detected", lang): [str(v) for v in shown.values()],
        }
    )


def preview(upload, kind: str | None, sheet: str | None, limits: Limits):
    """Read, validate and plan an upload once per file, options and data stamp."""
    stamp = (upload.file_id, kind, sheet, _shared.data_stamp(), lang)
    cached = st.session_state.get("data_preview")
    if cached and cached[0] == stamp:
        return cached[1]
    read = read_file(upload.getvalue(), upload.name, kind=kind, sheet=sheet, limits=limits)
    with _shared.cursor() as cur:
        plan = plan_import(cur, validate(cur, read, lang))
    st.session_state["data_preview"] = (stamp, plan)
    return plan


def commit(plan, accept_warnings: bool) -> None:
    # The role is checked again at commit time: an account may have lost it meanwhile.
    with _shared.cursor() as cur:
        editor = users.require_editor(cur, user.name)
        summary = commit_import(cur, plan, user=editor.name, accept_warnings=accept_warnings)
    _shared.forget_data_stamp()  # every page shows the new data on its next run
    st.session_state["data_summary"] = summary
    st.session_state.pop("data_preview", None)


if user is not None and user.can_edit():
    st.subheader(t("data.upload", lang))
    limits = Limits()
    limit_mb = limits.max_bytes / MB
    st.caption(t("data.upload_caption", lang, limit=fmt_number(limit_mb, lang, 0)))
    left, right = st.columns(2)
    kind = left.selectbox(
        t("data.kind", lang),
        [None, *KINDS],
        format_func=lambda k: t("data.kind_auto", lang) if k is None else kind_label(k),
        key="data_kind",
    )
    sheet = right.text_input(t("data.sheet", lang), key="data_sheet").strip() or None
    upload = st.file_uploader(
        t("data.file", lang),
        type=["csv", "txt", "xlsx", "xls"],
        key="data_upload",
        max_upload_size=max(1, math.ceil(limit_mb)),
    )
    summary = st.session_state.get("data_summary")
    if summary is not None:
        st.success(
            t(
                "data.committed",
                lang,
                source_id=summary.source_id,
                inserted=fmt_number(summary.inserted, lang),
                updated=fmt_number(summary.updated, lang),
                unchanged=fmt_number(summary.unchanged, lang),
            )
            if not summary.noop
            else t("data.noop", lang)
        )
    if upload is not None:
        try:
            plan = preview(upload, kind, sheet, limits)
        except UserError as exc:
            st.error(exc.message(lang))
            plan = None
        if plan is not None:
            report = plan.report
            st.markdown(f"**{t('data.detected', lang)}**")
            st.dataframe(detected_table(report.read.detected.to_dict()), hide_index=True)
            cols = st.columns(5)
            cols[0].metric(t("data.rows_read", lang), fmt_number(report.read.rows, lang))
            cols[1].metric(t("data.inserted", lang), fmt_number(plan.inserted, lang))
            cols[2].metric(t("data.updated", lang), fmt_number(plan.updated, lang))
            cols[3].metric(t("data.unchanged", lang), fmt_number(plan.unchanged, lang))
            cols[4].metric(
                t("data.issues", lang),
                f"{fmt_number(len(report.errors), lang)} / {fmt_number(len(report.warnings), lang)}",
            )
            if report.issues:
                st.markdown(f"**{t('data.issues_title', lang)}**")
                safe_dataframe(issues_table(report), hide_index=True, key="data_issues")
            if plan.same_file_source_id is not None:
                st.info(t("data.same_file", lang, source_id=plan.same_file_source_id))
            if report.errors:
                st.error(t("data.has_errors", lang, n=fmt_number(len(report.errors), lang)))
            elif plan.changes == 0:
                st.info(t("data.nothing_to_commit", lang))
            else:
                accept = True
                if report.warnings:
                    accept = st.checkbox(
                        t("data.accept_warnings", lang, n=fmt_number(len(report.warnings), lang)),
                        key="data_accept_warnings",
                    )
                if st.button(
                    t("data.commit", lang), key="data_commit", type="primary", disabled=not accept
                ):
                    try:
                        commit(plan, accept)
                    except UserError as exc:
                        st.error(exc.message(lang))
                    else:
                        st.rerun()


# ------------------------------------------------------------------ templates


st.subheader(t("data.templates", lang))
st.caption(t("data.templates_caption", lang))
left, middle, right = st.columns(3)
template_kind = left.selectbox(
    t("data.kind", lang),
    KINDS,
    format_func=kind_label,
    key="data_template_kind",
)
template_lang = middle.selectbox(
    t("data.template_language", lang),
    LANGUAGES,
    index=LANGUAGES.index(lang),
    format_func=_shared.LANGUAGE_NAMES.__getitem__,
    key="data_template_lang",
)
template_format = right.radio(
    t("data.template_format", lang),
    TEMPLATE_FORMATS,
    format_func=lambda s: s[1:].upper(),
    horizontal=True,
    key="data_template_format",
)
st.download_button(
    t("data.template_download", lang),
    data=_shared.template_file(template_kind, template_lang, template_format),
    file_name=f"{template_kind}_{template_lang}{template_format}",
    mime=MIME[template_format],
    key="data_template_download",
)


# ------------------------------------------------------------------ imports and revisions


st.subheader(t("data.imports", lang))
log = _shared.import_log()
if log.empty:
    st.info(t("data.no_imports", lang))
else:
    shown = pd.DataFrame(
        {
            t("data.col_when", lang): [
                f"{fmt_date(w.date(), lang)} {w:%H:%M}" for w in pd.to_datetime(log["imported_at"])
            ],
            t("data.col_user", lang): log["imported_by"],
            t("data.col_file", lang): log["file_name"],
            t("data.col_kind", lang): log["kind"].map(kind_label),
            t("data.rows_read", lang): log["rows_read"],
            t("data.inserted", lang): log["inserted"],
            t("data.updated", lang): log["updated"],
            t("data.unchanged", lang): log["unchanged"],
            t("data.col_warnings", lang): log["warnings"],
            t("data.col_source", lang): log["source_id"],
        }
    )
    safe_dataframe(shown, hide_index=True, key="data_imports")  # file names as uploaded

st.subheader(t("data.revisions", lang))
left, right = st.columns(2)
target = left.radio(
    t("data.revisions_of", lang),
    list(TARGETS),
    format_func=lambda v: t(f"data.target_{v}", lang),
    horizontal=True,
    key="data_revisions_target",
)
if target == "park":
    registry = _shared.park_registry()
    names = dict(zip(registry["park_id"], registry[f"name_{lang}"], strict=True))
elif target == "region":
    names = _shared.regions(lang)
else:
    names = _shared.municipalities(lang)
code = right.selectbox(
    t(f"data.target_{target}", lang),
    list(names),
    format_func=lambda c: f"{names[c]} ({c})",
    key="data_revisions_code",
)
if code is not None:
    changes = _shared.revisions(target, code)
    if changes.empty:
        st.info(t("data.no_revisions", lang))
    else:
        safe_dataframe(
            pd.DataFrame(
                {
                    t("data.col_when", lang): [
                        f"{fmt_date(w.date(), lang)} {w:%H:%M}"
                        for w in pd.to_datetime(changes["loaded_at"])
                    ],
                    t("data.col_user", lang): changes["loaded_by"],
                    t("data.col_file", lang): changes["file_name"],
                    t("data.col_item", lang): changes["row_key"],
                    t("data.col_column", lang): changes["column_name"],
                    t("data.col_old", lang): [
                        value_text(v, n, lang)
                        for v, n in zip(changes["old"], changes["numeric"], strict=True)
                    ],
                    t("data.col_new", lang): [
                        value_text(v, n, lang)
                        for v, n in zip(changes["new"], changes["numeric"], strict=True)
                    ],
                }
            ),
            hide_index=True,
            key="data_revisions",
        )

st.subheader(t("data.sources", lang))
batches = _shared.sources()
safe_dataframe(
    pd.DataFrame(
        {
            t("data.col_source", lang): batches["source_id"],
            t("data.col_kind", lang): batches["kind"].map(kind_label),
            t("data.col_title", lang): batches["title"],
            t("data.col_producer", lang): batches["producer"],
            t("data.col_licence", lang): batches["licence"].fillna("–"),
            t("data.col_simulated", lang): batches["simulated"].map(
                lambda s: t("data.yes", lang) if s else t("data.no", lang)
            ),
            t("data.col_when", lang): [
                fmt_date(w.date(), lang) for w in pd.to_datetime(batches["loaded_at"])
            ],
        }
    ),
    hide_index=True,
    key="data_sources",
)
