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


@pytest.fixture(scope="session")
def _evidence_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("evidence")


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_folder(settings, _evidence_dir):
    # Uploaded evidence (CMP-6) goes to a folder of the test run, never to the data folder.
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        **settings.STORAGES["evidence"],
        "OPTIONS": {**settings.STORAGES["evidence"]["OPTIONS"], "location": str(_evidence_dir)}}}
