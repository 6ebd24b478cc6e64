"""``seed_demo --scale small|medium|large [--seed N] [--append | --reset]``."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
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

    def handle(self, *args: Any, **options: Any) -> None:
        mode = "append" if options["append"] else "reset" if options["reset"] else "new"
        quiet = options["verbosity"] == 0

        def progress(description: str, total: int | None, unit: str) -> tqdm:
            return tqdm(total=total, desc=description, unit=f" {unit}", unit_scale=True, disable=quiet,
                        dynamic_ncols=True, leave=True)

        try:
            report = demo_data_seed(scale=options["scale"], seed=options["seed"], customers=options["customers"],
                                    contacts=options["contacts"], mode=mode, progress=progress,
                                    defer_indexes=options["defer_indexes"])
        except DomainError as error:
            raise CommandError(error.message) from None
        if not quiet:
            self._summary(report)

    def _summary(self, report: SeedReport) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Seeded scale {report.scale} (seed {report.seed}) on {report.vendor} in {report.total_seconds:.1f} s"))
        width = max(len(name) for name in report.rows) if report.rows else 10
        for table, count in report.rows.items():
            self.stdout.write(f"  {table:<{width}}  {count:>10,}")
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
        self.stdout.write(f"  phases: {phases}")
