"""Caller lookup (INT-2): by phone, account number, name and a fragment of a Chinese address."""

import pytest
from django.db import connection

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.customers.selectors import caller_search, check_trigram_cjk, service_points_by_address
from servicedesk.testing.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def _customers(hits):
    return [hit.customer.name if hit.customer else None for hit in hits]


def test_find_caller_by_mobile_in_any_format(world):
    """INT-2: '+86 138-0013-8000' finds the customer stored as 13800138000."""
    assert _customers(caller_search(query="+86 138-0013-8000")) == ["李丽"]
    assert _customers(caller_search(query="0755-8321 1234", kind="phone")) == ["张伟"]


def test_find_caller_by_account_number_and_its_prefix(world):
    hits = caller_search(query="A000000004")
    assert _customers(hits) == ["陈欠费"]
    assert hits[0].matched_on == "account"
    assert "陈欠费" in _customers(caller_search(query="A00000000", kind="account"))


def test_find_caller_by_name_prefix(world):
    assert _customers(caller_search(query="南山人民", kind="name")) == ["南山人民医院"]
    assert _customers(caller_search(query="张伟")) == ["张伟"]


def test_find_caller_by_a_fragment_of_the_chinese_address(world):
    """INT-2: a fragment from the middle of the address, not a prefix."""
    hits = caller_search(query="海岸城3栋")
    assert _customers(hits) == ["李丽"]
    assert [p.number for p in hits[0].service_points] == ["SP000000001"]


def test_address_fragment_shorter_than_three_characters_is_refused_with_a_message(world):
    """No index can serve a two-character fragment; the agent is told to type more."""
    with pytest.raises(ValidationFailed) as raised:
        caller_search(query="岸城", kind="address")
    assert "q" in raised.value.errors
    assert _customers(caller_search(query="海岸城", kind="address")) == ["李丽"]


def test_two_characters_search_names_only(world):
    assert _customers(caller_search(query="张伟")) == ["张伟"]
    with pytest.raises(ValidationFailed):
        caller_search(query="张")


def test_vacant_service_point_is_found_without_customer(world):
    ServicePointFactory(customer=None, account=None,
                        address="深圳市宝安区新安街道宝城67区空置铺位", district="宝安区")
    hits = caller_search(query="宝城67区")
    assert len(hits) == 1 and hits[0].customer is None
    assert hits[0].service_points[0].address.endswith("空置铺位")


def test_address_index_follows_updates_and_deletes(world):
    point = world.points["bob"]
    point.address = "深圳市福田区莲花路2008号"
    point.save()
    assert not service_points_by_address("福华路88号").exists()
    assert list(service_points_by_address("莲花路2008")) == [point]


def test_quotes_and_like_wildcards_in_the_query_are_literal(world):
    assert caller_search(query='"%_') == []
    assert caller_search(query="海岸%城") == []


def test_empty_query_finds_nothing(world):
    assert caller_search(query="   ") == []


def test_trigram_index_understands_chinese_under_this_database_locale(world):
    """On PostgreSQL pg_trgm must cut CJK text into trigrams (not under a C ctype)."""
    assert check_trigram_cjk()


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # tiny tables: ask whether the index CAN serve
            cursor.execute("EXPLAIN " + sql, params)
            rows = cursor.fetchall()
            cursor.execute("RESET enable_seqscan")
            return "\n".join(str(row) for row in rows)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_address_fragment_search_uses_an_index(world):
    """INT-2: the address search is answered from the trigram index, not a scan."""
    sql, params = service_points_by_address("海岸城3栋").query.sql_with_params()
    plan = _plan(sql, list(params))
    if connection.vendor == "postgresql":
        assert "customers_servicepoint_address_trgm" in plan, plan
    else:
        assert "customers_servicepoint_fts VIRTUAL TABLE INDEX" in plan, plan
