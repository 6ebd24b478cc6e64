"""Warning thresholds of a target (SLA-4): [{"percent": 75, "notify": "owner"}, …]."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NOTIFY_LEVELS = ("owner", "team_lead", "desk_manager")


def thresholds_check(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError({"thresholds": _("A list of {\"percent\", \"notify\"} items.")})
    seen = set()
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("percent"), int) or item["percent"] <= 0:
            raise ValidationError({"thresholds": _("Each warning needs a whole positive percent.")})
        if item.get("notify") not in NOTIFY_LEVELS:
            raise ValidationError({"thresholds": _("notify must be one of: %(levels)s.") % {
                "levels": ", ".join(NOTIFY_LEVELS)}})
        if item["percent"] in seen:
            raise ValidationError({"thresholds": _("Two warnings at %(p)d %%.") % {"p": item["percent"]}})
        seen.add(item["percent"])


def sorted_thresholds(value: list[dict]) -> list[tuple[int, str]]:
    return sorted((int(item["percent"]), str(item["notify"])) for item in value)
