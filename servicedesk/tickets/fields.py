"""Validation of a request's type fields (INT-4): the field definitions are data."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from servicedesk.tickets.exceptions import InvalidAttributes
from servicedesk.tickets.models import RequestType, RequestTypeField

Kind = RequestTypeField.Kind


def _clean_value(field: RequestTypeField, raw: Any) -> Any:
    """Return the stored (JSON) value, or raise ValueError with the problem."""
    if field.kind in (Kind.TEXT, Kind.TEXTAREA):
        value = str(raw).strip()
        limit = 200 if field.kind == Kind.TEXT else 4000
        if len(value) > limit:
            raise ValueError(_("at most %(n)d characters") % {"n": limit})
        return value
    if field.kind == Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(_("must be true or false"))
    if field.kind == Kind.CHOICE:
        allowed = [str(c["value"]) for c in field.choices]
        if str(raw) not in allowed:
            raise ValueError(_("must be one of: %(values)s") % {"values": ", ".join(allowed)})
        return str(raw)
    if field.kind == Kind.DATE:
        try:
            return datetime.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise ValueError(_("must be a date like 2026-05-01")) from None
    # Numbers.
    if isinstance(raw, bool):
        raise ValueError(_("must be a number"))
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(_("must be a number")) from None
    if not number.is_finite():
        raise ValueError(_("must be a number"))
    if field.kind == Kind.INTEGER and number != number.to_integral_value():
        raise ValueError(_("must be a whole number"))
    if field.min_value is not None and number < field.min_value:
        raise ValueError(_("must be at least %(min)s") % {"min": _plain(field.min_value)})
    if field.max_value is not None and number > field.max_value:
        raise ValueError(_("must be at most %(max)s") % {"max": _plain(field.max_value)})
    if field.kind == Kind.INTEGER:
        return int(number)
    return float(number)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def clean_attributes(request_type: RequestType, raw: dict[str, Any] | None,
                     fields: list[RequestTypeField] | None = None) -> dict[str, Any]:
    """Check ``raw`` against the type's fields; every problem is reported at once."""
    raw = dict(raw or {})
    if fields is None:
        fields = list(request_type.fields.all())
    by_key = {f.key: f for f in fields}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in raw:
        if key not in by_key:
            errors[f"attributes.{key}"] = _("is not a field of request type "
                                            "%(type)s") % {"type": request_type.code}
    for field in fields:
        value = raw.get(field.key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                errors[f"attributes.{field.key}"] = _("this field is required")
            continue
        try:
            cleaned[field.key] = _clean_value(field, value)
        except ValueError as problem:
            errors[f"attributes.{field.key}"] = str(problem)
    if errors:
        raise InvalidAttributes(errors)
    return cleaned
