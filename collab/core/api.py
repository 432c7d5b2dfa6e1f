"""Shared REST pieces: pagination, error mapping, ETags, history and transitions."""

from __future__ import annotations

import functools
import hashlib
from types import SimpleNamespace

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import serializers
from .history import history_entries
from .paging import BoundedPaginator
from .transitions import TransitionBlocked


class IdCursorPagination(CursorPagination):
    """Cursor pages in id order: each page is one index range, however deep the walk."""

    ordering = ("id",)
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        return self.ordering


class Pagination(PageNumberPagination):
    """Page numbers for people (`?page=3`); a cursor for integrations that walk a whole
    register (`?pagination=cursor`, then follow `next`): rows in id order, no count,
    each page as cheap as the first."""

    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_class = IdCursorPagination
    django_paginator_class = BoundedPaginator

    def _cursor(self, request) -> CursorPagination | None:
        params = request.query_params
        if params.get("pagination") == "cursor" or "cursor" in params:
            return self.cursor_class()
        return None

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_pager = self._cursor(request)
        if self.cursor_pager is not None:
            return self.cursor_pager.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if getattr(self, "cursor_pager", None) is not None:
            return self.cursor_pager.get_paginated_response(data)
        response = super().get_paginated_response(data)
        response.data["count_exact"] = self.page.paginator.count_exact
        return response

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        response["properties"]["count"]["description"] = (
            "Rows in the list, exact up to 10,000 past the page asked for (see "
            "`count_exact`). Absent in cursor pages."
        )
        response["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "false: there are more rows than `count`.",
        }
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "pagination",
                "required": False,
                "in": "query",
                "description": "`cursor`: pages in id order without a count, for walking "
                "everything; follow `next`.",
                "schema": {"type": "string", "enum": ["cursor"]},
            },
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The position of a cursor page (taken from `next`/`previous`).",
                "schema": {"type": "string"},
            },
        ]


class IdFormField(forms.IntegerField):
    """A row id in a query: digits only (`1.5` and `1.0` are invalid, not 1), a
    positive integer that fits the database column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = str(value).strip()
        if value not in self.empty_values and not (text.isascii() and text.isdigit()):
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(filters.NumberFilter):
    """Filter on a row id given as a plain integer."""

    field_class = IdFormField


def list_filtered(viewset, queryset, params):
    """The rows `viewset`'s list answers for the query `params`: its FilterSet and its
    `search` terms, for exports that take the list's filters. An invalid filter value
    raises ValidationError with the field errors, as the list answers 400 for it."""
    view = viewset()
    filterset_class = DjangoFilterBackend().get_filterset_class(view, queryset)
    if filterset_class is not None:
        filterset = filterset_class(params, queryset=queryset)
        if not filterset.is_valid():
            raise DjangoValidationError(
                {name: list(errors) for name, errors in filterset.errors.items()}
            )
        queryset = filterset.qs
    if getattr(view, "search_fields", None) and params.get("search"):
        request = SimpleNamespace(query_params=params)
        queryset = SearchFilter().filter_queryset(request, queryset, view)
    return queryset


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
        exc = Conflict(
            detail={
                "detail": _("该操作与同时进行的另一操作冲突，请刷新后重试"),
                "reasons": [integrity_reason(exc)],
            }
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # A ValidationError about the input as a whole: the documented field-error shape.
        response.data = {"non_field_errors": response.data}
    return response


@functools.cache
def _constraints_by_name() -> dict:
    return {
        constraint.name: constraint
        for model in apps.get_models()
        for constraint in model._meta.constraints
    }


def integrity_reason(error: IntegrityError) -> str:
    """The sentence of the constraint a write broke (its `violation_error_message`),
    named by the database; a general sentence when there is none."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    constraint = _constraints_by_name().get(name) if name else None
    if constraint is not None and (
        constraint.violation_error_message != constraint.default_violation_error_message
    ):
        return str(constraint.get_violation_error_message())
    return _("数据已被同时进行的另一操作修改")


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


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_display = serializers.CharField(allow_blank=True)
    new_display = serializers.CharField(allow_blank=True)


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField()
    history_user = serializers.CharField(allow_null=True)
    history_user_id = serializers.IntegerField(allow_null=True)
    actor_display = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


class HistoryMixin:
    """`GET …/{id}/history/`: the stored values (ids, codes) of every change, with the
    field's label and the display values beside them; an entry without a person
    (`history_user` null) was made by a rule and its reason names the rule."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        entries = history_entries(self.get_object())
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
