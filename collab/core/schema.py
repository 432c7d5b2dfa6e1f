"""OpenAPI generation: every operation documents the errors it can answer, with the
body shape the exception handler (collab.core.api.exception_handler) really sends. The
error bodies are named components, so a generated client has one model per shape."""

import re

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "description": "An error with one message.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Invalid input. Each key is a field name (`non_field_errors` for the "
        "input as a whole) with its list of messages; nested fields nest the same way. A body "
        'that cannot be parsed answers `{"detail": …}`.',
        "additionalProperties": True,
        "example": {"end_date": ["结束日期不能早于开始日期"]},
    },
    "ConflictError": {
        "type": "object",
        "description": "Refused in the current state: `reasons` lists what is missing.",
        "properties": {
            "detail": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["detail"],
    },
    "ThrottledError": {
        "type": "object",
        "description": "Too many requests; `retry_after` in seconds when known.",
        "properties": {"detail": {"type": "string"}, "retry_after": {"type": "integer"}},
        "required": ["detail"],
    },
}

ERRORS = {
    "400": ("Invalid input: field errors, or a malformed or too deeply nested body", "FieldErrors"),
    "401": ("Not signed in, or the token is unknown, expired or revoked", "ErrorDetail"),
    "403": ("Signed in, but not allowed to do this", "ErrorDetail"),
    "404": ("No such object, or one the caller may not see", "ErrorDetail"),
    "409": (
        "Not allowed in the current state, or lost a race with another write",
        "ConflictError",
    ),
    "412": ("`If-Match` does not match the current `ETag`: reload and retry", "ErrorDetail"),
    "413": ("The request body is too large", "ErrorDetail"),
    "415": (
        "The body is not of the documented media type (JSON, or multipart for uploads)",
        "ErrorDetail",
    ),
    "429": ("Too many requests or too many failed sign-ins: wait and retry", "ThrottledError"),
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409"]
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            codes += ["413", "415"]
        if self.method in ("PUT", "PATCH"):
            codes += ["412"]
        for code in codes:
            standard = self._error_response(code)
            documented = responses.setdefault(code, standard)
            # A view's own description of an error keeps its words and gets the body.
            documented.setdefault("content", standard["content"])
        return responses

    def _error_response(self, code: str) -> dict:
        description, name = ERRORS[code]
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema=ERROR_SCHEMAS[name],
        )
        self.registry.register_on_missing(component)
        return {
            "description": description,
            "content": {"application/json": {"schema": component.ref}},
        }


_METHODS = ("get", "put", "patch", "post", "delete")


def add_links(result, generator, request, public):
    """Postprocessing hook: the object a collection's POST creates (201, with its `id`)
    links to every operation on that object, so a client or a stateful tester can follow
    it from the create to its reads, updates and actions."""
    paths = result.get("paths", {})
    for collection, item in paths.items():
        create = item.get("post")
        if "{" in collection or not create or "201" not in create["responses"]:
            continue
        links = {}
        for path, targets in paths.items():
            parameters = re.findall(r"{(\w+)}", path)
            if not path.startswith(collection + "{") or len(parameters) != 1:
                continue
            for method in _METHODS:
                if method in targets:
                    operation_id = targets[method]["operationId"]
                    links[operation_id] = {
                        "operationId": operation_id,
                        "parameters": {f"path.{parameters[0]}": "$response.body#/id"},
                    }
        if links:
            create["responses"]["201"]["links"] = links
    return result


class OneObjectSchema(AutoSchema):
    """For a viewset whose `list` answers one object (a requirement's Gantt, its weekly
    meeting schedule, the caller's calendar URLs), not a page of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False
