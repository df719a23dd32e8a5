"""Data: loaded batches and revisions for everyone; uploads for logged-in editors.

An upload goes read → validate → plan and is shown in full (what was detected, every issue
with its row and column, every stored value that would change, old → new, and every new
record) before an editor commits it; clearing a value or changing one more than tenfold
needs the warnings accepted. Committing adds a batch, so the data stamp (``app_pages.common.data``)
changes and every page's cached queries are recomputed.
"""

import math

import pandas as pd
import streamlit as st

from analytics.errors import UserError
from analytics.i18n import LANGUAGES, fmt_number, has_key, t
from analytics.intake import Limits, commit_import, plan_import, preview, read_file, users, validate
from analytics.intake import templates as intake_templates
from analytics.intake.columns import KINDS
from analytics.intake.history import TARGETS
from analytics.intake.preview import revision_column_text, revision_item_text, shown_value
from analytics.warehouse.mirror import local_copy
from app_pages import _auth
from app_pages.common import data, state
from app_pages.common.format import locale_table
from app_pages.common.framework import file_uploader

MB = 1024 * 1024
# Changed values shown in the preview table (a correction of a whole year is thousands).
PREVIEW_CHANGES = 2000
TEMPLATE_FORMATS = (".xlsx", ".csv")
MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}

lang = state.language()
data.require_database(lang)


def kind_label(kind: str) -> str:
    """What a batch holds, in words (the catalogue's table names)."""
    return t(f"table.{kind}", lang) if has_key(f"table.{kind}") else kind


st.title(t("data.title", lang))
st.caption(t("data.caption", lang))


# ------------------------------------------------------------------ account


user = _auth.account_section(lang)


# ------------------------------------------------------------------ upload (editors only)


def issues_table(report) -> None:
    """Every issue with where it is, in the reader's language."""
    issues = pd.DataFrame(
        [
            {
                "severity": t(f"data.severity_{issue.severity}", lang),
                "file": issue.file,
                "sheet": issue.sheet or "",
                "row": issue.row,
                "column": issue.column or "",
                "value": "" if issue.value is None else str(issue.value),  # as the file has it
                "message": issue.message(lang),
            }
            for issue in report.issues
        ],
        columns=["severity", "file", "sheet", "row", "column", "value", "message"],
    )
    locale_table(
        issues,
        [
            ("severity", t("data.col_severity", lang), "text"),
            ("file", t("data.col_file", lang), "text"),
            ("sheet", t("data.col_sheet", lang), "text"),
            ("row", t("data.col_row", lang), "int"),
            ("column", t("data.col_column", lang), "text"),
            ("value", t("data.col_value", lang), "text"),
            ("message", t("data.col_message", lang), "text"),
        ],
        lang,
        key="data_issues",
    )


def detected_table(detected: dict) -> None:
    delimiter = detected.get("delimiter")
    shown = {
        "kind": kind_label(detected["kind"]),
        "format": detected["format"].upper(),
        "encoding": detected.get("encoding") or "–",
        "delimiter": {"\t": "TAB", None: "–"}.get(delimiter, delimiter),
        "decimal": detected.get("decimal") or "–",
        "header_language": state.LANGUAGE_NAMES.get(
            detected.get("header_language"), detected.get("header_language") or "–"
        ),
        "header_row": detected.get("header_row"),
        "layout": t(f"data.layout_{detected['layout']}", lang),
        "sheet": detected.get("sheet") or "–",
    }
    frame = pd.DataFrame(
        {
            "property": [t(f"data.detected_{k}", lang) for k in shown],
            "value": ["–" if v is None else str(v) for v in shown.values()],
        }
    )
    locale_table(
        frame,
        [
            ("property", t("data.col_property", lang), "text"),
            ("value", t("data.col_detected", lang), "text"),
        ],
        lang,
    )


def changes_table(plan) -> None:
    """Every stored value the commit would change (the first PREVIEW_CHANGES), old → new."""
    changes = pd.DataFrame(preview.change_records(plan, lang, PREVIEW_CHANGES))
    changes["check"] = [
        t("data.check_cleared", lang)
        if cleared
        else (t("data.check_tenfold", lang) if tenfold else "")
        for cleared, tenfold in zip(changes["cleared"], changes["tenfold"], strict=True)
    ]
    locale_table(
        changes,
        [
            ("row", t("data.col_row", lang), "int"),
            ("item", t("data.col_key", lang), "text"),
            ("column", t("data.col_column", lang), "text"),
            ("old", t("data.col_old", lang), "text"),
            ("new", t("data.col_new", lang), "text"),
            ("change", t("data.col_change", lang), "text"),
            ("check", t("data.col_check", lang), "text"),
        ],
        lang,
        key="data_changes",
    )


def new_records_table(plan) -> None:
    records = pd.DataFrame(preview.new_records(plan, lang, PREVIEW_CHANGES))
    locale_table(
        records,
        [("row", t("data.col_row", lang), "int"), ("item", t("data.col_key", lang), "text")],
        lang,
        key="data_new_rows",
    )


def show_changes(plan) -> None:
    """Value counts, the changed values of stored records and the new records."""
    values = plan.values
    cols = st.columns(4)
    for col, name in zip(cols, ("new", "changed", "cleared", "unchanged"), strict=True):
        col.metric(t(f"data.values_{name}", lang), fmt_number(getattr(values, name), lang))
    if values.kept:
        st.caption(t("data.values_kept", lang, n=fmt_number(values.kept, lang)))
    if plan.cells is None or plan.new_keys is None:
        return
    st.markdown(f"**{t('data.changes_title', lang)}**")
    if plan.cells.num_rows:
        changes_table(plan)
        if plan.cells.num_rows > PREVIEW_CHANGES:
            total = fmt_number(plan.cells.num_rows, lang)
            shown = fmt_number(PREVIEW_CHANGES, lang)
            st.caption(t("data.changes_more", lang, shown=shown, total=total))
    else:
        st.caption(t("data.changes_none", lang))
    if plan.new_keys.num_rows:
        with st.expander(
            t("data.new_rows_title", lang, n=fmt_number(plan.new_keys.num_rows, lang))
        ):
            new_records_table(plan)


def preview_plan(upload, kind: str | None, sheet: str | None, limits: Limits, create=False):
    """Read, validate and plan an upload once per file, options and data stamp; ``create``:
    a park file's unknown municipalities are created with it (--create-municipalities)."""
    stamp = (upload.file_id, kind, sheet, data.data_stamp(), lang, create)
    cached = st.session_state.get("data_preview")
    if cached and cached[0] == stamp:
        return cached[1]
    read = read_file(upload.getvalue(), upload.name, kind=kind, sheet=sheet, limits=limits)
    # On a server the file is checked on a local DuckDB copy of one snapshot, as `import`
    # does; the commit checks again that nothing changed meanwhile.
    with data.reading_here() as cur, local_copy(cur) as engine:
        plan = plan_import(engine, validate(engine, read, lang, create_municipalities=create))
    st.session_state["data_preview"] = (stamp, plan)
    return plan


def commit_shown() -> None:
    """The commit button's callback. Callbacks run before the page is drawn again, so this
    commits the plan the editor was shown, never one recomputed meanwhile. If another import
    landed since, commit_import writes the file over the data as they are now, unless the
    other import changed a value this file states (intake.edit_conflict, each value named)
    or the plan now warns of more (intake.plan_outdated): then the page shows the new
    preview."""
    cached = st.session_state.get("data_preview")
    account = _auth.current_user()  # the session checked against the warehouse again
    if cached is None or account is None:
        return
    plan = cached[1]
    accept = bool(st.session_state.get("data_accept_warnings")) or not plan.report.warnings
    try:
        # The role is checked again at commit time: an account may have lost it meanwhile.
        with data.writing() as con:  # the file alone for the commit's moment only
            editor = users.require_editor(con, account.name)
            summary = commit_import(
                con, plan, user=editor.name, accept_warnings=accept, user_verified=True
            )
    except UserError as exc:
        st.session_state["data_commit_error"] = exc
        st.session_state.pop("data_preview", None)
        return
    data.data_changed()  # every page shows the new data on its next run
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
        placeholder=t("app_locale.choose", lang),
    )
    sheet = right.text_input(t("data.sheet", lang), key="data_sheet").strip() or None
    create = kind in (None, "park") and st.checkbox(
        t("data.create_municipalities", lang),
        key="data_create_municipalities",
        help=t("data.create_municipalities_help", lang),
    )
    upload = file_uploader(
        st,
        t("data.file", lang),
        ["csv", "txt", "xlsx", "xls"],
        limit_mb,
        lang,
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
    failed = st.session_state.pop("data_commit_error", None)
    if failed is not None:  # a refusal may list values, one per line (Markdown line breaks)
        st.error(failed.message(lang).replace("\n", "  \n"))
    if upload is not None:
        try:
            plan = preview_plan(upload, kind, sheet, limits, create)
        except UserError as exc:
            st.error(exc.message(lang))
            plan = None
        if plan is not None:
            report = plan.report
            st.markdown(f"**{t('data.detected', lang)}**")
            detected_table(report.read.detected.to_dict())
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
                issues_table(report)
            if report.ok:
                show_changes(plan)
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
                st.button(
                    t("data.commit", lang),
                    key="data_commit",
                    type="primary",
                    disabled=not accept,
                    on_click=commit_shown,
                )


# ------------------------------------------------------------------ templates


st.subheader(t("data.templates", lang))
st.caption(t("data.templates_caption", lang))
left, middle, right = st.columns(3)
template_kind = left.selectbox(
    t("data.kind", lang),
    KINDS,
    format_func=kind_label,
    key="data_template_kind",
    placeholder=t("app_locale.choose", lang),
)
template_lang = middle.selectbox(
    t("data.template_language", lang),
    LANGUAGES,
    index=LANGUAGES.index(lang),
    format_func=state.LANGUAGE_NAMES.__getitem__,
    key="data_template_lang",
    placeholder=t("app_locale.choose", lang),
)
template_format = right.radio(
    t("data.template_format", lang),
    TEMPLATE_FORMATS,
    format_func=lambda s: s[1:].upper(),
    horizontal=True,
    key="data_template_format",
)


@st.cache_data(show_spinner=False, max_entries=8)
def filled_template(kind: str, template_lang: str, suffix: str, stamp: tuple) -> bytes:
    """The template filled with the warehouse's current rows of ``kind`` (per data stamp)."""
    with data.cursor() as cur:
        rows = intake_templates.export_frame(cur, kind, template_lang)
    return intake_templates.template_bytes(
        kind, template_lang, suffix, data=rows, currency=data.currency(None)
    )


fill = st.checkbox(
    t("data.template_fill", lang), key="data_template_fill", help=t("data.template_fill_help", lang)
)
if fill:
    template = filled_template(template_kind, template_lang, template_format, data.data_stamp())
else:
    template = data.template_file(template_kind, template_lang, template_format)
st.download_button(
    t("data.template_download", lang),
    data=template,
    file_name=f"{template_kind}_{template_lang}{'_filled' if fill else ''}{template_format}",
    mime=MIME[template_format],
    key="data_template_download",
)


# ------------------------------------------------------------------ imports and revisions


st.subheader(t("data.imports", lang))
log = data.import_log()
if log.empty:
    st.info(t("data.no_imports", lang))
else:
    locale_table(
        log.assign(kind_text=log["kind"].map(kind_label)),
        [
            ("imported_at", t("data.col_when", lang), "datetime"),
            ("imported_by", t("data.col_user", lang), "text"),
            ("file_name", t("data.col_file", lang), "text"),  # as uploaded, neutralised
            ("kind_text", t("data.col_kind", lang), "text"),
            ("rows_read", t("data.rows_read", lang), "int"),
            ("inserted", t("data.inserted", lang), "int"),
            ("updated", t("data.updated", lang), "int"),
            ("unchanged", t("data.unchanged", lang), "int"),
            # What the import did to single values: a correction changes a few values of a
            # row, which the row counts alone call "updated".
            *(
                (f"values_{name}", t(f"data.values_{name}", lang), "int")
                for name in ("new", "changed", "cleared")
            ),
            ("warnings", t("data.col_warnings", lang), "int"),
            ("source_id", t("data.col_source", lang), "code"),
        ],
        lang,
        key="data_imports",
    )

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
    registry = data.park_registry()
    names = dict(zip(registry["park_id"], registry[f"name_{lang}"], strict=True))
elif target == "region":
    names = data.regions(lang)
else:
    names = data.municipalities(lang)
code = right.selectbox(
    t(f"data.target_{target}", lang),
    list(names),
    format_func=lambda c: f"{names[c]} ({c})",
    key="data_revisions_code",
    placeholder=t("app_locale.choose", lang),
)
if code is not None:
    changes = data.revisions(target, code)
    if changes.empty:
        st.info(t("data.no_revisions", lang))
    else:
        indicators = data.indicators("park" if target == "park" else target)
        indicator_names = dict(zip(indicators["code"], indicators[f"name_{lang}"], strict=True))
        rows = changes.to_dict("records")
        locale_table(
            changes.assign(
                item=[
                    revision_item_text(r["kind"], r["row_key"], lang, indicator_names) for r in rows
                ],
                column=[revision_column_text(r["kind"], r["column_name"], lang) for r in rows],
                old_text=[
                    shown_value(r["kind"], r["column_name"], r["old"], r["numeric"], lang)
                    for r in rows
                ],
                new_text=[
                    t("intake.history.cleared", lang)
                    if r["new"] is None or r["new"] != r["new"]
                    else shown_value(r["kind"], r["column_name"], r["new"], r["numeric"], lang)
                    for r in rows
                ],
            ),
            [
                ("loaded_at", t("data.col_when", lang), "datetime"),
                ("loaded_by", t("data.col_user", lang), "text"),
                ("file_name", t("data.col_file", lang), "text"),
                ("item", t("data.col_item", lang), "text"),
                ("column", t("data.col_column", lang), "text"),
                ("old_text", t("data.col_old", lang), "text"),
                ("new_text", t("data.col_new", lang), "text"),
            ],
            lang,
            key="data_revisions",
        )

st.subheader(t("data.sources", lang))
batches = data.sources()
locale_table(
    batches.assign(
        kind_text=batches["kind"].map(kind_label),
        licence_text=batches["licence"].fillna("–"),
        simulated_text=batches["simulated"].map(
            lambda s: t("data.yes", lang) if s else t("data.no", lang)
        ),
    ),
    [
        ("source_id", t("data.col_source", lang), "code"),
        ("kind_text", t("data.col_kind", lang), "text"),
        ("title", t("data.col_title", lang), "text"),
        ("producer", t("data.col_producer", lang), "text"),
        ("licence_text", t("data.col_licence", lang), "text"),
        ("simulated_text", t("data.col_simulated", lang), "text"),
        ("loaded_at", t("data.col_when", lang), "date"),
    ],
    lang,
    key="data_sources",
)

if user is not None and user.can_edit():
    _auth.login_log_section(lang)
