from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who subscribes to a calendar; deleting a row (or the action) revokes the URL.
    The token itself is never shown here."""

    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("吊销所选日历订阅地址"))
    def revoke(self, request, queryset):
        count, _rows = queryset.delete()
        self.message_user(request, _("已吊销 %(count)s 个订阅地址") % {"count": count})
