"""The shared cache's table, when the cache is the database (no REDIS_URL): created by ``migrate``
so that every way in (``serve``, ``seed-demo``, ``worker``) finds it, not only ``demo``. The
configuration bundles read on every request and fault call live there (``core.shared_cache``).
``createcachetable`` creates only what is missing, so running it again is harmless."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(cache_table_create, migrations.RunPython.noop),
    ]
