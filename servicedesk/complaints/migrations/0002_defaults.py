"""The complaint history is append-only (on PostgreSQL the history trigger function of tickets 0002
refuses UPDATE and DELETE); the major-complaint rules of 002 §5 (二) 3 as starting data; the
settings row when a request type of the complaint category exists."""

from django.db import migrations

from servicedesk.core.migration_ops import VendorSQL

MAJOR_RULES = [
    # (name, kind, number, words)
    ("第二次重开仍不满意", "reopened", 2, []),
    ("重复投诉的重复投诉", "repeat_depth", 2, []),
    ("大客户投诉", "key_account", None, []),
    ("涉及媒体、12345 热线或信访", "words", None, ["媒体", "记者", "12345", "信访", "投诉到市长"]),
]


def defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    MajorRule = apps.get_model("complaints", "MajorRule")
    ComplaintRules = apps.get_model("complaints", "ComplaintRules")
    RequestType = apps.get_model("tickets", "RequestType")
    for order, (name, kind, number, words) in enumerate(MAJOR_RULES):
        MajorRule.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "number": number, "words": words, "sort_order": (order + 1) * 10},
        )
    complaint_type = (
        RequestType.objects.filter(category="complaint", active=True).order_by("sort_order", "id").first()
    )
    if complaint_type is not None and not ComplaintRules.objects.exists():
        ComplaintRules.objects.create(request_type=complaint_type)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("tickets", "0002_history_append_only"),
    ]

    operations = [
        migrations.RunPython(defaults, migrations.RunPython.noop),
        VendorSQL(
            postgresql=[
                "CREATE TRIGGER complaints_complaintevent_append_only BEFORE UPDATE OR DELETE ON "
                "complaints_complaintevent FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_history_change()",
            ],
            reverse_postgresql=[
                "DROP TRIGGER IF EXISTS complaints_complaintevent_append_only ON complaints_complaintevent"
            ],
        ),
    ]
