"""Schemathesis over the whole OpenAPI schema at /api/schema/, against the WSGI app with
the demo data, with valid and invalid (negative) data: no server error, every status is
documented and every response matches the schema, for a staff token and for a normal
user. Operations are read from the schema at run time, so every endpoint a later
register adds is covered too. The stateful run that follows links is
test_schema_stateful.py; what a client generator makes of the schema,
test_generated_client.py."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(seed, fast_password_hashing, keep_test_connection):
    from collab.wsgi import application

    return schemathesis.from_wsgi("/api/schema/", application)


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


schema = schemathesis.from_pytest_fixture(
    "api_schema",
    data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
)


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


def sendable(case):
    """A multipart body is a form of named fields: negative data that is not an object
    (a list, a number) cannot be encoded as one and is sent as an empty form instead."""
    if case.media_type == "multipart/form-data" and not isinstance(case.body, dict):
        case.body = {}
    return case


def run(case, username: str) -> None:
    # Keep the test data in place: a generated token exchange or logout must not
    # swap the caller; a generated Authorization header is replaced by the real one.
    headers = {**(case.headers or {}), "Authorization": f"Token {token_for(username)}"}
    response = sendable(case).call_wsgi(headers=headers)
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


# The schema a client generator reads -------------------------------------------------

UPLOADS = {
    ("post", "/api/v1/documents/"),
    ("post", "/api/v1/documents/{id}/versions/"),
    ("post", "/api/v1/imports/"),
    ("post", "/api/v1/requirements/{id}/imports/"),
}
# Operations that answer one of two success codes, each documented.
TWO_SUCCESS_CODES = {
    ("get", "/api/v1/{register}/export.{fmt}"): {"200", "202"},  # large exports: a job
    ("post", "/api/v1/imports/"): {"201", "202"},  # large files: checked in the background
    ("post", "/api/v1/requirements/{id}/imports/"): {"201", "202"},
    ("post", "/api/v1/imports/{id}/confirm/"): {"200", "202"},  # large batches
    ("post", "/api/v1/reviews/retrospectives/{id}/reads/"): {"200", "201"},  # read before
}
METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    from tests.schema_conformance import openapi

    for path, item in openapi()["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_json_is_the_one_request_type_and_multipart_only_for_uploads():
    seen = set()
    for method, path, operation in operations():
        if "requestBody" not in operation:
            continue
        types = set(operation["requestBody"]["content"])
        if (method, path) in UPLOADS:
            seen.add((method, path))
            assert types == {"multipart/form-data"}, (method, path, types)
        else:
            assert types == {"application/json"}, (method, path, types)
    assert seen == UPLOADS


def test_every_operation_documents_its_success_code():
    """GET 200, DELETE 204, POST 201 where something is created (create, sign, add,
    comment, convert…) and 200 for a state change; the dynamic side is checked on every
    API answer of the suite (tests/schema_conformance.py)."""
    from tests.schema_conformance import openapi

    for method, path, operation in operations():
        success = {code for code in operation["responses"] if code.startswith("2")}
        if (method, path) in TWO_SUCCESS_CODES:
            assert success == TWO_SUCCESS_CODES[method, path], (method, path)
        elif method == "delete":
            assert success == {"204"}, (method, path)
        elif method in ("get", "put", "patch"):
            assert success == {"200"}, (method, path, success)
        else:
            assert len(success) == 1, (method, path, success)
    paths = openapi()["paths"]
    for path in (
        "/api/v1/requirements/",
        "/api/v1/requirements/{id}/signoffs/",
        "/api/v1/requirements/{id}/group/",
        "/api/v1/meetings/{id}/action-items/",
        "/api/v1/tasks/{id}/updates/",
        "/api/v1/plans/{id}/comments/",
        "/api/v1/risks/{id}/reallocations/",
        "/api/v1/risks/{id}/special-meeting/",
    ):
        assert set(paths[path]["post"]["responses"]) & {"200", "201"} == {"201"}, path
    for action in ("confirm", "reject", "start", "complete"):
        post = paths[f"/api/v1/requirements/{{id}}/{action}/"]["post"]
        assert set(post["responses"]) & {"200", "201"} == {"200"}, action


def test_every_error_answer_is_documented_with_its_body():
    from tests.schema_conformance import openapi

    components = openapi()["components"]["schemas"]
    shapes = {
        "400": "FieldErrors",
        "401": "ErrorDetail",
        "403": "ErrorDetail",
        "404": "ErrorDetail",
        "409": "ConflictError",
        "412": "ErrorDetail",
        "413": "ErrorDetail",
        "415": "ErrorDetail",
        "429": "ThrottledError",
    }
    for method, path, operation in operations():
        expected = {"400", "401", "403", "404", "429"}
        if method != "get":
            expected.add("409")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        if method in ("put", "patch"):
            expected.add("412")
        errors = {code for code in operation["responses"] if code.startswith("4")}
        assert errors == expected, (method, path, errors ^ expected)
        for code in errors:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{shapes[code]}"}, (method, path)
    assert components["ErrorDetail"]["required"] == ["detail"]
    assert components["ConflictError"]["properties"]["reasons"]["type"] == "array"
    assert components["ThrottledError"]["properties"]["retry_after"]["type"] == "integer"
    assert components["FieldErrors"]["additionalProperties"] is True


def test_schema_validates_without_a_warning_and_enum_names_do_not_collide():
    """`manage.py spectacular --validate --fail-on-warn`: the OpenAPI document is valid
    and drf-spectacular had nothing to guess (no enum name collision, no untyped
    parameter)."""
    from django.core.management import call_command

    from tests.schema_conformance import openapi

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    enums = {
        name: tuple(schema["enum"])
        for name, schema in openapi()["components"]["schemas"].items()
        if "enum" in schema
    }
    assert not [name for name in enums if name.startswith("Status")], enums
    assert enums["AcceptanceStatusEnum"] == ("draft", "signing", "passed", "failed")
    assert enums["RetrospectiveStatusEnum"] == ("draft", "confirmed")
    assert enums["ImprovementStatusEnum"] == ("open", "in_progress", "done")
    assert len(set(enums.values())) == len(enums), "two enum names for one choice set"


def test_schema_conformance_check_catches_a_wrong_code_and_a_wrong_body(rf):
    """The check every API test runs: an undocumented status or a body of the wrong
    shape fails."""
    import json

    from django.http import HttpResponse

    from tests.schema_conformance import check_response

    def answer(method, path, status, body):
        response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
        response.wsgi_request = getattr(rf, method)(path)
        return response

    check_response(answer("post", "/api/v1/requirements/1/confirm/", 409, {"detail": "x"}))
    with pytest.raises(AssertionError, match="answered 201"):
        check_response(answer("post", "/api/v1/requirements/1/confirm/", 201, {}))
    with pytest.raises(AssertionError, match="body the schema does not describe"):
        check_response(answer("get", "/api/v1/requirements/1/gantt/", 200, []))
    with pytest.raises(AssertionError, match="body the schema does not describe"):
        check_response(answer("post", "/api/v1/requirements/", 400, ["not", "an", "object"]))


def test_a_validation_error_about_the_whole_input_has_the_field_error_shape():
    from rest_framework import serializers

    from collab.core.api import exception_handler

    response = exception_handler(serializers.ValidationError("输入无效"), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["输入无效"]}
