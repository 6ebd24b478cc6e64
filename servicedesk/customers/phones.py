import re

_NON_DIGITS = re.compile(r"\D+")


def normalise_phone(raw: str) -> str:
    """Digits only, without the +86 / 0086 country prefix: '+86 138-0013-8000' -> '13800138000'."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
