import pytest

from servicedesk.testing.complaints import build_complaint_desk


@pytest.fixture
def desk(world):
    """The world with the complaint desk set up (servicedesk.testing.complaints)."""
    return build_complaint_desk(world)
