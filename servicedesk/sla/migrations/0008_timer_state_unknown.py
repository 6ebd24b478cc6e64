"""A clock that cannot be computed says so (issue 11 item 5, SLA-1, SLA-3): the state "unknown".

Before, a clock whose calendar could not answer (no official holidays known for a year it reaches)
stored the reason in ``problem`` and kept its old state — "breached", say. The open clocks that
store such a reason become unknown; backwards they become running again (the old default; the next
recomputation sets the real state either way).

The open clocks with a problem whose due time is known are left alone: the warning sweep writes a
problem when only a later warning cannot be placed, and their state is right.
"""

from django.db import migrations, models

OLD_OPEN_STATES = ("running", "paused", "breached")


def open_problem_timers_unknown(apps, schema_editor):
    Timer = apps.get_model("sla", "Timer")
    Timer.objects.filter(state__in=OLD_OPEN_STATES, due_at__isnull=True).exclude(problem="").update(state="unknown")


def unknown_timers_running(apps, schema_editor):
    Timer = apps.get_model("sla", "Timer")
    Timer.objects.filter(state="unknown").update(state="running")


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0007_notification_message_and_admin_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='timer',
            name='state',
            field=models.CharField(choices=[('running', 'Running'), ('paused', 'Paused'), ('breached', 'Breached'),
                                            ('met', 'Met'), ('missed', 'Missed'), ('cancelled', 'Cancelled'),
                                            ('unknown', 'Cannot be computed')],
                                   default='running', max_length=20),
        ),
        migrations.RunPython(open_problem_timers_unknown, unknown_timers_running),
    ]
