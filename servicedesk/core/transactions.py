"""One transaction per write, without a savepoint for every service it calls.

``transaction.atomic`` inside another atomic block makes a savepoint: two more statements (SAVEPOINT,
RELEASE SAVEPOINT), and on PostgreSQL a subtransaction. A fault call taken through the API nested
three deep (the API's write, ``fault_call_take``, ``request_create``): four statements of its ten
did nothing but that. A savepoint is needed only where a caller catches an error from inside and
carries on in the same transaction.

``unit()`` is ``atomic()`` for a write that is all or nothing: the outermost ``unit`` opens the
transaction and says so on the connection, and a ``unit`` inside it joins that transaction
(``atomic(savepoint=False)``): an error anywhere inside rolls the whole of it back, which is what
the outermost ``unit`` was going to do anyway (no code under a ``unit`` catches a database error
and goes on). Inside a plain ``atomic`` block (a caller that may catch and go on, or a test's own
transaction) a ``unit`` keeps its savepoint, exactly as ``atomic`` would.
"""

from contextlib import ContextDecorator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

# Set on the connection while the outermost ``unit`` is open.
_MARK = "_servicedesk_unit"


class unit(ContextDecorator):  # noqa: N801 - used like transaction.atomic
    def __init__(self, using: str | None = None) -> None:
        self.using = using or DEFAULT_DB_ALIAS
        self._atomic: Any = None
        self._outermost = False

    def __enter__(self) -> None:
        connection = transaction.get_connection(self.using)
        if not connection.in_atomic_block:
            self._outermost = True
            self._atomic = transaction.atomic(using=self.using)
        else:
            joined = getattr(connection, _MARK, False)
            self._atomic = transaction.atomic(using=self.using, savepoint=not joined)
        self._atomic.__enter__()
        if self._outermost:
            setattr(connection, _MARK, True)

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if self._outermost:
            setattr(transaction.get_connection(self.using), _MARK, False)
        self._atomic.__exit__(exc_type, exc_value, traceback)

    def _recreate_cm(self) -> "unit":
        # As a decorator, each call gets its own state (ContextDecorator reuses the instance).
        return unit(self.using)
