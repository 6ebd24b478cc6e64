"""``seed_demo --scale small|medium|large [--seed N] [--append | --reset]``."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from tqdm import tqdm

from servicedesk.core.exceptions import DomainError
from servicedesk.demo.generate import SCALES
from servicedesk.demo.services import SeedReport, demo_data_seed


class Command(BaseCommand):
    help = (
        "Load the demo utility (Shenzhen power and water: units, providers, request types, routing and "
        "priority rules, staff logins) and generate customers, accounts, service points and three months "
        "of contacts, requests and work orders with their history. small = 5,000 customers, medium = "
        "100,000, large = 1,000,000 customers and about 1.4 million service points. The same --seed gives "
        "the same data. Refuses a database that already has customers unless --append (add beside them) "
        "or --reset (empty the WHOLE database first, users included) is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--customers", type=int, help="Override the scale's number of customers.")
        parser.add_argument("--contacts", type=int, help="Override the scale's number of inbound contacts.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--append", action="store_true",
                          help="Add a new city and season beside existing customers.")
        mode.add_argument("--reset", action="store_true",
                          help="Delete ALL data in the database (every table, users included) first.")
        parser.add_argument("--defer-indexes", dest="defer_indexes", action="store_true", default=None,
                            help="Build indexes once after loading (default from 200,000 customers).")
        parser.add_argument("--no-defer-indexes", dest="defer_indexes", action="store_false",
                            help="Maintain indexes row by row while loading.")

    requires_system_checks = []  # the database may not be migrated yet: handle() sees to it

    def handle(self, *args: Any, **options: Any) -> None:
        mode = "append" if options["append"] else "reset" if options["reset"] else "new"
        quiet = options["verbosity"] == 0
        self._database_ready(quiet=quiet)

        def progress(description: str, total: int | None, unit: str) -> tqdm:
            return tqdm(total=total, desc=description, unit=f" {unit}", unit_scale=True, disable=quiet,
                        dynamic_ncols=True, leave=True)

        try:
            report = demo_data_seed(scale=options["scale"], seed=options["seed"],
                                    customers=options["customers"], contacts=options["contacts"], mode=mode,
                                    progress=progress, defer_indexes=options["defer_indexes"])
        except DomainError as error:
            raise CommandError(error.message) from None
        if not quiet:
            self._summary(report)

    def _database_ready(self, *, quiet: bool) -> None:
        """An empty database is migrated first (with Django's progress lines); one migrated in
        part is left alone, with a one-line message (issue 10 item 13: it died with "no such
        table"). The cache table is created either way."""
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan and executor.loader.applied_migrations:
            raise CommandError(_("The database has %(count)d migrations not applied yet: run "
                                 "`servicedesk migrate` first.") % {"count": len(plan)})
        if plan:
            if not quiet:
                self.stdout.write(_("The database is empty: applying %(count)d migrations first.")
                                  % {"count": len(plan)})
            call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
        call_command("createcachetable", verbosity=0)
        self.check()  # the system checks skipped before the tables existed

    def _summary(self, report: SeedReport) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Seeded scale {report.scale} (seed {report.seed}) on {report.vendor} "
            f"in {report.total_seconds:.1f} s"))
        width = max(len(name) for name in report.rows) if report.rows else 10
        for table, count in report.rows.items():
            self.stdout.write(f"  {table:<{width}}  {count:>10,}")
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
        self.stdout.write(f"  phases: {phases}")
