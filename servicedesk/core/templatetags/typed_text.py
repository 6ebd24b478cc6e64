"""``{{ value|typed }}``: text typed by people (names, addresses, places, notes, causes) shown as
typed, in an element marked ``data-customer-text``. It stays in the language it was written in;
the English walk (browser_tests/test_english_walk.py) checks everything else is in the reader's."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def typed(value: object) -> object:
    if value is None or value == "":
        return value
    return format_html('<span data-customer-text="">{}</span>', conditional_escape(str(value)))


def typed_html(value: object) -> SafeString:
    return format_html('<span data-customer-text="">{}</span>', conditional_escape(str(value)))


@register.filter
def message_html(value: object) -> SafeString:
    """A stored message (core.messages) in the reader's language, typed parts marked."""
    from servicedesk.core.messages import render_html

    return render_html(value if isinstance(value, dict) else None, "")
