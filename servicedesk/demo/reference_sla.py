"""The demo utility's service levels (SLA-1, SLA-2): working calendars and policies with their
targets, from the seeds; loaded idempotently by ``reference.reference_data_load``."""

from dataclasses import dataclass

from servicedesk.tickets.models import RequestType

# ----------------------------------------------------------------------------------------------
# Service levels (SLA-1, SLA-2): the seeds' time limits (002 §2.3, §5.4; 003 §8). The README has
# the table of these targets and where each comes from.

HOTLINE_CALENDAR = "hotline-24x7"
OFFICE_CALENDAR = "office-hours"
SLA_PAUSE_STATUSES = ["waiting"]
SLA_THRESHOLDS = [{"percent": 75, "notify": "owner"}, {"percent": 100, "notify": "team_lead"},
                  {"percent": 150, "notify": "desk_manager"}]


@dataclass(frozen=True)
class SlaTargetSpec:
    kind: str
    calendar: str
    stop_event: str
    minutes: int | None = None
    working_days: int | None = None
    start_event: str = "created"
    restart_event: str = ""


@dataclass(frozen=True)
class SlaPolicySpec:
    name: str
    name_en: str
    applies_to: str
    targets: tuple[SlaTargetSpec, ...]
    request_type: str = ""
    channel: str = ""
    priority: int | None = None
    sort_order: int = 100


_HOUR = 60
# 002 §2.3: a second site visit within 3 working days when the first did not solve it; its clock
# starts at the reopening and runs again at a further one.
_SECOND_VISIT = SlaTargetSpec("second_visit", OFFICE_CALENDAR, "resolved", working_days=3,
                              start_event="reopen", restart_event="reopen")
# Emergency repairs, per request type: (code, name, English name, crew on site within … minutes).
# The seeds give no arrival time for emergency repairs; 45 minutes is the urban arrival time that
# Chinese grid companies publish for power faults, water utilities commonly commit to the hour for a
# leak and two for a supply interruption. Examples an administrator tunes.
_EMERGENCIES = (
    ("power-fault", "停电故障抢修", "Power fault repair", 45),
    ("water-leak", "管网报漏抢修", "Leak repair", 60),
    ("water-outage", "停水及水压不足处理", "Water outage and low pressure", 120),
)
# Who wins: the most specific policy (most criteria set), then the lowest order. A complaint sent
# from the web portal matches both the complaint and the web policy: the complaint's order wins;
# an urgent power-fault work order matches both its type's policy and the urgent one: the type's
# order wins.
SLA_POLICIES: tuple[SlaPolicySpec, ...] = (
    # 002 §2.3: requests by phone, e-mail or web answered within 1 working day.
    SlaPolicySpec("一般诉求", "General requests", "request", (
        SlaTargetSpec("first_response", OFFICE_CALENDAR, "accepted, dispatched", working_days=1),
        _SECOND_VISIT,
    ), sort_order=900),
    *(SlaPolicySpec(f"网上诉求答复（{label}）", f"Online requests ({label_en})", "request", (
        SlaTargetSpec("reply", OFFICE_CALENDAR, "accepted, dispatched", working_days=1),
        _SECOND_VISIT,
    ), channel=channel, sort_order=200)
      for channel, label, label_en in (("web", "网站", "web"), ("app", "App", "app"))),
    # 002 §5.4 (1): a complaint answered within 12 hours and resolved within 24, around the clock
    # (§5.3: complaints are taken 7×24); (2) the customer not satisfied reopens it, and its
    # resolution clock runs again until they are.
    SlaPolicySpec("投诉处理", "Complaints", "request", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, dispatched", minutes=12 * _HOUR),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "resolved", minutes=24 * _HOUR, restart_event="reopen"),
    ), request_type="complaint", sort_order=100),
    # 002 §5.4 (2): within 1 hour the scope is judged and the work order sent; resolved within 24
    # hours; 003 §8.2: leaks and outages tracked to completion. A request sent back to the queue
    # (every work order declined) must be dispatched again: its dispatch clock runs again.
    *(SlaPolicySpec(name, f"{name_en} (request)", "request", (
        SlaTargetSpec("triage_dispatch", HOTLINE_CALENDAR, "dispatched", minutes=1 * _HOUR,
                      restart_event="return"),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "resolved", minutes=24 * _HOUR),
        _SECOND_VISIT,
    ), request_type=code, sort_order=100) for code, name, name_en, _arrival in _EMERGENCIES),
    # The crews' side of an emergency: accept within 15 minutes, on site within the arrival time,
    # done within 24 hours, all around the clock.
    *(SlaPolicySpec(f"{name}工单", f"{name_en} (work order)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=15),
        SlaTargetSpec("on_site_arrival", HOTLINE_CALENDAR, "in_progress, completed", minutes=arrival),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "completed", minutes=24 * _HOUR),
    ), request_type=code, sort_order=50) for code, name, name_en, arrival in _EMERGENCIES),
    # 002 §5.4 (3): a partner answers an urgent work order within 24 hours, a difficult one within
    # 72; §2.3: on site within 2 working days of the confirmed need.
    SlaPolicySpec("工单回复（紧急）", "Work order reply (urgent)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=24 * _HOUR),
        SlaTargetSpec("on_site_arrival", OFFICE_CALENDAR, "in_progress, completed", working_days=2),
    ), priority=1, sort_order=100),
    SlaPolicySpec("工单回复（疑难）", "Work order reply (difficult)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=72 * _HOUR),
        SlaTargetSpec("on_site_arrival", OFFICE_CALENDAR, "in_progress, completed", working_days=2),
    ), sort_order=900),
    # 002 §5.4 (2)–(3): each party of a complaint judges its part and passes it on within 1 hour, and
    # replies within 24 hours (urgent) or 72 (difficult); a part sent back runs its reply clock again.
    *(SlaPolicySpec(name, name_en, "complaint_part", (
        SlaTargetSpec("triage_dispatch", HOTLINE_CALENDAR, "accept, answer", minutes=1 * _HOUR),
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "answer", minutes=hours * _HOUR, restart_event="reopen"),
    ), priority=priority, sort_order=order) for name, name_en, hours, priority, order in (
        ("投诉分派（紧急）", "Complaint part (urgent)", 24, 1, 100),
        ("投诉分派（疑难）", "Complaint part (difficult)", 72, None, 900))),
)


def sla_reference_load() -> None:
    """Calendars and policies of the demo utility; a policy already there keeps its targets (an
    administrator may have tuned them), so running again changes nothing."""
    from servicedesk.sla.models import Calendar, Policy, Target

    calendars = {
        HOTLINE_CALENDAR: Calendar.objects.get_or_create(code=HOTLINE_CALENDAR, defaults={
            "name": "7×24 热线", "name_en": "7×24 hotline", "kind": Calendar.Kind.AROUND_THE_CLOCK,
            "windows": "", "weekdays": [], "follows_official_holidays": False})[0],
        OFFICE_CALENDAR: Calendar.objects.get_or_create(code=OFFICE_CALENDAR, defaults={
            "name": "工作日", "name_en": "Working days", "kind": Calendar.Kind.WORKING_HOURS,
            "windows": "08:30-12:00, 13:30-17:30", "weekdays": [0, 1, 2, 3, 4],
            "follows_official_holidays": True})[0],
    }
    types = {t.code: t for t in RequestType.objects.filter(code__in={p.request_type for p in SLA_POLICIES})}
    for spec in SLA_POLICIES:
        if spec.request_type and spec.request_type not in types:
            continue
        policy, created = Policy.objects.get_or_create(name=spec.name, applies_to=spec.applies_to, defaults={
            "name_en": spec.name_en, "sort_order": spec.sort_order,
            "request_type": types.get(spec.request_type), "channel": spec.channel, "priority": spec.priority})
        if not created and policy.targets.exists():
            continue
        Target.objects.bulk_create([Target(
            policy=policy, kind=t.kind, calendar=calendars[t.calendar], duration_minutes=t.minutes,
            working_days=t.working_days, start_event=t.start_event, stop_event=t.stop_event,
            restart_event=t.restart_event,
            pause_statuses=list(SLA_PAUSE_STATUSES), thresholds=[dict(x) for x in SLA_THRESHOLDS],
        ) for t in spec.targets])
