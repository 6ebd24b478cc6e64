"""Severity and reclassification (SLA-2): whoever handles or dispatches a request rates its severity
level and corrects a wrongly chosen type, always with a reason; the history keeps both, and the SLA
clocks follow — a policy for the new severity or type replaces the old one's, whose clock is set
aside with the warnings it fired."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.sla.models import Calendar, Notification, Policy, Target, Timer, TimerState, TimerWarning
from servicedesk.sla.services import warnings_sweep
from servicedesk.tickets.models import EventKind, RequestEvent
from servicedesk.tickets.services import (
    request_create,
    request_reclassify,
    request_set_severity,
    request_transition,
    work_order_create,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def policies(world):
    """Leaks: resolution in 24 working hours, 4 for severity level 1; water outages: 8 working hours.
    Work orders: on-site start in 4 working hours, 1 for severity level 1."""
    office = Calendar.objects.create(code="office", name="工作日", kind=Calendar.Kind.WORKING_HOURS,
                                     windows="08:30-12:00, 13:30-17:30", weekdays=[0, 1, 2, 3, 4])

    def policy(name, applies_to="request", minutes=0, kind="resolution", stop="resolved", **criteria):
        made = Policy.objects.create(name=name, applies_to=applies_to, **criteria)
        Target.objects.create(policy=made, kind=kind, calendar=office, duration_minutes=minutes,
                              stop_event=stop)
        return made

    return {
        "leak": policy("报漏", minutes=24 * 60, request_type=world.types["leak"]),
        "leak_level_1": policy("一级报漏", minutes=4 * 60, request_type=world.types["leak"], severity=1),
        "water": policy("停水", minutes=8 * 60, request_type=world.types["water_outage"]),
        "order": policy("到场", applies_to="work_order", minutes=4 * 60, kind="on_site_arrival",
                        stop="in_progress"),
        "order_level_1": policy("一级到场", applies_to="work_order", minutes=60, kind="on_site_arrival",
                                stop="in_progress", severity=1),
    }


def _leak(world, dn=200):
    """A leak above DN150 in 南山区: routed to engineering (the dispatcher's unit)."""
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points["alice"], attributes={"dn": dn, "severity": "burst"})


def _clocks(subject_id, subject_type="request"):
    """(policy name, state, due time) of every clock of the subject, replaced ones included."""
    return {(t.policy.name, t.state, t.due_at) for t in Timer.objects.filter(
        subject_type=subject_type, subject_id=subject_id).select_related("policy")}


# ----------------------------------------------------------------------------------------------
# Services


def test_sla_2_setting_severity_brings_the_severity_policy_and_replaces_the_old_clock(world, policies):
    """SLA-2: a policy keyed on severity level 1 now matches; its due time (4 working hours from
    the call) differs from the general leak policy's (24), whose clock is set aside."""
    with time_machine.travel(MONDAY_9, tick=False):
        request = _leak(world)
    # 24 working hours from Monday 09:00: 7 on Monday, 7.5 on Tuesday and Wednesday, 2 on Thursday.
    assert _clocks(request.pk) == {("报漏", TimerState.RUNNING, at(2026, 3, 5, 10, 30))}
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        request_set_severity(request=request, actor=world.users["agent"], severity=1, reason="主干管爆裂")
    request.refresh_from_db()
    assert request.severity == 1
    assert _clocks(request.pk) == {("报漏", TimerState.REPLACED, at(2026, 3, 5, 10, 30)),
                                   ("一级报漏", TimerState.RUNNING, at(2026, 3, 2, 14, 30))}
    event = RequestEvent.objects.filter(request=request).last()
    assert (event.kind, event.action, event.changes, event.reason, event.actor) == (
        EventKind.CHANGE, "", {"severity": [None, 1]}, "主干管爆裂", world.users["agent"])


def test_sla_2_clearing_severity_runs_the_old_clock_again_without_repeating_its_warnings(world, policies):
    """SLA-2, SLA-4: back under the general policy, its clock runs again from the history with the
    warnings it fired; none is sent twice, and the notifications already sent stay in the inbox."""
    with time_machine.travel(MONDAY_9, tick=False):
        request = _leak(world)
    with time_machine.travel(at(2026, 3, 4, 12, 0), tick=False):  # 75 % of 24 working hours is past
        assert warnings_sweep().warnings == 1
        request_set_severity(request=request, actor=world.users["team_lead"], severity=1, reason="影响医院")
    general = Timer.objects.get(subject_id=request.pk, policy=policies["leak"])
    assert general.state == TimerState.REPLACED and general.next_warning_at is None
    assert Notification.objects.filter(warning__timer=general).count() == 1  # still in the owner's inbox
    with time_machine.travel(at(2026, 3, 4, 13, 0), tick=False):
        request_set_severity(request=request, actor=world.users["team_lead"], severity=None, reason="误判")
        general.refresh_from_db()
        assert (general.state, general.next_warning_percent) == (TimerState.RUNNING, 100)
        warnings_sweep()
    assert list(TimerWarning.objects.filter(timer=general).values_list("percent", flat=True)) == [75]
    level_1 = Timer.objects.get(subject_id=request.pk, policy=policies["leak_level_1"])
    assert level_1.state == TimerState.REPLACED


def test_sla_2_reclassifying_keeps_the_routing_and_replaces_the_old_types_clock(world, policies):
    """SLA-2: the new type's policy times the request from its start; the unit, the rule that chose
    it and the priority stay; the type fields the new type lacks are dropped, the history keeps them."""
    with time_machine.travel(MONDAY_9, tick=False):
        request = _leak(world)
    unit, rule, priority = request.responsible_unit, request.routing_rule, request.priority
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        request_reclassify(request=request, actor=world.users["dispatcher"],
                           request_type=world.types["water_outage"], reason="是停水不是漏水")
    request.refresh_from_db()
    assert request.request_type == world.types["water_outage"]
    assert (request.responsible_unit, request.routing_rule, request.priority) == (unit, rule, priority)
    assert request.attributes == {}
    # 8 working hours from Monday 09:00: 7 on Monday, 1 on Tuesday.
    assert _clocks(request.pk) == {("报漏", TimerState.REPLACED, at(2026, 3, 5, 10, 30)),
                                   ("停水", TimerState.RUNNING, at(2026, 3, 3, 9, 30))}
    event = RequestEvent.objects.get(request=request, action="reclassify")
    assert event.kind == EventKind.CHANGE and event.reason == "是停水不是漏水"
    assert event.changes == {"request_type": [world.types["leak"].pk, world.types["water_outage"].pk],
                             "attributes": [{"dn": 200, "severity": "burst"}, {}]}
    # A report counts reclassified requests by the action.
    assert RequestEvent.objects.filter(action="reclassify").values("request").distinct().count() == 1


def test_sla_2_reclassifying_checks_the_new_types_required_fields(world):
    """INT-4: the new type's fields are checked; a required one missing is named."""
    request = _leak(world)
    with pytest.raises(ValidationFailed) as missing:
        request_reclassify(request=request, actor=world.users["agent"], request_type="power-fault",
                           reason="是停电")
    assert set(missing.value.errors) == {"attributes.fault_location"}
    changed = request_reclassify(request=request, actor=world.users["agent"], request_type="power-fault",
                                 attributes={"fault_location": "service_point"}, reason="是停电")
    assert changed.attributes == {"fault_location": "service_point"}


def test_sla_2_the_fields_both_types_have_are_carried_over(world):
    request = request_create(actor=world.users["agent"], request_type=world.types["fault"],
                             service_point=world.points["alice"],
                             attributes={"fault_location": "hv_cable", "outage_scope": "area"})
    changed = request_reclassify(request=request, actor=world.users["agent"], request_type="water-outage",
                                 reason="片区停水")
    assert changed.attributes == {"outage_scope": "area"}


def test_sla_2_setting_severity_recomputes_the_open_work_orders_clocks(world, policies):
    """Work-order policies match on the request's severity too: the open work order's clock follows."""
    with time_machine.travel(MONDAY_9, tick=False):
        request = _leak(world)
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
    assert _clocks(order.pk, "work_order") == {("到场", TimerState.RUNNING, at(2026, 3, 2, 14, 30))}
    with time_machine.travel(at(2026, 3, 2, 9, 10), tick=False):
        request_set_severity(request=request, actor=world.users["dispatcher"], severity=1, reason="爆管")
    assert _clocks(order.pk, "work_order") == {("到场", TimerState.REPLACED, at(2026, 3, 2, 14, 30)),
                                               ("一级到场", TimerState.RUNNING, at(2026, 3, 2, 10, 0))}


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider", "supervisor"])
def test_sla_2_only_those_who_handle_or_dispatch_requests_may_rate_or_reclassify(world, persona):
    request = _leak(world)
    with pytest.raises(ActionNotAllowed):
        request_set_severity(request=request, actor=world.users[persona], severity=2, reason="x")
    with pytest.raises(ActionNotAllowed):
        request_reclassify(request=request, actor=world.users[persona], request_type="water-outage",
                           reason="x")
    request.refresh_from_db()
    assert request.severity is None and request.request_type == world.types["leak"]


def test_sla_2_every_change_needs_a_reason_and_a_valid_value(world):
    request = _leak(world)
    agent = world.users["agent"]
    cases = [
        (lambda: request_set_severity(request=request, actor=agent, severity=2, reason="  "), "reason"),
        (lambda: request_set_severity(request=request, actor=agent, severity=4, reason="x"), "severity"),
        (lambda: request_reclassify(request=request, actor=agent, request_type="water-outage", reason=""),
         "reason"),
        (lambda: request_reclassify(request=request, actor=agent, request_type="no-such", reason="x"),
         "request_type"),
        (lambda: request_reclassify(request=request, actor=agent, request_type="leak", reason="x"),
         "request_type"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            change()
        assert field in refused.value.errors
    world.types["water_outage"].active = False
    world.types["water_outage"].save()
    with pytest.raises(ValidationFailed) as inactive:
        request_reclassify(request=request, actor=agent, request_type=world.types["water_outage"], reason="x")
    assert inactive.value.errors == {"request_type": "该工单类型已停用。"}
    assert not RequestEvent.objects.filter(request=request, kind=EventKind.CHANGE).exists()


def test_sla_2_a_type_the_request_cannot_fit_is_refused(world):
    """A leak needs the exact location (003 §8.2): a request without one cannot become a leak."""
    request = request_create(actor=world.users["agent"], request_type=world.types["fault"],
                             customer=world.customers["bob"], attributes={"fault_location": "hv_cable"})
    with pytest.raises(ValidationFailed) as refused:
        request_reclassify(request=request, actor=world.users["agent"], request_type="leak",
                           attributes={"dn": 100}, reason="是漏水")
    assert set(refused.value.errors) == {"request_type"}


def test_sla_2_a_finished_request_is_not_rated_or_reclassified(world):
    request = _leak(world)
    request_transition(request=request, action="cancel", actor=world.users["agent"], reason="重复")
    with pytest.raises(ValidationFailed) as refused:
        request_set_severity(request=request, actor=world.users["agent"], severity=1, reason="x")
    assert set(refused.value.errors) == {"status"}
    with pytest.raises(ValidationFailed) as refused:
        request_reclassify(request=request, actor=world.users["agent"], request_type="water-outage",
                           reason="x")
    assert set(refused.value.errors) == {"status"}


# ----------------------------------------------------------------------------------------------
# API


@pytest.mark.parametrize("persona", ["agent", "team_lead", "dispatcher", "desk_manager"])
def test_sla_2_api_handlers_and_dispatchers_rate_and_reclassify(world, policies, persona):
    request = _leak(world)
    client = as_(world, persona)
    rated = client.patch(f"/requests/{request.pk}", {"severity": 1, "reason": "爆管"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["severity"] == 1
    assert rated.json()["events"][-1]["changes"] == {"severity": [None, 1]}
    assert [clock["limit"] for clock in rated.json()["clocks"]] == ["4 h"]  # the level-1 leak policy's
    moved = client.patch(f"/requests/{request.pk}", {"request_type": world.types["fault"].pk,
                                                     "attributes": {"fault_location": "hv_cable"},
                                                     "reason": "其实是停电"})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["request_type"]["code"] == "power-fault"
    assert body["attributes"] == {"fault_location": "hv_cable"}
    assert body["events"][-1]["action"] == "reclassify"
    cleared = client.patch(f"/requests/{request.pk}", {"severity": None, "reason": "误判"})
    assert cleared.json()["severity"] is None


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider", "leadership"])
def test_sla_2_api_refuses_everyone_else(world, persona):
    request = _leak(world)
    for body in ({"severity": 1, "reason": "x"}, {"request_type": "water-outage", "reason": "x"}):
        response = as_(world, persona).patch(f"/requests/{request.pk}", body)
        assert response.status_code == 403, response.content
    request.refresh_from_db()
    assert request.severity is None and request.request_type == world.types["leak"]


def test_sla_2_api_a_dispatcher_outside_the_requests_units_does_not_find_it(world):
    request = _leak(world)  # engineering's
    response = as_(world, "office_dispatcher").patch(f"/requests/{request.pk}",
                                                     {"severity": 1, "reason": "x"})
    assert response.status_code == 404


def test_sla_2_api_errors_name_the_field(world):
    request = _leak(world)
    agent = as_(world, "agent")
    cases = [
        ({"request_type": "no-such", "reason": "x"}, "request_type"),
        ({"request_type": 999999, "reason": "x"}, "request_type"),
        ({"severity": 4, "reason": "x"}, "severity"),
        ({"severity": 2}, "reason"),
        ({"request_type": "water-outage"}, "reason"),
        ({"attributes": {"dn": 300}, "reason": "x"}, "attributes"),
        ({"request_type": "power-fault", "attributes": {"fault_location": "nowhere"}, "reason": "x"},
         "attributes.fault_location"),
    ]
    for body, field in cases:
        response = agent.patch(f"/requests/{request.pk}", body)
        assert response.status_code == 422, (body, response.content)
        assert field in error_of(response)["fields"], (body, response.content)
    # All or nothing: a refused type leaves the severity sent with it unset.
    both = agent.patch(f"/requests/{request.pk}", {"severity": 1, "request_type": "no-such", "reason": "x"})
    assert both.status_code == 422
    request.refresh_from_db()
    assert request.severity is None and not RequestEvent.objects.filter(request=request,
                                                                        kind=EventKind.CHANGE).exists()


def test_sla_2_api_a_finished_request_is_refused_on_its_status(world):
    request = _leak(world)
    request_transition(request=request, action="cancel", actor=world.users["agent"], reason="重复")
    response = as_(world, "agent").patch(f"/requests/{request.pk}", {"severity": 1, "reason": "x"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"status"}


def test_sla_2_api_the_document_describes_severity_and_type(world):
    document = as_(world, "agent").get("/openapi.json").json()
    body = document["components"]["schemas"]["RequestPatchIn"]["properties"]
    assert {"severity", "request_type", "attributes", "reason"} <= set(body)
    assert document["components"]["schemas"]["Severity"]["enum"] == [1, 2, 3]


# ----------------------------------------------------------------------------------------------
# Web


def _detail(client, user, request, language="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("web:request_detail", args=[request.pk])).content.decode()


def test_sla_2_web_the_request_page_offers_severity_and_type_to_handlers_only(client, world):
    request = _leak(world)
    page = _detail(client, world.users["dispatcher"], request)
    assert 'id="severity-form"' in page and 'id="reclassify-form"' in page
    assert "未评定" in page  # not rated yet
    for persona in ("customer_user", "provider_a_staff", "supervisor"):
        page = _detail(client, world.users[persona], request)
        assert 'id="severity-form"' not in page and 'id="reclassify-form"' not in page


def test_sla_2_web_rating_without_a_reason_shows_the_error_beside_it(client, world):
    request = _leak(world)
    client.force_login(world.users["agent"])
    url = reverse("web:request_severity", args=[request.pk])
    response = client.post(url, {"severity-severity": "1", "severity-reason": ""})
    assert response.status_code == 422
    page = response.content.decode()
    reason_field = page.split('id="field-severity-reason"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in reason_field
    request.refresh_from_db()
    assert request.severity is None
    response = client.post(url, {"severity-severity": "1", "severity-reason": "爆管"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.severity == 1


def test_sla_2_web_a_type_asking_for_more_comes_back_with_its_fields(client, world):
    """The new type's required field is shown with its error beside it; completed, the type changes."""
    request = _leak(world)
    client.force_login(world.users["agent"])
    url = reverse("web:request_reclassify", args=[request.pk])
    fault = world.types["fault"].pk
    response = client.post(url, {"reclassify-request_type": fault, "reclassify-reason": "是停电"})
    assert response.status_code == 422
    page = response.content.decode()
    field = page.split('id="field-reclassify-attr_fault_location"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in field and "故障位置" in page
    assert f'name="reclassify-fields_for" value="{fault}"' in page
    response = client.post(url, {"reclassify-request_type": fault, "reclassify-fields_for": fault,
                                 "reclassify-attr_fault_location": "hv_cable", "reclassify-reason": "是停电"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.request_type_id == fault and request.attributes == {"fault_location": "hv_cable"}


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider"])
def test_sla_2_web_refuses_everyone_else(client, world, persona):
    request = _leak(world)
    client.force_login(world.users[persona])
    for name, data in (("web:request_severity", {"severity-severity": "1", "severity-reason": "x"}),
                       ("web:request_reclassify", {"reclassify-request_type": world.types["fault"].pk,
                                                   "reclassify-reason": "x"})):
        assert client.post(reverse(name, args=[request.pk]), data).status_code in (403, 404)
    request.refresh_from_db()
    assert request.severity is None and request.request_type == world.types["leak"]


def test_sla_2_history_tells_the_changes_in_the_readers_language(client, world):
    """The timeline names the types and levels in the reader's language (zh by default, en)."""
    request = _leak(world)
    agent = world.users["agent"]
    request_set_severity(request=request, actor=agent, severity=2, reason="影响一条街")
    request_reclassify(request=request, actor=agent, request_type="water-outage", reason="是停水")
    chinese = _detail(client, agent, request)
    assert "类型由 报漏 改为 停水" in chinese
    assert "严重等级: — → 二级" in chinese
    assert "修改工单类型" in chinese and "是停水" in chinese
    assert "管径DN 200 mm; 漏水程度 爆管 → —" in chinese  # the dropped type fields, by their labels
    english = _detail(client, agent, request, "en")
    assert "Type changed from Leak report to Water outage" in english
    assert "Severity level: — → Level 2" in english
    assert "Pipe diameter DN 200 mm; Severity Burst → —" in english
    assert "类型由" not in english and "二级" not in english
