"""Every change of an outage's ETR, append-only (issue 10 item 8, OUT-6): refused UPDATE and
DELETE on PostgreSQL by the history trigger function of tickets 0002; the model refuses elsewhere."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from servicedesk.core.migration_ops import VendorSQL


class Migration(migrations.Migration):

    dependencies = [
        ('outages', '0007_faultcall_ancestor_indexes_hold_their_calls'),
        ('tickets', '0002_history_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OutageEtrChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('old_etr', models.DateTimeField(blank=True, null=True, verbose_name='previous estimated restoration')),
                ('new_etr', models.DateTimeField(blank=True, null=True, verbose_name='new estimated restoration')),
                ('reason', models.TextField(blank=True, help_text='What the dispatcher typed.', verbose_name='reason')),
                ('message', models.JSONField(blank=True, default=dict, help_text='What the system said: {"key": …, "params": {…}} (core.messages), when no reason was typed.')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('outage', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='etr_changes', to='outages.outage', verbose_name='outage')),
            ],
            options={
                'verbose_name': 'ETR change',
                'verbose_name_plural': 'ETR changes',
                'ordering': ['at', 'id'],
                'indexes': [models.Index(fields=['outage', 'at'], name='outage_etr_change_timeline')],
            },
        ),
        VendorSQL(
            postgresql=[
                "CREATE TRIGGER outages_outageetrchange_append_only BEFORE UPDATE OR DELETE ON outages_outageetrchange "
                "FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_history_change()",
            ],
            reverse_postgresql=["DROP TRIGGER IF EXISTS outages_outageetrchange_append_only ON outages_outageetrchange"],
        ),
    ]
