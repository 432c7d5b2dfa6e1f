"""OpenAPI generation: every operation documents the errors it can answer, with the
body shape the exception handler (collab.core.api.exception_handler) really sends."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Field errors: each key is a field name (or `non_field_errors`) with "
    "its messages; nested fields nest the same way.",
    "additionalProperties": True,
}
_CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["detail"],
}
_THROTTLED = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "retry_after": {"type": "integer"}},
    "required": ["detail"],
}

ERRORS = {
    "400": ("Invalid input: field errors, or a malformed or too deeply nested body", _FIELD_ERRORS),
    "401": ("Not signed in, or the token is unknown, expired or revoked", _DETAIL),
    "403": ("Signed in, but not allowed to do this", _DETAIL),
    "404": ("No such object, or one the caller may not see", _DETAIL),
    "409": ("Not allowed in the current state, or lost a race with another write", _CONFLICT),
    "412": ("`If-Match` does not match the current `ETag`: reload and retry", _DETAIL),
    "413": ("The request body is too large", _DETAIL),
    "415": (
        "The body is not of the documented media type (JSON, or multipart for uploads)",
        _DETAIL,
    ),
    "429": ("Too many requests or too many failed sign-ins: wait and retry", _THROTTLED),
}


def _response(code: str) -> dict:
    description, schema = ERRORS[code]
    return {"description": description, "content": {"application/json": {"schema": schema}}}


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
            responses.setdefault(code, _response(code))
        return responses
