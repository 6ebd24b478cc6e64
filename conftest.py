import pytest

from servicedesk.testing.world import build_world


@pytest.fixture
def world(db):
    """A configured desk with one persona per role (see servicedesk.testing.world)."""
    return build_world()


@pytest.fixture
def users(world):
    return world.users


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created per test; PBKDF2's deliberate slowness would dominate the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
