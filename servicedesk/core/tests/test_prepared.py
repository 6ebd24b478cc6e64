"""``core.prepared.RelatedFetch``: the same instances as ``select_related(...).get()`` (OUT-2's
hot path fetches the caller's service point with it)."""

import datetime
from decimal import Decimal

import pytest
from django.db import models

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
        types = {k: type(v) for k, v in _fields(mine).items()}
        assert types == {k: type(v) for k, v in _fields(theirs).items()}
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
                              steps=[{"step": "identify", "n": n}])
                for n, key in enumerate(("alice", "n1", "n2"))]

    by_orm = ContactRecord.objects.bulk_create(contacts("orm"))
    prepared = PreparedInsert(ContactRecord).save_many(contacts("prepared"))
    assert len({c.pk for c in prepared} | {c.pk for c in by_orm}) == 6
    stored = {c.pk: _fields(c) for c in ContactRecord.objects.all()}
    for mine, theirs in zip(prepared, by_orm, strict=True):
        a, b = stored[mine.pk], stored[theirs.pk]
        for row in (a, b):
            row.pop("id"), row.pop("notes"), row.pop("started_at")
        assert a == b


# ----------------------------------------------------------------------------------------------
# Every PreparedInsert declared writes the row save() writes (issue 12: a new field, a default or a
# signal receiver must not make the hot path's rows differ from the ORM's).


def _has_unique(model) -> bool:
    return any(f.unique and not f.primary_key for f in model._meta.concrete_fields) or any(
        getattr(c, "fields", None) for c in model._meta.constraints) or bool(model._meta.unique_together)


def _given(instance) -> dict:
    """The values a service would give: every field without a default (defaults, auto_now and the
    clock's own moments are left to the write)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields
            if not f.primary_key and not f.has_default() and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)}


def _clock_field(field) -> bool:
    return isinstance(field, models.DateTimeField) and (
        callable(getattr(field, "default", None)) or field.auto_now or field.auto_now_add)


def _row(model, pk) -> dict:
    return {f.attname: getattr(model.objects.get(pk=pk), f.attname) for f in model._meta.concrete_fields}


@pytest.mark.django_db
def test_every_prepared_insert_writes_the_row_save_writes(world):
    """INT-7, OUT-2: a request (with its contact, history row, clocks and idempotency record) and a
    fault call, written through the API's hot paths; then for each model with a PreparedInsert, a
    new row from the same given values written once by save() and once by the PreparedInsert."""
    import servicedesk.api  # noqa: F401 — every PreparedInsert is declared at import
    from servicedesk.core.prepared import DECLARED
    from servicedesk.core.tests.api_helpers import as_
    from servicedesk.sla.models import Calendar, Policy, Target

    around_the_clock = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK,
                                               windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="resolution", calendar=around_the_clock,
                          duration_minutes=8 * 60)
    agent = as_(world, "agent")
    made = agent.post("/requests", {"request_type": "leak", "service_point_id": world.points["alice"].pk,
                                    "attributes": {"dn": 100}}, key="parity-request")
    assert made.status_code == 201, made.content
    called = agent.post("/fault-calls", {"service_point_id": world.points["bob"].pk, "problem": {
        "fault_location": "service_point"}}, key="parity-call")
    assert called.status_code == 201, called.content

    models_declared = {declared.model for declared in DECLARED}
    assert {"ContactRecord", "ServiceRequest", "RequestEvent", "Timer", "IdempotencyRecord",
            "FaultCall"} <= {m.__name__ for m in models_declared}
    for declared in DECLARED:
        model = declared.model
        source = model.objects.order_by("-pk").first()
        assert source is not None, model
        given = _given(source)
        if _has_unique(model):
            model.objects.filter(pk=source.pk).delete()
        by_orm = model(**given)
        by_orm.save()
        theirs = _row(model, by_orm.pk)
        if _has_unique(model):
            model.objects.filter(pk=by_orm.pk).delete()
        prepared = declared.save(model(**given))
        mine = _row(model, prepared.pk)
        for field in model._meta.concrete_fields:
            if field.primary_key:
                mine.pop(field.attname), theirs.pop(field.attname)
            elif _clock_field(field):
                a, b = mine.pop(field.attname), theirs.pop(field.attname)
                assert (a is None) == (b is None), field
                assert a is None or abs(a - b) < datetime.timedelta(minutes=1), field
        assert mine == theirs, model.__name__
