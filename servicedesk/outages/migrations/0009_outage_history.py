"""One history for outages (issue 12 item 2, OUT-3, OUT-6): ``OutageEvent``, append-only (the model
refuses; on PostgreSQL the history trigger function of tickets 0002 refuses UPDATE and DELETE).

1. The ETR changes of 0008 become its ``etr_change`` rows (same time, author, values, reason,
   message); their table is dropped and ``OutageEtrChange`` is a proxy reading those rows.
2. Every existing outage gets its history as far as its columns tell it (``backfill_events``):
   created when it was (predicted by the system, or declared by whoever confirmed it), confirmed
   at ``confirmed_at`` if it was predicted first, and its closing (restored, rejected, merged) at
   ``closed_at`` by ``closed_by``, with its note as the reason.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from servicedesk.core.migration_ops import VendorSQL

# Status and action codes as written by outages.workflow at the time of this migration.
PREDICTED, CONFIRMED, RESTORED, REJECTED, MERGED = "predicted", "confirmed", "restored", "rejected", "merged"
CLOSING_ACTION = {RESTORED: "restore", REJECTED: "reject", MERGED: "merge"}


def copy_etr_changes(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The 0008 rows, as ``etr_change`` events (in their order)."""
    change_model = apps.get_model("outages", "OutageEtrChange")
    event_model = apps.get_model("outages", "OutageEvent")
    rows = change_model.objects.order_by("at", "id").values_list(
        "outage_id", "at", "actor_id", "old_etr", "new_etr", "reason", "message")
    event_model.objects.bulk_create([
        event_model(outage_id=outage_id, at=at, actor_id=actor_id, kind="etr_change", old_etr=old, new_etr=new,
                    reason=reason, message=message or {})
        for outage_id, at, actor_id, old, new, reason, message in rows.iterator(chunk_size=2000)], batch_size=2000)


def backfill_events(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A ``created`` event, and ``transition`` events to the current status where the columns tell
    when, for every outage that has no ``created`` event yet (so a second run adds nothing)."""
    outage_model = apps.get_model("outages", "Outage")
    event_model = apps.get_model("outages", "OutageEvent")
    done = set(event_model.objects.filter(kind="created").values_list("outage_id", flat=True))
    events = []
    for outage in outage_model.objects.order_by("pk").iterator(chunk_size=2000):
        if outage.pk in done:
            continue
        declared = outage.origin != "inferred"
        first = CONFIRMED if declared else PREDICTED
        events.append(event_model(outage_id=outage.pk, at=outage.created_at, kind="created",
                                  action="declare" if declared else "predict", from_status="", to_status=first,
                                  actor_id=outage.confirmed_by_id if declared else None))
        status = first
        if not declared and outage.confirmed_at is not None:
            events.append(event_model(outage_id=outage.pk, at=outage.confirmed_at, kind="transition",
                                      action="confirm", from_status=PREDICTED, to_status=CONFIRMED,
                                      actor_id=outage.confirmed_by_id))
            status = CONFIRMED
        if outage.status in CLOSING_ACTION and outage.status != status:
            action = CLOSING_ACTION[outage.status]
            if action == "merge" and outage.closed_by_id is None:
                action = "roll_up"  # merged by inference into a prediction above it
            events.append(event_model(
                outage_id=outage.pk, at=outage.closed_at or outage.confirmed_at or outage.created_at,
                kind="transition", action=action, from_status=status, to_status=outage.status,
                actor_id=outage.closed_by_id, reason=outage.note if outage.status != MERGED else ""))
        if len(events) >= 2000:
            event_model.objects.bulk_create(events)
            events = []
    event_model.objects.bulk_create(events)


class Migration(migrations.Migration):

    dependencies = [
        ('outages', '0008_outage_etr_changes'),
        ('tickets', '0002_history_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OutageEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('kind', models.CharField(choices=[('created', 'Created'), ('transition', 'Status change'), ('etr_change', 'New estimated restoration'), ('cause_change', 'New cause')], max_length=20, verbose_name='kind')),
                ('action', models.CharField(blank=True, max_length=30, verbose_name='action')),
                ('from_status', models.CharField(blank=True, max_length=20, verbose_name='from')),
                ('to_status', models.CharField(blank=True, max_length=20, verbose_name='to')),
                ('old_etr', models.DateTimeField(blank=True, null=True, verbose_name='previous estimated restoration')),
                ('new_etr', models.DateTimeField(blank=True, null=True, verbose_name='new estimated restoration')),
                ('changes', models.JSONField(blank=True, default=dict, help_text='{field: [old, new]}, e.g. the cause.')),
                ('reason', models.TextField(blank=True, help_text='What the dispatcher typed.', verbose_name='reason')),
                ('message', models.JSONField(blank=True, default=dict, help_text='What the system said: {"key": …, "params": {…}} (core.messages), when no reason was typed.')),
                ('actor', models.ForeignKey(blank=True, help_text='Empty when the system acted.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('outage', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='outages.outage', verbose_name='outage')),
            ],
            options={
                'verbose_name': 'outage history entry',
                'verbose_name_plural': 'outage history',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.RunPython(copy_etr_changes, migrations.RunPython.noop),
        migrations.RunPython(backfill_events, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='OutageEtrChange',
        ),
        migrations.AddIndex(
            model_name='outageevent',
            index=models.Index(fields=['outage', 'at'], name='outage_event_timeline'),
        ),
        migrations.CreateModel(
            name='OutageEtrChange',
            fields=[
            ],
            options={
                'verbose_name': 'ETR change',
                'verbose_name_plural': 'ETR changes',
                'ordering': ['at', 'id'],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('outages.outageevent',),
        ),
        VendorSQL(
            postgresql=[
                "CREATE TRIGGER outages_outageevent_append_only BEFORE UPDATE OR DELETE ON outages_outageevent "
                "FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_history_change()",
            ],
            reverse_postgresql=["DROP TRIGGER IF EXISTS outages_outageevent_append_only ON outages_outageevent"],
        ),
    ]
