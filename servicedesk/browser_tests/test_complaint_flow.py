"""A complaint's life in a real browser (CMP-1..CMP-7): the agent takes 李丽's complaint about a
partner's work order, is shown it repeats her earlier one and saves it as a repeat; a repeat of a
repeat is major; the agent sends it to three parties; the partner answers its part on a phone;
the departments answer; the agent answers the complaint, records the customer is not satisfied
(reopened, parts sent back), the parties answer again, and the customer is satisfied; a team
lead records a double refund with the partner's deduction.

Headless Chromium from the Debian package (/usr/bin/chromium), as in test_agent_flow.py.
"""

import re
import shutil
from decimal import Decimal

import pytest
from django.urls import reverse

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.complaints.models import Complaint, ComplaintEvent, ComplaintStatus, SettlementDeduction
from servicedesk.complaints.services import ComplaintInput, complaint_take
from servicedesk.customers.models import Account
from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.sla.models import Timer
from servicedesk.testing.complaints import build_complaint_desk
from servicedesk.testing.world import PASSWORD, build_world
from servicedesk.tickets.services import request_create, work_order_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM), reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def chromium():
    with chromium_browser() as browser:
        yield browser


def _page(browser, live_server, username: str, *, phone: bool = False):
    page = browser.new_page(viewport={"width": 390, "height": 844} if phone else None)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("web:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
    return page


def _submit(page, form_id: str) -> None:
    with page.expect_navigation():
        page.click(f"#{form_id} button[type=submit]")


def test_complaint_taken_repeated_major_split_answered_reopened_satisfied_refunded(
    live_server, transactional_db, chromium
):
    world = build_complaint_desk(build_world())
    clerk = User.objects.create_user(
        "business_clerk", password=PASSWORD, role=Role.DISPATCHER, unit=world.units["business"]
    )
    leak = request_create(
        actor=world.users["agent"],
        request_type=world.types["leak"],
        service_point=world.points["alice"],
        attributes={"dn": 100},
    )
    order = work_order_create(request=leak, actor=world.users["dispatcher"], provider=world.providers["b"])
    first = complaint_take(
        ComplaintInput(
            topic="timeliness",
            description="抢修拖了一整天",
            against="provider",
            customer=world.customers["alice"],
            service_point=world.points["alice"],
            about_work_order=order,
        ),
        actor=world.users["agent"],
    )

    agent = _page(chromium, live_server, "agent")
    agent.goto(live_server.url + reverse("web:complaint_new") + f"?customer={world.customers['alice'].pk}")
    agent.select_option("#id_topic", "timeliness")
    agent.fill("#id_description", "第二次投诉：抢修人员还没来")
    agent.select_option("#id_against", "provider")
    agent.fill("#id_about_work_order", order.reference)
    _submit(agent, "complaint-form")
    assert first.reference in agent.inner_text("#repeat-notice")  # shown before saving (CMP-2)
    _submit(agent, "complaint-form")
    second = Complaint.objects.latest("id")
    assert second.repeat_of == first and agent.url.endswith(f"/complaints/{second.pk}/")
    third = complaint_take(
        ComplaintInput(
            topic="timeliness",
            description="第三次投诉",
            against="provider",
            customer=world.customers["alice"],
            about_work_order=order,
        ),
        actor=world.users["agent"],
    )
    third.refresh_from_db()
    assert third.repeat_depth == 2 and third.major  # a repeat of a repeat (CMP-3)

    # Joint dispatch to three parties (CMP-5).
    agent.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
    for party in (
        f"provider:{world.providers['b'].pk}",
        f"unit:{world.units['engineering'].pk}",
        f"unit:{world.units['business'].pk}",
    ):
        agent.select_option("#form-parts select[name=party]", party)
        _submit(agent, "form-parts")
    assert second.parts.count() == 3
    assert (
        Timer.objects.filter(subject_type="complaint_part", subject_id__in=second.parts.values("pk")).count()
        == 6
    )

    def answer_all(text: str) -> None:
        partner = _page(chromium, live_server, "provider_b_staff", phone=True)
        partner.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
        assert "工程部" not in partner.inner_text("main")  # a partner sees only its own part
        partner.fill("article.part textarea[name=text]", text)
        with partner.expect_navigation():
            partner.click("article.part form.stacked button[type=submit]")
        assert partner.evaluate("document.documentElement.scrollWidth") <= 390
        partner.close()
        for username in ("dispatcher", "business_clerk"):
            department = _page(chromium, live_server, username)
            department.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
            department.fill("article.part textarea[name=text]", text)
            with department.expect_navigation():
                department.click("article.part form.stacked button[type=submit]")
            department.close()

    answer_all("已核实并处理")
    agent.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
    agent.fill("#id_result", "抢修已完成，已向客户致歉")
    _submit(agent, "form-answer")
    agent.check("#form-opinion input[value=very_poor]")
    _submit(agent, "form-opinion")
    second.refresh_from_db()
    assert second.status == ComplaintStatus.DISPATCHED and second.reopen_count == 1  # CMP-6
    assert agent.inner_text("#reopen-count") == "1"

    answer_all("再次上门处理完毕")
    agent.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
    agent.fill("#id_result", "再次上门，问题已解决")
    _submit(agent, "form-answer")
    agent.check("#form-opinion input[value=satisfied]")
    _submit(agent, "form-opinion")
    second.refresh_from_db()
    assert second.status == ComplaintStatus.CLOSED and second.satisfaction == "satisfied"
    assert (
        clerk.pk and ComplaintEvent.objects.filter(complaint=second, part=None, action="reopen").count() == 1
    )

    # A double refund with the partner's deduction (CMP-7).
    Account.objects.create(number="A-77", customer=world.customers["alice"])
    lead = _page(chromium, live_server, "team_lead")
    lead.goto(live_server.url + reverse("web:complaint_detail", args=[second.pk]))
    lead.fill("#form-refund input[name=charged_wrongly]", "40")
    lead.select_option("#form-refund select[name=provider]", str(world.providers["b"].pk))
    lead.fill("#form-refund input[name=reason]", "多收了上门服务费")
    _submit(lead, "form-refund")
    assert "80.00" in lead.inner_text("#refunds")
    assert SettlementDeduction.objects.get().amount == Decimal("80.00")
