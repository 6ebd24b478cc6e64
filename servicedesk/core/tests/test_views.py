"""Web desk basics: sign-in, the home redirect per role, refusals, and the language switch."""

import pytest
from django.conf import settings
from django.urls import reverse

from servicedesk.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default_even_when_the_browser_asks_for_english(client):
    """The desk is Chinese unless someone switches: Accept-Language is ignored on web pages."""
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body
    assert 'lang="zh-CN"' in body


def test_language_switch_sets_the_cookie_and_pages_turn_english(client, users):
    client.force_login(users["agent"])
    response = client.post(reverse("web:language"), {"language": "en", "next": reverse("web:desk")})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:desk")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = client.get(reverse("web:desk")).content.decode()
    assert "Agent desk" in body
    assert "坐席工作台" not in body
    client.post(reverse("web:language"), {"language": "zh-hans", "next": reverse("web:desk")})
    assert "坐席工作台" in client.get(reverse("web:desk")).content.decode()


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(client):
    response = client.post(reverse("web:language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:home")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_sign_in_with_password_leads_the_agent_to_the_desk(client, users):
    response = client.post(reverse("web:login"), {"username": "agent", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:desk")


def test_wrong_password_is_refused_on_the_login_page(client, users):
    response = client.post(reverse("web:login"), {"username": "agent", "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("persona", "page"), [
    ("agent", "web:desk"),
    ("team_lead", "web:desk"),
    ("key_account_manager", "web:desk"),
    ("administrator", "web:desk"),
    ("dispatcher", "web:queue"),
    ("provider_a_staff", "web:work_orders"),
    ("leadership", "web:requests"),
    ("supervisor", "web:requests"),
    ("customer_user", "web:my_requests"),  # issue 10 item 12: their own page, not the staff list
    ("finance", "web:nothing"),
])
def test_home_sends_each_role_to_its_work(client, users, persona, page):
    client.force_login(users[persona])
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(page)


def test_nothing_page_for_a_role_without_pages(client, users):
    client.force_login(users["finance"])
    response = client.get(reverse("web:nothing"))
    assert response.status_code == 200
    assert "暂无" in response.content.decode()


@pytest.mark.parametrize("name", ["web:home", "web:desk", "web:requests", "web:queue", "web:work_orders",
                                  "web:nothing", "web:caller"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login") + "?next=")


def test_logout_is_a_post_and_ends_the_session(client, users):
    client.force_login(users["agent"])
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert client.get(reverse("web:desk")).status_code == 302


def test_admin_link_only_for_administrators(client, users):
    client.force_login(users["administrator"])
    assert reverse("admin:index") in client.get(reverse("web:desk")).content.decode()
    client.force_login(users["agent"])
    assert reverse("admin:index") not in client.get(reverse("web:desk")).content.decode()


def test_refusal_is_a_403_page_in_the_layout(client, users):
    client.force_login(users["finance"])
    response = client.get(reverse("web:desk"))
    assert response.status_code == 403
    assert "无权" in response.content.decode()
