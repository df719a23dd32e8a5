"""The warehouse on a PostgreSQL server: a connection that speaks the warehouse's DuckDB SQL.

``PARKS_DB=postgresql://user@host:port/dbname`` (or ``--db`` with such a URL) puts the
warehouse on a server a whole department shares. The SQL stays where it is (migrations,
staging views, marts, data tests, the queries in analytics/): :class:`PgConnection` offers
the part of DuckDB's connection API the code uses (``execute(sql, params)`` returning a
result with ``fetchone``/``fetchall``/``df``/``description``, ``sql``, ``register`` of a
frame, ``cursor``, ``close``, ``with``) and translates each statement from DuckDB's dialect
to PostgreSQL's with sqlglot, once per distinct text. What sqlglot cannot express is written
portably in the SQL file itself, so both engines run the same file.

A few DuckDB statements have no PostgreSQL twin and are rewritten here: ``CREATE OR REPLACE
TABLE`` (drop, then create), ``DESCRIBE`` and ``SHOW TABLES`` (catalogue queries),
``CHECKPOINT`` (the server checkpoints by itself), the ``main`` schema (PostgreSQL's is the
search path's first). ``register(name, frame)`` loads a pandas frame or Arrow table into a
temporary table of that name, so ``INSERT ... SELECT ... FROM name`` reads it as in DuckDB.

Transactions work as in DuckDB: each statement commits by itself unless ``BEGIN`` opened a
transaction, which ``COMMIT`` or ``ROLLBACK`` ends (the server's DDL is transactional too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import sqlglot
from psycopg import pq
from psycopg import sql as pgsql
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from sqlglot import exp

from analytics.errors import UserError
from analytics.warehouse.server_url import redacted

CONNECT_TIMEOUT_SECONDS = 10  # unless the URL sets connect_timeout
_PARAM = "__parks_param__"  # stands for a ``?`` while the translated text is escaped for psycopg


# ---------------------------------------------------------------------------- translation


@lru_cache(maxsize=4096)
def to_postgres(sql: str, with_params: bool = False) -> tuple[str, ...]:
    """The PostgreSQL statements that do what the DuckDB ``sql`` does (none for a no-op).

    With ``with_params`` the ``?`` placeholders become psycopg's ``%s`` and every other
    ``%`` is doubled. Raises ``sqlglot`` errors for SQL it cannot translate faithfully.
    """
    out: list[str] = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        for statement in _rewrite(tree):
            text = statement if isinstance(statement, str) else _generate(statement, with_params)
            out.append(text)
    return tuple(out)


def _generate(tree: exp.Expression, with_params: bool) -> str:
    if with_params:
        tree = tree.transform(_marked_placeholder)
    text = tree.sql(dialect="postgres", unsupported_level=sqlglot.ErrorLevel.RAISE)
    if with_params:
        text = text.replace("%", "%%")
        text = _NAMED_MARK.sub(r"%(\1)s", text).replace(_PARAM, "%s")
    return text


# A named parameter (DuckDB's ``$name``) while the text is escaped: psycopg's ``%(name)s``.
_NAMED_MARK = re.compile(_PARAM + r"named_(\w+?)__end")


def _marked_placeholder(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.Placeholder):
        return node
    name = node.this  # None for ``?``
    return exp.var(f"{_PARAM}named_{name}__end" if isinstance(name, str) and name else _PARAM)


def _rewrite(tree: exp.Expression) -> list[exp.Expression | str]:
    if isinstance(tree, exp.Column) and tree.name.upper() == "CHECKPOINT":
        return []  # DuckDB's CHECKPOINT writes its WAL into the file; the server needs nothing
    if isinstance(tree, exp.Describe):
        table = tree.this
        return [_describe(table.name)]
    if isinstance(tree, exp.Show) and str(tree.this).upper() == "TABLES":
        return [
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY table_name"
        ]
    _drop_main_schema(tree)
    _name_subqueries(tree)
    _first_per_group(tree)
    _group_by_all(tree)
    _tuples_in_subqueries(tree)
    _functions(tree)
    _row_ids(tree)
    if isinstance(tree, exp.Create) and tree.args.get("replace"):
        kind = str(tree.args.get("kind") or "").upper()
        if kind in ("TABLE", "VIEW"):
            # PostgreSQL has no CREATE OR REPLACE TABLE, and its CREATE OR REPLACE VIEW
            # refuses a view whose columns changed (a migration added some to a raw table).
            name = tree.this.sql(dialect="postgres")
            created = tree.copy()
            created.set("replace", False)
            return [f"DROP {kind} IF EXISTS {name}", created]
    return [tree]


def _describe(table: str) -> str:
    """DESCRIBE as a catalogue query: column_name, column_type (in DuckDB's words), null."""
    name = table.replace("'", "''")
    kind = "format_type(a.atttypid, a.atttypmod)"
    duckdb_names = " ".join(f"WHEN '{pg}' THEN '{duck}'" for pg, duck in _TYPE_NAMES.items())
    return (
        f"SELECT a.attname AS column_name, CASE {kind} {duckdb_names} ELSE upper({kind}) END"
        " AS column_type, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS \"null\""
        f" FROM pg_attribute a WHERE a.attrelid = '{name}'::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    )


# PostgreSQL's names of the column types the warehouse uses -> DuckDB's.
_TYPE_NAMES = {
    "character varying": "VARCHAR",
    "text": "VARCHAR",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "bytea": "BLOB",
    "numeric": "DECIMAL",
}


def _drop_main_schema(tree: exp.Expression) -> None:
    """DuckDB's default schema is ``main``; on the server the search path decides."""
    for table in tree.find_all(exp.Table):
        if table.db == "main" and not table.catalog:
            table.set("db", None)


def _first_per_group(tree: exp.Expression) -> None:
    """``QUALIFY row_number() OVER (PARTITION BY k ORDER BY o) = 1`` (a staging view's
    "newest batch per key") as ``SELECT DISTINCT ON (k) ... ORDER BY k, o``: the same rows
    and the same columns. sqlglot's own rewrite wraps the query and adds its row number as a
    column, which ``SELECT *`` would then show. Other QUALIFY clauses are left to sqlglot."""
    for select in list(tree.find_all(exp.Select)):
        condition = select.args.get("qualify")
        condition = condition.this if condition is not None else None
        if not (
            isinstance(condition, exp.EQ)
            and isinstance(condition.this, exp.Window)
            and isinstance(condition.this.this, exp.RowNumber)
            and condition.expression == exp.Literal.number(1)
            and condition.this.args.get("partition_by")
            and not any(select.args.get(k) for k in ("distinct", "order", "limit", "offset"))
        ):
            continue
        window = condition.this
        keys = window.args["partition_by"]
        order = window.args.get("order")
        select.set("qualify", None)
        select.set("distinct", exp.Distinct(on=exp.Tuple(expressions=[k.copy() for k in keys])))
        ordered = [exp.Ordered(this=k.copy(), nulls_first=False) for k in keys]
        ordered += [o.copy() for o in (order.expressions if order else [])]
        select.set("order", exp.Order(expressions=ordered))


def _group_by_all(tree: exp.Expression) -> None:
    """``GROUP BY ALL`` (DuckDB: every selected expression without an aggregate) as the
    list of those expressions."""
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or not group.args.get("all"):
            continue
        keys = []
        for projection in select.expressions:
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            if not inner.find(exp.AggFunc) and not isinstance(inner, exp.Literal):
                keys.append(inner.copy())
        select.set("group", exp.Group(expressions=keys) if keys else None)


def _tuples_in_subqueries(tree: exp.Expression) -> None:
    """``(a, b) IN (SELECT (a, b) FROM f)``: DuckDB compares the row with a struct column,
    PostgreSQL wants the subquery's columns one by one."""
    for test in list(tree.find_all(exp.In)):
        query = test.args.get("query")
        select = query.this if isinstance(query, exp.Subquery) else query
        if (
            isinstance(test.this, exp.Tuple)
            and isinstance(select, exp.Select)
            and len(select.expressions) == 1
            and isinstance(select.expressions[0], exp.Tuple)
        ):
            select.set("expressions", [e.copy() for e in select.expressions[0].expressions])


def _functions(tree: exp.Expression) -> None:
    """Functions sqlglot 30 writes under names PostgreSQL lacks."""
    for node in list(tree.find_all(exp.DateFromParts)):
        parts = [node.args[k].copy() for k in ("year", "month", "day")]
        node.replace(exp.Anonymous(this="make_date", expressions=parts))


def _row_ids(tree: exp.Expression) -> None:
    """DuckDB's ``rowid`` pseudo-column (insertion order, the tie-break of an append-only
    log) as PostgreSQL's ``ctid``: the row's place in the table, which follows insertion in
    a table rows are only appended to."""
    for column in list(tree.find_all(exp.Column)):
        if column.name.lower() == "rowid" and not column.table:
            column.replace(exp.column("ctid"))


def _name_subqueries(tree: exp.Expression) -> None:
    """PostgreSQL 15 wants an alias on every subquery in FROM (DuckDB does not)."""
    for number, subquery in enumerate(tree.find_all(exp.Subquery), start=1):
        if isinstance(subquery.parent, exp.From | exp.Join) and not subquery.alias:
            subquery.set("alias", exp.TableAlias(this=exp.to_identifier(f"_sub{number}")))


# ---------------------------------------------------------------------------- values


class _NumericLoader(Loader):
    """NUMERIC as DuckDB gives it back: sum() of integers an int, an average a float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        return float(text)


# Arrow types of registered frames -> column types of their temporary tables.
def _column_type(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "bigint" if kind.bit_width > 32 else "integer"
    if pa.types.is_floating(kind):
        return "double precision"
    if pa.types.is_decimal(kind):
        return "numeric"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz else "timestamp"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "bytea"
    return "text"  # strings, and columns that are empty throughout


def _arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(f"cannot register {type(data).__name__}: a pandas frame or Arrow table")


# PostgreSQL type OIDs -> how df() types a column (as DuckDB's .df() does).
_INT_OIDS = {20: "Int64", 21: "Int32", 23: "Int32"}
_FLOAT_OIDS = {700, 701, 1700}
_DATE_OIDS = {1082, 1114}
_BOOL_OID = 16


def _frame(description: Sequence[Any], rows: list[tuple]) -> pd.DataFrame:
    names = [d.name for d in description]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    data = {}
    for column, values in zip(description, columns, strict=True):
        data[column.name] = _series(column.type_code, list(values))
    return pd.DataFrame(data, columns=names)


def _series(oid: int, values: list) -> pd.Series:
    has_null = any(v is None for v in values)
    if oid in _INT_OIDS:
        dtype = _INT_OIDS[oid]
        return pd.Series(values, dtype=dtype if has_null else dtype.lower())
    if oid in _FLOAT_OIDS:
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype=float)
    if oid in _DATE_OIDS:
        return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")
    if oid == _BOOL_OID:
        return pd.Series(values, dtype="boolean" if has_null else bool)
    if (
        values
        and all(isinstance(v, str) or v is None for v in values)
        and not all(v is None for v in values)
    ):
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object)


class PgResult:
    """The rows of one statement, read as DuckDB's results are."""

    def __init__(self, description: Sequence[Any] | None, rows: list[tuple]) -> None:
        self._description = description
        self._rows = rows
        self._next = 0

    @property
    def description(self) -> list[tuple] | None:
        if self._description is None:
            return None
        return [(d.name, d.type_code, None, None, None, None, None) for d in self._description]

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[tuple]:
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1) -> list[tuple]:
        part = self._rows[self._next : self._next + size]
        self._next += len(part)
        return part

    def df(self) -> pd.DataFrame:
        return _frame(self._description or [], self.fetchall())

    fetchdf = df

    def to_arrow_table(self) -> pa.Table:
        return pa.Table.from_pandas(self.df(), preserve_index=False)

    arrow = fetch_arrow_table = to_arrow_table


# ---------------------------------------------------------------------------- connection


class PgConnection:
    """A warehouse connection to a PostgreSQL server with the DuckDB API the code uses.

    ``cursor()`` gives another handle on the same server session (DuckDB's cursors share
    one database); closing it leaves the session open. The session is in autocommit mode:
    a ``BEGIN`` opens a transaction, as in DuckDB.
    """

    engine = "postgres"

    def __init__(
        self,
        raw: psycopg.Connection,
        url: str,
        *,
        owner: bool = True,
        untyped: dict[str, set[str]] | None = None,
    ) -> None:
        self.raw = raw
        self.url = url
        self._owner = owner
        # Registered tables' columns that were empty throughout, so typed text for now: an
        # INSERT from them gives them its target's types first (DuckDB casts NULL silently;
        # PostgreSQL will not assign text to a number). Shared by the session's cursors.
        self._untyped = {} if untyped is None else untyped

    # -- statements

    def execute(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> PgResult:
        with_params = parameters is not None
        if self._untyped and sql.lstrip()[:6].upper() == "INSERT":
            self._type_untyped(sql)
        statements = to_postgres(sql, with_params)
        if with_params and len(statements) > 1:
            raise ValueError("parameters go with one statement at a time")
        result = PgResult(None, [])
        with self.raw.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, _values(parameters) if with_params else None)
                rows = cursor.fetchall() if cursor.description is not None else []
                result = PgResult(cursor.description, rows)
        return result

    def sql(self, sql: str) -> PgResult:
        return self.execute(sql)

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> None:
        (statement,) = to_postgres(sql, True)
        with self.raw.cursor() as cursor:
            cursor.executemany(statement, [_values(p) for p in parameters])

    # -- frames

    def register(self, name: str, data: Any) -> PgConnection:
        """Make ``data`` (a pandas frame or Arrow table) readable as table ``name`` for this
        session: a temporary table filled by COPY."""
        table = _arrow(data)
        ident = pgsql.Identifier(name)
        columns = pgsql.SQL(", ").join(
            pgsql.SQL("{} {}").format(
                pgsql.Identifier(field.name), pgsql.SQL(_column_type(field.type))
            )
            for field in table.schema
        )
        empty = {f.name for f in table.schema if pa.types.is_null(f.type)}
        with self._temporary(), self.raw.cursor() as cursor:
            cursor.execute(pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(ident))
            cursor.execute(pgsql.SQL("CREATE TEMP TABLE {} ({})").format(ident, columns))
            self._untyped.pop(name, None)
            if empty:
                self._untyped[name] = empty
            if table.num_rows:
                values = [table.column(i).to_pylist() for i in range(table.num_columns)]
                rows = zip(*values, strict=True)
                copy_sql = pgsql.SQL("COPY {} FROM STDIN").format(ident)
                with cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
        return self

    def _type_untyped(self, sql: str) -> None:
        """Before ``INSERT INTO t (a, b) SELECT a, b FROM registered``: the registered
        table's empty columns take the types of the target columns they fill."""
        tree = sqlglot.parse_one(sql, read="duckdb")
        source = tree.expression if isinstance(tree, exp.Insert) else None
        if not isinstance(source, exp.Select) or not isinstance(tree.this, exp.Schema):
            return
        origin = source.args.get("from_")
        origin = origin.this if origin is not None else None
        if not isinstance(origin, exp.Table) or origin.name not in self._untyped:
            return
        empty = self._untyped[origin.name]
        targets = [c.name for c in tree.this.expressions]
        wanted = {
            column.name: target
            for target, column in zip(targets, source.expressions, strict=False)
            if isinstance(column, exp.Column) and column.name in empty
        }
        if not wanted:
            return
        types = dict(
            self.raw.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [tree.this.this.sql(dialect="postgres")],
            ).fetchall()
        )
        for column, target in wanted.items():
            if target in types:
                with self._temporary():
                    self.raw.execute(
                        pgsql.SQL(
                            "ALTER TABLE pg_temp.{} ALTER COLUMN {} TYPE {} USING NULL"
                        ).format(
                            pgsql.Identifier(origin.name),
                            pgsql.Identifier(column),
                            pgsql.SQL(types[target]),
                        )
                    )
                empty.discard(column)

    def unregister(self, name: str) -> PgConnection:
        self._untyped.pop(name, None)
        if self.raw.info.transaction_status == pq.TransactionStatus.INERROR:
            return self  # the rollback that follows drops it (register drops a leftover)
        with self._temporary():
            self.raw.execute(
                pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(pgsql.Identifier(name))
            )
        return self

    @contextmanager
    def _temporary(self) -> Iterator[None]:
        """Outside a transaction, a read-write one for the session's temporary tables: a
        read-only session (every transaction read-only by default) may still register a
        frame, which changes nothing in the warehouse. Inside the caller's transaction the
        statements simply join it."""
        if self.raw.info.transaction_status != pq.TransactionStatus.IDLE:
            yield
            return
        self.raw.execute("BEGIN READ WRITE")
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    # -- the session

    def cursor(self) -> PgConnection:
        return PgConnection(self.raw, self.url, owner=False, untyped=self._untyped)

    def close(self) -> None:
        if self._owner and not self.raw.closed:
            self.raw.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _values(parameters: Sequence[Any] | Mapping[str, Any] | None) -> list[Any] | dict[str, Any]:
    """Parameters as psycopg adapts them (numpy scalars and pandas timestamps included); a
    mapping for named ones (``$name`` in DuckDB's SQL)."""
    if isinstance(parameters, Mapping):
        return {name: _value(value) for name, value in parameters.items()}
    return [_value(value) for value in parameters or ()]


def _value(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if value is pd.NaT or (isinstance(value, float) and value != value):
        value = None
    return value


def connect_server(url: str, *, read_only: bool = False) -> PgConnection:
    """A session on the server at ``url``; ``read_only`` makes every transaction read-only."""
    settings: dict[str, Any] = {"application_name": "parks analytics"}
    if read_only:
        settings["options"] = "-c default_transaction_read_only=on"
    try:
        if "connect_timeout" not in conninfo_to_dict(url):
            # A server that does not answer is said within seconds, not waited for forever.
            settings["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        raw = psycopg.connect(url, autocommit=True, **settings)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError("warehouse.pg.cannot_connect", url=redacted(url), reason=reason) from exc
    raw.adapters.register_loader("numeric", _NumericLoader)
    return PgConnection(raw, url)
