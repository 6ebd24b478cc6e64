"""The complaint desk on top of the test world (servicedesk.testing.world): the complaint type's
topics, the settings row and the complaint's and its parts' clocks (002 §5.4)."""

from servicedesk.complaints.models import ComplaintRules, MajorRule
from servicedesk.sla.models import Calendar, Policy, Target
from servicedesk.testing.world import World
from servicedesk.tickets.models import RequestTypeField

TOPICS = [
    ("attitude", "服务态度", "Staff attitude"),
    ("timeliness", "处理时效", "Timeliness"),
    ("billing", "计费收费", "Billing"),
    ("quality", "服务质量", "Quality"),
]


def build_complaint_desk(world: World) -> World:
    """The complaint's clocks: reply 12 h, resolution 24 h; the parts': triage 1 h, reply 24 h
    urgent, 72 h difficult; all around the clock."""
    complaint = world.types["complaint"]
    RequestTypeField.objects.create(
        request_type=complaint,
        key="about",
        label="投诉事项",
        label_en="About",
        kind=RequestTypeField.Kind.CHOICE,
        required=True,
        choices=[{"value": v, "label": zh, "label_en": en} for v, zh, en in TOPICS],
    )
    ComplaintRules.objects.update_or_create(
        pk=1, defaults={"request_type": complaint, "repeat_window_days": 30}
    )
    clock = Calendar.objects.create(code="24x7-complaints", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK)
    policy = Policy.objects.create(name="投诉处理", applies_to="request", request_type=complaint)
    Target.objects.create(
        policy=policy,
        kind="reply",
        calendar=clock,
        duration_minutes=12 * 60,
        stop_event="accepted, dispatched",
    )
    Target.objects.create(
        policy=policy,
        kind="resolution",
        calendar=clock,
        duration_minutes=24 * 60,
        stop_event="resolved",
        restart_event="reopen",
    )
    urgent = Policy.objects.create(name="投诉分派（紧急）", applies_to="complaint_part", priority=1)
    difficult = Policy.objects.create(name="投诉分派（疑难）", applies_to="complaint_part", sort_order=900)
    for part_policy, hours in ((urgent, 24), (difficult, 72)):
        Target.objects.create(
            policy=part_policy,
            kind="triage_dispatch",
            calendar=clock,
            duration_minutes=60,
            stop_event="accept, answer",
        )
        Target.objects.create(
            policy=part_policy,
            kind="reply",
            calendar=clock,
            duration_minutes=hours * 60,
            stop_event="answer",
            restart_event="reopen",
        )
    # The starting rules of complaints' migration 0002 (a test that flushes the database loses them).
    for order, (name, kind, number, words) in enumerate([
        ("第二次重开仍不满意", MajorRule.Kind.REOPENED, 2, []),
        ("重复投诉的重复投诉", MajorRule.Kind.REPEAT_DEPTH, 2, []),
        ("大客户投诉", MajorRule.Kind.KEY_ACCOUNT, None, []),
        ("涉及媒体、12345 热线或信访", MajorRule.Kind.WORDS, None, ["媒体", "记者", "12345", "信访"]),
    ]):
        MajorRule.objects.get_or_create(name=name, defaults={"kind": kind, "number": number, "words": words,
                                                              "sort_order": (order + 1) * 10})
    return world
