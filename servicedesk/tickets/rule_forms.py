"""The administrators' form for the conditions of routing and priority rules (INT-6, INT-7).

One row per condition: a field (a fact of the request, with its label), an operator, and a value
that is a list to choose from when the field has one. The stored JSON does not change; it stays
visible in a collapsed textarea for those who prefer it.

Which one the server reads: the rows, unless the JSON itself was edited (the textarea differs
from the JSON the page was rendered with, which travels in a hidden input). The page's script
keeps both in step: a change of a row rewrites the JSON and the hidden copy (so the rows are
read); a change of the JSON rebuilds the rows and leaves the hidden copy (so the JSON is read,
exactly as typed). Without the script the rule is the same, and the last empty row adds one
condition per save.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from servicedesk.tickets.rule_conditions import (
    GROUP_LABELS,
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    OPERATOR_LABELS,
    Catalogue,
    condition_to_row,
    conditions_json,
    conditions_problems,
    fact_catalogue,
    rows_to_conditions,
)


@dataclass
class SubmittedConditions:
    """What the form posted: the rows, the JSON textarea, and whether the JSON was edited."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    raw: str = ""
    initial_raw: str = ""
    raw_edited: bool = False


def _normalised(text: str | None) -> Any:
    try:
        return json.loads(text or "[]")
    except ValueError:
        return (text or "").strip()


class ConditionsWidget(forms.Widget):
    template_name = "admin/tickets/conditions_widget.html"

    class Media:
        js = ("tickets/rule_conditions.js",)
        css = {"all": ("tickets/rule_conditions.css",)}

    def value_from_datadict(self, data: Mapping[str, Any], files: Any,
                            name: str) -> SubmittedConditions | None:
        pattern = re.compile(rf"^{re.escape(name)}-(\d+)-field$")
        indices = sorted({int(match.group(1)) for key in data if (match := pattern.match(key))})
        raw = data.get(name)
        if raw is None and not indices:
            return None
        getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
        rows = [{"field": data.get(f"{name}-{i}-field", ""), "op": data.get(f"{name}-{i}-op", ""),
                 "values": [str(v) for v in getlist(f"{name}-{i}-value")]} for i in indices]
        initial_raw = data.get(f"{name}-initial", "")
        edited = raw is not None and _normalised(raw) != _normalised(initial_raw)
        return SubmittedConditions(rows=rows, raw=raw or "", initial_raw=initial_raw, raw_edited=edited)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return self.value_from_datadict(data, files, name) is None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        catalogue = fact_catalogue()
        rows, raw, initial_raw = _rows_and_json(value, catalogue)
        element_id = (attrs or {}).get("id") or f"id_{name}"
        context = {
            "name": name,
            "id": element_id,
            "rows": [_row_context(name, index, row, catalogue) for index, row in enumerate(rows + [{}])],
            "template_row": _row_context(name, "__index__", {}, catalogue),
            "raw": raw,
            "initial_raw": initial_raw,
            "catalogue": catalogue.as_json(),
            "catalogue_id": f"{element_id}-catalogue",
        }
        return SafeString(render_to_string(self.template_name, context))


def _rows_and_json(value: Any, catalogue: Catalogue) -> tuple[list[dict[str, Any]], str, str]:
    """The rows to show, the JSON in the textarea, and the JSON the hidden copy holds."""
    if isinstance(value, SubmittedConditions):
        if value.raw_edited:
            parsed = _normalised(value.raw)
            rows = ([condition_to_row(c) for c in parsed if isinstance(c, dict)]
                    if isinstance(parsed, list) else value.rows)
            return rows, value.raw, value.initial_raw  # still edited on the next save
        text = conditions_json(rows_to_conditions(value.rows, catalogue))
        return [row for row in value.rows if row.get("field")], text, text
    if isinstance(value, str):
        value = _normalised(value)
    conditions = value if isinstance(value, list) else []
    text = conditions_json(conditions)
    return [condition_to_row(c) for c in conditions if isinstance(c, dict)], text, text


def _row_context(name: str, index: int | str, row: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    key, op = row.get("field", ""), row.get("op", "eq") or "eq"
    values = list(row.get("values", []))
    fact = catalogue.facts.get(key)
    groups: dict[str, list[dict[str, Any]]] = {}
    for fact_key, known in catalogue.facts.items():
        groups.setdefault(known.group, []).append({"value": fact_key, "label": known.label,
                                                   "selected": fact_key == key})
    context: dict[str, Any] = {
        "prefix": f"{name}-{index}",
        "field": key,
        "unknown_field": key and fact is None,
        "unknown_label": catalogue.label(key) if key else "",
        "field_groups": [{"label": GROUP_LABELS[group], "options": options} for group,
                         options in groups.items()],
        "operators": [{"value": code, "label": label, "selected": code == op} for code,
                      label in OPERATOR_LABELS.items()],
        "no_value": op in NO_VALUE_OPERATORS,
        "multiple": op in LIST_OPERATORS,
    }
    if fact is not None and fact.values and fact.closed:
        listed = [v for v, _label in fact.values]
        context["options"] = [{"value": v, "label": label, "selected": v in values} for v,
                              label in fact.values]
        context["options"] += [{"value": v, "label": v, "selected": True} for v in values if v not in listed]
    else:
        context["text"] = ", ".join(values) if op in LIST_OPERATORS else (values[0] if values else "")
        context["suggestions"] = [{"value": v, "label": label} for v, label in fact.values] if fact else []
    return context


class ConditionsField(forms.Field):
    """The ``conditions`` of a rule: rows in, the stored JSON list out, problems named by condition."""

    widget = ConditionsWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        kwargs["required"] = False  # no condition: the rule applies to every request of its type
        super().__init__(**kwargs)
        self._catalogue: Catalogue | None = None

    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = fact_catalogue()
        return self._catalogue

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return []
        if isinstance(value, SubmittedConditions):
            if not value.raw_edited:
                return rows_to_conditions(value.rows, self.catalogue())
            value = value.raw
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as error:
                raise ValidationError(_("The JSON of the conditions cannot be read: %(problem)s") % {
                    "problem": error}, code="invalid") from None
        return value

    def validate(self, value: Any) -> None:
        problems = conditions_problems(value, self.catalogue())
        if problems:
            raise ValidationError(problems, code="invalid")

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data if data is not None else initial

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.to_python(data) != (initial or []))
        except ValidationError:
            return True
