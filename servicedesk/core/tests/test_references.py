"""Reading the desk's numbers back (issue 10 item 5, INT-2)."""

import pytest

from servicedesk.core.references import parse_reference


@pytest.mark.parametrize(("text", "expected"), [
    ("SR00000012", ("SR", 12)), ("sr12", ("SR", 12)), (" Sr 012 ", ("SR", 12)), ("WO7", ("WO", 7)),
    ("cb0000003", ("CB", 3)), ("C00000005", ("C", 5)), ("o000001", ("O", 1)), ("P4", ("P", 4)),
    ("SR-12", ("SR", 12)),
])
def test_references_in_any_case_with_or_without_zeros(text, expected):
    """Issue 10 item 5: numbers as agents type them."""
    assert parse_reference(text) == expected


@pytest.mark.parametrize("text", ["", "SR", "SR0", "12", "SX12", "SR12a", "13800138000", "SR" + "9" * 19,
                                  "张伟"])
def test_anything_else_is_not_a_reference(text):
    assert parse_reference(text) is None
