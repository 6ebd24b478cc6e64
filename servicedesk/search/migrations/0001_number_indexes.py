"""The indexes the global search (issue 10 item 5, INT-2) needs on other apps' tables.

The search owns its access paths: a meter number and a request's reporter phone are looked up
only by it (and by the request list's text search), so their B-trees are created here rather than
as model indexes of the foundation and intake apps. Every other number it reads has an index
already (primary keys, the unique service point number, the caller search's indexes).
"""

from django.db import migrations

INDEXES = {
    "search_servicepoint_meter": ("customers_servicepoint", "meter_number"),
    "search_request_reporter_phone": ("tickets_servicerequest", "reporter_phone"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_servicepoint_device"),
        ("tickets", "0004_alter_routingrule_channel_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE INDEX {name} ON {table} ({column})" for name, (table, column) in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
