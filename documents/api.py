"""REST API: `documents/` with versions, download, permissions, recycle bin and history."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from collab.accounts.models import Department, User
from collab.core import serializers
from collab.core.api import ETagMixin, HistoryMixin, IdFilter, PreconditionFailed, etag_for
from requests_app.selectors import requirements_visible_to

from . import rules as perms
from . import services
from .models import Access, Category, Document, DocumentGrant, DocumentVersion, DownloadLog
from .selectors import access_summary, document_list, download_log, versions_of


class VersionSerializer(serializers.ModelSerializer):
    author_display = serializers.CharField(source="author.label", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "number",
            "original_name",
            "mime_type",
            "size",
            "sha256",
            "note",
            "author",
            "author_display",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("document-download", args=[obj.document_id]) + f"?version={obj.number}"


class LinkField(serializers.CharField):
    """The linked object as "app_label.model:id" (null when none)."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, value):
        if not value.content_type_id:
            return None
        content_type = value.content_type
        return f"{content_type.app_label}.{content_type.model}:{value.object_id}"


class DocumentSerializer(serializers.ModelSerializer):
    requirement_number = serializers.CharField(source="requirement.number", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    owner_display = serializers.CharField(source="owner.label", read_only=True)
    link = LinkField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="关联对象，格式 app_label.model:id，例如 tasks_app.task:12；空值取消关联",
    )
    current_version = VersionSerializer(read_only=True)
    access = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "requirement",
            "requirement_number",
            "title",
            "category",
            "category_display",
            "owner",
            "owner_display",
            "link",
            "linked_label",
            "group_access",
            "current_version",
            "access",
            "can_edit",
            "can_manage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["requirement", "owner", "linked_label", "group_access"]

    def _user(self):
        return self.context["request"].user

    def get_access(self, obj) -> list[str]:
        return access_summary(obj)

    def get_can_edit(self, obj) -> bool:
        return bool(perms.can_edit(self._user(), obj))

    def get_can_manage(self, obj) -> bool:
        return bool(perms.can_manage(self._user(), obj))

    def update(self, instance, validated_data):
        kwargs = {}
        if "title" in validated_data:
            kwargs["title"] = validated_data["title"]
        if "category" in validated_data:
            kwargs["category"] = validated_data["category"]
        if "link" in validated_data:
            kwargs["link"] = services.resolve_link(validated_data["link"] or None)
        return services.document_update(document=instance, actor=self._user(), **kwargs)


class DocumentCreateSerializer(serializers.Serializer):
    requirement = serializers.PrimaryKeyRelatedField(queryset=Document.objects.none())
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    file = serializers.FileField(allow_empty_file=True, max_length=1000)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    link = serializers.CharField(required=False, allow_blank=True, default="")
    group_access = serializers.ChoiceField(choices=Access.choices, default=Access.VIEW)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["requirement"].queryset = requirements_visible_to(request.user)


class VersionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=1000)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GrantSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), allow_null=True, required=False, default=None
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False, default=None
    )
    level = serializers.ChoiceField(choices=[Access.VIEW, Access.EDIT])

    def validate(self, attrs):
        if (attrs.get("department") is None) == (attrs.get("user") is None):
            raise serializers.ValidationError("每条授权须指定一个部门或一个人")
        return attrs


class PermissionsSerializer(serializers.Serializer):
    group_access = serializers.ChoiceField(choices=Access.choices)
    grants = GrantSerializer(many=True)


class DownloadLogSerializer(serializers.ModelSerializer):
    user_display = serializers.CharField(source="user.label", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = DownloadLog
        fields = ["id", "user", "user_display", "version", "downloaded_at", "channel"]


class DocumentFilter(filters.FilterSet):
    # Plain ids: filtering by a requirement one cannot see answers an empty list, the
    # same as one without documents, so ids are not probed.
    requirement = IdFilter(field_name="requirement_id", label="需求")
    owner = IdFilter(field_name="owner_id", label="负责人")

    class Meta:
        model = Document
        fields = ["requirement", "category", "owner"]


def _permissions_data(document) -> dict:
    grants = sorted(
        document.grants.all(),
        key=lambda g: (g.department_id is None, g.department_id or 0, g.user_id or 0),
    )
    return {
        "group_access": document.group_access,
        "grants": [
            {"department": g.department_id, "user": g.user_id, "level": g.level} for g in grants
        ],
    }


class DocumentViewSet(
    ETagMixin,
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Documents the caller may view. Upload with multipart POST; each further upload
    to `versions/` adds a version. Every other write is JSON. DELETE moves to the
    recycle bin."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["title"]
    ordering_fields = ["title", "category", "updated_at", "created_at"]

    def get_parsers(self):
        # Parsers are chosen before `self.action` is set: read the action off the method.
        method = getattr(self.request, "method", "") or ""
        if (self.action_map or {}).get(method.lower()) == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_queryset(self):
        deleted = self.action in ("restore", "recycle_bin")
        return document_list(self.request.user, deleted=deleted).order_by("-updated_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return DocumentCreateSerializer
        return super().get_serializer_class()

    @extend_schema(
        request={"multipart/form-data": DocumentCreateSerializer},
        responses={201: DocumentSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = DocumentCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        requirement = data["requirement"]
        link = services.resolve_link(data["link"], requirement=requirement)
        document = services.document_create(
            requirement=requirement,
            actor=request.user,
            title=data["title"],
            category=data["category"],
            upload=data["file"],
            note=data["note"],
            link=link,
            group_access=data["group_access"],
        )
        document = self.get_queryset().get(pk=document.pk)
        return Response(
            DocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.document_delete(document=instance, actor=self.request.user)

    @extend_schema(methods=["GET"], responses=VersionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": VersionUploadSerializer},
        responses={201: VersionSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def versions(self, request, pk=None):
        document = self.get_object()
        if request.method == "POST":
            body = VersionUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            version = services.document_add_version(
                document=document,
                actor=request.user,
                upload=body.validated_data["file"],
                note=body.validated_data["note"],
            )
            return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)
        return Response(VersionSerializer(versions_of(document), many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="版本号，缺省为最新版本")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def download(self, request, pk=None):
        document = self.get_object()
        raw = request.query_params.get("version")
        number = int(raw) if raw and raw.isdigit() else None
        if raw and number is None:
            raise serializers.ValidationError({"version": ["版本号须为正整数"]})
        version, handle = services.document_download(
            document=document, actor=request.user, number=number, channel="api"
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=version.original_name,
            content_type=version.mime_type,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Checksum-SHA256"] = version.sha256
        return response

    @extend_schema(request=PermissionsSerializer, responses=PermissionsSerializer)
    @action(detail=True, methods=["get", "put"], filter_backends=[], pagination_class=None)
    def permissions(self, request, pk=None):
        document = self.get_object()
        if not perms.can_manage(request.user, document):
            raise PermissionDenied("只有文档负责人、组长或管理员可以查看和修改权限")
        if request.method == "PUT":
            return self._put_permissions(request, document)
        data = _permissions_data(document)
        response = Response(data)
        response["ETag"] = etag_for(data)
        return response

    @transaction.atomic
    def _put_permissions(self, request, document):
        # The row stays locked from the If-Match check to the write (compare-and-set).
        expected = request.headers.get("If-Match")
        if expected:
            type(document)._default_manager.select_for_update().filter(pk=document.pk).exists()
            document = self.get_queryset().get(pk=document.pk)
            if expected.strip() not in (etag_for(_permissions_data(document)), "*"):
                raise PreconditionFailed()
        body = PermissionsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.document_set_permissions(
            document=document,
            actor=request.user,
            group_access=body.validated_data["group_access"],
            grants=[
                services.GrantSpec(
                    level=g["level"], department=g.get("department"), user=g.get("user")
                )
                for g in body.validated_data["grants"]
            ],
        )
        document = self.get_queryset().get(pk=document.pk)
        data = _permissions_data(document)
        response = Response(data)
        response["ETag"] = etag_for(data)
        return response

    @extend_schema(responses=DownloadLogSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def downloads(self, request, pk=None):
        document = self.get_object()
        if not perms.can_manage(request.user, document):
            raise PermissionDenied("只有文档负责人、组长或管理员可以查看下载记录")
        page = self.paginate_queryset(download_log(document))
        return self.get_paginated_response(DownloadLogSerializer(page, many=True).data)

    @extend_schema(responses=DocumentSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="recycle-bin")
    def recycle_bin(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=DocumentSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request, pk=None):
        document = self.get_object()
        services.document_restore(document=document, actor=request.user)
        document = document_list(request.user).get(pk=document.pk)
        return Response(self.get_serializer(document).data)


__all__ = ["DocumentGrant", "DocumentViewSet"]


def register(router):
    router.register("documents", DocumentViewSet, basename="document")
