"""Bulk loading of generated rows: COPY on PostgreSQL, batched executemany on SQLite.

Row-by-row ``save()`` would take hours for a million customers; these paths write the same
columns the ORM would, inside the caller's Django transaction (``connection.connection`` is the
raw driver connection of that transaction), and leave the database exactly as the ORM would
have: sequences moved past the explicit ids, the SQLite address index (FTS5) complete.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection as default_connection
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

Converter = Callable[[Any], Any]

# The SQLite address index is an FTS5 table kept in step by this trigger (customers migration 0003).
FTS_TABLE = "customers_servicepoint_fts"
FTS_INSERT_TRIGGER = "customers_servicepoint_fts_ai"


def _json(value: Any) -> str:
    # Same encoding as JSONField.get_prep_value, so bulk rows read back like ORM rows.
    return json.dumps(value)


def _sqlite_datetime(value: datetime.datetime) -> str:
    # Django's SQLite backend stores aware datetimes as naive UTC text.
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return str(value)


def _converters(vendor: str, fields: Sequence[models.Field]) -> list[tuple[int, Converter]]:
    """Per column, how a Python value becomes what the driver accepts (only where it differs)."""
    converters: list[tuple[int, Converter]] = []
    for index, field in enumerate(fields):
        internal = field.get_internal_type()
        if internal == "JSONField":
            converters.append((index, _json))
        elif vendor == "sqlite":
            if internal == "DateTimeField":
                converters.append((index, _sqlite_datetime))
            elif internal == "DateField":
                converters.append((index, datetime.date.isoformat))
            elif internal == "DecimalField":
                converters.append((index, str))
    return converters


class BulkWriter:
    """Writes rows of one model at a time; ids are given by the caller (see ``next_id``)."""

    def __init__(self, connection: BaseDatabaseWrapper | None = None, *, batch_size: int = 20_000) -> None:
        self.connection = connection or default_connection
        self.vendor = self.connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"bulk loading is written for PostgreSQL and SQLite, not {self.vendor}")
        self.batch_size = batch_size
        self.rows_written: dict[str, int] = {}

    def _raw(self) -> Any:
        self.connection.ensure_connection()
        return self.connection.connection

    def next_id(self, model: type[models.Model]) -> int:
        with self.connection.cursor() as cursor:
            table = self.connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            (largest,) = cursor.fetchone()
        return int(largest) + 1

    def write(self, model: type[models.Model], field_names: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``field_names``) into ``model``'s table."""
        # Concrete columns only (no reverse relations or generic foreign keys).
        fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in field_names]
        columns = [str(field.column) for field in fields]
        table = model._meta.db_table
        converters = _converters(self.vendor, fields)
        prepared = self._prepare(rows, converters) if converters else rows
        if self.vendor == "postgresql":
            count = self._copy(table, columns, prepared)
        else:
            count = self._executemany(table, columns, prepared)
        self.rows_written[table] = self.rows_written.get(table, 0) + count
        return count

    @staticmethod
    def _prepare(rows: Iterable[Sequence[Any]],
                 converters: list[tuple[int, Converter]]) -> Iterator[list[Any]]:
        for row in rows:
            values = list(row)
            for index, convert in converters:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            yield values

    def _copy(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
        quote = self.connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        count = 0
        with self._raw().cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _executemany(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
        quote = self.connection.ops.quote_name
        sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        cursor = self._raw().cursor()
        count = 0
        batch: list[Sequence[Any]] = []
        try:
            for row in rows:
                batch.append(row)
                if len(batch) >= self.batch_size:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        finally:
            cursor.close()
        return count

    def reset_sequences(self, model_list: Sequence[type[models.Model]]) -> None:
        """Move PostgreSQL's identity sequences past the explicit ids (SQLite follows by itself)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(model_list))
        if statements:
            with self.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def analyze(self, model_list: Sequence[type[models.Model]]) -> None:
        """Fresh planner statistics, so the first searches after a big load use the indexes."""
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for model in model_list:
                    cursor.execute(f"ANALYZE {self.connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")

    # ------------------------------------------------------------------------------------------
    # Deferred index maintenance for big loads

    @contextmanager
    def fts_rebuilt_after(self) -> Iterator[bool]:
        """SQLite: drop the FTS insert trigger for the load, rebuild the index once, restore it.

        Yields whether the trigger was deferred (False on PostgreSQL, or if it does not exist).
        Measured on the large scale (1.46 million service points): 94 s for the customers phase
        with one rebuild against 146 s with the trigger firing per row.
        """
        if self.vendor != "sqlite":
            yield False
            return
        raw = self._raw()
        row = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                          (FTS_INSERT_TRIGGER,)).fetchone()
        if row is None:
            yield False
            return
        raw.execute(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
        try:
            yield True
            raw.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        finally:
            raw.execute(row[0])

    @contextmanager
    def secondary_indexes_rebuilt_after(self, model_list: Sequence[type[models.Model]]) -> Iterator[int]:
        """PostgreSQL: drop the tables' foreign keys and plain indexes (not primary keys or unique
        constraints) for the load, then build the indexes and re-add the foreign keys. SQLite: the
        same for the plain indexes (its foreign keys are checked at commit anyway).

        Building a B-tree or pg_trgm GIN index once is much cheaper than maintaining it for every
        copied row, and re-adding a foreign key checks all rows in one join instead of queueing a
        deferred check per row (queued checks would also forbid CREATE INDEX in the same
        transaction). Everything happens inside the caller's transaction: on any error the
        indexes and constraints are back as they were. Yields how many objects were deferred.
        """
        if self.vendor == "sqlite":
            with self._sqlite_indexes_rebuilt_after(model_list) as deferred:
                yield deferred
            return
        quote = self.connection.ops.quote_name
        tables = [model._meta.db_table for model in model_list]
        with self.connection.cursor() as cursor:
            # Run the foreign-key checks queued so far (e.g. for users created in this transaction):
            # PostgreSQL refuses to alter a table, here also a referenced one, with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                """
                SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                WHERE c.contype = 'f' AND t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                ORDER BY t.relname, c.conname
                """,
                [tables],
            )
            foreign_keys = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                  AND NOT x.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY i.relname
                """,
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield len(indexes) + len(foreign_keys)
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are initially deferred

    @contextmanager
    def _sqlite_indexes_rebuilt_after(self, model_list: Sequence[type[models.Model]]) -> Iterator[int]:
        """SQLite: drop the tables' plain indexes for the load and create them again after.

        Inserting 1.46 million service points in id order while keeping five secondary indexes
        (customer, account, district, network position, device) in step costs a random B-tree
        insert per row and index; building each once from the finished table is a sort. Unique
        indexes stay: they are constraints. DDL is transactional in SQLite, so an error leaves
        the indexes as they were.
        """
        raw = self._raw()
        tables = [model._meta.db_table for model in model_list]
        rows = raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({', '.join('?' for _ in tables)}) "
            f"ORDER BY name",
            tables).fetchall()
        for name, _sql in rows:
            raw.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        yield len(rows)
        for _name, sql in rows:
            raw.execute(sql)
