"""``core.transactions.unit``: one transaction per write, savepoints only where a caller may catch
and go on (the fault call's hot path, OUT-2, lost four of its ten statements to savepoints)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from servicedesk.core.models import IdempotencyRecord
from servicedesk.core.transactions import unit
from servicedesk.org.models import User


def _record(user: User, key: str) -> None:
    IdempotencyRecord.objects.create(user=user, key=key, endpoint="POST /x", request_hash="0" * 64,
                                     status_code=201, response_body={})


@unit()
def _service(user: User, key: str, *, fail: bool = False) -> None:
    _record(user, key)
    if fail:
        raise ValueError("refused")


def _savepoints(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]


@pytest.fixture
def user(db):
    return User.objects.create_user(username="tx", password="x", role="agent")


@pytest.mark.django_db(transaction=True)
def test_a_unit_inside_a_unit_joins_its_transaction_without_a_savepoint(user):
    with CaptureQueriesContext(connection) as queries:
        with unit():
            _service(user, "a")
            _service(user, "b")
    assert _savepoints(queries) == []
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"a", "b"}


@pytest.mark.django_db(transaction=True)
def test_an_error_in_an_inner_unit_rolls_the_whole_unit_back(user):
    with pytest.raises(ValueError):
        with unit():
            _service(user, "a")
            _service(user, "b", fail=True)
    assert not IdempotencyRecord.objects.exists()
    # The connection is usable and the next unit opens its own transaction.
    _service(user, "c")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["c"]


@pytest.mark.django_db(transaction=True)
def test_inside_a_plain_atomic_block_a_unit_keeps_its_savepoint(user):
    """A caller that catches an error and goes on (``atomic``, not ``unit``) keeps what it did."""
    with transaction.atomic():
        _record(user, "kept")
        with CaptureQueriesContext(connection) as queries:
            try:
                _service(user, "lost", fail=True)
            except ValueError:
                pass
        _record(user, "after")
    assert _savepoints(queries)
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"kept", "after"}


@pytest.mark.django_db(transaction=True)
def test_the_mark_is_gone_after_the_unit(user):
    with unit():
        _service(user, "a")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            _service(user, "b")
    assert _savepoints(queries)
