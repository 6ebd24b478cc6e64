"""``core.prepared.RelatedFetch``: the same instances as ``select_related(...).get()`` (OUT-2's
hot path fetches the caller's service point with it)."""

import datetime
from decimal import Decimal

import pytest

from servicedesk.core.prepared import RelatedFetch
from servicedesk.customers.models import Account, ServicePoint

FETCH = RelatedFetch(ServicePoint, ("customer", "account", "device"))


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.mark.django_db
def test_related_fetch_gives_the_instances_select_related_gives(world):
    point = world.points["alice"]
    Account.objects.filter(pk=point.account_id).update(amount_owed=Decimal("123.45"))
    expected = ServicePoint.objects.select_related("customer", "account", "device").get(pk=point.pk)
    fetched = FETCH.get(point.pk)
    for mine, theirs in ((fetched, expected), (fetched.customer, expected.customer),
                         (fetched.account, expected.account), (fetched.device, expected.device)):
        assert type(mine) is type(theirs)
        assert _fields(mine) == _fields(theirs)
        assert {k: type(v) for k, v in _fields(mine).items()} == {k: type(v) for k, v in _fields(theirs).items()}
    # Converted as the ORM converts them: a decimal, an aware datetime, a JSON list.
    assert fetched.account.amount_owed == Decimal("123.45")
    assert isinstance(fetched.customer.created_at, datetime.datetime) and fetched.customer.created_at.tzinfo
    assert isinstance(fetched.device.lineage, list) and fetched.device.lineage
    # The related rows are cached: no query to reach them.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        reached = (fetched.customer.name, fetched.account.number, fetched.device.code)
    assert reached == (expected.customer.name, expected.account.number, expected.device.code)
    assert len(queries) == 0


@pytest.mark.django_db
def test_related_fetch_of_a_missing_row_or_a_missing_relation(world):
    assert FETCH.get(10**9) is None
    point = world.points["alice"]
    ServicePoint.objects.filter(pk=point.pk).update(device=None, account=None)
    fetched = FETCH.get(point.pk)
    assert fetched.device is None and fetched.account is None and fetched.customer == point.customer


@pytest.mark.django_db
def test_prepared_insert_writes_the_row_save_writes(world):
    """Defaults, JSON, time zones and foreign keys as ``save()`` writes them; the id read back."""
    from django.utils import timezone

    from servicedesk.contacts.models import ContactRecord
    from servicedesk.core.prepared import PreparedInsert

    point = world.points["alice"]
    started = timezone.now() - datetime.timedelta(minutes=3)

    def contact() -> ContactRecord:
        return ContactRecord(agent=world.users["agent"], customer=point.customer, service_point=point,
                             reporter_phone="13800000000", started_at=started, notes="停电",
                             steps=[{"step": "identify", "result": "customer", "told": "已记录"}])

    by_orm, prepared = contact(), contact()
    by_orm.save()
    assert PreparedInsert(ContactRecord).save(prepared) is prepared
    assert prepared.pk is not None and prepared.pk != by_orm.pk and not prepared._state.adding
    stored = {c.pk: _fields(c) for c in ContactRecord.objects.filter(pk__in=[by_orm.pk, prepared.pk])}
    mine, theirs = stored.pop(prepared.pk), stored.pop(by_orm.pk)
    mine.pop("id"), theirs.pop("id")
    assert mine == theirs
    assert mine["steps"][0]["told"] == "已记录" and mine["started_at"] == started


@pytest.mark.django_db
def test_prepared_insert_of_many_rows_writes_what_bulk_create_writes(world):
    from django.utils import timezone

    from servicedesk.contacts.models import ContactRecord
    from servicedesk.core.prepared import PreparedInsert

    def contacts(note: str) -> list[ContactRecord]:
        return [ContactRecord(agent=world.users["agent"], customer=world.points[key].customer,
                              service_point=world.points[key], started_at=timezone.now(), notes=note,
                              steps=[{"step": "identify", "n": n}]) for n, key in enumerate(("alice", "n1", "n2"))]

    by_orm = ContactRecord.objects.bulk_create(contacts("orm"))
    prepared = PreparedInsert(ContactRecord).save_many(contacts("prepared"))
    assert len({c.pk for c in prepared} | {c.pk for c in by_orm}) == 6
    stored = {c.pk: _fields(c) for c in ContactRecord.objects.all()}
    for mine, theirs in zip(prepared, by_orm, strict=True):
        a, b = stored[mine.pk], stored[theirs.pk]
        for row in (a, b):
            row.pop("id"), row.pop("notes"), row.pop("started_at")
        assert a == b
