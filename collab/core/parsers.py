"""Request parsing: JSON is the one request media type of the API (upload endpoints add
multipart themselves), with limits on size and nesting."""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser as DRFJSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "请求体过大"
    default_code = "payload_too_large"


def json_depth(value) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


class JSONParser(DRFJSONParser):
    """JSON bodies up to COLLAB_API_MAX_JSON_BYTES (else 413) and
    COLLAB_API_MAX_JSON_DEPTH levels of nesting (else 400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.COLLAB_API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(_("请求体超过 %(size)d 字节的上限") % {"size": limit})
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("JSON 嵌套层数过深")) from error
        if json_depth(data) > settings.COLLAB_API_MAX_JSON_DEPTH:
            raise exceptions.ParseError(_("JSON 嵌套层数过深"))
        return data
