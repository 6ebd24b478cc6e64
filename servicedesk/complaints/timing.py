"""Complaint parts as subjects of the SLA engine (CMP-5, 002 §5.4): their facts and history.

A part's party is judged like a work order's provider: the urgency sets the priority policies are
matched on (urgent 1, difficult 3), the partner is the provider contract. Registered in
``ComplaintsConfig.ready``; the services call ``sync_part_timers`` after every change of a part.
"""

from collections.abc import Collection

from django.urls import reverse

from servicedesk.complaints.models import ComplaintEvent, ComplaintPart, PartStatus
from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.sla.services import timers_sync
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts

PART = "complaint_part"

URGENCY_PRIORITY = {ComplaintPart.Urgency.URGENT: 1, ComplaintPart.Urgency.DIFFICULT: 3}


def part_facts(part: ComplaintPart) -> SubjectFacts:
    request = part.complaint.request
    return SubjectFacts(
        request_type_id=request.request_type_id,
        severity=request.severity,
        priority=URGENCY_PRIORITY.get(ComplaintPart.Urgency(part.urgency), 3),
        channel=request.channel,
        provider_id=part.provider_id,
        label=f"{part.reference} {request.subject}",
        link=reverse("web:complaint_detail", args=[part.complaint_id]),
    )


def _event(row: ComplaintEvent) -> SubjectEvent:
    action = "created" if row.action == "send" else row.action
    return SubjectEvent(
        at=row.at, action=action, from_status=row.from_status, to_status=row.to_status, reason=row.reason
    )


class PartSubject:
    def facts(self, subject_id: int) -> SubjectFacts:
        return part_facts(ComplaintPart.objects.select_related("complaint__request").get(pk=subject_id))

    def history(self, subject_id: int) -> list[SubjectEvent]:
        rows = ComplaintEvent.objects.filter(part_id=subject_id).exclude(to_status="").order_by("at", "id")
        return [_event(row) for row in rows]

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        found = self.recipients_many([subject_id])
        if subject_id not in found:
            raise ComplaintPart.DoesNotExist(f"No complaint part {subject_id}")
        return found[subject_id]

    def facts_many(self, subject_ids: Collection[int]) -> dict[int, SubjectFacts]:
        parts = ComplaintPart.objects.filter(pk__in=list(subject_ids)).select_related("complaint__request")
        return {part.pk: part_facts(part) for part in parts}

    def recipients_many(self, subject_ids: Collection[int]) -> dict[int, dict[str, list[int]]]:
        """Owner: the partner's active staff, or the department's lead and members. Team lead: the
        complaint's owner (CMP-4: a late part shows on the owner's desk). Desk managers: every one."""
        rows = list(
            ComplaintPart.objects.filter(pk__in=list(subject_ids)).values_list(
                "pk", "provider_id", "unit_id", "unit__lead_id", "complaint__owner_id"
            )
        )
        staff: dict[int, list[int]] = {}
        for provider_id, user_id in User.objects.filter(
            provider_id__in={row[1] for row in rows if row[1]}, is_active=True
        ).values_list("provider_id", "pk"):
            staff.setdefault(provider_id, []).append(user_id)
        managers = list(
            User.objects.filter(role=Role.DESK_MANAGER, is_active=True).values_list("pk", flat=True)
        )
        found: dict[int, dict[str, list[int]]] = {}
        for pk, provider_id, _unit_id, unit_lead, owner in rows:
            party = staff.get(provider_id, []) if provider_id else ([unit_lead] if unit_lead else [])
            found[pk] = {"owner": party, "team_lead": [owner], "desk_manager": managers}
        return found


def sync_part_timers(part: ComplaintPart) -> None:
    timers_sync(subject_type=PART, subject_id=part.pk, facts=part_facts(part))


def register_part_vocabulary() -> None:
    """Tell the SLA admin a part's actions and statuses, with their labels (SLA-2)."""
    from django.utils.translation import gettext_lazy as _

    from servicedesk.complaints.workflow import PART_TRANSITIONS
    from servicedesk.sla.models import SubjectType
    from servicedesk.sla.vocabulary import SubjectVocabulary, register_subject_vocabulary

    register_subject_vocabulary(
        PART,
        SubjectVocabulary(
            name=SubjectType.COMPLAINT_PART.label,
            actions=[
                ("created", _("Created")),
                *((action, t.label) for action, t in PART_TRANSITIONS.items() if action != "send"),
            ],
            statuses=PartStatus.choices,
        ),
    )
