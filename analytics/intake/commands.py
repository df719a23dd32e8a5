"""Commands: ``import``, ``history``, ``template`` and ``user``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

import duckdb
import pandas as pd

from analytics import lookups
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, fmt_date, fmt_number, t
from analytics.intake import history as history_mod
from analytics.intake import preview, templates, users
from analytics.intake.columns import KINDS
from analytics.intake.load import commit_import, dry_run_summary, plan_import
from analytics.intake.readers import read_file
from analytics.intake.validate import validate
from analytics.warehouse.connection import (
    connect,
    default_db_path,
    warehouse_exists,
    warehouse_target,
)
from analytics.warehouse.mirror import local_copy


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, help="warehouse file (default: PARKS_DB or data/warehouse.duckdb)"
    )


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import", help="validate a CSV/XLSX file and load it as a revision")
    imp.add_argument("file", help="the .csv or .xlsx file")
    imp.add_argument("--kind", choices=KINDS, default=None, help="what the file holds (detected)")
    imp.add_argument("--sheet", default=None, help="worksheet name (default: the first)")
    imp.add_argument("--accept-warnings", action="store_true", help="load despite warnings")
    imp.add_argument("--dry-run", action="store_true", help="validate and count; write nothing")
    imp.add_argument(
        "--user",
        default=None,
        help="editor account recorded on the revision; its password is asked for",
    )
    imp.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the --user password from the first line of stdin (scripts)",
    )
    imp.add_argument(
        "--create-municipalities",
        action="store_true",
        help="park registry: create a municipality the file names and the registry lacks",
    )
    imp.add_argument("--format", choices=("text", "json"), default="text")
    imp.add_argument(
        "--changes",
        type=int,
        default=None,
        help=f"changed values and new records listed (text default {CHANGE_LINES}, JSON all; 0: all)",
    )
    _db_arg(imp)
    imp.set_defaults(handler=run_import)

    hist = sub.add_parser("history", help="revisions of a park's, region's or area's values")
    target = hist.add_mutually_exclusive_group()
    target.add_argument("--park", default=None, help="park ID")
    target.add_argument("--region", default=None, help="region code")
    target.add_argument("--municipality", default=None, help="municipality code")
    hist.add_argument("--format", choices=("text", "json"), default="text")
    hist.add_argument(
        "--last",
        type=int,
        default=None,
        help=f"only the newest N changed values (text default {HISTORY_LINES}, JSON all; 0: all)",
    )
    _db_arg(hist)
    hist.set_defaults(handler=run_history)

    tpl = sub.add_parser("template", help="write a fillable .xlsx or .csv template")
    tpl.add_argument("--kind", choices=KINDS, required=True)
    # Its own dest: a subcommand's default would otherwise overwrite the global --lang.
    tpl.add_argument(
        "--lang",
        dest="template_lang",
        choices=LANGUAGES,
        default=None,
        help="language of the headers (default: the global --lang, PARKS_LANG or LANG)",
    )
    tpl.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
    tpl.add_argument("--fill", action="store_true", help="fill with the warehouse's current data")
    _db_arg(tpl)
    tpl.set_defaults(handler=run_template)

    usr = sub.add_parser("user", help="editor accounts (viewing needs none)")
    usr.add_argument("action", choices=("add", "passwd", "role", "remove", "list"))
    usr.add_argument("name", nargs="?", default=None)
    usr.add_argument("--role", choices=users.ROLES, default=None)
    usr.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (scripts)"
    )
    _db_arg(usr)
    usr.set_defaults(handler=run_user)


# ---------------------------------------------------------------- import


def _importing_user(
    con, args: argparse.Namespace, lang: str, password: str | None
) -> tuple[str, bool]:
    """The account an import is recorded under, and whether its password was checked.

    With accounts in the warehouse ``--user`` must name an editor, whose password is asked
    for (or read with --password-stdin) under the lockout rules. Before the first account
    exists there is nothing to check against: the name given, else the operator's login, is
    recorded as unchecked (the system user is recorded beside it either way)."""
    if not users.list_users(con):
        return args.user or users.operating_system_user(), False
    if not args.user:
        raise UserError("intake.user_required")
    if password is None:  # the first account was created since the password was asked for
        password = _read_password(args, lang, args.user, confirm=False)
    now = users.utc_now()
    attempt = users.log_in(con, args.user, password, channel="cli", now=now)
    if attempt.user is None:
        if attempt.locked_until is not None:
            raise users.lock_error(attempt.locked_until, now, lang)
        raise UserError("intake.login.failed")
    return users.require_editor(con, attempt.user.name).name, True


def _import_password(args: argparse.Namespace, lang: str, accounts: bool) -> str | None:
    """The editor's password, asked before the warehouse is opened for writing: a prompt
    waits for a person, and the app and other commands keep the file meanwhile."""
    if not accounts:
        return None
    if not args.user:
        raise UserError("intake.user_required")
    return _read_password(args, lang, args.user, confirm=False)


def _checked(con, read, args: argparse.Namespace, lang: str):
    """Validate and plan ``read`` against the warehouse as it is on ``con``; the plan, and
    its status before any commit ("ok", "errors" or "warnings") with the refusal line."""
    with local_copy(con) as engine:  # a server's file checks run on DuckDB (a snapshot)
        report = validate(engine, read, lang, create_municipalities=args.create_municipalities)
        plan = plan_import(engine, report)
    report = plan.report  # with the plan's own warnings (cleared values, tenfold changes)
    if report.errors:
        return plan, "errors", None
    if report.warnings and not args.accept_warnings:
        return plan, "warnings", t("intake.warnings_need_flag", lang, n=len(report.warnings))
    return plan, "ok", None


def _commit(con, read, plan, args: argparse.Namespace, lang: str, user: str, verified: bool):
    """Commit ``plan``; if another import landed since it was made, check the file again
    against the warehouse as it is now (nobody else can change it while ``con`` writes)."""
    try:
        return plan, "ok", None, _commit_plan(con, plan, args, user, verified)
    except UserError as exc:
        if exc.key != "intake.plan_outdated":
            raise
    plan, status, refusal = _checked(con, read, args, lang)
    if status != "ok":
        return plan, status, refusal, dry_run_summary(plan)
    return plan, status, refusal, _commit_plan(con, plan, args, user, verified)


def _commit_plan(con, plan, args: argparse.Namespace, user: str, verified: bool):
    return commit_import(
        con,
        plan,
        user=user,
        accept_warnings=args.accept_warnings,
        user_verified=verified,
        os_user=users.operating_system_user(),
    )


def _detected_line(detected: dict, lang: str) -> str:
    return t(
        "intake.summary.detected",
        lang,
        kind=detected["kind"],
        format=detected["format"],
        encoding=detected.get("encoding") or "–",
        delimiter={"\t": "TAB"}.get(detected.get("delimiter"), detected.get("delimiter") or "–"),
        decimal=detected["decimal"],
        language=detected["header_language"],
        layout=detected["layout"],
        header_row=detected["header_row"],
    )


# A first import of a million rows adds a million records: a terminal lists the first ones
# (scripts reading JSON get all of them unless --changes says otherwise).
CHANGE_LINES = 100


def run_import(args: argparse.Namespace, lang: str) -> int:
    limit = args.changes if args.changes is not None else (0 if args.format == "json" else None)
    if limit is not None and limit < 0:
        raise UserError("intake.summary.bad_changes", value=limit)
    path = Path(args.file)
    read = read_file(path, path.name, kind=args.kind, sheet=args.sheet)
    db = warehouse_target(args.db)
    # The file is checked on a read-only connection, which the app and other readers share;
    # only the commit holds the warehouse alone (a new warehouse is created by the commit).
    with connect(db, read_only=args.dry_run or warehouse_exists(db)) as con:
        accounts = bool(users.list_users(con))
        plan, status, refusal = _checked(con, read, args, lang)
    summary, user = dry_run_summary(plan), None
    if not args.dry_run:
        password = _import_password(args, lang, accounts)
        with connect(db) as con:
            user, verified = _importing_user(con, args, lang, password)
            if status == "ok":
                plan, status, refusal, summary = _commit(
                    con, read, plan, args, lang, user, verified
                )
                if status == "ok":
                    status = "noop" if summary.noop else "committed"
    report = plan.report
    if args.format == "json":
        changes = preview.changes_json(plan)
        if limit:
            changes["cells"] = changes["cells"][:limit]
            changes["new_rows"] = changes["new_rows"][:limit]
        payload = {
            "status": status,
            "summary": summary.to_dict(),
            "issues": [i.to_dict(lang) for i in report.issues],
            "changes": changes,
        }
        print(json.dumps(payload, ensure_ascii=False, default=str, indent=2))
        return 1 if status in {"errors", "warnings"} else 0
    for line in report.messages(lang):
        print(line)
    print(_detected_line(summary.detected, lang))
    print(
        t(
            "intake.summary.counts",
            lang,
            read=summary.rows_read,
            inserted=summary.inserted,
            updated=summary.updated,
            unchanged=summary.unchanged,
            warnings=summary.warnings,
            errors=summary.errors,
        )
    )
    if report.ok:
        _print_changes(plan, lang, CHANGE_LINES if limit is None else limit)
    if summary.same_file_source_id is not None:
        print(t("intake.summary.same_file", lang, source_id=summary.same_file_source_id))
    if status == "errors":
        print(t("intake.has_errors", lang, n=summary.errors), file=sys.stderr)
        return 1
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    if args.dry_run:
        print(t("intake.summary.dry_run", lang))
    elif summary.noop:
        print(t("intake.summary.noop", lang))
    else:
        print(t("intake.summary.committed", lang, source_id=summary.source_id, user=user))
    return 0


def _print_changes(plan, lang: str, limit: int) -> None:
    """Value counts, then every changed value of a stored record and every new record (the
    first ``limit`` of each; 0: all)."""
    counts = {k: fmt_number(v, lang) for k, v in plan.values.to_dict().items()}
    print(t("intake.summary.values", lang, **counts))
    shown = limit or None
    changes = preview.change_records(plan, lang, shown)
    if changes:
        print(t("intake.summary.changes", lang))
    for change in changes:
        flag = ""
        if change["cleared"]:
            flag = t("intake.change.flag_cleared", lang)
        elif change["tenfold"]:
            flag = t("intake.change.flag_tenfold", lang)
        print(t("intake.summary.change_line", lang, **{**change, "flag": flag}))
    if plan.cells is not None and len(changes) < plan.cells.num_rows:
        more = fmt_number(plan.cells.num_rows - len(changes), lang)
        print(t("intake.summary.more", lang, n=more))
    added = preview.new_records(plan, lang, shown)
    if added:
        print(t("intake.summary.new_rows", lang, n=fmt_number(plan.new_keys.num_rows, lang)))
    for record in added:
        print(t("intake.summary.new_row_line", lang, **record))
    if plan.new_keys is not None and len(added) < plan.new_keys.num_rows:
        more = fmt_number(plan.new_keys.num_rows - len(added), lang)
        print(t("intake.summary.more", lang, n=more))


# ---------------------------------------------------------------- history


# A park with years of corrected reports has thousands of changed values: a terminal shows the
# newest ones unless asked for all (scripts reading JSON get everything by default).
HISTORY_LINES = 50


def author_text(loaded_by: str, os_user, verified, lang: str) -> str:
    """Who loaded a batch: the account, and for command-line imports whether its password
    was checked and which system user ran the command."""
    if os_user is None or pd.isna(os_user):
        return loaded_by
    key = "intake.author.checked" if verified is True else "intake.author.unchecked"
    return t(key, lang, user=loaded_by, os_user=os_user)


def run_history(args: argparse.Namespace, lang: str) -> int:
    targets = {"park": args.park, "region": args.region, "municipality": args.municipality}
    chosen = [(k, v) for k, v in targets.items() if v]
    if not chosen:
        raise UserError("intake.history.need_target")
    target, code = chosen[0]
    with connect(args.db or default_db_path(), read_only=True) as con:
        changes = history_mod.revisions(con, target, code)
    total = len(changes)
    last = args.last if args.last is not None else (0 if args.format == "json" else HISTORY_LINES)
    if last < 0:
        raise UserError("intake.history.bad_last", value=last)
    if last:
        changes = changes.tail(last)  # revisions come oldest first
    if args.format == "json":
        print(changes.to_json(orient="records", force_ascii=False, date_format="iso", indent=2))
        return 0
    if changes.empty:
        print(t("intake.history.none", lang))
        return 0
    for row in changes.itertuples():
        print(
            t(
                "intake.history.line",
                lang,
                when=f"{fmt_date(row.loaded_at.date(), lang)} {row.loaded_at:%H:%M}",
                user=author_text(row.loaded_by, row.os_user, row.user_verified, lang),
                file=row.file_name,
                item=f"{code} {row.row_key}".strip(),
                column=row.column_name,
                old=history_mod.value_text(row.old, row.numeric, lang),
                new=history_mod.new_value_text(row.new, row.numeric, lang),
            )
        )
    if len(changes) < total:
        print(t("intake.history.shown", lang, shown=len(changes), total=total))
    return 0


# ---------------------------------------------------------------- template


def _warehouse_currency(db: Path) -> str | None:
    """The currency of the warehouse's money, None when there is none to read (no file yet,
    or a writer holds it for more than a moment) or several: a blank template does not need
    the warehouse, so it does not wait for it."""
    try:
        with connect(db, read_only=True, wait=1.0, on_wait=lambda notice: None) as con:
            return lookups.currency(con)
    except (UserError, duckdb.Error):
        return None


def run_template(args: argparse.Namespace, lang: str) -> int:
    """The template's headers in ``template --lang``, else in the language of the messages
    (the global ``--lang``, PARKS_LANG or LANG); the messages stay in the latter."""
    headers = args.template_lang or lang
    data, currency = None, None
    db = warehouse_target(args.db)
    if args.fill:
        with connect(db, read_only=True) as con:
            data = templates.export_frame(con, args.kind, headers)
            currency = lookups.currency(con)
    elif warehouse_exists(db):  # the warehouse's currency names the money units of the guide
        currency = _warehouse_currency(db)
    path = templates.write_template(args.output, args.kind, headers, data=data, currency=currency)
    print(t("intake.template.written", lang, path=str(path)))
    return 0


# ---------------------------------------------------------------- users


def _read_password(args: argparse.Namespace, lang: str, name: str, *, confirm: bool) -> str:
    """The password from stdin's first line (--password-stdin) or asked on the terminal;
    without either, one clear line instead of getpass's fallback to echoing stdin."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserError("intake.login.empty_stdin")
        return password
    if sys.stdin is None or not sys.stdin.isatty():
        raise UserError("intake.login.no_terminal", name=name)
    try:
        first = getpass.getpass(t("intake.user.prompt", lang, name=name))
        if confirm and getpass.getpass(t("intake.user.prompt_again", lang)) != first:
            raise UserError("intake.user.mismatch")
    except EOFError as exc:  # Ctrl-D at the prompt
        raise UserError("intake.login.cancelled") from exc
    return first


def run_user(args: argparse.Namespace, lang: str) -> int:
    db = warehouse_target(args.db)
    if args.action == "list":
        with connect(db, read_only=warehouse_exists(db)) as con:
            for user in users.list_users(con):
                print(f"{user.name}\t{user.role}")
        return 0
    if not args.name:
        raise UserError("intake.user_required")
    if args.action == "role" and not args.role:
        raise UserError("intake.user.role_required")
    # Asked before the warehouse is opened for writing: a prompt waits for a person, and the
    # app and other commands keep the file meanwhile.
    password = None
    if args.action in ("add", "passwd"):
        password = _read_password(args, lang, args.name, confirm=True)
    with connect(db) as con:
        if args.action == "add":
            user = users.add_user(con, args.name, args.role or "editor", password)
            print(t("intake.user.added", lang, name=user.name, role=user.role))
        elif args.action == "passwd":
            users.set_password(con, args.name, password, args.role)
            print(t("intake.user.changed", lang, name=args.name))
        elif args.action == "role":
            user = users.set_role(con, args.name, args.role)
            print(t("intake.user.role_changed", lang, name=user.name, role=user.role))
        else:
            users.remove_user(con, args.name)
            print(t("intake.user.removed", lang, name=args.name))
    return 0
