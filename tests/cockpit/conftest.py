import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets fifteen passwords per test; hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
