import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization hashes a password per user; a fast hasher keeps setup short."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
