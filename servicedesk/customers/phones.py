"""Phone numbers as the desk takes them down, checked and stored in one form.

Validation uses Google's libphonenumber metadata (the ``phonenumbers`` package), which knows every
mainland number plan: mobiles (11 digits), fixed lines with their area code (0755-8333 0000,
010-1234 5678), the short service numbers (110, 95598, 12345), and the numbering plan of every
other country for callers from abroad (+44 …, 0044 …). An extension follows ``转``, ``ext``, ``x``
or a comma.

The stored form (``normalise_phone``) is digits only, so that a search in any format finds it:
a mainland number without +86 and with its trunk 0 (``13800138000``, ``075583330000``); another
country's as ``00`` + country code + number (``00442079460018``); an extension after a comma
(``075583330000,123``).
"""

import re

import phonenumbers
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ValidationFailed

REGION = "CN"
PHONE_DESCRIPTION = ("A mobile (13800138000), a landline with its area code (0755-83330000, extension after "
                     "`转`, `ext` or a comma), a short service number (95598) or a number abroad (+44 …, "
                     "0044 …); stored as digits.")
STORED_MAX_LENGTH = 20  # the phone columns' length

_NON_DIGITS = re.compile(r"\D+")
# What a written number may hold: digits and the usual separators, then an optional extension.
_WRITTEN = re.compile(r"^\+?[0-9\s\-().,/]*(?:(?:ext\.?|x|转|分机|#)\s*[0-9]{1,6})?$", re.IGNORECASE)
_EXTENSION = re.compile(r"(?:ext\.?|x|转|分机|#)\s*(?=[0-9])", re.IGNORECASE)


def _parsed(raw: str) -> phonenumbers.PhoneNumber | None:
    text = raw.strip()
    if not text or not _WRITTEN.match(text) or not any(c.isdigit() for c in text):
        return None
    try:
        return phonenumbers.parse(_EXTENSION.sub(" ext ", text), REGION)
    except phonenumbers.NumberParseException:
        return None


def _is_valid(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    return (number.country_code == 86 and not number.extension
            and phonenumbers.is_valid_short_number_for_region(number, REGION))


def _stored(number: phonenumbers.PhoneNumber) -> str:
    if number.country_code == 86:
        digits = _NON_DIGITS.sub("",
                                 phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                                 .split("ext")[0])
    else:
        digits = f"00{number.country_code}{number.national_number}"
    return f"{digits},{number.extension}" if number.extension else digits


def phone_problem(raw: str) -> str | None:
    """Why ``raw`` is not a phone number the desk can call back, or None when it is (or is empty)."""
    if not (raw or "").strip():
        return None
    number = _parsed(raw)
    if number is None or not _is_valid(number):
        return _("Not a phone number: give a mobile number (11 digits), a landline with its area code "
                 "(0755-83330000), or a number abroad starting with + or 00.")
    if len(_stored(number)) > STORED_MAX_LENGTH:
        return _("This phone number is too long to store.")
    return None


def checked_phone(raw: str, *, field: str) -> str:
    """``raw`` in the stored form, or ValidationFailed on ``field``; empty stays empty."""
    problem = phone_problem(raw)
    if problem is not None:
        raise ValidationFailed(problem, field=field)
    return normalise_phone(raw)


def normalise_phone(raw: str) -> str:
    """The stored form of a valid number ('+86 138-0013-8000' -> '13800138000'); for anything else
    (a search box's partial number) its digits, without a +86 / 0086 prefix."""
    number = _parsed(raw or "")
    if number is not None and _is_valid(number):
        return _stored(number)
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_mobile(raw: str) -> bool:
    """Whether ``raw`` is a valid mobile number, one an SMS reaches (13800138000, +44 7700 900123)."""
    number = _parsed(raw or "")
    if number is None or not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
