"""The demo utility's outage configuration (OUT-3, OUT-5, OUT-6) and its planned outages (OUT-2).

- ``outage_reference_load``: inference thresholds per device kind, the request type and initial
  estimate of a fault call per utility, and the guided self-checks agents read to callers; as
  data an administrator could have entered, loaded idempotently with the rest of the reference.
- ``planned_outages_seed``: two published planned outages around the demo's "now", on the
  network above showcase customers, with the notices given to the service points they cut.
- ``live_outages_seed``: a predicted and a declared outage with their callers, taken through the
  desk's own fault-call service.
"""

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device, DeviceKind, Utility
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    PlannedOutage,
    PlannedOutageNotice,
    TroubleshootingScript,
    TroubleshootingStep,
)
from servicedesk.outages.planned import planned_outage_create, planned_outage_notices_record
from servicedesk.tickets.models import RequestType

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class InferenceRuleSpec:
    device_kind: str
    min_service_points: int
    min_service_points_percent: int = 0
    min_children: int = 1
    min_children_percent: int = 0
    window_minutes: int = 120


# OUT-3 (004 step 4.2): calls from at least three service points under one transformer, and at
# least 10 % of those it supplies, suggest the transformer (callers who say their neighbours have
# supply are not counted: a fault of their own); when half of a section's transformers (at least
# two) are out, the section; half of a feeder's sections, the feeder. The storm benchmark
# (bench/README.md) finds every injected fault with these and no false one, with one call in six
# from customers whose own installation failed.
INFERENCE_RULES: tuple[InferenceRuleSpec, ...] = (
    InferenceRuleSpec(DeviceKind.TRANSFORMER, 3, min_service_points_percent=10),
    InferenceRuleSpec(DeviceKind.SECTION, 3, min_children=2, min_children_percent=50),
    InferenceRuleSpec(DeviceKind.FEEDER, 3, min_children=2, min_children_percent=50),
    InferenceRuleSpec(DeviceKind.PIPE, 3, min_service_points_percent=10),
    InferenceRuleSpec(DeviceKind.ZONE, 3, min_children=2, min_children_percent=50),
)

# OUT-6: the request a fault call creates and the first time estimate told to the caller.
FAULT_CALL_SETTINGS: tuple[tuple[str, str, int], ...] = (
    (Utility.POWER, "power-fault", 240),
    (Utility.WATER, "water-outage", 360),
)


@dataclass(frozen=True)
class ScriptSpec:
    code: str
    utility: str
    name: str
    name_en: str
    description: str
    steps: tuple[tuple[str, str], ...]  # (Chinese, English)
    sort_order: int = 100


# OUT-5 (004 steps 14–16): safe checks only; anything beyond them is a crew's job.
TROUBLESHOOTING_SCRIPTS: tuple[ScriptSpec, ...] = (
    ScriptSpec(
        "main-breaker", Utility.POWER, "总开关/漏电保护器跳闸", "Main breaker or RCD tripped",
        "客户家中停电、而邻居或楼道有电时使用。", (
            ("请问您的邻居家或楼道灯有电吗？如邻居也停电，请结束自查，按停电故障受理。",
             "Ask whether the neighbours or the stairwell lights have power. If the neighbours are off too, "
             "stop here and take a power fault report."),
            ("请打开电表箱（或户内配电箱），看总开关和漏电保护器的手柄是否在下方“分”的位置。",
             "Ask the customer to open the meter box (or the consumer unit) and look whether the main "
             "breaker or the RCD handle is down, in the off position."),
            ("如已跳闸，请用干燥的手把手柄向上推回“合”的位置。",
             "If it has tripped, ask them to push the handle back up to on, with dry hands."),
            ("如合上后又跳闸，请拔下所有电器插头再合闸，然后逐个插回，找出引起跳闸的电器并停止使用。",
             "If it trips again, unplug every appliance, switch it back on, then plug them back one at a "
             "time to find the one that trips it and stop using it."),
            ("如拔下全部电器仍跳闸，或开关发热、有焦味，请不要再操作，按接户点故障受理。",
             "If it still trips with everything unplugged, or the switch is hot or smells burnt, ask them to "
             "stop and take a service-point fault report."),
        ), sort_order=10),
    ScriptSpec(
        "prepaid-balance", Utility.POWER, "预付费电表余额不足", "Prepaid meter out of credit",
        "使用预付费（IC卡/智能）电表的客户突然停电时使用。", (
            ("请看电表屏幕上的剩余金额，或是否有“请购电”“欠费”提示。",
             "Ask the customer to read the remaining credit on the meter display, or look for a "
             "'buy power' or 'in arrears' warning."),
            ("如余额为零，请通过网上营业厅、App或营业厅购电，购电后按电表提示输入充值码或插卡。",
             "If the credit is zero, tell them to buy power online, in the app or at an office, then enter "
             "the token or insert the card as the meter shows."),
            ("购电后仍未来电，请按电表上的“确认/复电”键；仍无电则按停电故障受理。",
             "If the power does not come back after buying, press the meter's confirm/reconnect key; if it "
             "is still off, take a power fault report."),
        ), sort_order=20),
    ScriptSpec(
        "water-stop-valve", Utility.WATER, "户内无水自查", "No water at home",
        "客户家中无水或水压低时使用。", (
            ("请检查户内总阀（一般在水表后、厨房或卫生间水槽下方）是否完全打开。",
             "Ask the customer to check that the inside stop valve (usually after the water meter, or under "
             "the kitchen or bathroom sink) is fully open."),
            ("请问邻居或同楼住户是否也停水？如也停水，请先查询计划停水，再按停水受理。",
             "Ask whether the neighbours or others in the building have no water either. If so, check the "
             "planned outages, then take a water outage report."),
            ("请查看水表：表前阀是否打开，指针或数字是否转动，水表有无冻裂、漏水。",
             "Ask them to look at the water meter: whether the valve before it is open, whether the dial "
             "moves, and whether the meter is cracked or leaking."),
            ("如只有个别水龙头无水或水小，请清洗水龙头的过滤网。",
             "If only one tap is dry or weak, ask them to clean the tap's aerator screen."),
        ), sort_order=30),
)


def outage_reference_load(types: dict[str, RequestType]) -> int:
    """Write the outage configuration; returns how many rows were created (0 on a second run).

    Thresholds and settings already there are kept (an administrator may have tuned them); the
    scripts' texts are brought back to the ones above.
    """
    created = 0
    for rule in INFERENCE_RULES:
        _, new = InferenceRule.objects.get_or_create(device_kind=rule.device_kind, defaults={
            "min_service_points": rule.min_service_points,
            "min_service_points_percent": rule.min_service_points_percent, "min_children": rule.min_children,
            "min_children_percent": rule.min_children_percent, "window_minutes": rule.window_minutes,
            "active": True})
        created += new
    for utility, type_code, minutes in FAULT_CALL_SETTINGS:
        if type_code in types:
            _, new = FaultCallSetting.objects.get_or_create(utility=utility, defaults={
                "request_type": types[type_code], "initial_estimate_minutes": minutes})
            created += new
    for spec in TROUBLESHOOTING_SCRIPTS:
        script, new = TroubleshootingScript.objects.update_or_create(code=spec.code, defaults={
            "utility": spec.utility, "name": spec.name, "name_en": spec.name_en,
            "description": spec.description, "active": True, "sort_order": spec.sort_order})
        created += new
        for order, (instruction, instruction_en) in enumerate(spec.steps, start=1):
            _, new = TroubleshootingStep.objects.update_or_create(script=script, order=order, defaults={
                "instruction": instruction, "instruction_en": instruction_en})
            created += new
        script.steps.filter(order__gt=len(spec.steps)).delete()
    return created


# ----------------------------------------------------------------------------------------------
# Planned outages (OUT-2: 004 steps 10–13, 书面通知)


def _local_hour(at: datetime.datetime) -> datetime.datetime:
    return at.astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)


def _notices(outage: PlannedOutage, point_ids: list[int], *, at: datetime.datetime, recorded_by: Any,
             channels: tuple[str, ...]) -> int:
    """Notices through the service, a share of the points per channel, each share a few minutes
    after the one before (the crew going from door to door)."""
    added = 0
    for index, channel in enumerate(channels):
        share = list(ServicePoint.objects.filter(pk__in=point_ids[index::len(channels)]).only("pk"))
        if share:
            added += planned_outage_notices_record(actor=recorded_by, planned=outage, channel=channel,
                                                   service_points=share,
                                                   notified_at=at + datetime.timedelta(minutes=3 * index))
    return added


def _announced(outage: PlannedOutage, at: datetime.datetime) -> None:
    """The demo's story: the outage was announced days before today (the service stamps now)."""
    PlannedOutage.objects.filter(pk=outage.pk).update(created_at=at)


def planned_outages_seed(*, reference: Any, showcase_customer_ids: dict[str, int],
                         now: datetime.datetime) -> int:
    """Two published planned outages, through the dispatcher's services; returns how many were written.

    1. Power, in force now (from two hours ago for six hours): maintenance on the switching section
       supplying 张伟, the Futian district government and 陈志强 (notices posted and letters).
    2. Water, the day after tomorrow 09:00–17:00: a pipe connection on the segment supplying 李丽
       in Nanshan (SMS and posted notices).
    """
    users = reference.users
    written = 0
    zhangwei, lili = showcase_customer_ids.get("zhangwei"), showcase_customer_ids.get("lili")
    power = (ServicePoint.objects.filter(customer_id=zhangwei, utility=Utility.POWER)
             .select_related("device__parent").first() if zhangwei is not None else None)
    if power is not None and power.device is not None and power.device.parent is not None:
        section = power.device.parent
        starts = _local_hour(now) - datetime.timedelta(hours=2)
        outage = planned_outage_create(
            actor=users["dispatcher"], utility=Utility.POWER,
            reason=f"{section.name}计划检修：更换柱上负荷开关",
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=6), devices=[section],
            area_description=f"{section.name}供电范围，{power.device.location.removeprefix('深圳市')}一带")
        _announced(outage, starts - datetime.timedelta(days=5))
        points = list(ServicePoint.objects.filter(device__parent=section).order_by("pk")
                      .values_list("pk", flat=True))
        _notices(outage, points, at=starts - datetime.timedelta(days=3),
                 recorded_by=users.get("dispatcher_futian", users["dispatcher"]),
                 channels=(PlannedOutageNotice.Channel.POSTED, PlannedOutageNotice.Channel.LETTER,
                           PlannedOutageNotice.Channel.POSTED, PlannedOutageNotice.Channel.SMS))
        written += 1
    water = (ServicePoint.objects.filter(customer_id=lili, utility=Utility.WATER)
             .select_related("device").first() if lili is not None else None)
    if water is not None and water.device is not None:
        pipe = water.device
        day = (now.astimezone(LOCAL_TZ) + datetime.timedelta(days=2)).date()
        starts = datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=LOCAL_TZ)
        outage = planned_outage_create(
            actor=users["office_dispatcher"], utility=Utility.WATER,
            reason=f"{pipe.name}新建管道碰口接驳，计划停水",
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=8), devices=[pipe],
            area_description=f"{pipe.location.removeprefix('深圳市')}沿线，含海岸城等小区")
        _announced(outage, now - datetime.timedelta(days=1))
        points = list(ServicePoint.objects.filter(device=pipe).order_by("pk").values_list("pk", flat=True))
        _notices(outage, points, at=now - datetime.timedelta(hours=20),
                 recorded_by=users["office_dispatcher"],
                 channels=(PlannedOutageNotice.Channel.SMS, PlannedOutageNotice.Channel.POSTED))
        written += 1
    return written


# ----------------------------------------------------------------------------------------------
# Outages in progress (OUT-2, OUT-3): what the dispatcher's board shows when the demo opens


def live_outages_seed(*, reference: Any, avoid_customer_ids: set[int]) -> dict[str, int]:
    """Fault calls taken through the desk's own service, so the board is not empty:

    1. A transformer whose neighbours have just called: the first callers get work requests, the
       one that reaches the inference threshold predicts the outage, the next is linked to it.
    2. A section the dispatcher declared out (a 10 kV breaker tripped in the storm) with a cause
       and an ETR, and two callers under it who were told both.

    Devices whose customers are showcase customers are avoided (their stories are elsewhere), as
    is anything under a planned outage in force. Returns how many outages and calls were made.
    """
    from servicedesk.network.selectors import service_points_under
    from servicedesk.outages.config import outage_config
    from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
    from servicedesk.outages.lifecycle import outage_declare
    from servicedesk.outages.selectors import planned_outages_in_force

    agent, dispatcher = reference.users["agent"], reference.users["dispatcher"]
    rule = outage_config().rules_by_kind.get(DeviceKind.TRANSFORMER)
    if rule is None:
        return {}
    calls = outages = 0
    used_sections: set[int] = set()

    def callers(device: Device, count: int) -> list[ServicePoint]:
        points = list(service_points_under(device).filter(
            connection_status=ServicePoint.ConnectionStatus.CONNECTED, customer__isnull=False)
            .exclude(customer_id__in=avoid_customer_ids).select_related("customer", "account", "device")
            .order_by("pk")[:count])
        return [] if points and planned_outages_in_force(points[0]) else points

    def take(point: ServicePoint) -> None:
        nonlocal calls
        customer = point.customer
        assert customer is not None  # callers() takes only points with a customer
        fault_call_take(FaultCallInput(customer=customer, service_point=point,
                        reporter_phone=customer.mobile or customer.phone,
                        problem={"fault_location": "unknown", "outage_scope": "area"}), actor=agent)
        calls += 1

    transformers = Device.objects.filter(kind=DeviceKind.TRANSFORMER).order_by("code")
    for transformer in transformers[:200]:
        needed = rule.service_points_needed(service_points_under(transformer).count())
        points = callers(transformer, needed + 1)
        if len(points) == needed + 1:
            for point in points:
                take(point)
            outages += 1
            if transformer.parent_id is not None:  # always: a transformer hangs under a section
                used_sections.add(transformer.parent_id)
            break
    sections = Device.objects.filter(kind=DeviceKind.SECTION).exclude(pk__in=used_sections).order_by("-code")
    for section in sections:
        points = callers(section, 2)
        if len(points) == 2:
            outage_declare(actor=dispatcher, device=section, cause="台风致10kV线路跳闸，正在巡线",
                           etr=_local_hour(timezone.now()) + datetime.timedelta(hours=4))
            for point in points:
                take(point)
            outages += 1
            break
    return {"outages_outage": outages, "outages_faultcall": calls}
