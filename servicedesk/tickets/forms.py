"""Web forms of service requests and work orders. They parse input only: the rules (type fields,
locations, routing, workflow) live in tickets.services, whose field errors the views put beside
these fields."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.moments import validate_scheduled_moment
from servicedesk.core.references import parse_id
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.org.models import OrgUnit, Provider
from servicedesk.tickets.models import (
    Priority,
    RequestStatus,
    RequestType,
    RequestTypeField,
    ServiceRequest,
    Severity,
)
from servicedesk.tickets.selectors import request_types_active

ReporterKind = ContactRecord.ReporterKind
Kind = RequestTypeField.Kind

ATTRIBUTE_PREFIX = "attr_"
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

# request_create's error keys → RequestForm fields (``attributes.<key>`` is mapped per type).
REQUEST_ERROR_FIELDS = {
    "customer_id": "reporter_kind",
    "service_point_id": "service_point",
    "contact_id": "contact",
}
# work_order_create's error keys → WorkOrderForm fields.
WORK_ORDER_ERROR_FIELDS = {"provider_id": "provider"}


def _localised(text: str, text_en: str) -> str:
    return text_en if get_language() == "en" and text_en else text


def choice_label(field: RequestTypeField, value: object) -> str:
    for choice in field.choices or []:
        if str(choice.get("value")) == str(value):
            return _localised(str(choice.get("label", value)), str(choice.get("label_en", "")))
    return str(value)


def field_label(field: RequestTypeField) -> str:
    return _localised(field.label, field.label_en)


def _local_datetime_widget() -> forms.DateTimeInput:
    # The browser's datetime-local input has no zone: it is read in the active zone (Asia/Shanghai).
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def attribute_form_field(field: RequestTypeField) -> forms.Field:
    """The input for one type field (INT-4). Values stay raw text: clean_attributes judges them, so
    the web and the API give the same messages."""
    attrs: dict[str, Any] = {}
    if field.required and field.kind != Kind.BOOLEAN:
        attrs["required"] = True
    options: dict[str, Any] = {"label": field_label(field), "required": False, "help_text": field.help_text}
    if field.kind == Kind.BOOLEAN:
        form_field: forms.Field = forms.BooleanField(**options)
    elif field.kind == Kind.CHOICE:
        choices = [("", "---------")] + [(str(c["value"]), choice_label(field, c["value"]))
                                         for c in field.choices]
        form_field = forms.CharField(widget=forms.Select(choices=choices, attrs=attrs), **options)
    elif field.kind in (Kind.INTEGER, Kind.DECIMAL):
        attrs["step"] = "1" if field.kind == Kind.INTEGER else "any"
        if field.min_value is not None:
            attrs["min"] = format(field.min_value.normalize(), "f")
        if field.max_value is not None:
            attrs["max"] = format(field.max_value.normalize(), "f")
        form_field = forms.CharField(widget=forms.NumberInput(attrs=attrs), **options)
    elif field.kind == Kind.DATE:
        attrs["type"] = "date"
        form_field = forms.CharField(widget=forms.DateInput(attrs=attrs), **options)
    elif field.kind == Kind.TEXTAREA:
        attrs["rows"] = 3
        form_field = forms.CharField(widget=forms.Textarea(attrs=attrs), **options)
    else:
        form_field = forms.CharField(widget=forms.TextInput(attrs=attrs), **options)
    form_field.unit = field.unit  # type: ignore[attr-defined]  # shown after the input, e.g. "mm"
    form_field.required_by_type = field.required  # type: ignore[attr-defined]
    return form_field


def known_districts() -> list[str]:
    """Districts served by business offices, offered as suggestions for the district box."""
    districts: set[str] = set()
    served_districts = OrgUnit.objects.filter(active=True).exclude(districts=[]).values_list("districts",
                                                                                              flat=True)
    for served in served_districts:
        districts.update(served or [])
    return sorted(districts)


class RequestForm(forms.Form):
    """A new service request (INT-4..INT-7): the type's own fields appear once a type is chosen."""

    request_type = forms.ModelChoiceField(label=_("Request type"), queryset=request_types_active())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    contact = forms.ModelChoiceField(queryset=ContactRecord.objects.none(), required=False,
                                     widget=forms.HiddenInput)
    # The customer's addresses: shown as typed (data-customer-text, see core/templatetags/typed_text.py).
    service_point = forms.ModelChoiceField(label=_("Service point"), queryset=ServicePoint.objects.none(),
                                           required=False,
                                           widget=forms.Select(attrs={"data-customer-text": ""}))
    reporter_kind = forms.ChoiceField(
        label=_("Reporter"),
        choices=[(v, label) for v, label in ReporterKind.choices if v != ReporterKind.CUSTOMER],
        initial=ReporterKind.NON_CUSTOMER,
    )
    reporter_name = forms.CharField(label=_("Reporter name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter phone"), max_length=40, required=False)
    location = forms.CharField(label=_("Location"), max_length=300, required=False,
                               help_text=_("Exact place, when it is not the service point (a leak "
                                           "in the street)."))
    district = forms.CharField(label=_("District"), max_length=50, required=False,
                               help_text=_("Taken from the service point when left empty."))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False,
                              help_text=_("Made from the type and the place when left empty."))
    description = forms.CharField(label=_("Description"),
                                  widget=forms.Textarea(attrs={"rows": 3}), required=False)
    estimated_completion_at = forms.DateTimeField(label=_("Estimated completion"), required=False,
                                                  input_formats=DATETIME_INPUT_FORMATS,
                                                  widget=_local_datetime_widget(),
                                                  validators=[validate_scheduled_moment])

    def __init__(self, *args: Any, customer: Customer | None = None,
                 contacts: QuerySet[ContactRecord] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "request")
        super().__init__(*args, **kwargs)
        self.customer = customer
        if contacts is not None:
            self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        if customer is not None:
            points = customer.service_points.order_by("number")
            self.fields["service_point"].queryset = points  # type: ignore[attr-defined]
            if len(points) == 1:
                self.fields["service_point"].initial = points[0].pk
            # The caller is the customer: the contact record is made from the customer (INT-2).
            for name in ("reporter_kind", "reporter_name", "reporter_phone"):
                del self.fields[name]
        else:
            del self.fields["service_point"]
        self.chosen_type = self._chosen_type()
        self.attribute_fields: list[RequestTypeField] = []
        if self.chosen_type is not None:
            for field in self.chosen_type.fields.all():
                self.fields[ATTRIBUTE_PREFIX + field.key] = attribute_form_field(field)
                self.attribute_fields.append(field)

    def _chosen_type(self) -> RequestType | None:
        if self.is_bound:
            raw = self.data.get(self.add_prefix("request_type"))
        else:
            raw = self.initial.get("request_type")
        if isinstance(raw, RequestType):
            return raw
        pk = parse_id(str(raw)) if raw else None
        if pk is None:
            return None
        return request_types_active().filter(pk=pk).first()

    @property
    def attribute_bound_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + field.key] for field in self.attribute_fields]

    def attribute_values(self) -> dict[str, Any]:
        """The type fields as the service expects them; empty inputs are left out."""
        values: dict[str, Any] = {}
        for field in self.attribute_fields:
            value = self.cleaned_data.get(ATTRIBUTE_PREFIX + field.key)
            if field.kind == Kind.BOOLEAN:
                values[field.key] = bool(value)
            elif value not in (None, ""):
                values[field.key] = value
        return values

    def error_fields(self) -> dict[str, str]:
        names = dict(REQUEST_ERROR_FIELDS)
        names.update({f"attributes.{f.key}": ATTRIBUTE_PREFIX + f.key for f in self.attribute_fields})
        return names


class WorkOrderForm(forms.Form):
    """Dispatch field work to one provider (the dispatcher's form on the request page)."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.filter(active=True))
    crew_type = forms.CharField(label=_("Crew type"), max_length=50, required=False,
                                help_text=_("Suggested by the routing rule."))
    instructions = forms.CharField(label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3}),
                                   required=False)
    promised_end_at = forms.DateTimeField(label=_("Promised end"), required=False,
                                          input_formats=DATETIME_INPUT_FORMATS,
                                          widget=_local_datetime_widget(),
                                          validators=[validate_scheduled_moment])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "work_order")
        super().__init__(*args, **kwargs)


def _reason_field() -> forms.CharField:
    return forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class SeverityForm(forms.Form):
    """Rate the request's severity level, or clear it, with a reason (the request page)."""

    severity = forms.TypedChoiceField(label=_("Severity level"), required=False, coerce=int,
                                      empty_value=None, choices=[("", _("Not rated")), *Severity.choices])
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "severity")
        super().__init__(*args, **kwargs)


class ReclassifyForm(forms.Form):
    """Change a wrongly chosen request type, with a reason (the request page).

    The new type's fields appear once a type was sent: filled with the request's values of the
    fields the new type also has (what the service keeps when it gets no type fields), for the
    person to complete where the new type asks for more. ``fields_for`` says which type the fields
    sent belong to: type fields sent for another type are not the new type's.
    """

    request_type = forms.ModelChoiceField(label=_("New request type"), queryset=request_types_active())
    fields_for = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = _reason_field()

    def __init__(self, *args: Any, service_request: ServiceRequest, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reclassify")
        super().__init__(*args, **kwargs)
        self.fields["request_type"].queryset = request_types_active().exclude(  # type: ignore[attr-defined]
            pk=service_request.request_type_id)
        self.chosen_type = self._chosen_type()
        self.attribute_fields: list[RequestTypeField] = []
        self.fields_sent = False
        if self.chosen_type is None:
            return
        self.attribute_fields = list(self.chosen_type.fields.all())
        for field in self.attribute_fields:
            self.fields[ATTRIBUTE_PREFIX + field.key] = attribute_form_field(field)
        self.fields_sent = str(self.data.get(self.add_prefix("fields_for"), "")) == str(self.chosen_type.pk)
        if not self.fields_sent:
            self._fill_from(service_request)

    def _chosen_type(self) -> RequestType | None:
        raw = self.data.get(self.add_prefix("request_type")) if self.is_bound else None
        pk = parse_id(str(raw)) if raw else None
        return request_types_active().filter(pk=pk).first() if pk is not None else None

    def _fill_from(self, service_request: ServiceRequest) -> None:
        """Show the request's values of the chosen type's fields, and mark them as the type's."""
        data = self.data.copy()  # type: ignore[attr-defined]
        existing = service_request.attributes or {}
        for field in self.attribute_fields:
            value = existing.get(field.key)
            if value is not None and value is not False:
                data[self.add_prefix(ATTRIBUTE_PREFIX + field.key)] = "on" if value is True else str(value)
        data[self.add_prefix("fields_for")] = str(self.chosen_type.pk)  # type: ignore[union-attr]
        self.data = data

    @property
    def attribute_bound_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + field.key] for field in self.attribute_fields]

    def attribute_values(self) -> dict[str, Any] | None:
        """The type fields as the service expects them, or None when none were sent for this type
        (the service then keeps the request's values of the fields the new type also has)."""
        if not self.fields_sent:
            return None
        values: dict[str, Any] = {}
        for field in self.attribute_fields:
            value = self.cleaned_data.get(ATTRIBUTE_PREFIX + field.key)
            if field.kind == Kind.BOOLEAN:
                values[field.key] = bool(value)
            elif value not in (None, ""):
                values[field.key] = value
        return values

    def error_fields(self) -> dict[str, str]:
        return {f"attributes.{f.key}": ATTRIBUTE_PREFIX + f.key for f in self.attribute_fields}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class RequestFilterForm(forms.Form):
    """Filters of the request list; every one optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Number, subject or reporter phone")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), ("open", _("Open")), *RequestStatus.choices])
    priority = forms.TypedChoiceField(label=_("Priority"), required=False, coerce=int, empty_value=None,
                                      choices=[("", _("Any priority")), *Priority.choices])
    request_type = forms.ModelChoiceField(label=_("Request type"), required=False,
                                          queryset=RequestType.objects.order_by("sort_order", "code"),
                                          empty_label=_("Any type"))
    unit = forms.ModelChoiceField(label=_("Responsible unit"), required=False,
                                  queryset=OrgUnit.objects.filter(active=True).order_by("code"),
                                  empty_label=_("Any unit"))
