from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "head"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["head"]
    autocomplete_fields = ["head"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "department", "is_coordinator", "is_staff"]
    list_filter = ["is_coordinator", "is_staff", "department"]
    list_select_related = ["department"]
    search_fields = ["username", "display_name", "first_name", "last_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("协作"), {"fields": ("department", "display_name", "phone", "is_coordinator")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("协作"), {"fields": ("department", "display_name", "is_coordinator")}),
    )
