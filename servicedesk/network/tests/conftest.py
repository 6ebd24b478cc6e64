import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The import's row reports are asserted in English (the command translates them like any
    other message; the catalogue is checked by core's translation tests)."""
    with translation.override("en"):
        yield
