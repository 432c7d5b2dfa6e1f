"""Models and migrations agree: a model change without its migration fails the suite."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}", pytrace=False)
        raise AssertionError from exit_
    assert "No changes detected" in out.getvalue()
