"""What a network import answers: the report of what it did, or the rejection of a file with bad
rows (every problem with its line and column; nothing imported)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicedesk.core.exceptions import ValidationFailed


@dataclass(frozen=True, order=True)
class RowError:
    """One problem of the file: the line it is on (the header is line 1), the column, what is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("line %(line)d, %(field)s: %(message)s") % {"line": self.line, "field": self.field,
                                                              "message": self.message}


class NetworkImportRejected(ValidationFailed):
    """The file has bad rows; nothing was imported. ``row_errors`` lists every problem."""

    code = "network_import_rejected"

    def __init__(self, row_errors: Iterable[RowError]) -> None:
        self.row_errors = sorted(row_errors)
        count = len(self.row_errors)
        errors: dict[str, str] = {}
        for error in self.row_errors:
            key = f"line {error.line}: {error.field}"
            errors[key] = f"{errors[key]} {error.message}" if key in errors else error.message
        super().__init__(ngettext("The file has %(count)d problem; nothing was imported.",
                                  "The file has %(count)d problems; nothing was imported.",
                                  count) % {"count": count},
                         errors=errors)


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: Counter[str] = field(default_factory=Counter)  # by device kind
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    service_points_attached: int = 0
    service_points_unchanged: int = 0
    devices_relineaged: int = 0  # devices not in the file whose ancestors changed (a moved parent)
    seconds: float = 0.0
