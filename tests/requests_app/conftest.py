import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets fifteen passwords per test; hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def foundation_conditions():
    """Only the requirement register's own transition conditions: registers further down
    the chain add theirs (tasks, acceptance) and test them with their own data."""
    from requests_app import models

    names = ("CONFIRM_CHECKS", "START_CHECKS")  # completing always needs acceptance
    saved = {name: list(getattr(models, name)) for name in names}
    for name, checks in saved.items():
        getattr(models, name)[:] = [c for c in checks if c.__module__ == "requests_app.services"]
    yield
    for name, checks in saved.items():
        getattr(models, name)[:] = checks
