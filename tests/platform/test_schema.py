"""Schemathesis over the whole OpenAPI schema at /api/schema/, against the WSGI app with
the demo data: no server error and every documented response matches the schema, for a
staff token and for a normal user. Operations are read from the schema at run time, so
every endpoint a later register adds is covered too."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = (not_a_server_error, response_schema_conformance)


@pytest.fixture
def api_schema(seed, fast_password_hashing, keep_test_connection):
    from collab.wsgi import application

    return schemathesis.from_wsgi("/api/schema/", application)


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


schema = schemathesis.from_pytest_fixture("api_schema")


_TOKENS: dict[str, str] = {}


def token_for(username: str) -> str:
    """One token per user for the whole run (a generated logout may revoke it: then a
    new one is issued)."""
    from knox.models import AuthToken

    from collab.accounts.models import User
    from collab.accounts.services import token_issue

    key = _TOKENS.get(username)
    if key is None or not AuthToken.objects.filter(token_key=key[:15]).exists():
        _token, key = token_issue(user=User.objects.get(username=username))
        _TOKENS[username] = key
    return key


def run(case, username: str) -> None:
    # Keep the test data in place: a generated token exchange or logout must not
    # swap the caller; a generated Authorization header is replaced by the real one.
    headers = {**(case.headers or {}), "Authorization": f"Token {token_for(username)}"}
    response = case.call_wsgi(headers=headers)
    case.validate_response(response, checks=CHECKS)


FUZZ = settings(
    max_examples=int(os.environ.get("SCHEMA_MAX_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # report the first failure, skip shrinking
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_as_staff(case):
    run(case, "admin")


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_as_normal_user(case):
    run(case, "mkt_staff")


def test_schema_covers_the_foundation(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/departments/",
        "/api/v1/users/{id}/",
        "/api/v1/requirements/",
        "/api/v1/requirements/{id}/history/",
        "/api/v1/requirements/{id}/group/",
        "/api/v1/requirements/{id}/group/{member_id}/",
        "/api/v1/requirements/{id}/signoffs/",
        "/api/v1/requirements/{id}/confirm/",
        "/api/v1/requirements/{id}/reject/",
        "/api/v1/requirements/{id}/resubmit/",
        "/api/v1/requirements/{id}/start/",
        "/api/v1/requirements/{id}/complete/",
    ):
        assert path in paths, path
    assert client.get("/api/docs/").status_code == 200
