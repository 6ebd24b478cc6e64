"""The complaint types (002's annex) are the choices of the complaint request type's ``about`` field
(data an administrator extends); their names in the reader's language."""

from django.utils.translation import get_language

from servicedesk.complaints.models import ComplaintRules


def topic_choices() -> list[tuple[str, str]]:
    """(value, name in the reader's language) of every complaint type."""
    rules = ComplaintRules.objects.select_related("request_type").first()
    if rules is None:
        return []
    field = rules.request_type.fields.filter(key=rules.topic_field).first()
    english = (get_language() or "").startswith("en")
    found = []
    for choice in field.choices if field is not None else []:
        if isinstance(choice, dict) and "value" in choice:
            name = (choice.get("label_en") if english else None) or choice.get("label") or choice["value"]
            found.append((str(choice["value"]), str(name)))
    return found


def topic_label(value: str) -> str:
    return dict(topic_choices()).get(value, value)
