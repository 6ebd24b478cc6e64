"""``demo [--port 8000] [--no-seed]``: everything needed to try the service desk on one machine.

1. Create the data folder and its SQLite database (or use DATABASE_URL if set), migrate, create
   the cache table.
2. Load the small demo data set when the database has no customers yet.
3. Print the URL and the demo logins, and serve with gunicorn on 127.0.0.1.
"""

import os
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils.translation import gettext as _
from tqdm import tqdm

from servicedesk.customers.models import Customer
from servicedesk.demo.reference import DEMO_LOGINS, DEMO_PASSWORD
from servicedesk.demo.server import run_server
from servicedesk.demo.services import demo_data_seed
from servicedesk.org.models import User
from servicedesk.org.roles import Role


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if ord(char) >= 0x1100 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def logins_table() -> str:
    """The demo logins of every role: username, password, role, what to try."""
    names = dict(User.objects.filter(username__in=[login.username for login in DEMO_LOGINS])
                 .values_list("username", "full_name"))
    roles = dict(Role.choices)
    header = (_("username"), _("password"), _("role"), _("what to try"))
    rows = [
        (login.username, DEMO_PASSWORD, f"{roles[login.role]} ({names[login.username]})"
         if login.username in names else str(roles[login.role]), str(login.try_this))
        for login in DEMO_LOGINS
    ]
    widths = [max(_width(row[column]) for row in [header, *rows]) for column in range(3)]
    lines = ["  ".join(_pad(cell, widths[index]) if index < 3 else cell for index, cell in enumerate(row))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in [*widths, _width(header[3])]))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Try the service desk: create the data folder and its SQLite database (DATABASE_URL if set), "
        "migrate, load the small demo data when there are no customers, print the logins and serve on "
        "http://127.0.0.1:PORT with gunicorn."
    )
    requires_system_checks = []  # the database may not exist yet; migrate runs the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port on 127.0.0.1 (default 8000).")
        parser.add_argument("--no-seed", action="store_true",
                            help="Do not load demo data into an empty database.")
        parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        # WhiteNoise serves from the finders in the demo; an existing STATIC_ROOT keeps it quiet.
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        where = (str(settings.DATABASES["default"]["NAME"]) if connection.vendor == "sqlite"
                 else f"{connection.vendor} {settings.DATABASES['default'].get('NAME')}")
        self.stdout.write(_("Database: %(where)s") % {"where": where})
        self.stdout.write(_("Applying migrations…"))
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if not options["no_seed"] and not Customer.objects.exists():
            self.stdout.write(_("Loading the demo data (small: 5,000 customers, three months of service)…"))
            report = demo_data_seed(scale="small", progress=self._progress)
            self.stdout.write(_("Demo data loaded in %(seconds).1f s.") % {"seconds": report.total_seconds})
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Service desk demo: %(url)s") % {"url": url}))
        self.stdout.write(_("Every demo user has the password %(password)s:") % {"password": DEMO_PASSWORD})
        self.stdout.write("")
        self.stdout.write(logins_table())
        self.stdout.write("")
        self.stdout.flush()

        def when_ready(server: Any) -> None:
            seconds = time.monotonic() - started
            sys.stdout.write(_("Ready after %(seconds).1f s at %(url)s (Ctrl-C stops the server)") %
                             {"seconds": seconds, "url": url} + "\n")
            sys.stdout.flush()

        # The background worker (SLA warnings, e-mail, recomputation) in a child process; it starts
        # while gunicorn does, so the demo's start time does not grow.
        worker = subprocess.Popen([sys.executable, "-m", "servicedesk.cli", "worker", "--workers", "1"],
                                  env=os.environ.copy())
        self.stdout.write(_("Background worker started (process %(pid)d).") % {"pid": worker.pid})
        try:
            run_server(bind=f"127.0.0.1:{options['port']}", workers=options["workers"], access_log=False,
                       log_level="warning", when_ready=when_ready)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _progress(self, description: str, total: int | None, unit: str) -> tqdm:
        return tqdm(total=total, desc=description, unit=f" {unit}", unit_scale=True, leave=False,
                    dynamic_ncols=True, file=sys.stderr)
