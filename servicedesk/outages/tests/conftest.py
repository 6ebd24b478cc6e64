import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The services' answers (what to tell the caller) are asserted in English; the pages and the
    API choose the language per request anyway."""
    with translation.override("en"):
        yield
