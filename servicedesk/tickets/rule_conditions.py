"""Conditions of routing and priority rules as administrators edit them (INT-6, INT-7).

The stored format stays the JSON list of ``tickets/rules.py``; this module is what lets an
administrator write it without knowing it:

1. ``fact_catalogue()``: every fact a rule can read, with its label in the user's language, its
   kind (number, yes/no, text, list) and, when it has one, its list of values with their labels
   (channels, customer classes and flags, utilities, districts, the choices of a request type's
   fields defined as data);
2. ``condition_to_row`` / ``rows_to_conditions``: one stored condition to the row of the form
   (field, operator, value as text) and back, typing the values as the facts are typed (a pipe
   diameter is a number, a key account yes/no a boolean), so that the JSON reads the same after a
   round trip through the form;
3. ``conditions_problems``: what is wrong with each condition, named by its position and label,
   for the errors beside the field.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Channel
from servicedesk.customers.models import Customer, CustomerFlag, ServicePoint
from servicedesk.org.models import OrgUnit
from servicedesk.tickets.models import RequestTypeField
from servicedesk.tickets.rules import OPERATORS

NUMBER, BOOLEAN, TEXT, LIST = "number", "boolean", "text", "list"
LIST_OPERATORS = ("in", "not_in")  # the value is a list of values
NO_VALUE_OPERATORS = ("exists", "missing")
NUMBER_OPERATORS = ("lt", "lte", "gt", "gte")

OPERATOR_LABELS = {
    "eq": pgettext_lazy("rule condition", "is"),
    "ne": pgettext_lazy("rule condition", "is not"),
    "lt": pgettext_lazy("rule condition", "is less than"),
    "lte": pgettext_lazy("rule condition", "is at most"),
    "gt": pgettext_lazy("rule condition", "is greater than"),
    "gte": pgettext_lazy("rule condition", "is at least"),
    "in": pgettext_lazy("rule condition", "is one of"),
    "not_in": pgettext_lazy("rule condition", "is none of"),
    "contains": pgettext_lazy("rule condition", "includes"),
    "exists": pgettext_lazy("rule condition", "is filled in"),
    "missing": pgettext_lazy("rule condition", "is empty"),
}
assert set(OPERATOR_LABELS) == set(OPERATORS)

GROUP_LABELS = {
    "request": gettext_lazy("Request"),
    "customer": gettext_lazy("Customer"),
    "type_field": gettext_lazy("Fields of request types"),
}


@dataclass(frozen=True)
class Fact:
    key: str  # as stored: "channel", "customer.flags", "attributes.dn"
    label: str
    group: str  # a key of GROUP_LABELS
    kind: str  # NUMBER, BOOLEAN, TEXT or LIST (a list of codes, e.g. the customer's flags)
    values: tuple[tuple[str, str], ...] = ()  # (value as text, label) when the fact has a list of values
    closed: bool = True  # only the listed values are valid (not so for districts: a new one may come)

    def value_label(self, value: str) -> str:
        return dict(self.values).get(value, value)


@dataclass
class Catalogue:
    facts: dict[str, Fact] = field(default_factory=dict)

    def fact(self, key: str) -> Fact:
        """The fact of ``key``; an attribute no request type defines (any more) is free text."""
        if key in self.facts:
            return self.facts[key]
        return Fact(key=key, label=key.removeprefix("attributes."), group="type_field", kind=TEXT)

    def label(self, key: str) -> str:
        return self.fact(key).label

    def as_json(self) -> dict[str, Any]:
        """What the form's script needs to build a value input when the field changes."""
        return {key: {"kind": fact.kind, "values": [list(pair) for pair in fact.values],
                      "closed": fact.closed}
                for key, fact in self.facts.items()}


def _english() -> bool:
    return get_language() == "en"


def _choices(choices: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in choices)


def _type_field_facts() -> list[Fact]:
    """One fact per key of the request types' fields; a key several types share (the outage scope
    of power and of water faults) is one fact, named with each type."""
    by_key: dict[str, list[RequestTypeField]] = {}
    for type_field in RequestTypeField.objects.select_related("request_type").order_by(
            "request_type__sort_order", "request_type__code", "sort_order", "id"):
        by_key.setdefault(type_field.key, []).append(type_field)
    facts = []
    for key, fields in by_key.items():
        first = fields[0]
        name = (first.label_en or first.label) if _english() else first.label
        types = (", " if _english() else "、").join(dict.fromkeys(str(f.request_type) for f in fields))
        kinds = {f.kind for f in fields}
        values: dict[str, str] = {}
        if kinds <= {RequestTypeField.Kind.INTEGER, RequestTypeField.Kind.DECIMAL}:
            kind = NUMBER
        elif kinds == {RequestTypeField.Kind.BOOLEAN}:
            kind = BOOLEAN
            values = {"true": _("Yes"), "false": _("No")}
        else:
            kind = TEXT
            for type_field in fields:
                for choice in type_field.choices or []:
                    if isinstance(choice, dict) and "value" in choice:
                        label = ((choice.get("label_en") or choice.get("label")) if _english()
                                 else choice.get("label"))
                        values.setdefault(str(choice["value"]), str(label or choice["value"]))
        facts.append(Fact(key=f"attributes.{key}",
                          label=f"{types}: {name}" if _english() else f"{types}：{name}",
                          group="type_field", kind=kind, values=tuple(values.items()),
                          closed=kinds <= {RequestTypeField.Kind.CHOICE, RequestTypeField.Kind.BOOLEAN}))
    return facts


def fact_catalogue() -> Catalogue:
    """Every fact ``routing.request_facts`` gives a rule, labelled in the active language."""
    districts = sorted({district for units in OrgUnit.objects.filter(kind=OrgUnit.Kind.BUSINESS_OFFICE)
                        .values_list("districts", flat=True) for district in (units or [])})
    yes_no = (("true", _("Yes")), ("false", _("No")))
    facts = [
        Fact("channel", _("Channel"), "request", TEXT, _choices(Channel.choices)),
        Fact("district", _("District"), "request", TEXT, tuple((d, d) for d in districts), closed=False),
        Fact("utility", _("Utility"), "request", TEXT, _choices(ServicePoint.Utility.choices)),
        Fact("customer.class", _("Customer class"), "customer", TEXT,
             _choices(Customer.CustomerClass.choices)),
        Fact("customer.flags", _("Customer flags"), "customer", LIST,
             tuple((flag.code, flag.display_name) for flag in CustomerFlag.objects.order_by("code"))),
        Fact("customer.key_account", _("Key account (has a key account manager)"),
             "customer", BOOLEAN, yes_no),
        *_type_field_facts(),
    ]
    return Catalogue({fact.key: fact for fact in facts})


# 1. Stored condition <-> row of the form.

def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def condition_to_row(condition: Mapping[str, Any]) -> dict[str, Any]:
    """``{"field", "op", "value"}`` -> the row's ``field``, ``op`` and ``values`` (text)."""
    value = condition.get("value")
    values = [_text(v) for v in value] if isinstance(value, list) else ([] if value is None
                                                                        else [_text(value)])
    return {"field": str(condition.get("field", "")), "op": str(condition.get("op", "")), "values": values}


def _number(text: str) -> int | float | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _typed(text: str, fact: Fact, op: str) -> Any:
    """A value as the rule stores it; a text that is not a number stays text (and is reported)."""
    if fact.kind == NUMBER or (op in NUMBER_OPERATORS and fact.kind == TEXT and not fact.values):
        number = _number(text)
        return text if number is None else number
    if fact.kind == BOOLEAN:
        return {"true": True, "false": False}.get(text, text)
    return text


def split_list(text: str) -> list[str]:
    """A list typed in one text input: separated by commas (either width) or new lines."""
    for separator in ("，", "、", "\n"):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def row_to_condition(row: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    key, op = row["field"], row["op"]
    condition: dict[str, Any] = {"field": key, "op": op}
    if op in NO_VALUE_OPERATORS:
        return condition
    fact = catalogue.fact(key)
    values = [v for v in row.get("values", []) if v != ""]
    if op in LIST_OPERATORS:
        if len(values) == 1 and not fact.values:
            values = split_list(values[0])
        condition["value"] = [_typed(v, fact, op) for v in values]
    elif values:
        condition["value"] = _typed(values[0], fact, op)
    return condition


def rows_to_conditions(rows: Iterable[Mapping[str, Any]], catalogue: Catalogue) -> list[dict[str, Any]]:
    """The rows of the form as stored conditions; a row without a field (a new, empty row) is skipped."""
    return [row_to_condition(row, catalogue) for row in rows if row.get("field")]


def conditions_json(conditions: Any) -> str:
    """The JSON an administrator sees and may edit: one condition a line."""
    if not isinstance(conditions, list):
        return json.dumps(conditions, ensure_ascii=False)
    if not conditions:
        return "[]"
    lines = ",\n".join("  " + json.dumps(condition, ensure_ascii=False) for condition in conditions)
    return "[\n" + lines + "\n]"


# 2. Problems, named by condition.

def _problem(index: int, label: str | None, text: str) -> str:
    if label:
        return _("Condition %(n)d (%(field)s): %(problem)s") % {"n": index, "field": label, "problem": text}
    return _("Condition %(n)d: %(problem)s") % {"n": index, "problem": text}


def _value_problem(fact: Fact, op: str, value: Any) -> str | None:
    operator = OPERATOR_LABELS[op]
    if op in NO_VALUE_OPERATORS:
        return None
    if op in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            return _("“%(op)s” needs at least one value.") % {"op": operator}
        items = value
    else:
        if value is None or value == "" or isinstance(value, list | dict):
            return _("“%(op)s” needs one value.") % {"op": operator}
        items = [value]
    if op in NUMBER_OPERATORS or fact.kind == NUMBER:
        if any(isinstance(v, bool) or _number(_text(v)) is None for v in items):
            return _("“%(op)s” needs a number.") % {"op": operator}
    if fact.kind == LIST and op != "contains":
        return _("“%(field)s” holds several values: use “%(op)s”.") % {
            "field": fact.label, "op": OPERATOR_LABELS["contains"]}
    if op == "contains" and fact.kind != LIST and fact.kind != TEXT:
        return _("“%(op)s” applies to text and to lists only.") % {"op": operator}
    if fact.values and fact.closed:
        known = {v for v, _label in fact.values}
        unknown = [_text(v) for v in items if _text(v) not in known]
        if unknown:
            return _("%(values)s is not a value of this field; choose from the list.") % {
                "values": "、".join(unknown) if not _english() else ", ".join(unknown)}
    return None


def conditions_problems(conditions: Any, catalogue: Catalogue) -> list[str]:
    """Every problem of ``conditions``, each naming its condition; empty when they can be saved.
    Stricter than ``rules.validate_conditions`` (known fields and values), so that what passes here
    passes the model's validator."""
    if not isinstance(conditions, list):
        return [_("The conditions must be a list.")]
    problems = []
    for index, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict):
            problems.append(_problem(index, None, _("not a condition (field, operator and value).")))
            continue
        key, op = condition.get("field"), condition.get("op")
        if not isinstance(key, str) or not key:
            problems.append(_problem(index, None, _("choose a field.")))
            continue
        if key not in catalogue.facts and not key.startswith("attributes."):
            problems.append(_problem(index, key, _("there is no such field.")))
            continue
        fact = catalogue.fact(key)
        if op not in OPERATORS:
            problems.append(_problem(index, fact.label, _("choose an operator.")))
            continue
        problem = _value_problem(fact, op, condition.get("value"))
        if problem:
            problems.append(_problem(index, fact.label, problem))
    return problems
