"""Reading the numbers the desk prints on its objects back into primary keys.

Each model formats its own number (``ServiceRequest.reference`` is ``f"SR{pk:08d}"``); agents type
them as read out on the phone: any case, with or without the leading zeros, sometimes with a
space ("sr 12", "SR00000012"). The prefixes are listed here, in the foundation layer, so that every
app that searches by number reads them the same way without importing the apps that own them.
"""

import re

# Longest prefix first: "CB12" is a callback, not contact "B12".
REFERENCE_PREFIXES = ("SR", "WO", "CB", "C", "O", "P")
_REFERENCE = re.compile(r"^\s*(SR|WO|CB|C|O|P)[\s\-]*(\d{1,18})\s*$", re.IGNORECASE)


def parse_reference(text: str) -> tuple[str, int] | None:
    """("SR", 12) for "sr12", "SR00000012" or "SR 12"; None for anything that is not a reference.

    At most 18 digits, so the number always fits a 64-bit primary key.
    """
    match = _REFERENCE.match(text or "")
    if match is None:
        return None
    number = int(match.group(2))
    if number <= 0:
        return None
    return match.group(1).upper(), number


MAX_ID = 2**63 - 1  # the largest primary key either database stores (a signed 64-bit integer)
_ID = re.compile(r"^\s*([0-9]{1,19})\s*$", re.ASCII)


def parse_id(text: object) -> int | None:
    """The primary key a query string or form value names, or None.

    Only ASCII digits count: ``"²".isdigit()`` is true but ``int("²")`` fails, and ``"١٢"`` (Arabic-Indic
    digits) is an int to Python but no id a client of ours writes. Ids past 64 bits are None too, since
    no row can have them and SQLite refuses to compare with them.
    """
    match = _ID.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """``<id:pk>`` / ``{id:pk}`` in URLs: 1 to 19 ASCII digits that fit a 64-bit key; anything else
    does not match, so an id no row can have is a 404 rather than an overflow in the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)

