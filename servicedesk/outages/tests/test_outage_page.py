"""The outage page (issue 10 item 8): every ETR change with its reason and time (OUT-6), a
restoration time (default now, may be earlier), and only the crews of the outage's utility (OUT-3,
004 step 19.2), on the page, through the API and in the services."""

import datetime
import re

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.org.models import Provider
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.lifecycle import outage_confirm, outage_declare, outage_merge, outage_update
from servicedesk.outages.models import Outage, OutageEtrChange, OutageStatus
from servicedesk.testing.factories import ProviderFactory
from servicedesk.tickets.models import RoutingRule, WorkOrder

pytestmark = pytest.mark.django_db
PROBLEM = {"fault_location": "service_point"}


def local(moment: datetime.datetime) -> str:
    """A datetime as the browser's datetime-local input sends it (Asia/Shanghai)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def later(hours: float) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(hours=hours)).replace(second=0, microsecond=0)


def has_field_error(body: str, html_name: str) -> bool:
    return re.search(rf'class="field has-error[^"]*" id="field-{re.escape(html_name)}"', body) is not None


def predicted(world, *keys, hours_ago: float = 0):
    """The outage the neighbours' calls predict, the calls made ``hours_ago``."""
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=hours_ago)):
        for key in keys:
            point = world.points[key]
            fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                            reporter_phone=point.customer.mobile,
                            problem=PROBLEM if point.utility == "power" else {}), actor=world.users["agent"])
    return Outage.objects.filter(status=OutageStatus.PREDICTED).latest("pk")


def confirmed(world):
    """Three calls an hour ago predicted it; confirmed now."""
    return outage_confirm(actor=world.users["dispatcher"],
                          outage=predicted(world, "n1", "n2", "n3", hours_ago=1),
                          cause="变压器烧损", etr=later(2))


@pytest.fixture
def power_partner(world):
    """Water faults go to pipe crews (as in the demo's routing rules); a partner with power crews only."""
    RoutingRule.objects.create(name="停水由管网班组处理", sort_order=50,
                               request_type=world.types["water_outage"],
                               target_unit=world.units["engineering"], crew_type="pipe_repair")
    return ProviderFactory(code="power-only", name="电力工程公司", name_en="Power Works Ltd",
                           kind=Provider.Kind.EXTERNAL, crew_types=["hv_cable", "service_point"])


# ----------------------------------------------------------------------------------------------
# ETR changes (OUT-6)


def test_every_etr_change_is_kept_with_its_time_author_reason_and_old_and_new_values(world):
    """Issue 10 item 8 (OUT-6): confirming, re-estimating and declaring each keep a row: when, who,
    the previous and the new ETR, why. Merging with the same ETR changes nothing and keeps none."""
    dispatcher = world.users["dispatcher"]
    outage = confirmed(world)
    first = outage.etr
    outage_update(actor=dispatcher, outage=outage, etr=later(5), reason="需更换电缆")
    outage_update(actor=dispatcher, outage=outage, cause="电缆击穿")  # the cause only: no ETR change
    rows = list(OutageEtrChange.objects.filter(outage=outage).order_by("at", "id"))
    assert [(r.old_etr, r.new_etr, r.actor) for r in rows] == [(None, first, dispatcher),
                                                               (first, later(5), dispatcher)]
    # The confirmation's row says what the system did (rendered when read), the update what was typed.
    assert rows[0].reason == "" and rows[0].message["key"] == "outage_confirmed"
    assert "变压器烧损" in str(rows[0].display_reason_html) and rows[1].reason == "需更换电缆"
    assert all(abs(r.at - timezone.now()) < datetime.timedelta(minutes=1) for r in rows)

    declared = outage_declare(actor=dispatcher, device=world.devices["T4"], cause="树枝碰线", etr=later(3))
    assert list(OutageEtrChange.objects.filter(outage=declared).values_list("old_etr", "new_etr")) == [
        (None, later(3))]
    other = outage_declare(actor=dispatcher, device=world.devices["T3"], cause="x", etr=later(3))
    outage_merge(actor=dispatcher, source=other, target=declared)
    assert OutageEtrChange.objects.filter(outage=declared).count() == 1


def test_etr_changes_are_append_only(world):
    """Issue 10 item 8: the ETR history is never changed or deleted (the model refuses; on
    PostgreSQL the database too)."""
    confirmed(world)
    row = OutageEtrChange.objects.get()
    row.reason = "改写"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            OutageEtrChange.objects.filter(pk=row.pk).update(reason="改写")


def test_the_outage_page_lists_every_etr_change_with_reason_time_and_author(client, world):
    """Issue 10 item 8 (OUT-6): time, previous → new ETR, reason and who, for anyone who sees outages."""
    outage = confirmed(world)
    first = outage.etr
    outage_update(actor=world.users["dispatcher"], outage=outage, etr=later(6), reason="需更换电缆")
    client.force_login(world.users["agent"])
    body = client.get(reverse("web:outage_detail", args=[outage.pk])).content.decode()
    table = re.search(r'id="outage-etr-changes".*?</table>', body, re.S).group(0)
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", table, re.S)
    assert len(rows) == 2
    assert local(first).replace("T", " ") in rows[0] and "变压器烧损" in rows[0]
    assert local(first).replace("T", " ") in rows[1] and local(later(6)).replace("T", " ") in rows[1]
    assert "需更换电缆" in rows[1] and world.users["dispatcher"].display_name in rows[1]
    changed_at = OutageEtrChange.objects.latest("at", "id").at
    assert local(changed_at).replace("T", " ") in rows[1]


def test_the_api_lists_the_etr_changes_to_those_who_see_outages_only(world):
    """Issue 10 item 8 (OUT-6): GET /outages/{id}/etr-changes; refused to roles that do not see outages."""
    outage = confirmed(world)
    outage_update(actor=world.users["dispatcher"], outage=outage, etr=later(6), reason="需更换电缆")
    response = as_(world, "agent").get(f"/outages/{outage.pk}/etr-changes")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["reason"] for row in body][1:] == ["需更换电缆"]
    assert body[1]["actor"]["username"] == "dispatcher"
    assert datetime.datetime.fromisoformat(body[1]["new_etr"]) == later(6)
    for persona in ("provider_a_staff", "finance", "customer_user"):
        assert as_(world, persona).get(f"/outages/{outage.pk}/etr-changes").status_code == 403


# ----------------------------------------------------------------------------------------------
# The restoration time


def test_the_restore_form_offers_the_restoration_time_defaulting_to_now(client, world):
    """Issue 10 item 8: the restoration time field is filled with now."""
    outage = confirmed(world)
    client.force_login(world.users["dispatcher"])
    body = client.get(reverse("web:outage_detail", args=[outage.pk])).content.decode()
    form = re.search(r'id="restore-form".*?</form>', body, re.S).group(0)
    value = re.search(r'name="restore-restored_at"[^>]*value="([^"]+)"', form).group(1)
    assert value in {local(timezone.now()), local(timezone.now() - datetime.timedelta(minutes=1))}


def test_an_earlier_restoration_time_from_the_page_is_recorded(client, world):
    """Issue 10 items 4 and 8: the time given closes the outage and completes the crew's order."""
    outage = confirmed(world)
    restored = later(-0.25)
    client.force_login(world.users["dispatcher"])
    response = client.post(reverse("web:outage_restore", args=[outage.pk]),
                           {"restore-restored_at": local(restored), "restore-note": ""})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.closed_at == restored


@pytest.mark.parametrize("hours", [2, -48])
def test_a_restoration_time_in_the_future_or_before_the_outage_is_shown_beside_the_field(client, world,
                                                                                         hours):
    """Issue 10 item 8: a clear error beside the field; nothing restored."""
    outage = confirmed(world)
    client.force_login(world.users["dispatcher"])
    response = client.post(reverse("web:outage_restore", args=[outage.pk]),
                           {"restore-restored_at": local(later(hours)), "restore-note": ""})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "restore-restored_at")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CONFIRMED and outage.closed_at is None


@pytest.mark.parametrize("hours", [2, -48])
def test_the_api_refuses_a_restoration_time_in_the_future_or_before_the_outage(world, hours):
    """Issue 10 item 8: 422 naming restored_at; nothing restored."""
    outage = confirmed(world)
    response = as_(world, "dispatcher").post(f"/outages/{outage.pk}/restore",
                                             {"restored_at": later(hours).isoformat()})
    assert response.status_code == 422 and "restored_at" in error_of(response)["fields"]
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.CONFIRMED


def test_the_api_records_the_restoration_time_given(world):
    """Issue 10 item 8: an earlier time through the API closes the outage at that time."""
    outage = confirmed(world)
    restored = later(-0.25)
    response = as_(world, "dispatcher").post(f"/outages/{outage.pk}/restore",
                                             {"restored_at": local(restored)})
    assert response.status_code == 200, response.content
    assert datetime.datetime.fromisoformat(response.json()["outage"]["closed_at"]) == restored


# ----------------------------------------------------------------------------------------------
# Crews of the outage's utility (OUT-3, 004 step 19.2)


def provider_choices(body: str) -> set[str]:
    select = re.search(r'<select name="confirm-provider".*?</select>', body, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_the_confirm_form_offers_only_crews_of_the_outages_utility(client, world, power_partner):
    """Issue 10 item 8: no water crew on a power outage, no power crew on a water outage."""
    power = predicted(world, "n1", "n2", "n3")
    client.force_login(world.users["dispatcher"])
    offered = provider_choices(client.get(reverse("web:outage_detail", args=[power.pk])).content.decode())
    assert offered == {str(world.providers["a"].pk), str(power_partner.pk)}  # b lays pipes only
    water = predicted(world, "w1", "w2")
    assert water.utility == "water"
    offered = provider_choices(client.get(reverse("web:outage_detail", args=[water.pk])).content.decode())
    assert offered == {str(world.providers["a"].pk), str(world.providers["b"].pk)}


def test_a_water_crew_posted_for_a_power_outage_is_refused_beside_the_field(client, world, power_partner):
    """Issue 10 item 8: refused by the server too; nothing confirmed, no work order."""
    outage = predicted(world, "n1", "n2", "n3")
    client.force_login(world.users["dispatcher"])
    response = client.post(reverse("web:outage_confirm", args=[outage.pk]), {
        "confirm-cause": "变压器烧损", "confirm-etr": local(later(2)),
        "confirm-provider": world.providers["b"].pk})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "confirm-provider")
    assert (Outage.objects.get(pk=outage.pk).status == OutageStatus.PREDICTED
            and not WorkOrder.objects.exists())


def test_the_api_and_the_service_refuse_a_crew_of_another_utility(world, power_partner):
    """Issue 10 item 8: 422 naming the provider (or the crew type); nothing confirmed."""
    outage = predicted(world, "n1", "n2", "n3")
    body = {"cause": "变压器烧损", "etr": later(2).isoformat(), "provider": world.providers["b"].code}
    response = as_(world, "dispatcher").post(f"/outages/{outage.pk}/confirm", body)
    assert response.status_code == 422 and "provider" in error_of(response)["fields"]
    response = as_(world, "dispatcher").post(f"/outages/{outage.pk}/confirm", {
        **body, "provider": world.providers["a"].code, "crew_type": "pipe_repair"})
    assert response.status_code == 422 and "crew_type" in error_of(response)["fields"]
    with pytest.raises(ValidationFailed) as error:
        outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="x", etr=later(2),
                       provider=world.providers["b"])
    assert "provider" in error.value.errors
    assert (Outage.objects.get(pk=outage.pk).status == OutageStatus.PREDICTED
            and not WorkOrder.objects.exists())
    water = predicted(world, "w1", "w2")
    with pytest.raises(ValidationFailed) as error:
        outage_confirm(actor=world.users["dispatcher"], outage=water, cause="爆管", etr=later(2),
                       provider=power_partner)
    assert "provider" in error.value.errors
    confirmed_water = outage_confirm(actor=world.users["dispatcher"], outage=water, cause="爆管",
                                     etr=later(2), provider=world.providers["b"], crew_type="pipe_repair")
    assert WorkOrder.objects.get(request=confirmed_water.request).provider == world.providers["b"]



def test_the_default_restoration_time_in_the_minute_the_outage_began_is_accepted(client, world):
    """Issue 10 item 8: the page gives times to the minute; restored in the minute the outage began
    (the default, now), it is recorded as restored no earlier than the outage's start."""
    outage = outage_declare(actor=world.users["dispatcher"], device=world.devices["T4"], cause="树枝碰线",
                            etr=later(1))
    client.force_login(world.users["dispatcher"])
    response = client.post(reverse("web:outage_restore", args=[outage.pk]),
                           {"restore-restored_at": local(outage.created_at), "restore-note": ""})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.closed_at == outage.created_at
