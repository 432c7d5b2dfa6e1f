from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.core.transitions import TransitionBlocked

from . import registry as r
from . import services
from .models import ExportJob, ImportBatch, ImportRow
from .scope import visible_requirement


class ImportRowInline(admin.TabularInline):
    model = ImportRow
    extra = 0
    can_delete = False
    fields = ["row", "action", "key", "errors", "warnings", "values"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class UploadForm(forms.Form):
    register = forms.ChoiceField(label=gettext_lazy("登记表"))
    requirement = forms.IntegerField(
        label=gettext_lazy("需求 ID"),
        required=False,
        help_text=gettext_lazy("导入任务、风险或验收复盘时填写目标需求的 ID"),
    )
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["register"].choices = [(s.key, s.title) for s in r.sheets()]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "register", "object_id", "status", "total_rows"]
    list_display += ["error_rows", "warning_rows", "created_by", "created_at"]
    list_filter = ["status", "register"]
    list_select_related = ["created_by"]
    search_fields = ["original_name"]
    readonly_fields = [
        "register",
        "content_type",
        "object_id",
        "file",
        "original_name",
        "created_by",
        "status",
        "message",
        "total_rows",
        "create_rows",
        "update_rows",
        "error_rows",
        "warning_rows",
        "created_at",
        "applied_at",
    ]
    inlines = [ImportRowInline]
    actions = ["confirm_batches"]
    change_list_template = "admin/spreadsheets/importbatch/change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        extra = [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="spreadsheets_importbatch_upload",
            )
        ]
        return extra + super().get_urls()

    def upload_view(self, request):
        """Upload a workbook; the batch's change page then shows its preview rows."""
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            requirement = None
            if form.cleaned_data["requirement"]:
                requirement = visible_requirement(request.user, form.cleaned_data["requirement"])
                if requirement is None:
                    form.add_error("requirement", _("未找到该需求"))
            if not form.errors:
                try:
                    batch = services.import_upload(
                        actor=request.user,
                        register=form.cleaned_data["register"],
                        upload=form.cleaned_data["file"],
                        requirement=requirement,
                    )
                except ValidationError as error:
                    form.add_error(None, "；".join(error.messages))
                except PermissionDenied as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, _("已上传，请检查预览后确认导入"))
                    return redirect(
                        reverse("admin:spreadsheets_importbatch_change", args=[batch.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("上传 Excel 并预览"),
        }
        return TemplateResponse(request, "admin/spreadsheets/importbatch/upload.html", context)

    @admin.action(description=gettext_lazy("确认导入所选批次"))
    def confirm_batches(self, request, queryset):
        for batch in queryset:
            try:
                batch = services.import_confirm(batch=batch, actor=request.user)
            except (TransitionBlocked, PermissionDenied) as error:
                self.message_user(request, f"{batch}: {error}", level=messages.ERROR)
            else:
                self.message_user(
                    request, f"{batch}: {batch.message or batch.get_status_display()}"
                )


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "register", "file_format", "status", "total_rows", "created_by"]
    list_display += ["created_at", "finished_at"]
    list_filter = ["status", "register"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False
