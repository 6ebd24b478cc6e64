"""Notifications know their subject (issue 10 item 11: the inbox groups them by request or work
order). Existing rows are filled from their warning's timer, the rest from their link."""

import re

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# The detail pages' paths when this migration was written (the links stored on the rows).
LINKS = ((re.compile(r"^/requests/(\d+)/$"), "request"), (re.compile(r"^/work-orders/(\d+)/$"), "work_order"))


def backfill_subjects(apps, schema_editor):
    Notification = apps.get_model("sla", "Notification")
    TimerWarning = apps.get_model("sla", "TimerWarning")
    warnings = TimerWarning.objects.filter(pk=OuterRef("warning_id"))
    # One UPDATE for the warnings' notifications (all of them, in practice).
    Notification.objects.filter(warning__isnull=False).update(
        subject_type=Subquery(warnings.values("timer__subject_type")[:1]),
        subject_id=Subquery(warnings.values("timer__subject_id")[:1]))
    rest = Notification.objects.filter(warning__isnull=True).exclude(link="").values_list("pk", "link")
    for pk, link in rest.iterator():
        for pattern, subject_type in LINKS:
            if match := pattern.match(link):
                Notification.objects.filter(pk=pk).update(subject_type=subject_type, subject_id=int(match[1]))
                break


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0004_target_restart_event_and_at_risk_rule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='subject_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='subject_type',
            field=models.CharField(blank=True, default='', max_length=20),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', 'subject_type', 'subject_id'], name='notification_subject'),
        ),
        migrations.RunPython(backfill_subjects, migrations.RunPython.noop, elidable=True),
    ]
