"""Statements of hot paths built once per process instead of compiled by the ORM on every call.

``RowShape``: the instance a row's values make, converted as the ORM converts them.
``RelatedFetch``: a row and the rows its foreign keys name, by primary key.
``PreparedInsert``: ``save()`` of a new row, ``bulk_create()`` of new rows.

``Model.objects.select_related(a, b).get(pk=…)`` compiles its SQL on every call: for a service
point with its customer, account and device that is about 0.8 ms of Python, more than the
query itself (0.1 ms, prepared). ``RelatedFetch`` builds the same statement once, keeps each
column's converters (the backend's and the field's, as the ORM applies them: SQLite's text
datetimes, decimals, JSON) and makes the instances with ``Model.from_db``, so they are the same
objects the ORM would give, their related objects already cached.

Only for hot paths; everything else uses the ORM.
"""

from typing import Any, Generic, TypeVar, cast

from django.db import connections, models
from django.db.models import signals

M = TypeVar("M", bound=models.Model)


def _column(field: Any) -> str:
    column = field.column
    assert column is not None, field  # every concrete field has its column
    return str(column)


def column_name(model: type[models.Model], name: str) -> str:
    """The database column of ``model``'s field ``name``, for hand-written SQL."""
    return _column(model._meta.get_field(name))

# Every PreparedInsert of the process, declared once next to its model (core/tests/test_prepared.py
# checks each writes the row save() writes).
DECLARED: list["PreparedInsert[Any]"] = []


class RowShape(Generic[M]):
    """Some (or all) of a model's columns as one table of a SELECT, and the instance a row's
    values for them make: each value converted as the ORM converts it (the backend's converters
    and the field's), the instance made by ``Model.from_db`` (fields not selected load on first
    use, as with ``.only()``)."""

    def __init__(self, model: type[M], table: str, wanted: set[str] | None = None) -> None:
        self.model = model
        self.table = table
        self.fields = [f for f in model._meta.concrete_fields if wanted is None or f.attname in wanted]
        self.names = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[Any, list[Any]]]] = {}

    def columns(self, alias: str) -> list[str]:
        quote = connections[alias].ops.quote_name
        return [f"{self.table}.{quote(_column(f))}" for f in self.fields]

    def instance(self, values: tuple[Any, ...] | list[Any], *, using: str = "default") -> M | None:
        """The instance, or None for the missing row of an outer join (no primary key)."""
        connection = connections[using]
        if using not in self._converters:
            self._converters[using] = [
                (col, connection.ops.get_db_converters(col) + field.get_db_converters(connection))
                for field in self.fields for col in (field.get_col(self.table),)]
        converted = list(values)
        for index, (col, converters) in enumerate(self._converters[using]):
            for converter in converters:
                converted[index] = converter(converted[index], col, connection)
        pk_name = self.model._meta.pk.attname
        if pk_name in self.names and converted[self.names.index(pk_name)] is None:
            return None
        return self.model.from_db(using, self.names, converted)


class RelatedFetch(Generic[M]):
    """``select_related(*related).filter(<by>=value).first()``: the row found by its primary key
    (or by another unique column, ``by``) with the rows its foreign keys ``related`` name."""

    def __init__(self, model: type[M], related: tuple[str, ...], *, by: str | None = None) -> None:
        self.model = model
        self.related = related
        self.by = model._meta.get_field(by) if by else model._meta.pk
        if not (self.by.primary_key or self.by.unique):  # type: ignore[union-attr]
            raise ValueError(f"{model.__name__}.{by} is not unique: it would not name one row")
        self.shapes: list[RowShape[Any]] = [RowShape(model, "t0")] + [
            RowShape(model._meta.get_field(name).related_model, f"t{number}")  # type: ignore[arg-type]
            for number, name in enumerate(related, start=1)]
        self._sql: dict[str, str] = {}

    def _build(self, alias: str) -> str:
        quote = connections[alias].ops.quote_name
        joins = []
        for name, shape in zip(self.related, self.shapes[1:], strict=True):
            field = cast("models.Field[Any, Any]", self.model._meta.get_field(name))
            joins.append(f"LEFT OUTER JOIN {quote(shape.model._meta.db_table)} {shape.table} "
                         f"ON {shape.table}.{quote(_column(shape.model._meta.pk))} "
                         f"= t0.{quote(_column(field))}")
        columns = [column for shape in self.shapes for column in shape.columns(alias)]
        return (f"SELECT {', '.join(columns)} FROM {quote(self.model._meta.db_table)} t0 {' '.join(joins)} "
                f"WHERE t0.{quote(_column(self.by))} = %s")

    def get(self, value: Any, *, using: str = "default") -> M | None:
        """The row whose primary key (or ``by`` column) is ``value``, with its related rows; or None."""
        if using not in self._sql:
            self._sql[using] = self._build(using)
        with connections[using].cursor() as cursor:
            cursor.execute(self._sql[using], [value])
            row = cursor.fetchone()
        if row is None:
            return None
        instances = []
        start = 0
        for shape in self.shapes:
            instances.append(shape.instance(row[start:start + len(shape.names)], using=using))
            start += len(shape.names)
        main = instances[0]
        assert main is not None  # the row was found
        for name, instance in zip(self.related, instances[1:], strict=True):
            relation = cast("models.ForeignKey[Any, Any]", self.model._meta.get_field(name))
            relation.set_cached_value(main, instance)
        return main  # type: ignore[no-any-return]


class PreparedInsert(Generic[M]):
    """``instance.save()`` for a new row of ``model``, with the INSERT built once per process.

    ``Model.save()`` compiles its INSERT every time (about 0.4 ms of Python for a contact
    record). This writes the same row: each field's value prepared by the field itself
    (``pre_save`` then ``get_db_prep_save``, so defaults, ``auto_now_add``, JSON and time zones are
    handled as the ORM handles them), the new id read back with ``RETURNING``. It sends no
    ``pre_save``/``post_save`` signals, so a model that has receivers is saved the ORM's way.
    """

    def __init__(self, model: type[M], *, own_save_only_guards_updates: bool = False) -> None:
        """``own_save_only_guards_updates``: the model overrides ``save()`` only to refuse
        updates (an append-only history), which an insert need not go through."""
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.own_save_ok = own_save_only_guards_updates
        self._sql: dict[str, str] = {}
        DECLARED.append(self)

    def _insert_sql(self, alias: str, rows: int) -> str:
        key = f"{alias}:{rows}"
        if key not in self._sql:
            quote = connections[alias].ops.quote_name
            meta = self.model._meta
            row = f"({', '.join(['%s'] * len(self.fields))})"
            columns = ", ".join(quote(_column(f)) for f in self.fields)
            self._sql[key] = (f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                              f"VALUES {', '.join([row] * rows)} RETURNING {quote(_column(meta.pk))}")
        return self._sql[key]

    def _write(self, instances: list[M], using: str) -> None:
        connection = connections[using]
        values = [f.get_db_prep_save(f.pre_save(instance, True), connection)
                  for instance in instances for f in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self._insert_sql(using, len(instances)), values)
            ids = [row[0] for row in cursor.fetchall()]
        for instance, pk in zip(instances, ids, strict=True):
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = using

    def save(self, instance: M, *, using: str = "default") -> M:
        connection = connections[using]
        if ((type(instance).save is not models.Model.save and not self.own_save_ok)
                or signals.pre_save.has_listeners(self.model)
                or signals.post_save.has_listeners(self.model)
                or not connection.features.can_return_columns_from_insert):
            instance.save(using=using)
            return instance
        self._write([instance], using)
        return instance

    def save_many(self, instances: list[M], *, using: str = "default") -> list[M]:
        """``bulk_create(instances)`` (no signals, as there), with the INSERT of that many rows
        built once per process and count."""
        connection = connections[using]
        if not instances:
            return instances
        if not connection.features.can_return_rows_from_bulk_insert:
            return self.model._default_manager.using(using).bulk_create(instances)
        self._write(instances, using)
        return instances
