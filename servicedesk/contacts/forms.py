"""The desk's contact form (INT-1, INT-3, INT-5). It only parses input: the rules live in
contacts.services.contact_create, whose field errors the view puts beside these fields."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.customers.models import Customer, ServicePoint

if TYPE_CHECKING:
    from servicedesk.tickets.models import RequestType

ReporterKind = ContactRecord.ReporterKind

# contact_create's error keys → this form's fields.
CONTACT_ERROR_FIELDS = {
    "customer_id": "reporter_kind",
    "service_point_id": "service_point",
}


class TopicChoiceField(forms.ModelChoiceField):
    """Request types as topics; those an agent may answer on the call (INT-5) say so."""

    def label_from_instance(self, obj: "RequestType") -> str:
        if obj.answerable_on_contact:
            return _("%(type)s (can be answered on the spot)") % {"type": obj.display_name}
        return obj.display_name


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    reporter_kind = forms.ChoiceField(label=_("Reporter"), choices=ReporterKind.choices)
    reporter_name = forms.CharField(label=_("Reporter name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter phone"), max_length=40, required=False)
    # The customer's addresses: shown as typed (data-customer-text, see core/templatetags/typed_text.py).
    service_point = forms.ModelChoiceField(label=_("Service point"), queryset=ServicePoint.objects.none(),
                                           required=False,
                                           widget=forms.Select(attrs={"data-customer-text": ""}))
    # The topics are the request types, which the page showing the form passes in (``topics``).
    request_type = TopicChoiceField(label=_("Topic"), queryset=ContactRecord.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    answered_on_the_spot = forms.BooleanField(
        label=_("Answered on the spot (closes the contact as first-contact resolution)"), required=False,
    )

    def __init__(self, *args: object, customer: Customer | None = None, topics: QuerySet[Any] | None = None,
                 **kwargs: object) -> None:
        kwargs.setdefault("prefix", "contact")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.customer = customer
        if topics is not None:
            self.fields["request_type"].queryset = topics  # type: ignore[attr-defined]
        if customer is not None:
            points = customer.service_points.order_by("number")
            self.fields["service_point"].queryset = points  # type: ignore[attr-defined]
            self.fields["reporter_kind"].initial = ReporterKind.CUSTOMER
            if len(points) == 1:
                self.fields["service_point"].initial = points[0].pk
        else:
            # INT-3: without a customer the caller is a non-customer (police, passer-by) or unidentified.
            del self.fields["service_point"]
            self.fields["reporter_kind"].initial = ReporterKind.NON_CUSTOMER
            self.fields["reporter_kind"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in ReporterKind.choices if value != ReporterKind.CUSTOMER
            ]
