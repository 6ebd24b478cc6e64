"""The intake page of the agent desk: the chosen caller's panel, the contact form and the request
form (INT-1..INT-5); recording a contact, creating a request.

The tickets app owns this page because it builds on contacts: a contact is recorded through
contacts.services, a request through tickets.services, and the page shows both.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.contacts.forms import CONTACT_ERROR_FIELDS, ContactForm
from servicedesk.contacts.models import ContactRecord
from servicedesk.contacts.selectors import contact_history, pending_contacts
from servicedesk.contacts.services import contact_create
from servicedesk.core.exceptions import NotFound, ValidationFailed
from servicedesk.core.references import parse_id
from servicedesk.core.views import page, show_domain_errors
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import customer_get
from servicedesk.org.roles import Capability
from servicedesk.tickets.forms import RequestForm
from servicedesk.tickets.selectors import open_requests_of_customer, request_types_active
from servicedesk.tickets.services import request_create

# The panel shows the whole history (004 step 9); this only guards the page against pathological callers.
HISTORY_LIMIT = 500


def customer_or_404(customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    try:
        return customer_get(customer_id)
    except Customer.DoesNotExist:
        raise NotFound(_("No such customer.")) from None


def intake_url(customer: Customer | None) -> str:
    if customer is None:
        return reverse("web:caller")
    return reverse("web:customer_panel", args=[customer.pk])


def render_intake(request: HttpRequest, *, customer: Customer | None, contact: ContactRecord | None = None,
                  contact_form: ContactForm | None = None, request_form: RequestForm | None = None,
                  status: int = 200) -> HttpResponse:
    """The caller's panel with both forms; also used to show a form again with its errors."""
    user = request.user
    contacts = pending_contacts(customer)
    if contact_form is None:
        contact_form = ContactForm(customer=customer, topics=request_types_active())
    if request_form is None:
        initial = {"contact": contact.pk, "channel": contact.channel} if contact else {}
        if contact is not None and contact.request_type_id:
            initial["request_type"] = contact.request_type_id
        request_form = RequestForm(customer=customer, contacts=contacts, initial=initial)
    context = {
        "customer": customer,
        "contact": contact,
        "contact_form": contact_form,
        "request_form": request_form,
        "may_log_contact": user.can(Capability.LOG_CONTACT),  # type: ignore[union-attr]
        "may_create_request": user.can(Capability.CREATE_REQUEST),  # type: ignore[union-attr]
        "intake_url": intake_url(customer),
    }
    if customer is not None:
        context["history"] = list(contact_history(customer_id=customer.pk)[:HISTORY_LIMIT])
        context["open_requests"] = list(open_requests_of_customer(user, customer)[:50])  # type: ignore[arg-type]
    return render(request, "desk/intake.html", context, status=status)


def _contact_in_progress(request: HttpRequest, customer: Customer | None) -> ContactRecord | None:
    pk = parse_id(request.GET.get("contact", ""))
    if pk is None:
        return None
    return pending_contacts(customer).filter(pk=pk).first()


@page(Capability.SEARCH_CUSTOMERS)
def customer_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The chosen caller: flags, key account manager, accounts with amount owed, service points
    with connection status, the whole contact history with linked requests (INT-2, 004 step 9),
    and the contact and request forms.

    Roles: anyone who may search customers (agent, team lead, desk manager, key account manager,
    leadership, quality supervisor, dispatcher, administrator); the forms only for roles that may
    record contacts and create requests. Refused: provider staff, finance, customers.
    """
    customer = customer_or_404(customer_id)
    return render_intake(request, customer=customer, contact=_contact_in_progress(request, customer))


@page(Capability.LOG_CONTACT)
def caller_without_customer(request: HttpRequest) -> HttpResponse:
    """Intake for a non-customer (police, passer-by) or an unidentified caller (INT-3).

    Roles: agent, team lead, desk manager, key account manager, administrator.
    """
    return render_intake(request, customer=None, contact=_contact_in_progress(request, None))


@require_POST
@page(Capability.LOG_CONTACT)
def contact_new(request: HttpRequest, customer_id: int | None = None) -> HttpResponse:
    """Record a contact (INT-1); "answered on the spot" closes it as first-contact resolution (INT-5).

    Roles: agent, team lead, desk manager, key account manager, administrator.
    """
    customer = customer_or_404(customer_id)
    form = ContactForm(request.POST, customer=customer, topics=request_types_active())
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = contact_create(
                agent=request.user, channel=data["channel"], reporter_kind=data["reporter_kind"],
                customer=customer, service_point=data.get("service_point"),
                reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"],
                request_type=data["request_type"], notes=data["notes"],
                answered_on_the_spot=data["answered_on_the_spot"],
            )
        except ValidationFailed as error:
            show_domain_errors(form, error, CONTACT_ERROR_FIELDS)
        else:
            if contact.first_contact_resolution:
                messages.success(request, _("Contact %(ref)s recorded and closed: answered on the spot.")
                                 % {"ref": contact.reference})
                return redirect(intake_url(customer))
            messages.success(request,
                             _("Contact %(ref)s recorded. If work is needed, create the request below.")
                             % {"ref": contact.reference})
            return redirect(f"{intake_url(customer)}?contact={contact.pk}#request-form")
    return render_intake(request, customer=customer, contact_form=form, status=422)


# ----------------------------------------------------------------------------------------------
# Creating requests from the desk


@require_GET
@page(Capability.CREATE_REQUEST)
def request_type_fields(request: HttpRequest) -> HttpResponse:
    """The chosen type's fields (HTMX fragment of the request form, INT-4).

    Roles: agent, team lead, desk manager, key account manager, administrator.
    """
    chosen = request.GET.get("request-request_type", "")
    form = RequestForm(initial={"request_type": chosen})
    return render(request, "tickets/_type_fields.html", {"request_form": form})


@require_POST
@page(Capability.CREATE_REQUEST)
def request_new(request: HttpRequest, customer_id: int | None = None) -> HttpResponse:
    """Create a service request for the chosen caller, or for a non-customer (INT-3..INT-7).

    Errors are shown beside their fields and nothing is saved; on success, the request page.
    Roles: agent, team lead, desk manager, key account manager, administrator.
    """
    customer = customer_or_404(customer_id)
    form = RequestForm(request.POST, customer=customer, contacts=pending_contacts(customer))
    if form.is_valid():
        data = form.cleaned_data
        contact: ContactRecord | None = data.get("contact")
        try:
            created = request_create(
                actor=request.user, request_type=data["request_type"], channel=data["channel"],  # type: ignore[arg-type]
                customer=customer, service_point=data.get("service_point"),
                reporter_kind=data.get("reporter_kind") or ContactRecord.ReporterKind.CUSTOMER,
                reporter_name=data.get("reporter_name", ""), reporter_phone=data.get("reporter_phone", ""),
                location=data["location"], district=data["district"], subject=data["subject"],
                description=data["description"], attributes=form.attribute_values(),
                estimated_completion_at=data["estimated_completion_at"], contact=contact,
            )
        except ValidationFailed as error:
            show_domain_errors(form, error, form.error_fields())
        else:
            messages.success(request, _("Service request %(ref)s created.") % {"ref": created.reference})
            return redirect("web:request_detail", request_id=created.pk)
    contact = form.cleaned_data.get("contact") if hasattr(form, "cleaned_data") else None
    return render_intake(request, customer=customer, contact=contact, request_form=form, status=422)
