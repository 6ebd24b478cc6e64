"""System check: the address index must understand Chinese (INT-2)."""

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError, connection


@register("database")
def trigram_understands_chinese(app_configs=None, databases=None, **kwargs) -> list[CheckMessage]:  # type: ignore[no-untyped-def]
    if not databases or "default" not in databases or connection.vendor != "postgresql":
        return []
    from servicedesk.customers.selectors import check_trigram_cjk

    try:
        if check_trigram_cjk():
            return []
    except DatabaseError:
        return []  # pg_trgm not installed yet: the migration installs it
    return [
        Warning(
            "pg_trgm does not index Chinese text under this database's LC_CTYPE; address search "
            "will find nothing.",
            hint="Create the database with a UTF-8 ctype, e.g. CREATE DATABASE servicedesk LC_CTYPE "
            "'C.UTF-8' TEMPLATE template0.",
            id="customers.W001",
        )
    ]
