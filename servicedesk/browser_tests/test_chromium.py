"""The browser tests leave nothing open on the database (issue 10 item 13: the PostgreSQL run left
``test_<name>`` behind, "being accessed by other users", because connections opened by a test's own
code while Playwright's loop ran were never closed)."""

import shutil

import pytest
from django.db import connection

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.org.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_no_database_session_outlives_the_browser():
    if connection.vendor != "postgresql":
        pytest.skip("sessions on the server: PostgreSQL only")
    before = _other_sessions()
    with chromium_browser() as browser:
        browser.new_page()
        assert User.objects.count() >= 0  # the test's own read, while Playwright's loop runs
    assert _other_sessions() == before
