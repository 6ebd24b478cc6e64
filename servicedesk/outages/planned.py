"""Planned outages (OUT-2, 004 steps 10–13): announce, cancel, and record the notices given."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.shared_cache import bundle_invalidate
from servicedesk.core.transactions import unit
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device, Utility
from servicedesk.network.selectors import service_points_under
from servicedesk.org.models import OrgUnit, User
from servicedesk.org.roles import Capability
from servicedesk.outages.config import CONFIG_CACHE_KEY
from servicedesk.outages.models import PlannedOutage, PlannedOutageNotice


def _require(actor: User, capability: Capability, message: str) -> None:
    if not actor.can(capability):
        raise ActionNotAllowed(message)



def _unknown_districts(districts: Sequence[str]) -> list[str]:
    """The named districts that neither a service point nor an office's area knows, in the given order."""
    named = [d.strip() for d in districts if d.strip()]
    if not named:
        return []
    known = set(ServicePoint.objects.filter(district__in=named).values_list("district", flat=True).distinct())
    for served in OrgUnit.objects.exclude(districts=[]).values_list("districts", flat=True):
        known.update(served or ())
    return [d for d in named if d not in known]


@unit()
def planned_outage_create(*, actor: User, utility: str, reason: str, starts_at: datetime.datetime | None,
                          ends_at: datetime.datetime | None, devices: Sequence[Device] = (),
                          districts: Sequence[str] = (), area_description: str = "",
                          published: bool = True) -> PlannedOutage:
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    errors: dict[str, str] = {}
    if utility not in Utility.values:
        errors["utility"] = _("Unknown utility.")
    if not reason.strip():
        errors["reason"] = _("Give the reason (e.g. line maintenance).")
    if starts_at is None:
        errors["starts_at"] = _("Give the start.")
    if ends_at is None:
        errors["ends_at"] = _("Give the end.")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if not devices and not [d for d in districts if d.strip()]:
        errors["devices"] = _("Give the devices or the districts affected.")
    if unknown := _unknown_districts(districts):
        errors["districts"] = _("No service point or office is in %(district)s.") % {"district": unknown[0]}
    wrong = [d.code for d in devices if d.utility != utility]
    if wrong and "utility" not in errors:
        errors["devices"] = _("%(code)s is not part of the %(utility)s network.") % {"code": wrong[0],
                                                                                    "utility": utility}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    assert starts_at is not None and ends_at is not None  # refused above otherwise
    planned = PlannedOutage.objects.create(
        utility=utility, reason=reason.strip(), starts_at=starts_at, ends_at=ends_at,
        districts=sorted({d.strip() for d in districts if d.strip()}),
        area_description=area_description.strip(),
        published=published, created_by=actor,
    )
    planned.devices.set(devices)
    return planned


@unit()
def planned_outage_cancel(*, actor: User, planned: PlannedOutage) -> PlannedOutage:
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    PlannedOutage.objects.filter(pk=planned.pk).update(status=PlannedOutage.Status.CANCELLED)
    bundle_invalidate(CONFIG_CACHE_KEY)  # an update() sends no signal; the bundle has the planned outages
    planned.status = PlannedOutage.Status.CANCELLED
    return planned


def planned_outage_points(planned: PlannedOutage) -> Any:
    """The service points a planned outage affects (its devices' and its districts')."""
    q = Q(pk__in=[])
    for device in planned.devices.all():
        q |= Q(pk__in=service_points_under(device).values("pk"))
    if planned.districts:
        q |= Q(district__in=planned.districts, utility=planned.utility)
    return ServicePoint.objects.filter(q)


@unit()
def planned_outage_notices_record(*, actor: User, planned: PlannedOutage, channel: str,
                                  service_points: Sequence[ServicePoint] | None = None,
                                  notified_at: datetime.datetime | None = None) -> int:
    """Record that the notice was given (004 step 13): to the listed service points, or to every
    service point affected. A service point already notified keeps its first notice. Returns how
    many notices were added."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    if channel not in PlannedOutageNotice.Channel.values:
        raise ValidationFailed(_("Unknown notice channel."), field="channel")
    affected = planned_outage_points(planned)
    if service_points is not None:
        ids = [p.pk for p in service_points]
        outside = set(ids) - set(affected.filter(pk__in=ids).values_list("pk", flat=True))
        if outside:
            raise ValidationFailed(_("Service point %(number)s is not affected by this planned outage.") % {
                "number": ServicePoint.objects.get(pk=min(outside)).number}, field="service_point_ids")
        point_ids = ids
    else:
        point_ids = list(affected.values_list("pk", flat=True))
    already = set(PlannedOutageNotice.objects.filter(planned_outage=planned).values_list("service_point_id",
                                                                                          flat=True))
    at = notified_at or timezone.now()
    new = [PlannedOutageNotice(planned_outage=planned, service_point_id=pk, channel=channel, notified_at=at,
                               recorded_by=actor) for pk in point_ids if pk not in already]
    PlannedOutageNotice.objects.bulk_create(new, batch_size=2000)
    return len(new)
