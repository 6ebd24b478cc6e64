"""OUT-3 roll-up: shares of service points (transformers, pipe segments) and of child devices out
(sections, feeders, zones). A section's or zone's ``min_children`` now counts children with an
open outage, not children with calls; existing rules get the shares the storm benchmark
validated (bench/README.md), keeping the counts an administrator set as floors."""

import django.core.validators
from django.db import migrations, models

LEAF_KINDS = ("transformer", "pipe")
UPPER_KINDS = ("section", "feeder", "zone")


def shares_set(apps, schema_editor):
    InferenceRule = apps.get_model("outages", "InferenceRule")
    InferenceRule.objects.filter(device_kind__in=LEAF_KINDS).update(min_service_points_percent=10)
    InferenceRule.objects.filter(device_kind__in=UPPER_KINDS).update(min_children_percent=50)


class Migration(migrations.Migration):

    dependencies = [
        ("outages", "0002_faultcall_problem"),
    ]

    operations = [
        migrations.AddField(
            model_name="inferencerule",
            name="min_service_points_percent",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="For a transformer or pipe segment, e.g. 15: 15 of 100 customers under it.",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="minimum share of its service points calling (%)"),
        ),
        migrations.AddField(
            model_name="inferencerule",
            name="min_children_percent",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="For a section, feeder or zone, e.g. 50: half of its transformers (sections, pipe segments).",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="minimum share of child devices out (%)"),
        ),
        migrations.AlterField(
            model_name="inferencerule",
            name="min_children",
            field=models.PositiveIntegerField(
                default=1,
                help_text="For a section, feeder or zone: how many of its child devices must have an open outage. "
                          "Not used for a transformer or pipe segment.",
                verbose_name="minimum child devices out"),
        ),
        migrations.AlterField(
            model_name="inferencerule",
            name="min_service_points",
            field=models.PositiveIntegerField(default=3, verbose_name="minimum service points calling"),
        ),
        migrations.AlterField(
            model_name="inferencerule",
            name="window_minutes",
            field=models.PositiveIntegerField(default=120, validators=[django.core.validators.MinValueValidator(1)],
                                              verbose_name="window (minutes)"),
        ),
        migrations.RunPython(shares_set, migrations.RunPython.noop),
    ]
