"""The intake page: the caller's panel (INT-2) and the contact form (INT-1, INT-3, INT-5)."""

import pytest
from django.urls import reverse

from servicedesk.contacts.models import ContactRecord
from servicedesk.contacts.services import contact_create
from servicedesk.tickets.models import ServiceRequest
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db


def _panel(world, name="alice"):
    return reverse("web:customer_panel", args=[world.customers[name].pk])


def _contact_url(world, name="alice"):
    return reverse("web:contact_new", args=[world.customers[name].pk])


def test_panel_shows_flags_key_account_manager_accounts_points_and_history(client, users, world):
    """INT-2, 004 step 9: everything the agent needs about the caller, shared by all agents."""
    request = request_create(actor=users["team_lead"], request_type=world.types["fault"],
                             service_point=world.points["hospital"],
                             attributes={"fault_location": "hv_cable"})
    contact_create(agent=users["key_account_manager"], customer=world.customers["hospital"],
                   request_type=world.types["consultation"], notes="询问计划停电", answered_on_the_spot=True)
    client.force_login(users["agent"])
    body = client.get(_panel(world, "hospital")).content.decode()
    assert "南山人民医院" in body
    assert "医院" in body  # flag
    assert "key_account_manager" in body  # the manager's name
    assert "深圳市南山区桃园路89号" in body
    assert request.reference in body  # linked request in the history and the open requests
    assert "询问计划停电" in body  # a colleague's contact is in the shared history
    assert "首问解决" in body  # first-contact resolution badge


def test_panel_shows_amount_owed_and_cut_off_status(client, users, world):
    """OUT-4: the agent can tell the caller the amount owed and why supply is cut."""
    client.force_login(users["agent"])
    body = client.get(_panel(world, "debtor")).content.decode()
    assert "A000000004" in body
    assert "356.80" in body
    assert "欠费停电" in body


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "finance"])
def test_panel_refused_to_provider_staff_customers_and_finance(client, users, world, persona):
    client.force_login(users[persona])
    assert client.get(_panel(world)).status_code == 403


def test_panel_of_unknown_customer_is_not_found(client, users, world):
    client.force_login(users["agent"])
    assert client.get(reverse("web:customer_panel", args=[999999])).status_code == 404


def test_leadership_sees_the_panel_without_the_forms(client, users, world):
    client.force_login(users["leadership"])
    body = client.get(_panel(world)).content.decode()
    assert "李丽" in body
    assert 'id="contact-form"' not in body


def test_agent_logs_a_call_and_is_offered_the_request_form_for_it(client, users, world):
    """INT-1: every contact is recorded; the request form then carries the contact."""
    client.force_login(users["agent"])
    response = client.post(_contact_url(world), {
        "contact-channel": "phone", "contact-reporter_kind": "customer",
        "contact-service_point": world.points["alice"].pk, "contact-request_type": world.types["leak"].pk,
        "contact-notes": "楼下路面冒水",
    })
    contact = ContactRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(_panel(world) + f"?contact={contact.pk}")
    assert contact.customer == world.customers["alice"]
    assert contact.agent == users["agent"]
    assert contact.outcome == ContactRecord.Outcome.INFORMATION_RECORDED
    body = client.get(response["Location"]).content.decode()
    assert contact.reference in body
    assert f'name="request-contact" value="{contact.pk}"' in body


def test_consultation_answered_on_the_spot_is_closed_as_first_contact_resolution(client, users, world):
    """INT-5: answered on the call → closed there, counted as first-contact resolution."""
    client.force_login(users["agent"])
    response = client.post(_contact_url(world), {
        "contact-channel": "phone", "contact-reporter_kind": "customer",
        "contact-request_type": world.types["consultation"].pk, "contact-notes": "咨询电价",
        "contact-answered_on_the_spot": "on",
    })
    assert response.status_code == 302
    assert response["Location"] == _panel(world)
    contact = ContactRecord.objects.get()
    assert contact.outcome == ContactRecord.Outcome.ANSWERED
    assert contact.first_contact_resolution is True
    assert ServiceRequest.objects.count() == 0


def test_leak_cannot_be_answered_on_the_spot_error_beside_topic_and_nothing_saved(client, users, world):
    """INT-5: only answerable types close on the call; the message sits beside the topic field."""
    client.force_login(users["agent"])
    response = client.post(_contact_url(world), {
        "contact-channel": "phone", "contact-reporter_kind": "customer",
        "contact-request_type": world.types["leak"].pk, "contact-answered_on_the_spot": "on",
    })
    assert response.status_code == 422
    form = response.context["contact_form"]
    assert "request_type" in form.errors
    body = response.content.decode()
    topic_block = body[body.index('id="field-contact-request_type"'):]
    assert 'class="error"' in topic_block[:topic_block.index("</div>")]
    assert ContactRecord.objects.count() == 0


def test_non_customer_reporter_is_recorded_without_customer(client, users, world):
    """INT-3, 004 step 2: a police officer reports; no customer is chosen."""
    client.force_login(users["agent"])
    page = client.get(reverse("web:caller"))
    assert page.status_code == 200
    response = client.post(reverse("web:caller_contact_new"), {
        "contact-channel": "phone", "contact-reporter_kind": "non_customer",
        "contact-reporter_name": "派出所王警官", "contact-reporter_phone": "0755-26661100",
        "contact-notes": "路口电缆冒烟",
    })
    assert response.status_code == 302
    contact = ContactRecord.objects.get()
    assert contact.customer is None
    assert contact.reporter_kind == ContactRecord.ReporterKind.NON_CUSTOMER
    assert contact.reporter_phone == "075526661100"
    assert response["Location"].startswith(reverse("web:caller") + f"?contact={contact.pk}")


def test_unidentified_caller_still_yields_a_contact(client, users, world):
    """INT-3, 004 step 6: a caller who cannot be identified is still recorded."""
    client.force_login(users["agent"])
    response = client.post(reverse("web:caller_contact_new"), {
        "contact-channel": "phone", "contact-reporter_kind": "unidentified", "contact-notes": "来电者挂断",
    })
    assert response.status_code == 302
    assert ContactRecord.objects.get().reporter_kind == ContactRecord.ReporterKind.UNIDENTIFIED


def test_non_customer_without_name_or_phone_shows_the_message_and_saves_nothing(client, users, world):
    client.force_login(users["agent"])
    response = client.post(reverse("web:caller_contact_new"), {
        "contact-channel": "phone", "contact-reporter_kind": "non_customer",
    })
    assert response.status_code == 422
    assert "reporter_name" in response.context["contact_form"].errors
    assert ContactRecord.objects.count() == 0


@pytest.mark.parametrize("persona", ["leadership", "dispatcher", "provider_a_staff", "customer_user"])
def test_roles_that_may_not_record_contacts_are_refused(client, users, world, persona):
    client.force_login(users[persona])
    response = client.post(_contact_url(world),
                           {"contact-channel": "phone", "contact-reporter_kind": "customer"})
    assert response.status_code == 403
    assert ContactRecord.objects.count() == 0
