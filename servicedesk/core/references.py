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
