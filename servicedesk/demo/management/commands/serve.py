"""``serve [--bind 0.0.0.0:8000] [--workers N]``: the production web server (gunicorn)."""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from servicedesk.demo.server import default_workers, run_server


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn, static files through WhiteNoise). Configured by the "
        "environment: SECRET_KEY (required), DATABASE_URL, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, REDIS_URL, "
        "WEB_CONCURRENCY, FORWARDED_ALLOW_IPS. Does not migrate or seed: run `servicedesk migrate` once per "
        "release first."
    )
    requires_system_checks = []  # checked below, with the deployment checks' database tag

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SERVICEDESK_BIND", "0.0.0.0:8000"),
                            help="Address to listen on (default 0.0.0.0:8000 or SERVICEDESK_BIND).")
        parser.add_argument("--workers", type=int, default=None,
                            help="Worker processes (default WEB_CONCURRENCY, else 2 × CPUs + 1).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument("--timeout", type=int, default=60,
                            help="Seconds before a stuck worker is restarted.")
        parser.add_argument("--no-access-log", action="store_true", help="Do not log every request.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.environ.get("SECRET_KEY", "").strip():
            raise CommandError(
                "SECRET_KEY is not set. The production server signs sessions and CSRF tokens with it: set "
                "the same long random value on every server, e.g. SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'). For a local trial use `servicedesk demo` instead."
            )
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("SERVICEDESK_DEBUG is on: never in production."))
        self.check(databases=[DEFAULT_DB_ALIAS])
        pending = self._pending_migrations()
        if pending:
            raise CommandError(
                f"{pending} database migration(s) are not applied. Run `servicedesk migrate` first "
                "(once per release, from one machine)."
            )
        try:
            # WhiteNoise warns about a missing STATIC_ROOT; files are served from the package anyway
            # until `servicedesk collectstatic` fills it.
            settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        self.stdout.write(f"Serving on http://{options['bind']} with {workers} worker(s) "
                          f"({connections[DEFAULT_DB_ALIAS].vendor} database).")
        self.stdout.flush()
        run_server(bind=options["bind"], workers=workers, threads=options["threads"],
                   timeout=options["timeout"], access_log=not options["no_access_log"])

    @staticmethod
    def _pending_migrations() -> int:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
