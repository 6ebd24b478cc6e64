"""History rows are append-only, also for anyone writing SQL by hand (PostgreSQL).

TRUNCATE (used by test isolation and by a deliberate purge) is a statement-level operation and
is not refused; row UPDATE and DELETE are. SQLite relies on the model guard (its test isolation
deletes rows, which a trigger would refuse).
"""

from django.db import migrations

from servicedesk.core.migration_ops import VendorSQL

FUNCTION = """
CREATE OR REPLACE FUNCTION servicedesk_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history table % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        VendorSQL(
            postgresql=[
                FUNCTION,
                "CREATE TRIGGER tickets_requestevent_append_only BEFORE UPDATE OR DELETE ON tickets_requestevent "
                "FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_history_change()",
                "CREATE TRIGGER tickets_workorderevent_append_only BEFORE UPDATE OR DELETE ON tickets_workorderevent "
                "FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_history_change()",
            ],
            reverse_postgresql=[
                "DROP TRIGGER IF EXISTS tickets_requestevent_append_only ON tickets_requestevent",
                "DROP TRIGGER IF EXISTS tickets_workorderevent_append_only ON tickets_workorderevent",
            ],
        ),
    ]
