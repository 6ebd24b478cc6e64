"""SUR-3: the success criteria of seed 003 §5 as data: satisfaction 95 %, handling rate 100 %,
timeliness 100 % (“三来”处理客户满意度95%；“三来”处理率100%；问题处理及时率100%)."""

from decimal import Decimal

from django.db import migrations

TARGETS = {"satisfaction": Decimal("95"), "handling_rate": Decimal("100"), "timeliness": Decimal("100")}


def seed(apps, schema_editor):
    QualityTarget = apps.get_model("surveys", "QualityTarget")
    for code, percent in TARGETS.items():
        QualityTarget.objects.get_or_create(code=code, defaults={"percent": percent})


def unseed(apps, schema_editor):
    apps.get_model("surveys", "QualityTarget").objects.filter(code__in=TARGETS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
