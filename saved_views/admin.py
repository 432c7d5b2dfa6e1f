from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "register", "requirement", "owner", "shared", "created_at"]
    list_filter = ["register", "shared"]
    search_fields = ["name", "owner__username", "requirement__number"]
    list_select_related = ["owner", "requirement"]
    fields = ["owner", "register", "requirement", "name", "query", "shared", "created_at"]
    readonly_fields = ["owner", "register", "requirement", "query", "created_at"]

    def has_add_permission(self, request):
        return False
