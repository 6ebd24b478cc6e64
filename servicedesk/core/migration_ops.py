"""Migration operations whose SQL differs per database vendor."""

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """Run ``postgresql`` SQL on PostgreSQL and ``sqlite`` SQL on SQLite; nothing elsewhere."""

    def __init__(self, *, postgresql: str | list[str] = "", sqlite: str | list[str] = "",
                 reverse_postgresql: str | list[str] = "", reverse_sqlite: str | list[str] = "") -> None:
        self.by_vendor = {
            "postgresql": (postgresql, reverse_postgresql),
            "sqlite": (sqlite, reverse_sqlite),
        }
        super().__init__(sql="", reverse_sql="")

    def deconstruct(self):  # type: ignore[no-untyped-def]
        forward = {f"{vendor}": sql for vendor, (sql, _) in self.by_vendor.items()}
        backward = {f"reverse_{vendor}": sql for vendor, (_, sql) in self.by_vendor.items()}
        return (self.__class__.__qualname__, [], {**forward, **backward})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        sql = self.by_vendor.get(schema_editor.connection.vendor, ("", ""))[0]
        if sql:
            self._run_sql(schema_editor, sql)  # type: ignore[attr-defined]  # RunSQL's own, not in the stubs

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        sql = self.by_vendor.get(schema_editor.connection.vendor, ("", ""))[1]
        if sql:
            self._run_sql(schema_editor, sql)  # type: ignore[attr-defined]
