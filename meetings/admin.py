from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import ActionItem, Meeting, WeeklyOccurrence, WeeklySchedule


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


class WeeklyOccurrenceInline(admin.TabularInline):
    model = WeeklyOccurrence
    extra = 0
    fields = ["date", "meeting", "skipped_reason", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(SimpleHistoryAdmin):
    """Schedules are set by the leader on the requirement's meetings tab (or the API);
    here they are shown with their occurrences, which the action creates now."""

    list_display = ["requirement", "weekday", "time", "location", "active", "created_by"]
    list_filter = ["active", "weekday"]
    search_fields = ["requirement__number", "requirement__topic", "location"]
    list_select_related = ["requirement", "created_by"]
    fields = [
        "requirement",
        "weekday",
        "time",
        "duration_minutes",
        "location",
        "attendees",
        "active",
        "created_by",
    ]
    readonly_fields = fields
    inlines = [WeeklyOccurrenceInline]
    actions = ["create_coming"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("立即创建未来的协作例会"))
    def create_coming(self, request, queryset):
        from .recurring import weekly_meetings_create

        created = weekly_meetings_create(schedule_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("已处理 %(count)s 场协作例会") % {"count": len(created)}, messages.SUCCESS
        )
