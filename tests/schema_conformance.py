"""Every API answer a test receives through the shared `api` client is checked against
the OpenAPI schema: its status code is documented for the operation, and a JSON body
matches the documented shape. So each API test also proves the schema tells the truth
about the calls it makes (201 where a create answers 201, the error bodies, the shapes
of custom actions)."""

import functools
import json
import re

from rest_framework.test import APIClient

API_PREFIX = "/api/v1/"


@functools.cache
def openapi() -> dict:
    """The schema exactly as /api/schema/ serves it (JSON)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


@functools.cache
def _checker():
    import schemathesis

    raw = openapi()
    # Literal segments win over parameters: /documents/recycle-bin/ before /documents/{id}/.
    templates = sorted(raw["paths"], key=lambda path: (path.count("{"), path))
    patterns = [
        (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), path)
        for path in templates
    ]
    return schemathesis.from_dict(raw), patterns


def operation_for(method: str, path: str):
    """The schema's operation serving `method path`, or None when there is none."""
    schema, patterns = _checker()
    for pattern, template in patterns:
        if pattern.match(path):
            if method.lower() in openapi()["paths"][template]:
                return schema[template][method.upper()]
            return None
    return None


def check_response(response) -> None:
    request = response.wsgi_request
    path, method = request.path, request.method
    if not path.startswith(API_PREFIX) or method in ("OPTIONS", "HEAD"):
        return
    operation = operation_for(method, path)
    if operation is None:
        return
    documented = sorted(operation.definition.raw["responses"])
    assert (
        str(response.status_code) in documented
    ), f"{method} {path} answered {response.status_code}; the schema documents {documented}"
    if response.streaming:
        return
    from schemathesis.transports.responses import WSGIResponse

    wsgi = WSGIResponse(
        response.content, status=response.status_code, headers=list(response.items())
    )
    try:
        operation.schema.validate_response(operation, wsgi)
    except AssertionError as error:
        raise AssertionError(
            f"{method} {path} answered {response.status_code} with a body the schema does "
            f"not describe: {error}"
        ) from error


class SchemaCheckedClient(APIClient):
    """An APIClient whose every API answer must match the OpenAPI schema."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        check_response(response)
        return response
