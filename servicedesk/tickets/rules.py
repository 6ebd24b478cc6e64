"""Conditions of routing and priority rules (INT-6, INT-7), evaluated against a request's facts.

A condition is ``{"field": ..., "op": ..., "value": ...}``. Fields name a fact of the request:

- ``attributes.<key>``: a type field, e.g. ``attributes.dn`` (pipe diameter) or ``attributes.fault_location``
- ``channel``, ``district``, ``utility``
- ``customer.class``, ``customer.flags`` (a list of flag codes), ``customer.key_account`` (true/false)

A missing fact never matches, except with ``op: "missing"``.
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "exists", "missing")
SIMPLE_FIELDS = ("channel", "district", "utility", "customer.class", "customer.flags", "customer.key_account")

_MISSING = object()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op in ("lt", "lte", "gt", "gte"):
        left, right = _number(actual), _number(expected)
        if left is None or right is None:
            return False
        return {"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}[op]
    if op in ("eq", "ne"):
        left_number, right_number = _number(actual), _number(expected)
        if left_number is not None and right_number is not None:
            equal = left_number == right_number
        else:
            equal = actual == expected
        return equal if op == "eq" else not equal
    if op in ("in", "not_in"):
        found = actual in expected or str(actual) in [str(v) for v in expected]
        return found if op == "in" else not found
    if op == "contains":
        return expected in actual if isinstance(actual, list | tuple | set | str) else False
    raise ValueError(op)


def condition_matches(condition: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    actual = facts.get(condition["field"], _MISSING)
    op = condition["op"]
    if op == "exists":
        return actual is not _MISSING and actual not in (None, "")
    if op == "missing":
        return actual is _MISSING or actual in (None, "")
    if actual is _MISSING or actual is None:
        return False
    return _compare(op, actual, condition.get("value"))


def conditions_match(conditions: list[Mapping[str, Any]], facts: Mapping[str, Any]) -> bool:
    return all(condition_matches(c, facts) for c in conditions)


def validate_conditions(value: object) -> None:
    """Model-field validator: a list of well-formed conditions, so a bad rule cannot be saved."""
    if not isinstance(value, list):
        raise ValidationError("Conditions must be a list.")
    for index, condition in enumerate(value, start=1):
        if not isinstance(condition, dict):
            raise ValidationError(f"Condition {index} must be an object with field, op and value.")
        field, op = condition.get("field"), condition.get("op")
        if not isinstance(field, str) or not (field in SIMPLE_FIELDS or field.startswith("attributes.")):
            raise ValidationError(
                f"Condition {index}: unknown field {field!r}; use attributes.<key> or one of "
                f"{', '.join(SIMPLE_FIELDS)}."
            )
        if op not in OPERATORS:
            raise ValidationError(f"Condition {index}: unknown op {op!r}; use one of {', '.join(OPERATORS)}.")
        if op in ("in", "not_in") and not isinstance(condition.get("value"), list):
            raise ValidationError(f"Condition {index}: {op} needs a list value.")
        if op in ("lt", "lte", "gt", "gte") and _number(condition.get("value")) is None:
            raise ValidationError(f"Condition {index}: {op} needs a number.")
        if op not in ("exists", "missing") and "value" not in condition:
            raise ValidationError(f"Condition {index}: a value is required.")
