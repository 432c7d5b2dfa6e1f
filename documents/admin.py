"""Admin for the document store. Files are added only through the upload checks
(pages and API), so versions and download logs are read-only here; deleting and
restoring go through the same services as the pages."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Document, DocumentGrant, DocumentVersion, DownloadLog


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = ["number", "original_name", "mime_type", "size", "sha256", "author", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class GrantInline(admin.TabularInline):
    model = DocumentGrant
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "requirement",
        "category",
        "owner",
        "group_access",
        "current_version",
        "updated_at",
        "deleted_at",
    ]
    list_filter = ["category", "group_access", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "requirement__number"]
    list_select_related = ["requirement", "owner", "current_version"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["requirement"]
    readonly_fields = [
        "content_type",
        "object_id",
        "linked_label",
        "current_version",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted_by",
    ]
    inlines = [VersionInline, GrantInline]
    actions = ["move_to_recycle_bin", "restore_from_recycle_bin", "purge_expired"]

    def has_add_permission(self, request):
        # A document needs its first file, which only the checked upload provides.
        return False

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    def _run(self, request, queryset, service, done):
        count = 0
        for document in queryset:
            try:
                service(document=document, actor=request.user)
            except (PermissionDenied, ValidationError) as error:
                text = "；".join(getattr(error, "messages", [])) or str(error)
                self.message_user(request, f"{document}: {text}", level=messages.ERROR)
            else:
                count += 1
        self.message_user(request, done % {"count": count}, level=messages.SUCCESS)

    @admin.action(description=_("移入回收站"))
    def move_to_recycle_bin(self, request, queryset):
        self._run(request, queryset, services.document_delete, _("已移入回收站：%(count)s 份"))

    @admin.action(description=_("从回收站恢复"))
    def restore_from_recycle_bin(self, request, queryset):
        self._run(request, queryset, services.document_restore, _("已恢复：%(count)s 份"))

    @admin.action(description=_("清除超过保留期的回收站文档"))
    def purge_expired(self, request, queryset):
        count = services.documents_purge_expired()
        self.message_user(request, _("已清除 %(count)s 份") % {"count": count})


@admin.register(DocumentVersion)
class DocumentVersionAdmin(SimpleHistoryAdmin):
    list_display = ["document", "number", "original_name", "size", "author", "created_at"]
    list_select_related = ["document", "author"]
    search_fields = ["document__title", "original_name", "sha256"]
    readonly_fields = [f.name for f in DocumentVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentGrant)
class DocumentGrantAdmin(SimpleHistoryAdmin):
    list_display = ["document", "department", "user", "level"]
    list_select_related = ["document", "department", "user"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["document"]


@admin.register(DownloadLog)
class DownloadLogAdmin(admin.ModelAdmin):
    list_display = ["downloaded_at", "document", "version", "user", "channel"]
    list_select_related = ["document", "version", "user"]
    list_filter = ["channel"]
    search_fields = ["document__title", "user__username"]
    readonly_fields = [f.name for f in DownloadLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
