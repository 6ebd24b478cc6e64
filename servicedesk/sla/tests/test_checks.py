"""The official-holiday coverage warning ``sla.W001`` speaks on ``servicedesk check`` only (issue 10
item 13, SLA-1): Django runs the system checks on most commands, where it was printed at every
start."""

import datetime
import io
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

pytestmark = pytest.mark.django_db
NOVEMBER = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # 41 days before the end


def _run(*args: str, **options: object) -> str:
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOVEMBER, tick=False):
        call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def test_check_shows_the_coverage_warning():
    """Issue 10 item 13: `servicedesk check` warns that the holidays run out on 2026-12-31."""
    output = _run("check")
    assert "sla.W001" in output and "2026-12-31" in output


def test_other_commands_run_the_system_checks_without_the_coverage_warning():
    """Issue 10 item 13: a command that runs the system checks (skip_checks=False, as on the
    command line) no longer prints the warning."""
    output = _run("showmigrations", "sla", skip_checks=False)
    assert "0006_provisional_holidays" in output
    assert "sla.W001" not in output and "2026-12-31" not in output


@pytest.mark.parametrize("arguments", [["--help"], ["create-token", "--help"]])
def test_help_prints_no_warning(tmp_path, arguments):
    """Issue 10 item 13: `servicedesk --help` shows the commands, and nothing about holidays."""
    environment = {**os.environ, "SERVICEDESK_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "servicedesk.cli", *arguments], capture_output=True,
                            text=True, env=environment, timeout=120, check=True)
    assert "usage" in (result.stdout + result.stderr).lower() or "用法" in result.stdout
    assert "W001" not in result.stdout + result.stderr
    assert "chinesecalendar" not in result.stdout + result.stderr


def test_the_admin_shows_the_coverage_warning_once_a_day(client, world):
    """Issue 10 item 13: on the SLA pages of the admin, once a day per administrator's session (the
    admin's index keeps it as a banner)."""
    with time_machine.travel(NOVEMBER, tick=False):
        client.force_login(world.users["administrator"])
        first = client.get("/admin/sla/calendar/").content.decode()
        again = client.get("/admin/sla/policy/").content.decode()
        index = client.get("/admin/").content.decode()
    with time_machine.travel(NOVEMBER + datetime.timedelta(days=1), tick=False):
        next_day = client.get("/admin/sla/calendar/").content.decode()
    assert "2026-12-31" in first and "2026-12-31" not in again
    assert "2026-12-31" in index and "official-holiday-banner" in index
    assert "2026-12-31" in next_day
