from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import ActionItem, Meeting


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    autocomplete_fields = ["owner"]
    fields = ["text", "owner", "due_date", "status"]


def _run_each(modeladmin, request, objects, call, done: str):
    count = 0
    for obj in objects:
        try:
            call(obj)
        except (ValidationError, PermissionDenied) as error:
            text = "；".join(getattr(error, "messages", [])) or str(error)
            modeladmin.message_user(request, f"{obj}: {text}", level=messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{done}: {count}", level=messages.SUCCESS)


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "requirement", "kind", "held_at", "organizer", "published_at"]
    list_filter = ["kind", ("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["requirement", "organizer"]
    search_fields = ["title", "minutes", "requirement__number"]
    autocomplete_fields = ["organizer"]
    raw_id_fields = ["requirement"]
    filter_horizontal = ["attendees", "departments"]
    readonly_fields = ["published_at", "published_by", "subject_type", "subject_id"]
    inlines = [ActionItemInline]
    actions = ["publish_minutes"]

    @admin.action(description=_("发布纪要给全体组员"))
    def publish_minutes(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda m: services.meeting_publish(meeting=m, actor=request.user),
            _("已发布"),
        )

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["text", "meeting", "owner", "due_date", "status", "converted_id"]
    list_filter = ["status"]
    list_select_related = ["meeting", "owner"]
    search_fields = ["text"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["meeting"]
    readonly_fields = ["converted_type", "converted_id"]
    actions = ["convert_to_task"]

    @admin.action(description=_("转为任务"))
    def convert_to_task(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda item: services.action_item_convert(item=item, actor=request.user, to="task"),
            _("已转为任务"),
        )
