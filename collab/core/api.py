"""Shared REST pieces: pagination, error mapping, ETags, history and transitions."""

from __future__ import annotations

import hashlib

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .transitions import TransitionBlocked


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "conflict"
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "该记录已被他人修改，请刷新后重试"
    default_code = "stale"


def validation_error_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, TransitionBlocked):
        exc = Conflict(detail={"detail": str(exc), "reasons": exc.reasons})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, IntegrityError):
        # A concurrent request wrote the same row first (a unique or foreign key check).
        exc = Conflict(detail={"detail": _("该操作与同时进行的另一操作冲突，请刷新后重试")})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # A ValidationError about the input as a whole: the documented field-error shape.
        response.data = {"non_field_errors": response.data}
    return response


def etag_for(data) -> str:
    digest = hashlib.sha256(repr(sorted_items(data)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def sorted_items(data):
    if isinstance(data, dict):
        return sorted((k, sorted_items(v)) for k, v in data.items())
    if isinstance(data, list):
        return [sorted_items(v) for v in data]
    return data


class ETagMixin:
    """Detail GET answers an ETag; PUT/PATCH with If-Match must match it (else 412)."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(response.data)
        return response

    def check_if_match(self, request, instance):
        expected = request.headers.get("If-Match")
        if not expected:
            return
        current = etag_for(self.get_serializer(instance).data)
        if expected.strip() not in (current, "*"):
            raise PreconditionFailed()

    def update(self, request, *args, **kwargs):
        # Compare-and-set: the row stays locked from the If-Match check to the write, so
        # of concurrent writers holding one ETag exactly one wins; the others see the
        # winner's data, a different ETag, and get 412.
        with transaction.atomic():
            instance = self.get_object()
            if request.headers.get("If-Match"):
                type(instance)._default_manager.select_for_update().filter(pk=instance.pk).exists()
                self.check_if_match(request, self.get_object())
            response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_for(response.data)
        return response


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField()
    history_user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


def history_entries(instance) -> list[dict]:
    """Every historical record of instance, newest first, with field-level changes."""
    records = list(instance.history.select_related("history_user").order_by("-history_id"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [_change(type(instance), c) for c in delta.changes]
        entries.append(
            {
                "history_id": record.history_id,
                "history_date": record.history_date,
                "history_type": {"+": "created", "~": "changed", "-": "deleted"}[
                    record.history_type
                ],
                "history_user": record.history_user.label if record.history_user else None,
                "reason": record.history_change_reason,
                "changes": changes,
                "record": record,
            }
        )
    return entries


def _change(model, change) -> dict:
    """One field change: raw values (ids for relations) and what a person reads."""
    try:
        field = model._meta.get_field(change.field)
    except FieldDoesNotExist:
        field = None
    old, new = change.old, change.new
    if field is not None and field.many_to_many:
        target = field.m2m_reverse_field_name()
        old = [row[target] for row in old or [] if isinstance(row, dict) and target in row]
        new = [row[target] for row in new or [] if isinstance(row, dict) and target in row]
    return {
        "field": change.field,
        "label": str(field.verbose_name) if field is not None else change.field,
        "old": _plain(old),
        "new": _plain(new),
        "old_display": _display(field, old),
        "new_display": _display(field, new),
    }


def _display(field, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    if field is not None and field.is_relation and field.related_model is not None:
        ids = value if isinstance(value, list) else [value]
        objects = field.related_model._default_manager.in_bulk(ids)
        return "、".join(str(objects.get(pk, pk)) for pk in ids)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _plain(value):
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


class HistoryMixin:
    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        entries = history_entries(self.get_object())
        for entry in entries:
            entry.pop("record")
            # The API keeps raw values (ids, codes); labels are for pages.
            entry["changes"] = [
                {key: change[key] for key in ("field", "old", "new")} for change in entry["changes"]
            ]
        return Response(HistoryEntrySerializer(entries, many=True).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def transition_action(name: str, service, *, target: str, request_serializer=ReasonSerializer):
    """A POST action `/{id}/<name>/` calling `service(<target>=obj, actor=user, **body)`.

    Illegal or unready transitions answer 409 (TransitionBlocked), forbidden ones 403.
    """

    def view(self, request, pk=None):
        obj = self.get_object()
        body = request_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            service(**{target: obj}, actor=request.user, **body.validated_data)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data)

    # Named before decorating: the router maps the HTTP method to this name.
    view.__name__ = view.__qualname__ = name
    view = action(detail=True, methods=["post"], url_path=name, url_name=name, filter_backends=[])(
        view
    )
    return extend_schema(request=request_serializer)(view)
