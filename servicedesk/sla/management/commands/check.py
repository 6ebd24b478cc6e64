"""Django's ``check``, with the official-holiday coverage warning (``sla.W001``) switched on.

The warning is a system check so that ``servicedesk check`` (and ``--tag sla``, ``--fail-level``,
``SILENCED_SYSTEM_CHECKS``) treat it like any other; but Django runs the system checks on most
commands, and a warning printed at every ``migrate``, ``serve`` or ``worker`` start is noise that
people learn to skip (issue 10 item 13). It speaks only here.
"""

from typing import Any

from django.core.management.commands.check import Command as DjangoCheckCommand

from servicedesk.sla.checks import checking_command


class Command(DjangoCheckCommand):
    # django-stubs type each of check's app labels as a list[str]; they are strs.
    def handle(self, *app_labels: str, **options: Any) -> None:  # type: ignore[override]
        with checking_command():
            super().handle(*app_labels, **options)  # type: ignore[arg-type]
