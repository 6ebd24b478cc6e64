"""Request types and their fields, routing and priority rules, service requests, work orders
and their append-only history."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from servicedesk.contacts.models import Channel
from servicedesk.core.models import AppendOnlyModel
from servicedesk.core.prepared import PreparedInsert
from servicedesk.org.models import BilingualNameMixin


class Priority(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class Severity(models.IntegerChoices):
    """002 §2.3: the problem's severity level (问题严重等级 1/2/3), on which partners' service levels
    differ (SLA-2). A request has none until someone rates it."""

    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")
    LEVEL_3 = 3, _("Level 3")


class RequestCategory(models.TextChoices):
    """The request families of 003 §9.1 and 004; types are data within a category (INT-4)."""

    CONSULTATION = "consultation", _("Consultation")
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")
    FAULT = "fault", _("Fault / outage report")
    LEAK = "leak", _("Leak report")
    INSTALLATION = "installation", _("New installation / training")
    CUSTOMISATION = "customisation", _("Customisation request")
    ACCOUNT_CHANGE = "account_change", _("Account data change")
    METER_SERVICE = "meter_service", _("Meter suspension / closure / resumption")
    OTHER = "other", _("Other")


# Crew types are codes in routing rules and providers' data (004 step 19.2); these are the names
# people read. A code not listed here is shown as it is.
CREW_TYPE_LABELS = {
    "hv_cable": _("High-voltage cable crew"),
    "service_point": _("Service point crew"),
    "pipe_repair": _("Pipe repair crew"),
    "pipe_repair_large": _("Large pipe repair crew"),
    "meter": _("Meter crew"),
    "installation": _("Installation crew"),
}


def crew_type_label(code: str) -> str:
    return str(CREW_TYPE_LABELS.get(code, code))


class RequestType(BilingualNameMixin):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=RequestCategory.choices)
    description = models.TextField(_("description"), blank=True)
    default_priority = models.PositiveSmallIntegerField(_("default priority"), choices=Priority.choices,
                                                        default=Priority.NORMAL)
    default_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("default responsible unit"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+",
                                     help_text=_("Used when no routing rule matches."))
    # INT-5: consultations and inquiries may be answered on the call and closed there.
    answerable_on_contact = models.BooleanField(_("can be answered on the spot"), default=False)
    requires_location = models.BooleanField(_("requires an exact location"), default=False)
    # INT-5, 002 §5 (四) 2: resolving such a request owes the customer a call with the result.
    # Left empty it follows the category when saved: complaints yes, the others no.
    result_callback = models.BooleanField(
        _("call the customer back with the result"), null=True, blank=True, default=None,
        choices=[(None, _("As the category: yes for complaints")), (True, _("Yes")), (False, _("No"))],
        help_text=_("Resolving a request of this type creates a callback to tell the customer the result."))
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ["sort_order", "code"]

    @property
    def calls_back_with_result(self) -> bool:
        if self.result_callback is None:
            return self.category == RequestCategory.COMPLAINT
        return self.result_callback

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.result_callback is None:
            self.result_callback = self.category == RequestCategory.COMPLAINT
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "result_callback"}
        super().save(*args, **kwargs)


class RequestTypeField(models.Model):
    """A field of a request type, defined as data (INT-4): e.g. the pipe diameter DN of a leak."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        TEXTAREA = "textarea", _("Long text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Number")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes / no")
        DATE = "date", _("Date")

    request_type = models.ForeignKey(RequestType, verbose_name=_("request type"), on_delete=models.CASCADE,
                                     related_name="fields")
    key = models.SlugField(_("key"), max_length=50, help_text=_("Name in the API and in routing rules."))
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True,
                               help_text=_("For a choice: [{\"value\": \"hv_cable\", \"label\": "
                                           "\"高压电缆\", \"label_en\": \"HV cable\"}]"))
    min_value = models.DecimalField(_("minimum"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True,
                            help_text=_("Shown after the value, e.g. mm."))
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("request type field")
        verbose_name_plural = _("request type fields")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["request_type", "key"],
                                               name="request_type_field_unique_key")]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE:
            if not self.choices or not all(isinstance(c, dict) and "value" in c for c in self.choices):
                raise ValidationError({"choices": _("A choice field needs a list of {\"value\", "
                                                    "\"label\"} items.")})

    def __str__(self) -> str:
        return f"{self.request_type.code}.{self.key}"


def _validate_conditions(value: object) -> None:
    from servicedesk.tickets.rules import validate_conditions

    validate_conditions(value)


class RoutingRule(models.Model):
    """INT-7: which unit is responsible for a request, decided by data an administrator edits.

    Rules are tried in ascending ``sort_order``; the first whose request type (if set), channel
    (if set) and every condition match decides. ``route_to_local_office`` sends the request to the
    business office that serves the request's district (003 §8.2: DN150 and below to the local
    business office); ``target_unit`` is the fallback, or the target when not local.
    """

    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    request_type = models.ForeignKey(RequestType, verbose_name=_("request type"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="routing_rules")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True,
                                  validators=[_validate_conditions],
                                  help_text=_("All must hold, e.g. [{\"field\": \"attributes.dn\", \"op\": "
                                              "\"lte\", \"value\": 150}]"))
    route_to_local_office = models.BooleanField(_("route to the local business office"), default=False)
    target_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("target unit"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    crew_type = models.CharField(_("crew type"), max_length=50, blank=True,
                                 help_text=_("Suggested crew for the work order."))  # 004 step 19.2

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["sort_order", "id"]

    def clean(self) -> None:
        if not self.route_to_local_office and self.target_unit_id is None:
            raise ValidationError({"target_unit": _("Choose a target unit or route to the local "
                                                    "business office.")})

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    """INT-6: a rule that raises a request's priority from the customer's profile or its attributes.

    Every matching rule applies; the request gets the most urgent of its type's default priority
    and the priorities of the matching rules.
    """

    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    request_type = models.ForeignKey(RequestType, verbose_name=_("request type"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="priority_rules")
    conditions = models.JSONField(_("conditions"), default=list, blank=True,
                                  validators=[_validate_conditions],
                                  help_text=_("All must hold, e.g. [{\"field\": \"customer.flags\", \"op\": "
                                              "\"contains\", \"value\": \"hospital\"}]"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    # SLA-3: the clocks stand still while the desk waits for the customer or a third party.
    WAITING = "waiting", _("Waiting for customer / third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_REQUEST_STATUSES = (
    RequestStatus.NEW, RequestStatus.ACCEPTED, RequestStatus.DISPATCHED, RequestStatus.IN_PROGRESS,
    RequestStatus.WAITING,
)


class ServiceRequest(models.Model):
    """A service / work request (工作需求单): what must be done for a contact; typed and owned."""

    request_type = models.ForeignKey(RequestType, verbose_name=_("request type"), on_delete=models.PROTECT,
                                     related_name="requests")
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices,
                                                default=Priority.NORMAL)
    # 002 §2.3: partners' service levels by severity level 1/2/3; empty until rated (request_set_severity).
    severity = models.PositiveSmallIntegerField(_("severity level"), null=True, blank=True,
                                                choices=Severity.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="requests")
    service_point = models.ForeignKey("customers.ServicePoint", verbose_name=_("service point"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="requests")
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True,
                                help_text=_("Exact place, when it is not the service point (a leak "
                                            "in the street)."))
    district = models.CharField(_("district"), max_length=50, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("type fields"), default=dict, blank=True)
    responsible_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("responsible unit"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="requests")
    routing_rule = models.ForeignKey(RoutingRule, verbose_name=_("routing rule"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    crew_type = models.CharField(_("crew type"), max_length=50, blank=True)
    priority_reasons = models.JSONField(_("why this priority"), default=list, blank=True)
    estimated_completion_at = models.DateTimeField(_("estimated completion"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    # The person following the request (who accepted it); SLA warnings go to them first (SLA-4).
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_requests")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["responsible_unit", "status", "priority", "created_at"],
                         name="request_unit_queue"),
            models.Index(fields=["status", "priority", "created_at"], name="request_status_queue"),
            models.Index(fields=["customer", "-created_at"], name="request_customer_recent"),
            models.Index(fields=["-created_at"], name="request_recent"),
        ]

    @property
    def reference(self) -> str:
        return f"SR{self.pk:08d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def crew_type_display(self) -> str:
        return crew_type_label(self.crew_type)

    @property
    def typed_subject(self) -> str:
        """The subject without the request type's name that older automatic subjects began with
        ("停电故障报修 <address>"): what was typed or the place, in the language it was written."""
        subject = self.subject.strip()
        for name in (self.request_type.name, self.request_type.name_en):
            if name and (subject == name or subject.startswith(name + " ")):
                return subject[len(name):].strip()
        return subject

    @property
    def subject_html(self) -> SafeString:
        """The subject for a page: the typed part marked as typed (``data-customer-text``), or the
        request type's name in the reader's language when nothing else was given."""
        typed = self.typed_subject
        if not typed:
            return conditional_escape(self.request_type.display_name)
        return format_html('<span data-customer-text="">{}</span>', typed)

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"


class WorkOrderStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACCEPTED = "accepted", _("Accepted by provider")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WORK_ORDER_STATUSES = (WorkOrderStatus.ISSUED, WorkOrderStatus.ACCEPTED, WorkOrderStatus.IN_PROGRESS)


class WorkOrder(models.Model):
    """A dispatched unit of field work (工作单) for one provider."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"), on_delete=models.PROTECT,
                                related_name="work_orders")
    provider = models.ForeignKey("org.Provider", verbose_name=_("provider"), on_delete=models.PROTECT,
                                 related_name="work_orders")
    status = models.CharField(_("status"), max_length=20, choices=WorkOrderStatus.choices,
                              default=WorkOrderStatus.ISSUED)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices,
                                                default=Priority.NORMAL)
    crew_type = models.CharField(_("crew type"), max_length=50, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    promised_start_at = models.DateTimeField(_("promised start"), null=True, blank=True)
    promised_end_at = models.DateTimeField(_("promised end"), null=True, blank=True)
    actual_start_at = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end_at = models.DateTimeField(_("actual end"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["provider", "status", "created_at"],
                                name="work_order_provider_queue")]

    @property
    def reference(self) -> str:
        return f"WO{self.pk:08d}"

    @property
    def crew_type_display(self) -> str:
        return crew_type_label(self.crew_type)

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status change")
    CHANGE = "change", _("Change")
    WORK_ORDER = "work_order", _("Work order")
    NOTE = "note", _("Note")
    CONTACT = "contact", _("Contact linked")


class RequestEvent(AppendOnlyModel):
    """One change of a service request: who, when, from what to what, and why."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty when the system acted.")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    action = models.CharField(max_length=30, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)
    # What the system wrote, rendered in the reader's language (core.messages); ``reason`` is
    # what a person typed, or the text of rows written before messages were stored.
    message = models.JSONField(default=dict, blank=True, help_text="{\"key\": …, \"params\": {…}}")

    class Meta:
        verbose_name = _("request history entry")
        verbose_name_plural = _("request history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="request_event_timeline")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.action} {self.at:%Y-%m-%d %H:%M}"


class WorkOrderEvent(AppendOnlyModel):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    action = models.CharField(max_length=30, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    message = models.JSONField(default=dict, blank=True, help_text="{\"key\": …, \"params\": {…}}")

    class Meta:
        verbose_name = _("work order history entry")
        verbose_name_plural = _("work order history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["work_order", "at"], name="work_order_event_timeline")]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind} {self.action} {self.at:%Y-%m-%d %H:%M}"


# The hot path's INSERTs of request creation, built once per process.
REQUEST_INSERT = PreparedInsert(ServiceRequest)
REQUEST_EVENT_INSERT = PreparedInsert(RequestEvent, own_save_only_guards_updates=True)
