import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization hashes a password per user; a fast hasher keeps setup short."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded workbooks and export files land in a per-test directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
