"""``import_network FILE [--dry-run]``: the supply network and its service points from CSV (OUT-1).

The work is ``network.importer.network_import``; this prints its progress, every bad row (one per
line) or the summary.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from servicedesk.core.exceptions import DomainError
from servicedesk.network.import_results import ImportReport, NetworkImportRejected
from servicedesk.network.importer import network_import
from servicedesk.network.models import PARENT_KIND, DeviceKind


class Command(BaseCommand):
    help = (
        "Import network devices and service-point attachments from a CSV file (UTF-8). Header: kind,code,"
        "parent,name,dn,district,location. kind is substation, feeder, section, transformer, zone, pipe "
        "or service_point (code = the service point's number, parent = its transformer or pipe segment). "
        "Rows in any order; existing codes are updated. Every bad row is listed and nothing is imported "
        "if any row is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file, or - for standard input.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and count the changes only.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        source: Any = sys.stdin.buffer if path == "-" else Path(path)
        if path != "-" and not source.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        quiet = options["verbosity"] == 0

        def progress(description: str, total: int | None, unit: str) -> tqdm:
            return tqdm(total=total, desc=description, unit=f" {unit}", unit_scale=True, disable=quiet,
                        dynamic_ncols=True, leave=False, file=sys.stderr)

        try:
            report = network_import(source, dry_run=options["dry_run"], progress=progress)
        except NetworkImportRejected as error:
            for row_error in error.row_errors:
                self.stderr.write(str(row_error))
            raise CommandError(error.message) from None
        except DomainError as error:
            raise CommandError(error.message) from None
        if not quiet:
            self._summary(report, path)

    def _summary(self, report: ImportReport, path: str) -> None:
        if report.dry_run:
            self.stdout.write(self.style.WARNING(
                _("Dry run: %(path)s is sound (%(rows)d rows); nothing was written. It would make:") % {
                    "path": path, "rows": report.rows}))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported %(path)s (%(rows)d rows) in "
                                                   "%(seconds).1f s.") % {
                "path": path, "rows": report.rows, "seconds": report.seconds}))
        header = (_("kind"), _("created"), _("updated"), _("unchanged"))
        lines = [header] + [
            (str(DeviceKind(kind).label), f"{report.created[kind]:,}", f"{report.updated[kind]:,}",
             f"{report.unchanged[kind]:,}")
            for kind in PARENT_KIND
            if report.created[kind] or report.updated[kind] or report.unchanged[kind]
        ]
        if len(lines) > 1:
            widths = [max(_width(line[column]) for line in lines) for column in range(4)]
            for line in lines:
                self.stdout.write("  " + "  ".join(
                    _pad(cell, widths[index], right=index > 0) for index, cell in enumerate(line)))
        if report.devices_relineaged:
            self.stdout.write(_("  Devices under moved devices placed again: %(count)d") % {
                "count": report.devices_relineaged})
        self.stdout.write(_("  Service points attached: %(attached)s, already in place: %(unchanged)s") % {
            "attached": f"{report.service_points_attached:,}",
            "unchanged": f"{report.service_points_unchanged:,}"})


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if ord(char) >= 0x1100 else 1 for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    padding = " " * max(0, width - _width(text))
    return padding + text if right else text + padding
