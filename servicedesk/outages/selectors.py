"""Reads of outages: what covers a service point (OUT-2), the dispatcher's board (OUT-3), the
public notice of planned outages."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Max, Min, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotFound, ValidationFailed
from servicedesk.core.prepared import RelatedFetch, RowShape
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability
from servicedesk.outages.config import PlannedSchedule, outage_config, planned_schedule, planned_with_devices
from servicedesk.outages.models import (
    OPEN_OUTAGE_STATUSES,
    FaultCall,
    Outage,
    OutageEtrChange,
    OutageEvent,
    OutageStatus,
    PlannedOutage,
    PlannedOutageNotice,
    TroubleshootingScript,
)


def planned_outages_in_force(service_point: ServicePoint, *, at: datetime.datetime | None = None,
                             schedule: PlannedSchedule | None = None) -> list[PlannedOutage]:
    """Planned outages in force at ``at`` (now) whose devices or districts include the service
    point. From the cached schedule (no query) unless ``at`` is before it was built."""
    at = at or timezone.now()
    schedule = schedule or planned_schedule()
    if at >= schedule.built_at:
        entries = [(p, devices) for p, devices in schedule.entries
                   if p.utility == service_point.utility and p.starts_at <= at < p.ends_at]
    else:
        entries = planned_with_devices(list(
            PlannedOutage.objects.filter(status=PlannedOutage.Status.SCHEDULED, utility=service_point.utility,
                                         starts_at__lte=at, ends_at__gt=at).order_by("starts_at", "id")))
    if not entries:
        return []
    covering = set(service_point.device.covering_ids) if service_point.device is not None else set()
    return [p for p, devices in entries
            if service_point.district in (p.districts or []) or covering & devices]


# Asked on every fault call (OUT-2): one statement, written out so that it is not compiled by the
# ORM each time (a third of a linked call's cost); the instances it gives load any other field
# on first use, like ``.only()``.
_OUTAGE_ROW = RowShape(Outage, "o", {"id", "status", "utility", "cause", "etr", "device_id"})
_DEVICE_ROW = RowShape(Device, "d", {"id", "code", "kind", "name"})
_STATUS, _DEVICE_ID = _OUTAGE_ROW.names.index("status"), _OUTAGE_ROW.names.index("device_id")


def open_outage_covering(service_point: ServicePoint, *, lock: bool = False) -> Outage | None:
    """The open outage of the service point's device or a device above it: a confirmed one
    before a predicted one, then the one highest up. ``lock``: key-share locks on PostgreSQL (a
    call joining it; see ``services._join_open_outage``)."""
    device = service_point.device
    if device is None:
        return None
    covering = device.covering_ids
    alias = connection.alias
    sql = (f"SELECT {', '.join(_OUTAGE_ROW.columns(alias) + _DEVICE_ROW.columns(alias))} "
           f"FROM {Outage._meta.db_table} o JOIN {Device._meta.db_table} d ON d.id = o.device_id "
           f"WHERE o.device_id IN ({', '.join(['%s'] * len(covering))}) AND o.status IN (%s, %s)"
           + (" FOR KEY SHARE OF o" if lock and connection.vendor == "postgresql" else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*covering, *OPEN_OUTAGE_STATUSES])
        rows = cursor.fetchall()
    if not rows:
        return None
    row = min(rows, key=lambda r: (r[_STATUS] != OutageStatus.CONFIRMED, covering.index(r[_DEVICE_ID])))
    split = len(_OUTAGE_ROW.names)
    outage = _OUTAGE_ROW.instance(row[:split], using=alias)
    device = _DEVICE_ROW.instance(row[split:], using=alias)
    assert outage is not None and device is not None  # an inner join: every row has both
    outage.device = device
    return outage


@dataclass
class FaultCheck:
    """What the desk knows about a service point at the start of a fault call (004 steps 4–13)."""

    service_point: ServicePoint
    connection_status: str
    amount_owed: Decimal
    planned_outage: PlannedOutage | None = None
    notice: PlannedOutageNotice | None = None  # the notice given for that planned outage, if any
    outage: Outage | None = None
    scripts: list[TroubleshootingScript] = field(default_factory=list)
    history: list[object] = field(default_factory=list)


def fault_check(service_point: ServicePoint, *, at: datetime.datetime | None = None) -> FaultCheck:
    planned = planned_outages_in_force(service_point, at=at)
    planned_outage = planned[0] if planned else None
    notice = None
    if planned_outage is not None:
        notice = PlannedOutageNotice.objects.filter(planned_outage=planned_outage,
                                                    service_point=service_point).first()
    account = service_point.account
    return FaultCheck(
        service_point=service_point,
        connection_status=service_point.connection_status,
        amount_owed=account.amount_owed if account is not None else Decimal("0"),
        planned_outage=planned_outage,
        notice=notice,
        outage=open_outage_covering(service_point),
        scripts=outage_config().scripts_for(service_point.utility),
    )


def with_call_stats(outages: QuerySet[Outage]) -> QuerySet[Outage]:
    """Each outage with its linked calls counted (``call_count``, ``first_call_at``,
    ``last_call_at``), by subqueries on the fault calls' ``outage`` index."""
    calls = FaultCall.objects.filter(outage=OuterRef("pk")).order_by().values("outage")
    # Named as the outage's properties: the annotations set them (their setters keep the counts)
    # instead of the outage counting its calls when read; the plugin sees a clash.
    return outages.annotate(  # type: ignore[no-redef]
        call_count=Coalesce(Subquery(calls.annotate(n=Count("id")).values("n")), 0),
        first_call_at=Subquery(calls.annotate(at=Min("reported_at")).values("at")),
        last_call_at=Subquery(calls.annotate(at=Max("reported_at")).values("at")),
    )


def outages_visible(user: User) -> QuerySet[Outage]:
    """Outages a user may see: staff who take calls or dispatch; nobody else."""
    if not (user.can(Capability.MANAGE_OUTAGES) or user.can(Capability.LOG_CONTACT)
            or user.can(Capability.VIEW_ALL_REQUESTS)):
        return Outage.objects.none()
    return with_call_stats(Outage.objects.select_related("device", "request"))


def outage_board(user: User, *, status: str = "open") -> QuerySet[Outage]:
    """The dispatcher's board: open outages (predicted first, most calls first), or one status."""
    outages = outages_visible(user)
    if status == "open":
        outages = outages.filter(status__in=OPEN_OUTAGE_STATUSES)
    elif status:
        outages = outages.filter(status=status)
    if status != "open":
        return outages.order_by("-created_at")
    predicted_first = Case(When(status=OutageStatus.PREDICTED, then=Value(0)), default=Value(1))
    # call_count: with_call_stats' annotation, which the plugin does not see (its clash, above).
    return outages.order_by(predicted_first, "-call_count", "-created_at")  # type: ignore[misc]


def outages_for_api(user: User) -> QuerySet[Outage]:
    """The outages a user may see, with what the API's answer names."""
    return outages_visible(user).select_related("merged_into", "confirmed_by", "closed_by")


def outage_get_for_user(user: User, outage_id: int) -> Outage:
    """One outage the user may see (``outages_visible``), or NotFound."""
    try:
        return outages_for_api(user).get(pk=outage_id)
    except Outage.DoesNotExist:
        raise NotFound(_("No such outage.")) from None


def outage_list_for_api(user: User, *, status: str = "", utility: str = "",
                        device_code: str = "") -> QuerySet[Outage]:
    """The API's board: ``outage_board`` with the utility and device filters, ties by id."""
    outages = outage_board(user, status=status).select_related("merged_into", "confirmed_by", "closed_by")
    if utility:
        outages = outages.filter(utility=utility)
    if device_code:
        outages = outages.filter(device__code=device_code)
    return outages.order_by(*outages.query.order_by, "-id")


def outage_history(outage: Outage) -> QuerySet[OutageEvent]:
    """The outage's history, oldest first (OUT-3, OUT-6): created, status changes, ETR and cause changes."""
    return OutageEvent.objects.filter(outage=outage).select_related("actor").order_by("at", "id")


def outage_merge_targets(outage: Outage) -> QuerySet[Outage]:
    """The open outages of the same utility this one may be merged into, newest first."""
    return (Outage.objects.filter(status__in=OPEN_OUTAGE_STATUSES, utility=outage.utility)
            .exclude(pk=outage.pk).select_related("device").order_by("-created_at"))


def outages_merged_into(outage: Outage) -> QuerySet[Outage]:
    return outage.merged.select_related("device").order_by("pk")


def fault_call_of_contact(contact: Any) -> FaultCall | None:
    """The fault call a contact made (with its outage), if it was placed on the network."""
    return FaultCall.objects.filter(contact=contact).select_related("outage", "outage__device").first()


def outage_calls(outage: Outage) -> QuerySet[FaultCall]:
    return (FaultCall.objects.filter(outage=outage)
            .select_related("contact", "service_point", "service_point__customer", "device", "request")
            .order_by("reported_at"))


def outage_etr_changes(outage: Outage) -> QuerySet[OutageEtrChange]:
    """Every ETR the outage had, oldest first, with who set it and why (OUT-6)."""
    return OutageEtrChange.objects.filter(outage=outage).select_related("actor").order_by("at", "id")


def open_outage_of_device(device: Device) -> Outage | None:
    """The open outage of the device or of one above it (the network's device answer): by status,
    then the oldest."""
    return (Outage.objects.select_related("device")
            .filter(device_id__in=device.covering_ids, status__in=OPEN_OUTAGE_STATUSES)
            .order_by("status", "id").first())


def outage_crew_types(outage: Outage) -> frozenset[str]:
    """The kinds of crew that repair this outage (004 step 19.2): the crew types the active routing
    rules give for its utility's fault request type and for the type of its own request (a leak
    report). Empty when none is configured."""
    from servicedesk.tickets.config import intake_config

    type_ids = set()
    setting = outage_config().settings_by_utility.get(outage.utility)
    if setting is not None:
        type_ids.add(setting.request_type_id)
    if outage.request_id is not None:
        type_ids.add(outage.request.request_type_id)  # type: ignore[union-attr]
    return frozenset(rule.crew_type for rule in intake_config().routing_rules
                     if rule.request_type_id in type_ids and rule.crew_type)


def outage_crews(outage: Outage) -> QuerySet[Provider]:
    """The active providers that may get this outage's crew work order: those with a crew type of
    ``outage_crew_types`` (no water crew on a power outage); every active provider when the
    utility has no crew type configured."""
    providers = Provider.objects.filter(active=True).order_by("code")
    crew_types = outage_crew_types(outage)
    if not crew_types:
        return providers
    return providers.filter(pk__in=[pk for pk, kinds in providers.values_list("pk", "crew_types")
                                    if crew_types & set(kinds or ())])


def planned_outages_with_counts() -> QuerySet[PlannedOutage]:
    """Planned outages with their devices, author and ``notices_count``."""
    return (PlannedOutage.objects.select_related("created_by").prefetch_related("devices")
            .annotate(notices_count=Count("notices")))


def planned_outages_filtered(*, status: str = "", utility: str = "", current: bool = False,
                             ) -> QuerySet[PlannedOutage]:
    """The API's list: by start time; ``current``: not yet over."""
    planned = planned_outages_with_counts()
    if status:
        planned = planned.filter(status=status)
    if utility:
        planned = planned.filter(utility=utility)
    if current:
        planned = planned.filter(ends_at__gt=timezone.now())
    return planned.order_by("starts_at", "id")


def planned_outage_get(planned_id: int) -> PlannedOutage:
    """One planned outage with its counts (every desk role sees every planned outage), or NotFound."""
    try:
        return planned_outages_with_counts().get(pk=planned_id)
    except PlannedOutage.DoesNotExist:
        raise NotFound(_("No such planned outage.")) from None


def devices_by_code(codes: list[str]) -> list[Device]:
    """The devices with these codes, in the given order; a missing code is the error of ``devices``."""
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    devices = {device.code: device for device in Device.objects.filter(code__in=wanted)}
    missing = [code for code in wanted if code not in devices]
    if missing:
        raise ValidationFailed(_("No such device: %(code)s.") % {"code": missing[0]}, field="devices")
    return [devices[code] for code in wanted]


def service_points_by_ids(ids: list[int]) -> list[ServicePoint]:
    """The service points with these ids; a missing one is the error of ``service_point_ids``."""
    wanted = set(ids)
    points = list(ServicePoint.objects.filter(pk__in=wanted))
    if len(points) != len(wanted):
        missing = min(wanted - {point.pk for point in points})
        raise ValidationFailed(_("No such object: %(value)s.") % {"value": missing},
                               field="service_point_ids")
    return points


def planned_outages_listed(*, show_all: bool) -> QuerySet[PlannedOutage]:
    """The planned outages page: those not yet over (by start), or all (newest first), with
    ``notice_count``."""
    planned = (PlannedOutage.objects.prefetch_related("devices").select_related("created_by")
               .annotate(notice_count=Count("notices")))
    if not show_all:
        planned = planned.filter(status=PlannedOutage.Status.SCHEDULED, ends_at__gt=timezone.now())
    return planned.order_by("starts_at", "pk") if not show_all else planned.order_by("-starts_at", "-pk")


def planned_notice_summary(planned: PlannedOutage, *, recent: int = 50,
                           ) -> tuple[dict[str, int], list[PlannedOutageNotice]]:
    """The notices given for a planned outage: how many by channel, and the latest ``recent``."""
    notices = PlannedOutageNotice.objects.filter(planned_outage=planned)
    by_channel = {row["channel"]: row["n"] for row in notices.values("channel").annotate(n=Count("id"))}
    latest = list(notices.select_related("service_point", "recorded_by").order_by("-notified_at")[:recent])
    return by_channel, latest


def planned_outages_public(*, at: datetime.datetime | None = None) -> QuerySet[PlannedOutage]:
    """Published planned outages not yet over, for the public notice page."""
    at = at or timezone.now()
    return (PlannedOutage.objects.filter(published=True, status=PlannedOutage.Status.SCHEDULED,
                                         ends_at__gt=at)
            .prefetch_related("devices").order_by("starts_at"))


_SERVICE_POINT_FOR_CALL = RelatedFetch(ServicePoint, ("customer", "account", "device"))


def service_point_for_call(pk: int) -> ServicePoint | None:
    """The service point a fault call is about, with its customer, account and device (every
    field the call reads), in one statement built once (``core.prepared``)."""
    return _SERVICE_POINT_FOR_CALL.get(pk)
