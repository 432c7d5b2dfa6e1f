import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets fifteen passwords per test; hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def foundation_conditions():
    """Only the requirement register's own transition conditions: registers further down
    the chain add theirs (tasks, acceptance) and test them with their own data."""
    from requests_app.lifecycle import LIFECYCLE

    names = ("confirm", "start")  # completing always needs acceptance
    saved = {name: list(LIFECYCLE[name].conditions) for name in names}
    for name, conditions in saved.items():
        LIFECYCLE[name].conditions[:] = [c for c in conditions if not c.app]
    yield
    for name, conditions in saved.items():
        LIFECYCLE[name].conditions[:] = conditions
