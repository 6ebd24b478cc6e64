"""``check_moments``: find stored date-times outside 1900–2100.

Before the API bounded its date-times, a client could store a contact that started in year 1 or a
planned outage in 1319; such a value is written back with the zone's local mean time offset
(+08:05:43) and breaks every report period. This command looks at every DateTimeField of every
model and lists the rows holding one, so that an operator can correct them; it exits with status 1
when it finds any (for a deployment check), 0 when there are none.
"""

import datetime
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models

EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2101, 1, 1, tzinfo=datetime.UTC)


def out_of_range_moments(limit: int = 20) -> list[tuple[str, str, list[Any], int]]:
    """(model label, field name, first ``limit`` primary keys, count) of each field holding a value
    outside 1900–2100."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.DateTimeField):
                continue
            outside = model._default_manager.filter(
                models.Q(**{f"{field.name}__lt": EARLIEST}) | models.Q(**{f"{field.name}__gte": LATEST}))
            count = outside.count()
            if count:
                pks = list(outside.order_by("pk").values_list("pk", flat=True)[:limit])
                found.append((model._meta.label, field.name, pks, count))
    return found


class Command(BaseCommand):
    help = ("List stored date-times outside the years 1900–2100 (model, field, rows). Exits with status 1 "
            "when there are any.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20, help="Row ids listed per field (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        models_checked = len(apps.get_models())
        found = out_of_range_moments(options["limit"])
        if not found:
            self.stdout.write(f"Every date-time of {models_checked} models lies between 1900 and 2100.")
            return
        for label, field, pks, count in found:
            shown = ", ".join(str(pk) for pk in pks) + (" …" if count > len(pks) else "")
            self.stdout.write(f"{label}.{field}: {count} row(s) outside 1900–2100: {shown}")
        raise CommandError(f"{sum(c for *_, c in found)} stored date-time(s) outside 1900–2100; correct them "
                           "in the admin or by hand before relying on reports.", returncode=1)
