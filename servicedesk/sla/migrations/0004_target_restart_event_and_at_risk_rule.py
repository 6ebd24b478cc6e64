import django.core.validators
from django.db import migrations, models


def restart_second_visits(apps, schema_editor):
    """A clock that starts at a reopen (the second visit) runs again at the next reopen; every
    other clock now stays stopped once stopped (it used to run again at any later event)."""
    Target = apps.get_model("sla", "Target")
    Target.objects.filter(start_event__contains="reopen").update(restart_event="reopen")


def recompute_open_clocks(apps, schema_editor):
    """Every open clock is recomputed by the worker (at-risk instants, stops that no longer restart)."""
    SlaChange = apps.get_model("sla", "SlaChange")
    Timer = apps.get_model("sla", "Timer")
    if Timer.objects.exists():
        SlaChange.objects.create(what="service-level engine updated: open clocks recomputed",
                                 detail={"scope": {"all": True}})


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0003_drop_redundant_timer_subject_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="policy",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="English name"),
        ),
        migrations.AddField(
            model_name="target",
            name="at_risk_margin_minutes",
            field=models.PositiveIntegerField(default=60, help_text="Never more than half the limit: a 1-hour target is at risk after 30 minutes, not at once.", verbose_name="or when less than this is left (working minutes)"),
        ),
        migrations.AddField(
            model_name="target",
            name="at_risk_percent",
            field=models.PositiveSmallIntegerField(default=75, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name="at risk once this share of the limit is used (percent)"),
        ),
        migrations.AddField(
            model_name="target",
            name="restart_event",
            field=models.CharField(blank=True, default="", help_text='Once stopped, the clock runs again only at this action or status (or several, separated by commas), e.g. "reopen"; empty: it never runs again.', max_length=100, verbose_name="restarts at"),
        ),
        migrations.AddField(
            model_name="timer",
            name="at_risk_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(restart_second_visits, migrations.RunPython.noop),
        migrations.RunPython(recompute_open_clocks, migrations.RunPython.noop),
    ]
